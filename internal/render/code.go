package render

import (
	"fmt"
	"html/template"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/alecthomas/chroma/v2"
	chromahtml "github.com/alecthomas/chroma/v2/formatters/html"
	"github.com/alecthomas/chroma/v2/lexers"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/renderer"
	"github.com/yuin/goldmark/util"

	"tcpbook/internal/chapter"
	"tcpbook/internal/transcript"
)

// FormatOptions are the options every code block is highlighted with:
// CSS classes rather than inline styles, so that one page can be shown in
// a light and a dark style (see CSS), and a <pre> that a keyboard can
// focus to scroll it.
func FormatOptions() []chromahtml.Option {
	return []chromahtml.Option{
		chromahtml.WithClasses(true),
		chromahtml.WithPreWrapper(preWrapper{}),
	}
}

type preWrapper struct{}

func (preWrapper) Start(code bool, styleAttr string) string {
	if code {
		return `<pre tabindex="0"` + styleAttr + `><code>`
	}
	return `<pre tabindex="0"` + styleAttr + `>`
}

func (preWrapper) End(code bool) string {
	if code {
		return "</code></pre>"
	}
	return "</pre>"
}

// codeRenderer renders a fenced code block as a figure: a caption that says
// what the block is (the file a listing writes, whether a transcript is
// verified), a copy button, and the code highlighted by chroma through a
// Cache.
type codeRenderer struct {
	ch     *chapter.Chapter
	blocks map[int]*chapter.Block // by the offset of the body, or the line of the fence
	ids    map[*chapter.Block]string
	opts   *Options
	cache  *Cache // opts.Cache, or one of its own
}

func newCodeRenderer(ch *chapter.Chapter, opts *Options) *codeRenderer {
	r := &codeRenderer{ch: ch, blocks: map[int]*chapter.Block{}, ids: BlockIDs(ch), opts: opts, cache: opts.Cache}
	if r.cache == nil {
		r.cache = NewCache()
	}
	for _, b := range ch.Blocks {
		if b.Body != "" {
			r.blocks[b.BodyStart] = b
		} else {
			r.blocks[-b.Line] = b
		}
	}
	return r
}

// block finds the chapter's block of a fenced code block.
func (r *codeRenderer) block(src []byte, n ast.Node) *chapter.Block {
	if lines := n.Lines(); lines.Len() > 0 {
		return r.blocks[lines.At(0).Start]
	}
	return r.blocks[-chapter.LineOf(src, n.Pos())]
}

func (r *codeRenderer) RegisterFuncs(reg renderer.NodeRendererFuncRegisterer) {
	reg.Register(ast.KindFencedCodeBlock, r.render)
}

func (r *codeRenderer) render(w util.BufWriter, src []byte, n ast.Node, entering bool) (ast.WalkStatus, error) {
	if !entering {
		return ast.WalkContinue, nil
	}
	b := r.block(src, n)
	if b == nil {
		b = &chapter.Block{Kind: chapter.Other}
	}
	if r.inherits(b) {
		r.writeInherited(w, b)
		return ast.WalkSkipChildren, nil
	}
	if b.Kind == chapter.Ladder && !r.opts.NoCode && r.writeLadder(w, b) {
		return ast.WalkSkipChildren, nil
	}
	class, caption, copyText := r.describe(b)
	tag := "div"
	if caption != "" {
		tag = "figure"
	}
	fmt.Fprintf(w, "<%s class=\"code %s\"", tag, class)
	if id := r.id(b); id != "" {
		fmt.Fprintf(w, " id=\"%s\"", template.HTMLEscapeString(id))
	}
	w.WriteString(">\n")
	if caption != "" {
		fmt.Fprintf(w, "<figcaption>%s</figcaption>\n", caption)
	}
	w.WriteString(`<button type="button" class="copy"`)
	if copyText != "" {
		fmt.Fprintf(w, ` data-copy="%s"`, template.HTMLEscapeString(copyText))
	}
	w.WriteString(">コピー</button>\n")
	write := r.writeCode
	switch {
	case r.opts.NoCode:
		write = func(util.BufWriter, []byte, ast.Node) error { return nil }
	case b.Kind == chapter.Diff:
		write = func(w util.BufWriter, _ []byte, _ ast.Node) error { return r.writeDiff(w, b.Body) }
	case b.Kind == chapter.Transcript && b.Table:
		write = func(w util.BufWriter, src []byte, n ast.Node) error {
			if ok, err := r.writeTable(w, b); ok || err != nil {
				return err
			}
			return r.writeCode(w, src, n)
		}
	}
	if err := write(w, src, n); err != nil {
		return ast.WalkStop, err
	}
	if note := r.removeNote(b); note != "" {
		fmt.Fprintf(w, "\n<p class=\"code-note\">%s</p>", note)
	}
	fmt.Fprintf(w, "\n</%s>\n", tag)
	return ast.WalkSkipChildren, nil
}

// writeCode writes the highlighted code, from the cache when it has it:
// Cache.Highlight is the one way code is highlighted, so that a page comes
// out the same whether or not the site's build highlighted it ahead.
func (r *codeRenderer) writeCode(w util.BufWriter, src []byte, n ast.Node) error {
	fc := n.(*ast.FencedCodeBlock)
	html, err := r.cache.Highlight(string(fc.Language(src)), chapter.CodeText(fc, src))
	if err != nil {
		return err
	}
	_, err = w.WriteString(html)
	return err
}

// A Cache keeps highlighted code, so that a block shown on two pages (a
// chapter's and the print page) is highlighted once, and a block that
// has not changed since the last build is not highlighted again. It keeps
// the tokens of code too, so that a program's page, made of its listings,
// is not tokenised again. It forgets what a build did not use (see Next).
// It is safe for concurrent use.
type Cache struct {
	mu       sync.Mutex
	cur, old map[string]any // key → HTML (string) or tokens ([]chroma.Token)
	// tokenised counts the texts tokenised, the most of the time that
	// highlighting takes.
	tokenised atomic.Int64
}

// Tokenised says how many texts the cache has tokenised, not found in
// it: what highlighting cost.
func (c *Cache) Tokenised() int64 { return c.tokenised.Load() }

// NewCache returns an empty cache.
func NewCache() *Cache { return &Cache{cur: map[string]any{}} }

// Do returns the HTML kept for key, or makes it with f and keeps it.
func (c *Cache) Do(key string, f func() (string, error)) (string, error) {
	v, err := c.do("html\x00"+key, func() (any, error) { return f() })
	if err != nil {
		return "", err
	}
	return v.(string), nil
}

func (c *Cache) do(key string, f func() (any, error)) (any, error) {
	c.mu.Lock()
	v, ok := c.cur[key]
	if !ok {
		v, ok = c.old[key]
		if ok {
			c.cur[key] = v
		}
	}
	c.mu.Unlock()
	if ok {
		return v, nil
	}
	v, err := f()
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.cur[key] = v
	c.mu.Unlock()
	return v, nil
}

// Tokens returns code tokenised as lang (chroma, coalesced), from the
// cache when it has it. The caller must not change them.
func (c *Cache) Tokens(lang, code string) ([]chroma.Token, error) {
	v, err := c.do("tokens\x00"+lang+"\x00"+code, func() (any, error) {
		c.tokenised.Add(1)
		if lang == "go" {
			if tokens, ok := lexGo(code); ok {
				return tokens, nil
			}
		}
		lexer := lexers.Get(lang)
		if lexer == nil {
			lexer = lexers.Fallback
		}
		it, err := chroma.Coalesce(lexer).Tokenise(nil, code)
		if err != nil {
			return nil, err
		}
		return it.Tokens(), nil
	})
	if err != nil {
		return nil, err
	}
	return v.([]chroma.Token), nil
}

// Lines returns code's tokens (Tokens) split into lines, each line's
// last token ending in its newline, from the cache when it has them: a
// program's page takes some lines of a listing, a declaration, from them.
// The caller must not change them.
func (c *Cache) Lines(lang, code string) ([][]chroma.Token, error) {
	v, err := c.do("lines\x00"+lang+"\x00"+code, func() (any, error) {
		tokens, err := c.Tokens(lang, code)
		if err != nil {
			return nil, err
		}
		return chroma.SplitTokensIntoLines(tokens), nil
	})
	if err != nil {
		return nil, err
	}
	return v.([][]chroma.Token), nil
}

// Highlight returns code highlighted as a fenced code block in lang is
// (chroma, FormatOptions, no line numbers), from the cache when it has it:
// a listing that a page has shown is not highlighted again.
func (c *Cache) Highlight(lang, code string) (string, error) {
	return c.Do(lang+"\x00"+code, func() (string, error) {
		tokens, err := c.Tokens(lang, code)
		if err != nil {
			return "", err
		}
		return Format(tokens)
	})
}

// Next starts a new build: what the last build used is kept, the rest is
// forgotten when this build ends.
func (c *Cache) Next() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.old, c.cur = c.cur, map[string]any{}
}

// describe returns a block's class, its caption (HTML) and, when the copy
// button copies something other than the code as shown, what it copies.
func (r *codeRenderer) describe(b *chapter.Block) (class, caption, copyText string) {
	esc := template.HTMLEscapeString
	lang := b.Lang
	if lang == "" {
		lang = "plain"
	}
	class = "lang-" + esc(lang)
	fileLink := func(label string) string {
		code := "<code>" + esc(b.File) + "</code>"
		if r.opts.ListingURL == nil {
			return code + label
		}
		url := r.opts.ListingURL(b)
		if url == "" {
			return code + label
		}
		return `<a href="` + esc(url) + `">` + code + `</a>` + label
	}
	switch b.Kind {
	case chapter.Listing:
		return class + " listing", r.withWhole(b, fileLink(r.baseNote(b))), ""
	case chapter.Excerpt:
		return class + " excerpt", fileLink(`<span class="note">（抜粋）</span>`), ""
	case chapter.Diff:
		return class + " diff", r.withWhole(b, r.diffCaption(b)), r.diffCopy(b)
	case chapter.Quote:
		return class + " quote", r.quoteCaption(b), ""
	case chapter.Transcript:
		copyText = Commands(b.Body)
		if b.Table {
			class += " table"
		}
		if b.Unverified != "" {
			return class + " transcript unverified",
				`<span class="badge">未検証</span> <span class="reason">` + esc(b.Unverified) + `</span>`,
				copyText
		}
		script := ""
		if r.opts.Script != nil {
			script = r.opts.Script(b.ID)
		}
		caption = `<span class="badge">✓ 実行して確認済み</span> <code class="id">` + esc(b.ID) + `</code>`
		if script != "" {
			caption += ` <span class="note">` + esc(script) + `</span>`
		}
		return class + " transcript verified", caption, copyText
	}
	return class, "", ""
}

// Commands is what the copy button of a console block copies: the
// commands without their "$ " prompt and without their output, each as
// the block shows it (a command continued with a backslash keeps its
// continuation lines), one a line.
func Commands(body string) string {
	cmds, err := transcript.Parse(body)
	if err != nil {
		return ""
	}
	var b strings.Builder
	for _, c := range cmds {
		b.WriteString(strings.TrimPrefix(c.Shown, "$ "))
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// funcFor returns the function nr renders nodes of the given kind with,
// so that a renderer can wrap another.
func funcFor(nr renderer.NodeRenderer, kind ast.NodeKind) renderer.NodeRendererFunc {
	c := &capture{kind: kind}
	nr.RegisterFuncs(c)
	return c.f
}

type capture struct {
	kind ast.NodeKind
	f    renderer.NodeRendererFunc
}

func (c *capture) Register(kind ast.NodeKind, f renderer.NodeRendererFunc) {
	if kind == c.kind {
		c.f = f
	}
}
