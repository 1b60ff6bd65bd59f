package render

import (
	"html"
	"strconv"
	"strings"
	"sync"

	"github.com/alecthomas/chroma/v2"
	chromahtml "github.com/alecthomas/chroma/v2/formatters/html"
)

// Writing the HTML of highlighted code, after tokenising it, is the most
// of what a build does: chroma's formatter writes each token through fmt.
// A Formatter writes what chroma's HTML formatter writes with the book's
// options (FormatOptions: classes, the book's <pre>), with or without
// linkable line numbers, by appending strings; TestFormat compares the
// two for every block of the book.

// A Formatter writes tokens as chroma's HTML with the book's options and,
// if asked, numbered lines, each with an id to link to (L12). It is safe
// for concurrent use.
type Formatter struct {
	numbered bool
	prefix   string // of a line's id
}

// NewFormatter returns a formatter with the book's options.
func NewFormatter() *Formatter { return &Formatter{} }

// NewNumberedFormatter returns a formatter with the book's options that
// numbers the lines, each with an id made of prefix and its number, as
// chromahtml.WithLineNumbers(true) and WithLinkableLineNumbers(true,
// prefix) do.
func NewNumberedFormatter(prefix string) *Formatter {
	return &Formatter{numbered: true, prefix: prefix}
}

// chromaOptions are the chroma options that make what f makes.
func (f *Formatter) chromaOptions() []chromahtml.Option {
	opts := FormatOptions()
	if f.numbered {
		opts = append(opts, chromahtml.WithLineNumbers(true), chromahtml.WithLinkableLineNumbers(true, f.prefix))
	}
	return opts
}

var plain = NewFormatter()

// Format writes tokens as chroma's HTML with the book's options.
func Format(tokens []chroma.Token) (string, error) { return plain.Format(tokens) }

// classes caches the class of each token type (chroma's class: the
// type's, or its parent's).
var classes sync.Map // chroma.TokenType → string

func classOf(t chroma.TokenType) string {
	if c, ok := classes.Load(t); ok {
		return c.(string)
	}
	c := ""
	for tt := t; ; tt = tt.Parent() {
		if cls, ok := chroma.StandardTypes[tt]; ok {
			c = cls
			break
		}
		if tt == 0 {
			break
		}
	}
	classes.Store(t, c)
	return c
}

// Format writes tokens as HTML.
func (f *Formatter) Format(tokens []chroma.Token) (string, error) {
	// Lines as chroma splits them: each token at its newlines, the
	// newline ending the line, a last line with nothing but an empty
	// token left out.
	var lines [][]chroma.Token
	var line []chroma.Token
	// The HTML's size, near enough: a token's text, and a span around
	// it; the spans of each line.
	size := 64
	for _, t := range tokens {
		size += len(t.Value) + 32
		split := false
		for {
			i := strings.IndexByte(t.Value, '\n')
			if i < 0 {
				break
			}
			head := t
			head.Value = t.Value[:i+1]
			lines = append(lines, append(line, head))
			line = nil
			t.Value = t.Value[i+1:]
			split = true
		}
		if split && t.Value == "" {
			continue
		}
		line = append(line, t)
	}
	if len(line) > 0 {
		lines = append(lines, line)
	}
	if n := len(lines); n > 0 && len(lines[n-1]) == 1 && lines[n-1][0].Value == "" {
		lines = lines[:n-1]
	}

	var b strings.Builder
	size += len(lines) * 50
	if f.numbered {
		size += len(lines) * (50 + 2*len(f.prefix))
	}
	b.Grow(size)
	b.WriteString(preWrapper{}.Start(true, ` class="chroma"`))
	digits := len(strconv.Itoa(len(lines)))
	for i, line := range lines {
		b.WriteString(`<span class="line">`)
		if f.numbered {
			n := strconv.Itoa(i + 1)
			id := f.prefix + n
			b.WriteString(`<span class="ln" id="` + id + `"><a class="lnlinks" href="#` + id + `">`)
			for range digits - len(n) {
				b.WriteByte(' ')
			}
			b.WriteString(n + `</a></span>`)
		}
		b.WriteString(`<span class="cl">`)
		for _, t := range line {
			if c := classOf(t.Type); c != "" {
				b.WriteString(`<span class="` + c + `">`)
				b.WriteString(html.EscapeString(t.Value))
				b.WriteString(`</span>`)
			} else {
				b.WriteString(html.EscapeString(t.Value))
			}
		}
		b.WriteString(`</span></span>`)
	}
	b.WriteString(preWrapper{}.End(true))
	return b.String(), nil
}
