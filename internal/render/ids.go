package render

import (
	"path"
	"strconv"
	"strings"
	"unicode"

	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/parser"

	"tcpbook/internal/chapter"
)

// IDs hands out the element ids of one page. Unlike goldmark's default,
// which drops every character that is not ASCII (## ソケットとは becomes
// id="heading"), an id keeps the letters and digits of any script, so
// that a link to a section reads as its title: #ソケットとは.
//
// It implements goldmark's parser.IDs, so it can also be given to a parser
// with parser.WithIDs.
type IDs struct {
	used map[string]bool
}

var _ parser.IDs = (*IDs)(nil)

// NewIDs returns the ids of a page on which the given ids are already
// taken (by the page's template, or by transcripts' {#id}).
func NewIDs(taken ...string) *IDs {
	ids := &IDs{used: map[string]bool{}}
	for _, id := range taken {
		ids.used[id] = true
	}
	return ids
}

// Generate returns a new id for an element whose text is value: the text
// lower-cased, with each run of spaces and punctuation made a single
// hyphen, and -1, -2, ... added when the id is taken.
func (ids *IDs) Generate(value []byte, kind ast.NodeKind) []byte {
	base := Slug(string(value))
	if base == "" {
		base = "section"
		if kind != ast.KindHeading {
			base = strings.ToLower(kind.String())
		}
	}
	id := base
	for i := 1; ids.used[id]; i++ {
		id = base + "-" + strconv.Itoa(i)
	}
	ids.used[id] = true
	return []byte(id)
}

// Put marks an id as taken.
func (ids *IDs) Put(value []byte) { ids.used[string(value)] = true }

// Slug turns a heading's text into the base of its id: letters (of any
// script), marks and digits are kept, ASCII letters are lower-cased, and
// every other run of characters becomes one hyphen.
// "UDP はコネクションを作らないが、双方向に送れる" becomes
// "udp-はコネクションを作らないが-双方向に送れる".
func Slug(s string) string {
	var b strings.Builder
	hyphen := false
	for _, r := range s {
		switch {
		case r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r):
			if hyphen && b.Len() > 0 {
				b.WriteByte('-')
			}
			hyphen = false
			if r < unicode.MaxASCII {
				r = unicode.ToLower(r)
			}
			b.WriteRune(r)
		default:
			hyphen = true
		}
	}
	return b.String()
}

// BlockIDs gives an id to each block of a chapter that a program's page
// links back to: the listings, each "listing-FILE-N" (the Nth listing of
// FILE, counted from 1), and the diffs that define a declaration of a
// program that grows from another (chapter.Block.Defines), each
// "diff-FILE-NAME". A transcript's {#id} is its own, and is not listed.
// The ids hold the file's name, with its dot, which a heading's id
// (Slug) never has; they are taken before the headings' all the same.
func BlockIDs(ch *chapter.Chapter) map[*chapter.Block]string {
	ids := map[*chapter.Block]string{}
	n := map[string]int{}
	for _, b := range ch.Blocks {
		switch {
		case b.Kind == chapter.Listing:
			n[b.File]++
			ids[b] = "listing-" + b.File + "-" + strconv.Itoa(n[b.File])
		case b.Kind == chapter.Ladder:
			name := "ladder-" + path.Base(b.From.Path)
			n[name]++
			ids[b] = name + "-" + strconv.Itoa(n[name])
		case b.Defines(ch.Dir) != "":
			ids[b] = "diff-" + b.Defines(ch.Dir) + "-" + b.To.Name
		}
	}
	return ids
}
