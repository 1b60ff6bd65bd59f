package render

import (
	"html/template"
	"strings"

	"github.com/yuin/goldmark/util"

	"tcpbook/internal/chapter"
	"tcpbook/internal/source"
)

// refLink is a diff's or a quote's file in a caption: its path from the
// book's root, linking to its page when there is one.
func (r *codeRenderer) refLink(ref *chapter.Ref) string {
	esc := template.HTMLEscapeString
	code := "<code>" + esc(ref.Path) + "</code>"
	if r.opts.RefURL == nil {
		return code
	}
	if url := r.opts.RefURL(ref); url != "" {
		return `<a href="` + esc(url) + `">` + code + `</a>`
	}
	return code
}

// diffCaption says what a diff compares: from → to, and the declaration.
func (r *codeRenderer) diffCaption(b *chapter.Block) string {
	esc := template.HTMLEscapeString
	name := func(ref *chapter.Ref) string {
		if ref.Name == "" {
			return ""
		}
		return ` の <code>` + esc(ref.Name) + `</code>`
	}
	caption := `<span class="badge">差分</span> ` + r.refLink(b.From)
	if b.From.Name != b.To.Name {
		caption += name(b.From)
	}
	caption += " → " + r.refLink(b.To) + name(b.To)
	return caption
}

// quoteCaption names the file and the declaration a quote shows.
func (r *codeRenderer) quoteCaption(b *chapter.Block) string {
	return r.refLink(b.From) + ` の <code>` + template.HTMLEscapeString(b.From.Name) +
		`</code><span class="note">（引用）</span>`
}

// diffCopy is what a diff's copy button copies.
func (r *codeRenderer) diffCopy(b *chapter.Block) string {
	if r.opts.NewText != nil {
		if s := r.opts.NewText(b); s != "" {
			return strings.TrimSuffix(s, "\n")
		}
	}
	return strings.TrimSuffix(source.NewSide(b.Body), "\n")
}

// writeDiff writes a diff's hunks: each line in its own element, a
// removed line as <del> and an added one as <ins>, with a gutter that
// shows − or + (not colour alone), and the code highlighted as Go. Each
// hunk's old side (its context and removed lines) and new side (context
// and added lines) are highlighted as a whole, so that a comment or a raw
// string spanning lines is highlighted as it is in the file. The --- and
// +++ lines are not shown: the caption names the files.
func (r *codeRenderer) writeDiff(w util.BufWriter, body string) error {
	w.WriteString(`<pre tabindex="0" class="chroma diff"><code>`)
	for _, h := range hunks(body) {
		if err := r.writeHunk(w, h.header, h.lines); err != nil {
			return err
		}
	}
	w.WriteString("</code></pre>")
	return nil
}

// A hunk is a diff's hunk: its @@ line, and its lines.
type hunk struct {
	header string
	lines  []string // each with its newline
}

// hunks splits a diff's body into its hunks, leaving out the --- and +++
// lines.
func hunks(body string) []hunk {
	lines := strings.SplitAfter(body, "\n")
	if n := len(lines); n > 0 && lines[n-1] == "" {
		lines = lines[:n-1]
	}
	i := 0
	for i < len(lines) && !strings.HasPrefix(lines[i], "@@") {
		i++ // the --- and +++ lines
	}
	var out []hunk
	for i < len(lines) {
		header := lines[i]
		i++
		j := i
		for j < len(lines) && !strings.HasPrefix(lines[j], "@@") {
			j++
		}
		out = append(out, hunk{header, lines[i:j]})
		i = j
	}
	return out
}

// sides are a hunk's old side (its context and removed lines) and its new
// side (context and added lines), each as Go code to highlight whole.
func (h hunk) sides() (old, new string) {
	var o, n strings.Builder
	for _, l := range h.lines {
		text := l[min(1, len(l)):]
		if !strings.HasSuffix(text, "\n") {
			text += "\n"
		}
		switch l[0] {
		case '-':
			o.WriteString(text)
		case '+':
			n.WriteString(text)
		case '\\': // \ No newline at end of file
		default:
			o.WriteString(text)
			n.WriteString(text)
		}
	}
	return o.String(), n.String()
}

// Ahead highlights into the cache what rendering the block asks it for:
// the code of a block, the command of a table transcript, or the two
// sides of each hunk of a diff. A site does it for every block, on every
// core, before rendering its pages.
func Ahead(cache *Cache, b *chapter.Block) {
	// An error shows again, and is reported, when the page is rendered.
	if b.Kind == chapter.Transcript && b.Table {
		// writeTable highlights the command alone.
		if shown, _, ok := tableParts(b); ok {
			_, _ = cache.Highlight("console", shown)
			return
		}
	}
	if b.Kind != chapter.Diff {
		if b.Body != "" {
			_, _ = cache.Highlight(b.Lang, b.Body)
		}
		return
	}
	for _, h := range hunks(b.Body) {
		old, new := h.sides()
		for _, side := range []string{old, new} {
			if side != "" {
				_, _ = cache.Highlight("go", side)
			}
		}
	}
}

func (r *codeRenderer) writeHunk(w util.BufWriter, header string, lines []string) error {
	old, new := hunk{header, lines}.sides()
	oldHTML, err := r.highlightedLines(old)
	if err != nil {
		return err
	}
	newHTML, err := r.highlightedLines(new)
	if err != nil {
		return err
	}
	esc := template.HTMLEscapeString
	w.WriteString(`<span class="line hunk">` + esc(strings.TrimSuffix(header, "\n")) + "\n</span>")
	o, n := 0, 0
	take := func(side []string, k *int) string {
		if *k < len(side) {
			*k++
			return side[*k-1]
		}
		return ""
	}
	for _, l := range lines {
		switch l[0] {
		case '-':
			w.WriteString(`<del class="line del"><span class="gutter">−</span>` + take(oldHTML, &o) + `</del>`)
		case '+':
			w.WriteString(`<ins class="line add"><span class="gutter">+</span>` + take(newHTML, &n) + `</ins>`)
		case '\\':
			w.WriteString(`<span class="line note">` + esc(l) + `</span>`)
		default:
			take(oldHTML, &o)
			w.WriteString(`<span class="line ctx"><span class="gutter"> </span>` + take(newHTML, &n) + `</span>`)
		}
	}
	return nil
}

// highlightedLines highlights Go code and returns the HTML of each line,
// as chroma writes it inside <span class="line">.
func (r *codeRenderer) highlightedLines(code string) ([]string, error) {
	if code == "" {
		return nil, nil
	}
	html, err := r.cache.Highlight("go", code)
	if err != nil {
		return nil, err
	}
	const line = `<span class="line">`
	parts := strings.Split(html, line)
	var out []string
	for _, p := range parts[1:] {
		// Each line is <span class="line"><span class="cl">...</span></span>;
		// keep the inner span.
		p = strings.TrimSuffix(p, "</code></pre>")
		out = append(out, strings.TrimSuffix(p, "</span>"))
	}
	return out, nil
}
