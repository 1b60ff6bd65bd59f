package site

import (
	"slices"

	"github.com/alecthomas/chroma/v2"
	chromahtml "github.com/alecthomas/chroma/v2/formatters/html"

	"tcpbook/internal/extract"
	"tcpbook/internal/render"
)

// numbered is the highlighted code of a program's page: every line
// numbered, with an id (L12) that a listing's caption links to.
//
// Highlighting takes most of the time of a build, and a program is its
// chapter's listings, which the chapter's page has tokenised already: the
// page is made of their tokens, from the cache, and those of the lines
// that mdrun adds between them (extract.File.Parts).
func numbered(cache *render.Cache, f *extract.File) (string, error) {
	var tokens []chroma.Token
	for _, part := range f.Parts() {
		t, err := cache.Tokens("go", part.Text)
		if err != nil {
			return "", err
		}
		tokens = append(tokens, t...)
	}
	return render.Format(tokens, lineNumbers...)
}

// numberedText highlights a Go file whole, every line numbered.
func numberedText(cache *render.Cache, content string) (string, error) {
	tokens, err := cache.Tokens("go", content)
	if err != nil {
		return "", err
	}
	return render.Format(slices.Clip(tokens), lineNumbers...)
}

// lineNumbers number a file's lines, each with an id to link to: L12.
var lineNumbers = []chromahtml.Option{chromahtml.WithLineNumbers(true), chromahtml.WithLinkableLineNumbers(true, "L")}
