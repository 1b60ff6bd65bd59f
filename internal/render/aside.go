package render

import (
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/renderer"
	"github.com/yuin/goldmark/util"

	"tcpbook/internal/chapter"
)

// asideRenderer renders an aside (> [!NOTE] ...) as a box with its label:
//
//	<div class="aside aside-note" role="note">
//	<p class="aside-label"><svg class="aside-icon" aria-hidden="true" ...>...</svg>注</p>
//	<p>...</p>
//	</div>
//
// Not an <aside>: that is a complementary landmark, which axe wants at the
// top level of the page, not inside <main>, and unique by its name; a
// chapter has many. role="note" is the ARIA role of "a section whose
// content is parenthetic or ancillary to the main content", allowed
// anywhere. Besides its colour, the kind shows in the label's text and in
// the shape of its icon, which screen readers skip (aria-hidden): they
// read the label.
type asideRenderer struct{}

func (asideRenderer) RegisterFuncs(reg renderer.NodeRendererFuncRegisterer) {
	reg.Register(chapter.KindAside, renderAside)
}

func renderAside(w util.BufWriter, _ []byte, node ast.Node, entering bool) (ast.WalkStatus, error) {
	n := node.(*chapter.Aside)
	if !entering {
		_, _ = w.WriteString("</div>\n")
		return ast.WalkContinue, nil
	}
	kind := string(n.AsideKind)
	_, _ = w.WriteString(`<div class="aside aside-` + kind + `" role="note">` + "\n")
	_, _ = w.WriteString(`<p class="aside-label">` + asideIcon(n.AsideKind) + n.Label() + "</p>\n")
	return ast.WalkContinue, nil
}

// asideIcon is the icon of an aside's label, drawn in the label's colour:
// a circled i for a note, a light bulb for a tip, a speech bubble with !
// for important, a triangle with ! for a warning, an octagon with ! for a
// caution.
func asideIcon(k chapter.AsideKind) string {
	var shape string
	switch k {
	case chapter.AsideNote:
		shape = `<circle cx="8" cy="8" r="6.25"/><path d="M8 7.25v4"/><circle fill="currentColor" stroke="none" cx="8" cy="4.75" r="1"/>`
	case chapter.AsideTip:
		shape = `<path d="M6 11.75C4.55 10.9 3.5 9.4 3.5 7.5a4.5 4.5 0 0 1 9 0c0 1.9-1.05 3.4-2.5 4.25zM6.25 14.25h3.5"/>`
	case chapter.AsideImportant:
		shape = `<path d="M2.25 2.25h11.5v8.75H8.5l-3.25 2.75V11H2.25z"/><path d="M8 4.5v3"/><circle fill="currentColor" stroke="none" cx="8" cy="9.25" r=".9"/>`
	case chapter.AsideWarning:
		shape = `<path d="M8 1.75l6.5 12H1.5z"/><path d="M8 6.25v3.5"/><circle fill="currentColor" stroke="none" cx="8" cy="11.75" r=".9"/>`
	case chapter.AsideCaution:
		shape = `<path d="M5.25 1.5h5.5l3.75 3.75v5.5l-3.75 3.75h-5.5L1.5 10.75v-5.5z"/><path d="M8 4.75v3.75"/><circle fill="currentColor" stroke="none" cx="8" cy="11" r=".9"/>`
	}
	return `<svg class="aside-icon" viewBox="0 0 16 16" width="16" height="16" aria-hidden="true" focusable="false"` +
		` fill="none" stroke="currentColor" stroke-width="1.5" stroke-linecap="round" stroke-linejoin="round">` +
		shape + `</svg>`
}
