package render

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/yuin/goldmark/ast"
	east "github.com/yuin/goldmark/extension/ast"
	"github.com/yuin/goldmark/renderer"
	"github.com/yuin/goldmark/renderer/html"
	"github.com/yuin/goldmark/util"
)

// keepsBreak reports whether the soft line break after t stays a line
// break (which a browser shows as a space) or disappears.
//
// A line break inside a Japanese sentence is not a space: goldmark's CJK
// extension drops it when the characters on both sides are East Asian wide.
// But it only looks at a neighbouring text node, so a break next to inline
// code, emphasis or a link is dropped even between Latin words ("the\n`x`"
// became "the<code>x</code>") and kept between Japanese ones
// ("ソケットは\n**接続**" became "ソケットは 接続"). Here the characters on
// both sides are the ones a reader sees, looking into code spans, emphasis
// and links. The break disappears when both are wide, or when either is
// wide punctuation (。、「」（）), which carries its own space. So
// "を\n`net.Listen`" keeps its space, as the book writes "を `net.Listen`"
// on one line, and "。\n`net.Listen`" has none.
func keepsBreak(t *ast.Text, src []byte) bool {
	before, ok1 := lastRune(t, src)
	after, ok2 := firstRuneAfter(t, src)
	if !ok1 || !ok2 {
		return true
	}
	return !joins(before, after)
}

func joins(a, b rune) bool {
	wa, wb := util.IsEastAsianWideRune(a), util.IsEastAsianWideRune(b)
	return wa && wb || wa && unicode.IsPunct(a) || wb && unicode.IsPunct(b)
}

// lastRune is the last character shown at or before n, within its paragraph.
func lastRune(n ast.Node, src []byte) (rune, bool) {
	for ; n != nil; n = n.PreviousSibling() {
		if s := inlineText(n, src); s != "" {
			r, _ := utf8.DecodeLastRuneInString(s)
			return r, true
		}
	}
	return 0, false
}

// firstRuneAfter is the first character shown after n, within its
// paragraph: in a following sibling, or after n's parent when n ends an
// emphasis or a link.
func firstRuneAfter(n ast.Node, src []byte) (rune, bool) {
	for ; n != nil; n = n.Parent() {
		if n.Type() == ast.TypeBlock {
			return 0, false
		}
		for s := n.NextSibling(); s != nil; s = s.NextSibling() {
			if t := inlineText(s, src); t != "" {
				r, _ := utf8.DecodeRuneInString(t)
				return r, true
			}
		}
	}
	return 0, false
}

// inlineText is the text an inline node shows, without line breaks.
func inlineText(n ast.Node, src []byte) string {
	var b strings.Builder
	writeInline(&b, n, src, false)
	return b.String()
}

// writeInline writes the text an inline node shows. With breaks, soft line
// breaks are written as the page shows them (a space, or nothing between
// Japanese characters).
func writeInline(b *strings.Builder, n ast.Node, src []byte, breaks bool) {
	switch n := n.(type) {
	case *ast.Text:
		b.Write(n.Value(src))
		if breaks && (n.HardLineBreak() || n.SoftLineBreak() && keepsBreak(n, src)) {
			b.WriteByte(' ')
		}
		return
	case *ast.String:
		b.Write(n.Value)
		return
	case *ast.RawHTML, *ast.Image:
		// Markup, and pictures whose alt text is not shown.
		if _, ok := n.(*ast.Image); !ok {
			return
		}
	case *ast.AutoLink:
		b.Write(n.Label(src))
		return
	}
	for c := n.FirstChild(); c != nil; c = c.NextSibling() {
		writeInline(b, c, src, breaks)
	}
}

// PlainText is the text a node shows, as a reader would copy it from the
// page: inline markup removed, soft line breaks as the page shows them,
// blocks separated by a newline, code blocks as they are.
func PlainText(n ast.Node, src []byte) string {
	var b strings.Builder
	writeBlock(&b, n, src)
	return b.String()
}

func writeBlock(b *strings.Builder, n ast.Node, src []byte) {
	switch n.(type) {
	case *ast.FencedCodeBlock, *ast.CodeBlock:
		lines := n.Lines()
		for i := 0; i < lines.Len(); i++ {
			seg := lines.At(i)
			b.Write(seg.Value(src))
		}
		return
	case *ast.HTMLBlock:
		return
	}
	if n.Type() == ast.TypeInline {
		writeInline(b, n, src, true)
		return
	}
	for c := n.FirstChild(); c != nil; c = c.NextSibling() {
		writeBlock(b, c, src)
		if c.Type() == ast.TypeBlock || c.Kind() == east.KindTableCell {
			b.WriteByte('\n')
		}
	}
}

// textRenderer renders text nodes as goldmark's HTML renderer does, but
// decides soft line breaks with keepsBreak.
type textRenderer struct {
	html.Config
}

func (r *textRenderer) RegisterFuncs(reg renderer.NodeRendererFuncRegisterer) {
	reg.Register(ast.KindText, r.renderText)
}

func (r *textRenderer) renderText(w util.BufWriter, src []byte, node ast.Node, entering bool) (ast.WalkStatus, error) {
	if !entering {
		return ast.WalkContinue, nil
	}
	n := node.(*ast.Text)
	value := n.Value(src)
	if n.IsRaw() {
		r.Writer.RawWrite(w, value)
		return ast.WalkContinue, nil
	}
	r.Writer.Write(w, value)
	switch {
	case n.HardLineBreak():
		_, _ = w.WriteString("<br>\n")
	case n.SoftLineBreak() && keepsBreak(n, src):
		_ = w.WriteByte('\n')
	}
	return ast.WalkContinue, nil
}
