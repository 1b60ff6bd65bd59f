package render

import (
	"fmt"
	"html/template"

	"github.com/yuin/goldmark/util"

	"tcpbook/internal/chapter"
	"tcpbook/internal/ladder"
)

// writeLadder draws a ladder block as an SVG (static, made here, no
// script) with its text form below it, folded, for a screen reader (the
// drawing is one image to it, with a title and a description) and for
// reading the numbers. It returns false, having written nothing, for a
// body that is not a ladder's text form (empty, or broken: mdrun check
// says which), which is shown as it is instead.
func (r *codeRenderer) writeLadder(w util.BufWriter, b *chapter.Block) bool {
	d, err := ladder.Parse(b.Body)
	if err != nil {
		return false
	}
	esc := template.HTMLEscapeString
	id := r.id(b)
	capture := b.From.Written
	fmt.Fprintf(w, "<figure class=\"ladder\" id=\"%s\">\n", esc(id))
	fmt.Fprintf(w, "<figcaption><span class=\"badge\">✓ キャプチャから作図</span> <code>%s</code>", esc(capture))
	if note := d.SideNote(); note != "" {
		fmt.Fprintf(w, " <span class=\"note\">%s</span>", esc(note))
	}
	w.WriteString("</figcaption>\n")
	w.WriteString("<div class=\"ladder-drawing\">\n")
	w.WriteString(d.SVG(id+"-svg", capture+" のパケットのやりとり"))
	w.WriteString("\n</div>\n")
	fmt.Fprintf(w, "<details class=\"ladder-text\"><summary>テキストで読む</summary>\n<pre><code>%s</code></pre></details>\n", esc(b.Body))
	w.WriteString("</figure>\n")
	return true
}
