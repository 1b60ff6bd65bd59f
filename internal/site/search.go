package site

import (
	"encoding/json"
	"slices"
	"strings"
	"unicode"
)

// The search index finds a section by any substring of its text, Japanese
// included: Japanese has no spaces to split words at, so the index is not
// of words but of character bigrams. A query of two characters or more is
// looked up by its bigrams, and each candidate section is then checked to
// hold the whole query (book.js does this), so a hit is a real substring
// match and "キープアライブ" finds exactly the sections that contain it.
// Text and query are folded alike first (Fold).

// A searchDoc is one section of a page.
type searchDoc struct {
	URL     string `json:"u"` // page#heading
	Page    string `json:"p"` // the page's title
	Section string `json:"s"` // the heading's text
	Text    string `json:"t"` // the section's text, spaces collapsed
}

type index struct {
	Docs  []searchDoc      `json:"docs"`
	Grams map[string][]int `json:"grams"` // bigram → indexes into Docs
}

// searchIndex writes the index of the pages' sections as a script that
// assigns it to window.tcpbookSearch, so that it loads from file:// too.
func searchIndex(pages []*chapterPage) ([]byte, error) {
	idx := index{Grams: map[string][]int{}}
	grams := map[[2]rune][]int{}
	for _, cp := range pages {
		for _, s := range cp.page.Sections {
			d := searchDoc{URL: cp.url, Page: cp.page.Title, Section: s.Title, Text: collapse(s.Title + "\n" + s.Text)}
			if s.ID != "" {
				d.URL += "#" + s.ID
			}
			n := len(idx.Docs)
			idx.Docs = append(idx.Docs, d)
			eachBigram(Fold(d.Text), func(g [2]rune) {
				if l := grams[g]; len(l) == 0 || l[len(l)-1] != n {
					grams[g] = append(l, n)
				}
			})
		}
	}
	for g, docs := range grams {
		idx.Grams[string(g[:])] = docs
	}
	data, err := json.Marshal(idx)
	if err != nil {
		return nil, err
	}
	return slices.Concat([]byte("window.tcpbookSearch = "), data, []byte(";\n")), nil
}

// Fold makes text and queries comparable: ASCII letters lower-cased, and
// full-width ASCII (Ｌｉｓｔｅｎ, ０) and the ideographic space made
// half-width. Each character stays one UTF-16 unit, so that a match in
// the folded text is at the same place in the original (book.js folds
// the same way).
func Fold(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'A' && r <= 'Z':
			return r + 'a' - 'A'
		case r >= '！' && r <= '～':
			r = r - '！' + '!'
			if r >= 'A' && r <= 'Z' {
				r += 'a' - 'A'
			}
			return r
		case r == '\u3000':
			return ' '
		}
		return r
	}, s)
}

// eachBigram calls f with each pair of adjacent characters of s that
// holds no space.
func eachBigram(s string, f func([2]rune)) {
	var prev rune = ' '
	for _, r := range s {
		if !unicode.IsSpace(prev) && !unicode.IsSpace(r) {
			f([2]rune{prev, r})
		}
		prev = r
	}
}

// collapse makes each run of white space a single space.
func collapse(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
