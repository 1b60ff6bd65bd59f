package render

import (
	"fmt"
	"html/template"
	"strings"

	"github.com/yuin/goldmark/util"

	"tcpbook/internal/chapter"
	"tcpbook/internal/transcript"
)

// writeTable writes a table transcript ({#id .table}): its command as a
// console block shows it, then each markdown table of the output as an
// HTML table, captioned by the paragraph of output before it, and any
// other output as quiet text. It reports false, having written nothing,
// when the body is not one command whose output holds a table; the block
// is then shown as a console block (mdrun check reports it).
//
// On a narrow screen the table scrolls sideways in its own box, the first
// column (the series) staying put: the key columns come first in every
// netlab table, so that they are in view at 390 px without scrolling,
// and a column can still be read down, series against series, as the
// chapters compare them. Stacking each row into a card instead would
// make a six-row table some sixty lines long and put the k of one series
// a screen away from the next one's.
func (r *codeRenderer) writeTable(w util.BufWriter, b *chapter.Block) (bool, error) {
	shown, parts, ok := tableParts(b)
	if !ok {
		return false, nil
	}
	html, err := r.cache.Highlight("console", shown)
	if err != nil {
		return false, err
	}
	w.WriteString(html)
	esc := template.HTMLEscapeString
	n := 0
	for _, p := range parts {
		if p.Table == nil {
			w.WriteString("\n<p class=\"table-text\">" + esc(strings.Join(p.Text, "\n")) + "</p>")
			continue
		}
		n++
		t := p.Table
		w.WriteString("\n<div class=\"table-wrap\" tabindex=\"0\"")
		capID := ""
		if id := r.id(b); id != "" && len(p.Caption) > 0 {
			capID = fmt.Sprintf("%s-table-%d", id, n)
			fmt.Fprintf(w, ` role="region" aria-labelledby="%s"`, esc(capID))
		}
		w.WriteString(">\n<table class=\"results\">\n")
		if len(p.Caption) > 0 {
			w.WriteString("<caption")
			if capID != "" {
				fmt.Fprintf(w, ` id="%s"`, esc(capID))
			}
			// The span stays in view while the table scrolls (book.css).
			w.WriteString("><span>")
			for i, l := range p.Caption {
				if i > 0 {
					w.WriteString("<br>")
				}
				w.WriteString(esc(l))
			}
			w.WriteString("</span></caption>\n")
		}
		class := func(i int) string {
			if i < len(t.Align) && t.Align[i] != "" && t.Align[i] != "left" {
				return ` class="` + t.Align[i] + `"`
			}
			return ""
		}
		w.WriteString("<thead><tr>")
		for i, h := range t.Head {
			fmt.Fprintf(w, `<th scope="col"%s>%s</th>`, class(i), esc(h))
		}
		w.WriteString("</tr></thead>\n<tbody>\n")
		for _, row := range t.Rows {
			w.WriteString("<tr>")
			for i, c := range row {
				if i == 0 {
					// The row's name heads it, for a screen reader
					// as for the eye.
					fmt.Fprintf(w, `<th scope="row"%s>%s</th>`, class(i), esc(c))
					continue
				}
				fmt.Fprintf(w, `<td%s>%s</td>`, class(i), esc(c))
			}
			w.WriteString("</tr>\n")
		}
		w.WriteString("</tbody>\n</table>\n</div>")
	}
	return true, nil
}

// tableParts returns a table transcript's command as the block shows it
// and its output's parts, or false when the block is not one command
// whose output holds a table.
func tableParts(b *chapter.Block) (string, []transcript.OutputPart, bool) {
	cmds, err := transcript.Parse(b.Body)
	if err != nil || len(cmds) != 1 {
		return "", nil, false
	}
	parts, err := transcript.Tables(cmds[0].Output)
	if err != nil {
		return "", nil, false
	}
	return cmds[0].Shown, parts, true
}
