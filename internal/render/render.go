// Package render turns a chapter into HTML with the book's goldmark: the
// configuration the chapter was parsed and checked with
// (chapter.Markdown: GFM and CJK), so what is checked is what is shown,
// extended for reading:
//
//   - headings get ids that keep their Japanese (see IDs), unique on the
//     page, and a ¶ link to themselves;
//   - a soft line break between Japanese characters is not a space, also
//     next to inline code, emphasis and links (see keepsBreak);
//   - code is highlighted as chroma highlights it (Cache.Highlight), with
//     CSS classes so that the page has a light and a dark style (CSS); Go
//     is tokenised by a lexer of its own that makes chroma's tokens
//     (lexGo), and the HTML written as chroma's formatter writes it
//     (Formatter), in a fraction of the time;
//   - a listing is captioned with the file it writes, linking to it and,
//     at the right, to the whole program at the listing's code
//     (プログラム全体); a listing of a program that grows from another
//     chapter's (base=) says what it starts as and what it removes, and
//     one with nothing in it is a line that says so (see grow.go); a
//     listing, and a diff that defines a declaration, has an id that a
//     program's page links back to (BlockIDs); a transcript says whether
//     a script verifies it, or why not; every code block has a copy
//     button, which on a transcript copies the commands only;
//   - a diff shows its removed and added lines marked by a − or + in a
//     gutter and as <del> and <ins>, highlighted as Go, under a caption
//     linking both files, and copies its new side; a quote is captioned
//     with its file and declaration, linking to that line of the file;
//   - links to other files of the repository are rewritten by the caller
//     (Options.Link), and those to a missing id on the page are reported
//     at their markdown line;
//   - a block quote that starts with GitHub's alert marker ([!NOTE],
//     [!TIP], [!IMPORTANT], [!WARNING], [!CAUTION]) is an aside: a box
//     with role=note and a Japanese label (注, ヒント, 重要, 警告, 注意);
//   - a table scrolls on its own on a narrow screen;
//   - a transcript marked .table shows its command as a console block
//     does and the markdown table of its output as an HTML table,
//     captioned by the output's paragraph before it (see writeTable).
//
// It renders the tree the chapter package parsed; it never parses the
// markdown again.
package render

import (
	"html/template"
	"net/url"
	"strings"

	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	east "github.com/yuin/goldmark/extension/ast"
	"github.com/yuin/goldmark/renderer"
	"github.com/yuin/goldmark/renderer/html"
	"github.com/yuin/goldmark/util"

	"tcpbook/internal/chapter"
	"tcpbook/internal/diag"
)

// Options say how the pieces of a chapter that point elsewhere are
// rendered. The zero value renders a chapter on its own.
type Options struct {
	// IDPrefix is put before every id the chapter defines, and before the
	// fragment of every link within the chapter, so that several chapters
	// can share a page.
	IDPrefix string
	// Taken lists ids that the page around the chapter uses.
	Taken []string
	// Link maps the destination of a link or image that is not a
	// fragment of this page (#...) to the URL the page uses, or reports
	// why it cannot. Nil keeps destinations as written.
	Link func(dest string) (string, error)
	// ListingURL gives the URL a listing's or an excerpt's caption links
	// to, or "" for none: the page of the program it belongs to, at the
	// line where the listing's code is. A diff that defines a declaration
	// (chapter.Block.Defines) links there too, at that declaration.
	ListingURL func(b *chapter.Block) string
	// Base says what the program a listing writes grows from (base=),
	// for every listing of such a program; nil, or a nil func, for any
	// other listing.
	Base func(b *chapter.Block) *Base
	// Use says where the declaration that a listing with use= stands
	// for is: its chapter and the program's page at it, or nil.
	Use func(b *chapter.Block) *Base
	// Script names the script that verifies a transcript, or "".
	Script func(id string) string
	// RefURL gives the URL of the page that shows the file a diff or a
	// quote names, at the first line of what it names, or "" for none.
	RefURL func(r *chapter.Ref) string
	// NewText gives what a diff's copy button copies: its new side as a
	// reader would paste it (the whole declaration, say). Nil, or "",
	// copies the new side of the diff's hunks.
	NewText func(b *chapter.Block) string
	// Cache, if set, keeps highlighted code between calls.
	Cache *Cache
	// NoCode leaves the code of code blocks out, for a caller that wants
	// only the problems (links), quickly.
	NoCode bool
}

// A Base is the file that a program grows from: another chapter's
// program (base=).
type Base struct {
	Chapter    string // the chapter, as the book names it: 第4章
	ChapterURL string // where that chapter shows the file, or ""
	File       string // the file, from its chapter's directory: server/main.go
	URL        string // the file's page, or ""
}

// A Heading is a heading of the page, for its table of contents.
type Heading struct {
	Level int
	ID    string // with the IDPrefix
	Text  string
}

// A Section is the text from a heading to the next one, for search. The
// text before the first heading below the title has the ID "".
type Section struct {
	ID    string
	Title string
	Text  string
}

// A Page is a rendered chapter.
type Page struct {
	Title    string // the text of the first level-1 heading
	HTML     template.HTML
	Headings []Heading // below the title, in order
	Sections []Section
}

// Chapter renders ch. Problems (a link to an id the page does not have,
// a link that opts.Link rejects) are reported at their markdown line.
func Chapter(ch *chapter.Chapter, opts Options) (*Page, diag.List) {
	src := ch.Source
	page := &Page{}
	ids, headingIDs, order := assignIDs(ch, opts)
	for _, h := range order {
		text := strings.TrimSpace(inlineText(h, src))
		if h.Level == 1 && page.Title == "" {
			page.Title = text
		} else if h.Level > 1 {
			page.Headings = append(page.Headings, Heading{Level: h.Level, ID: headingIDs[h], Text: text})
		}
	}
	page.Sections = sections(ch.Doc, src, headingIDs, page.Title)

	var errs diag.List
	md := chapter.Markdown()
	links := &linkRenderer{
		Config: html.NewConfig(),
		opts:   &opts,
		has:    func(id string) bool { return ids.used[id] },
		err: func(n ast.Node, format string, args ...any) {
			errs.Add(ch.Path, chapter.LineOf(src, n.Pos()), format, args...)
		},
	}
	table := extension.NewTableHTMLRenderer()
	md.Renderer().AddOptions(renderer.WithNodeRenderers(
		util.Prioritized(&headingRenderer{ids: headingIDs}, 100),
		util.Prioritized(links, 100),
		util.Prioritized(&textRenderer{Config: html.NewConfig()}, 100),
		util.Prioritized(asideRenderer{}, 100),
		util.Prioritized(newCodeRenderer(ch, &opts), 100),
		util.Prioritized(&tableRenderer{table: table, render: funcFor(table, east.KindTable)}, 100),
	))
	// A page is some three to five times its markdown: room for it
	// up front, rather than a copy at each doubling (and none at the
	// end, as a bytes.Buffer's String makes).
	var buf strings.Builder
	buf.Grow(len(src) * 5)
	if err := md.Renderer().Render(&buf, src, ch.Doc); err != nil {
		errs.Add(ch.Path, 0, "rendering: %v", err)
	}
	page.HTML = template.HTML(buf.String())
	return page, errs
}

// Anchors lists the ids that a chapter rendered on its own page defines:
// its headings', its transcripts' and its listings' (BlockIDs). A link from elsewhere may end in
// any of them.
func Anchors(ch *chapter.Chapter, opts Options) map[string]bool {
	opts.IDPrefix = ""
	_, headingIDs, _ := assignIDs(ch, opts)
	anchors := map[string]bool{}
	for _, id := range headingIDs {
		anchors[id] = true
	}
	for _, b := range ch.Blocks {
		if b.ID != "" {
			anchors[b.ID] = true
		}
	}
	for _, id := range BlockIDs(ch) {
		anchors[id] = true
	}
	return anchors
}

// assignIDs gives each heading of the chapter its id, with the prefix,
// after the ids of the page's template and of the chapter's blocks.
// It returns the ids in use and the headings in order.
func assignIDs(ch *chapter.Chapter, opts Options) (*IDs, map[*ast.Heading]string, []*ast.Heading) {
	ids := NewIDs(opts.Taken...)
	for _, b := range ch.Blocks {
		if b.ID != "" {
			ids.Put([]byte(b.ID))
		}
	}
	for _, id := range BlockIDs(ch) {
		ids.Put([]byte(id))
	}
	headingIDs := map[*ast.Heading]string{}
	var order []*ast.Heading
	_ = ast.Walk(ch.Doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		h, ok := n.(*ast.Heading)
		if !entering || !ok {
			return ast.WalkContinue, nil
		}
		text := strings.TrimSpace(inlineText(h, ch.Source))
		headingIDs[h] = opts.IDPrefix + string(ids.Generate([]byte(text), ast.KindHeading))
		order = append(order, h)
		return ast.WalkSkipChildren, nil
	})
	return ids, headingIDs, order
}

// sections splits the document at its headings below the title.
func sections(doc ast.Node, src []byte, ids map[*ast.Heading]string, title string) []Section {
	cur := Section{Title: title}
	var out []Section
	var text strings.Builder
	flush := func() {
		cur.Text = text.String()
		if cur.Text != "" || cur.ID != "" {
			out = append(out, cur)
		}
		text.Reset()
	}
	for n := doc.FirstChild(); n != nil; n = n.NextSibling() {
		if h, ok := n.(*ast.Heading); ok {
			if h.Level == 1 {
				continue
			}
			flush()
			cur = Section{ID: ids[h], Title: strings.TrimSpace(inlineText(h, src))}
			continue
		}
		text.WriteString(PlainText(n, src))
		text.WriteByte('\n')
	}
	flush()
	return out
}

type headingRenderer struct {
	ids map[*ast.Heading]string
}

func (r *headingRenderer) RegisterFuncs(reg renderer.NodeRendererFuncRegisterer) {
	reg.Register(ast.KindHeading, r.render)
}

func (r *headingRenderer) render(w util.BufWriter, _ []byte, node ast.Node, entering bool) (ast.WalkStatus, error) {
	n := node.(*ast.Heading)
	id := template.HTMLEscapeString(r.ids[n])
	level := "0123456"[n.Level]
	if entering {
		_, _ = w.WriteString("<h")
		_ = w.WriteByte(level)
		_, _ = w.WriteString(` id="` + id + `">`)
		return ast.WalkContinue, nil
	}
	if n.Level > 1 {
		_, _ = w.WriteString(` <a class="anchor" href="#` + id + `" aria-label="この節へのリンク">¶</a>`)
	}
	_, _ = w.WriteString("</h")
	_ = w.WriteByte(level)
	_, _ = w.WriteString(">\n")
	return ast.WalkContinue, nil
}

// linkRenderer renders links and images with their destinations resolved.
type linkRenderer struct {
	html.Config
	opts *Options
	has  func(id string) bool
	err  func(n ast.Node, format string, args ...any)
}

func (r *linkRenderer) RegisterFuncs(reg renderer.NodeRendererFuncRegisterer) {
	reg.Register(ast.KindLink, r.renderLink)
	reg.Register(ast.KindImage, r.renderImage)
}

func (r *linkRenderer) resolve(n ast.Node, dest string) string {
	if frag, ok := strings.CutPrefix(dest, "#"); ok {
		id, err := url.PathUnescape(frag)
		if err != nil || !r.has(id) {
			r.err(n, "link to %s: no heading or transcript on this page has that id", dest)
		}
		return "#" + r.opts.IDPrefix + id
	}
	if r.opts.Link == nil {
		return dest
	}
	u, err := r.opts.Link(dest)
	if err != nil {
		r.err(n, "link to %s: %v", dest, err)
	}
	return u
}

func (r *linkRenderer) renderLink(w util.BufWriter, _ []byte, node ast.Node, entering bool) (ast.WalkStatus, error) {
	n := node.(*ast.Link)
	if !entering {
		_, _ = w.WriteString("</a>")
		return ast.WalkContinue, nil
	}
	dest := r.resolve(n, string(n.Destination))
	_, _ = w.WriteString(`<a href="`)
	r.writeURL(w, dest)
	_ = w.WriteByte('"')
	if n.Title != nil {
		_, _ = w.WriteString(` title="`)
		r.Writer.Write(w, n.Title)
		_ = w.WriteByte('"')
	}
	_ = w.WriteByte('>')
	return ast.WalkContinue, nil
}

func (r *linkRenderer) renderImage(w util.BufWriter, src []byte, node ast.Node, entering bool) (ast.WalkStatus, error) {
	if !entering {
		return ast.WalkContinue, nil
	}
	n := node.(*ast.Image)
	dest := r.resolve(n, string(n.Destination))
	_, _ = w.WriteString(`<img src="`)
	r.writeURL(w, dest)
	_, _ = w.WriteString(`" alt="`)
	_, _ = w.WriteString(template.HTMLEscapeString(inlineText(n, src)))
	_ = w.WriteByte('"')
	if n.Title != nil {
		_, _ = w.WriteString(` title="`)
		r.Writer.Write(w, n.Title)
		_ = w.WriteByte('"')
	}
	_ = w.WriteByte('>')
	return ast.WalkSkipChildren, nil
}

func (r *linkRenderer) writeURL(w util.BufWriter, dest string) {
	u := util.URLEscape([]byte(dest), true)
	if !html.IsDangerousURL(u) {
		_, _ = w.Write(util.EscapeHTML(u))
	}
}

// tableRenderer wraps a table in a box that scrolls sideways when the
// table is wider than the screen, and that a keyboard can focus to scroll.
type tableRenderer struct {
	table  renderer.NodeRenderer
	render renderer.NodeRendererFunc
}

func (r *tableRenderer) SetOption(name renderer.OptionName, value any) {
	if s, ok := r.table.(renderer.SetOptioner); ok {
		s.SetOption(name, value)
	}
}

func (r *tableRenderer) RegisterFuncs(reg renderer.NodeRendererFuncRegisterer) {
	reg.Register(east.KindTable, r.renderTable)
	reg.Register(east.KindTableCell, r.renderCell)
}

// renderCell renders a cell as goldmark does, but writes its alignment
// without adding it to the node's attributes, where a second rendering
// (the print page's) would find it and write it twice.
func (r *tableRenderer) renderCell(w util.BufWriter, _ []byte, node ast.Node, entering bool) (ast.WalkStatus, error) {
	n := node.(*east.TableCell)
	tag := "td"
	if n.Parent().Kind() == east.KindTableHeader {
		tag = "th"
	}
	if !entering {
		_, _ = w.WriteString("</" + tag + ">\n")
		return ast.WalkContinue, nil
	}
	_, _ = w.WriteString("<" + tag)
	if n.Alignment != east.AlignNone {
		_, _ = w.WriteString(` style="text-align:` + n.Alignment.String() + `"`)
	}
	_ = w.WriteByte('>')
	return ast.WalkContinue, nil
}

func (r *tableRenderer) renderTable(w util.BufWriter, src []byte, n ast.Node, entering bool) (ast.WalkStatus, error) {
	if entering {
		_, _ = w.WriteString(`<div class="table-wrap" tabindex="0">` + "\n")
	}
	status, err := r.render(w, src, n, entering)
	if !entering {
		_, _ = w.WriteString("</div>\n")
	}
	return status, err
}
