package render

import (
	"strings"
	"testing"

	"github.com/alecthomas/chroma/v2"
	chromahtml "github.com/alecthomas/chroma/v2/formatters/html"
	"github.com/alecthomas/chroma/v2/lexers"
	"github.com/alecthomas/chroma/v2/styles"
)

// chromaFormat is what a Formatter must write: chroma's HTML formatter's
// output with the same options.
func chromaFormat(t testing.TB, f *Formatter, tokens []chroma.Token) string {
	var b strings.Builder
	if err := chromahtml.New(f.chromaOptions()...).Format(&b, styles.Get(LightStyle), chroma.Literator(tokens...)); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// TestFormat: a Formatter writes what chroma's formatter writes, plain
// and numbered, for every Go file and Go block of the repository (as
// TestLexGo reads them), for the other languages of the book's blocks,
// and for the corners of splitting tokens into lines.
func TestFormat(t *testing.T) {
	texts, _ := goTexts(t)
	type sample struct{ lang, text string }
	var samples []sample
	for _, text := range texts {
		samples = append(samples, sample{"go", text})
	}
	for _, text := range []string{"$ go run ./chapters/01\nこんにちは <&> \"'\n", "GET / HTTP/1.0\r\n\r\n", "", "\n", "\n\n", "no newline", "a\n\nb"} {
		for _, lang := range []string{"console", "text", "sh", "diff", "go"} {
			samples = append(samples, sample{lang, text})
		}
	}
	for _, s := range samples {
		it, err := chroma.Coalesce(lexers.Get(s.lang)).Tokenise(nil, s.text)
		if err != nil {
			t.Fatal(err)
		}
		tokens := it.Tokens()
		for _, f := range []*Formatter{NewFormatter(), NewNumberedFormatter("L")} {
			got, err := f.Format(tokens)
			if err != nil {
				t.Fatal(err)
			}
			if want := chromaFormat(t, f, tokens); got != want {
				i := 0
				for i < len(got) && i < len(want) && got[i] == want[i] {
					i++
				}
				t.Errorf("%s %q (numbered %v): differs from chroma at byte %d:\n got …%s\nwant …%s", s.lang, s.text[:min(len(s.text), 40)], f.numbered, i, got[max(0, i-60):min(len(got), i+60)], want[max(0, i-60):min(len(want), i+60)])
			}
		}
	}
	// Tokens as a program's page joins them, and odd ones: empty, or
	// holding several lines.
	odd := [][]chroma.Token{
		{{Type: chroma.Text, Value: ""}},
		{{Type: chroma.Keyword, Value: "a"}, {Type: chroma.Text, Value: ""}, {Type: chroma.Keyword, Value: "\n"}, {Type: chroma.Text, Value: ""}},
		{{Type: chroma.Comment, Value: "x\ny\n\nz"}, {Type: chroma.NameOther, Value: "w\n"}},
		{{Type: chroma.TokenType(9999), Value: "unknown\n"}},
		nil,
	}
	for _, tokens := range odd {
		for _, f := range []*Formatter{NewFormatter(), NewNumberedFormatter("L")} {
			got, _ := f.Format(tokens)
			if want := chromaFormat(t, f, tokens); got != want {
				t.Errorf("%q: got\n%s\nwant\n%s", tokens, got, want)
			}
		}
	}
}
