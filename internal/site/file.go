package site

import (
	"slices"
	"strings"

	"github.com/alecthomas/chroma/v2"

	"tcpbook/internal/chapter"
	"tcpbook/internal/extract"
	"tcpbook/internal/render"
)

// numbered is the highlighted code of a program's page: every line
// numbered, with an id (L12) that a listing's caption links to.
//
// Highlighting takes most of the time of a build, and a program is made
// of listings, which the chapters' pages have tokenised already: the page
// is made of their tokens, from the cache, and those of the lines that
// mdrun adds between them (extract.File.Parts). A program that grows from
// another chapter's is made of declarations, each some lines of a listing
// (of this chapter or of one before), whose tokens are those lines of the
// listing's; or a declaration that a diff makes, tokenised on its own.
func numbered(cache *render.Cache, f *extract.File) (string, error) {
	var tokens []chroma.Token
	for _, part := range f.Parts() {
		t, err := partTokens(cache, part)
		if err != nil {
			return "", err
		}
		tokens = append(tokens, t...)
	}
	return numberedFormat.Format(tokens)
}

// partTokens are the tokens of a part of a program: those of the
// listing it is (all of it, or some of its lines), or its own.
func partTokens(cache *render.Cache, part extract.Part) ([]chroma.Token, error) {
	b := part.Block
	if b == nil || b.Kind != chapter.Listing {
		return cache.Tokens("go", part.Text)
	}
	if part.Text == b.Body {
		return cache.Tokens("go", b.Body)
	}
	lines, err := cache.Lines("go", b.Body)
	if err != nil {
		return nil, err
	}
	from, n := part.Line-b.BodyLine, strings.Count(part.Text, "\n")
	if from < 0 || from+n > len(lines) {
		return cache.Tokens("go", part.Text)
	}
	var tokens []chroma.Token
	size := 0
	for _, line := range lines[from : from+n] {
		for _, t := range line {
			size += len(t.Value)
		}
		tokens = append(tokens, line...)
	}
	// The lines are the part's text, unless the part is not what its
	// line says (a listing's text, with its trailing blank lines cut).
	if size != len(part.Text) || !sameText(tokens, part.Text) {
		return cache.Tokens("go", part.Text)
	}
	return tokens, nil
}

func sameText(tokens []chroma.Token, text string) bool {
	for _, t := range tokens {
		if !strings.HasPrefix(text, t.Value) {
			return false
		}
		text = text[len(t.Value):]
	}
	return text == ""
}

// numberedText highlights a Go file whole, every line numbered.
func numberedText(cache *render.Cache, content string) (string, error) {
	tokens, err := cache.Tokens("go", content)
	if err != nil {
		return "", err
	}
	return numberedFormat.Format(slices.Clip(tokens))
}

// numberedFormat numbers a file's lines, each with an id to link to: L12.
var numberedFormat = render.NewNumberedFormatter("L")
