package site

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/alecthomas/chroma/v2"
	chromahtml "github.com/alecthomas/chroma/v2/formatters/html"
	"github.com/alecthomas/chroma/v2/lexers"
	"github.com/alecthomas/chroma/v2/styles"

	"tcpbook/internal/extract"
	"tcpbook/internal/render"
)

// numbered is the highlighted code of a program's page: every line
// numbered, with an id (L12) that a listing's caption links to.
//
// Highlighting takes most of the time of a build, and a program is its
// chapter's listings, which the chapter's page has highlighted already:
// the page is made of them, from the cache, with the lines that mdrun adds
// between them. Should the listings not make up the file as extract
// wrote it, the file is highlighted whole.
func numbered(cache *render.Cache, f *extract.File) (string, error) {
	if html, ok, err := fromListings(cache, f); ok || err != nil {
		return html, err
	}
	return numberedText(string(f.Content))
}

// numberedText highlights a Go file whole, every line numbered.
func numberedText(content string) (string, error) {
	it, err := chroma.Coalesce(lexers.Get("go")).Tokenise(nil, content)
	if err != nil {
		return "", err
	}
	opts := append(render.FormatOptions(), chromahtml.WithLineNumbers(true), chromahtml.WithLinkableLineNumbers(true, "L"))
	var code strings.Builder
	err = chromahtml.New(opts...).Format(&code, styles.Get(render.LightStyle), it)
	return code.String(), err
}

// fromListings makes the numbered code of a program from its listings,
// and reports whether they make up the file.
func fromListings(cache *render.Cache, f *extract.File) (string, bool, error) {
	const pre, post = `<pre tabindex="0" class="chroma"><code>`, "</code></pre>"
	content := string(f.Content)
	// The header that mdrun adds: the generated-code line, the checksum
	// line and a blank line; then the listings, a blank line between two.
	header := strings.SplitAfterN(content, "\n", 4)
	if len(header) < 4 {
		return "", false, nil
	}
	parts := []string{strings.Join(header[:3], "")}
	for i, b := range f.Blocks {
		if i > 0 {
			parts = append(parts, "\n")
		}
		parts = append(parts, strings.TrimRight(b.Body, "\n")+"\n")
	}
	if strings.Join(parts, "") != content {
		return "", false, nil
	}
	var code strings.Builder
	for _, part := range parts {
		html, err := cache.Highlight("go", part)
		if err != nil {
			return "", false, err
		}
		inner, ok1 := strings.CutPrefix(html, pre)
		inner, ok2 := strings.CutSuffix(inner, post)
		if !ok1 || !ok2 {
			return "", false, nil
		}
		code.WriteString(inner)
	}
	lines := strings.Count(content, "\n")
	html, n := numberLines(code.String(), lines)
	if n != lines {
		return "", false, nil
	}
	return pre + html + post, true, nil
}

// numberLines numbers the lines of chroma's HTML as chroma does with
// WithLineNumbers and WithLinkableLineNumbers(true, "L"), and returns how
// many it numbered.
func numberLines(html string, total int) (string, int) {
	const line = `<span class="line">`
	width := len(strconv.Itoa(total))
	var b strings.Builder
	n := 0
	for {
		i := strings.Index(html, line)
		if i < 0 {
			b.WriteString(html)
			return b.String(), n
		}
		n++
		b.WriteString(html[:i+len(line)])
		fmt.Fprintf(&b, `<span class="ln" id="L%d"><a class="lnlinks" href="#L%d">%*d</a></span>`, n, n, width, n)
		html = html[i+len(line):]
	}
}
