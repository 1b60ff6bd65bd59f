package chapter

import (
	"bytes"
	"strings"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
)

// Asides: a detour set apart from the main text, written in GitHub's alert
// syntax, so that GitHub shows the same boxes as the book:
//
//	> [!NOTE]
//	> Host ヘッダーの細かい話は……
//	>
//	> 二つ目の段落
//
// The marker is one of [!NOTE], [!TIP], [!IMPORTANT], [!WARNING] and
// [!CAUTION], in any case, alone on the quote's first line. Otherwise the
// quote stays a quote, as on GitHub:
//
//   - text after the marker on its line ("> [!NOTE] 本文") makes an
//     ordinary quote;
//   - only a quote at the top level of the chapter is an aside: in a list
//     item or in another quote, the marker stays text ("Alerts cannot be
//     nested within other elements", says GitHub's documentation);
//   - a quote with nothing after the marker is an ordinary quote too.
//
// asideProblems reports the last two, and a marker of a kind GitHub does
// not know, as mistakes.

// An AsideKind is the kind of an aside, named as in its class: "note",
// "tip", "important", "warning" or "caution".
type AsideKind string

const (
	AsideNote      AsideKind = "note"      // [!NOTE]
	AsideTip       AsideKind = "tip"       // [!TIP]
	AsideImportant AsideKind = "important" // [!IMPORTANT]
	AsideWarning   AsideKind = "warning"   // [!WARNING]
	AsideCaution   AsideKind = "caution"   // [!CAUTION]
)

// asideLabels are the labels the book shows, by kind.
var asideLabels = map[AsideKind]string{
	AsideNote:      "注",
	AsideTip:       "ヒント",
	AsideImportant: "重要",
	AsideWarning:   "警告",
	AsideCaution:   "注意",
}

// Label is the label the book shows on an aside of kind k.
func (k AsideKind) Label() string { return asideLabels[k] }

// KindAside is the goldmark node kind of an Aside.
var KindAside = ast.NewNodeKind("Aside")

// An Aside is a quote that begins with an aside's marker: its children are
// the quote's, without the marker.
type Aside struct {
	ast.BaseBlock
	AsideKind AsideKind
}

// Kind implements ast.Node.
func (n *Aside) Kind() ast.NodeKind { return KindAside }

// Label is the label the book shows on the aside: 注, ヒント, ...
func (n *Aside) Label() string { return n.AsideKind.Label() }

// Dump implements ast.Node.
func (n *Aside) Dump(src []byte, level int) {
	ast.DumpHelper(n, src, level, map[string]string{"AsideKind": string(n.AsideKind)}, nil)
}

// asideTransformer turns each quote at the top level of the document that
// begins with an aside's marker, alone on its line, and goes on after it
// into an Aside.
type asideTransformer struct{}

func (asideTransformer) Transform(doc *ast.Document, reader text.Reader, _ parser.Context) {
	src := reader.Source()
	for n := doc.FirstChild(); n != nil; {
		next := n.NextSibling()
		if bq, ok := n.(*ast.Blockquote); ok {
			if m := asideMarkerOf(bq, src); m != nil && m.kind != "" && !m.empty {
				doc.ReplaceChild(doc, bq, m.convert(bq))
			}
		}
		n = next
	}
}

// An asideMarker is the marker a quote begins with.
type asideMarker struct {
	word  string // between "[!" and "]", as written
	kind  AsideKind
	para  *ast.Paragraph // the quote's first paragraph, whose first line is the marker
	end   int            // the offset in the source after the marker's line
	empty bool           // nothing follows the marker in the quote
}

// asideMarkerOf returns the marker that the quote begins with: "[!WORD]"
// alone on the first line of its first paragraph, where WORD is any word
// (kind is "" when it is not one of the five). It returns nil when the
// quote does not begin with one.
func asideMarkerOf(bq *ast.Blockquote, src []byte) *asideMarker {
	p, ok := bq.FirstChild().(*ast.Paragraph)
	if !ok || p.Lines().Len() == 0 {
		return nil
	}
	first := p.Lines().At(0)
	line := bytes.TrimSpace(first.Value(src))
	word, ok := bytes.CutPrefix(line, []byte("[!"))
	if !ok {
		return nil
	}
	word, ok = bytes.CutSuffix(word, []byte("]"))
	if !ok || len(word) == 0 || bytes.ContainsAny(word, " \t[]") {
		return nil
	}
	m := &asideMarker{word: string(word), para: p, end: first.Stop}
	if k := AsideKind(strings.ToLower(m.word)); k.Label() != "" {
		m.kind = k
	}
	m.empty = p.Lines().Len() == 1 && p.NextSibling() == nil
	return m
}

// convert returns the Aside that replaces bq, taking its children, and
// removes the marker: the inline nodes of its line, with the line break
// after them, and the first paragraph if nothing else is left in it.
func (m *asideMarker) convert(bq *ast.Blockquote) *Aside {
	p := m.para
	for c := p.FirstChild(); c != nil && onLine(c, m.end); {
		next := c.NextSibling()
		p.RemoveChild(p, c)
		c = next
	}
	lines := p.Lines()
	lines.SetSliced(1, lines.Len())
	if !p.HasChildren() {
		bq.RemoveChild(bq, p)
	}
	a := &Aside{AsideKind: m.kind}
	a.SetPos(bq.Pos())
	a.SetBlankPreviousLines(bq.HasBlankPreviousLines())
	for c := bq.FirstChild(); c != nil; {
		next := c.NextSibling()
		a.AppendChild(a, c) // moves c out of bq
		c = next
	}
	return a
}

// onLine reports whether inline node c begins before end, on the marker's
// line.
func onLine(c ast.Node, end int) bool {
	pos := c.Pos()
	if t, ok := c.(*ast.Text); ok {
		pos = t.Segment.Start
	}
	return pos >= 0 && pos < end
}

// asideProblems reports, at the line of the marker, each quote that seems
// meant for an aside and is not one: a marker of a kind GitHub does not
// know ([!NOTES]), one with nothing after it, and one not at the top level
// of the document (in a list item or another quote), which GitHub shows as
// text. It takes the document as Markdown parsed it, whose asides are
// already Aside nodes.
func asideProblems(doc ast.Node, src []byte, report func(line int, format string, args ...any)) {
	lines := lineStarts(src)
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		bq, ok := n.(*ast.Blockquote)
		if !entering || !ok {
			return ast.WalkContinue, nil
		}
		m := asideMarkerOf(bq, src)
		if m == nil {
			return ast.WalkContinue, nil
		}
		line := lineOf(lines, m.para.Lines().At(0).Start)
		marker := "[!" + m.word + "]"
		switch {
		case m.kind == "":
			report(line, "unknown aside %s: use [!NOTE], [!TIP], [!IMPORTANT], [!WARNING] or [!CAUTION]", marker)
		case bq.Parent().Kind() != ast.KindDocument:
			report(line, "aside %s is not at the top level: GitHub shows an aside in a list item or a quote as text; move it out", marker)
		case m.empty:
			report(line, "aside %s has nothing in it: write its text on the lines after the marker, each starting with >", marker)
		}
		return ast.WalkContinue, nil
	})
}

// withAsides is the option of Markdown that makes asides.
func withAsides() goldmark.Option {
	return goldmark.WithParserOptions(parser.WithASTTransformers(util.Prioritized(asideTransformer{}, 100)))
}
