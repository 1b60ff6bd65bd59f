package check

import (
	"strings"
	"unicode/utf8"

	"tcpbook/internal/chapter"
	"tcpbook/internal/diag"
)

// MaxCodeShare is the largest part of a chapter's lines that may be
// inside fenced code blocks: a chapter is prose first.
const MaxCodeShare = 50

// A Share is how much of a chapter is inside fenced code blocks of any
// kind (listings, diffs, transcripts, text), counted by lines (the fences
// too) and by characters.
type Share struct {
	Chapter             *chapter.Chapter
	Lines, CodeLines    int
	Chars, CodeChars    int
	LinePct, CharPct    int // rounded down
	Blocks              int
	LongestBlock, AtTop int // the longest block's body lines, and its line
}

// Shares measures every chapter of book.
func Shares(book *chapter.Book) []Share {
	var out []Share
	for _, ch := range book.Chapters {
		out = append(out, share(ch))
	}
	return out
}

func share(ch *chapter.Chapter) Share {
	s := Share{Chapter: ch}
	src := string(ch.Source)
	lines := strings.SplitAfter(strings.TrimSuffix(src, "\n"), "\n")
	s.Lines = len(lines)
	s.Chars = utf8.RuneCountInString(src)
	inBlock := make([]bool, len(lines)+2)
	for _, b := range ch.Blocks {
		n := strings.Count(b.Body, "\n")
		last := b.Line + n + 1 // the closing fence
		for l := b.Line; l <= last && l <= len(lines); l++ {
			inBlock[l] = true
		}
		s.Blocks++
		if n > s.LongestBlock {
			s.LongestBlock, s.AtTop = n, b.Line
		}
	}
	for i, l := range lines {
		if inBlock[i+1] {
			s.CodeLines++
			s.CodeChars += utf8.RuneCountInString(l)
		}
	}
	if s.Lines > 0 {
		s.LinePct = s.CodeLines * 100 / s.Lines
	}
	if s.Chars > 0 {
		s.CharPct = s.CodeChars * 100 / s.Chars
	}
	return s
}

// codeShares reports the chapters with more than most percent of their
// lines in code blocks.
func codeShares(book *chapter.Book, most int) diag.List {
	var errs diag.List
	for _, s := range Shares(book) {
		if s.LinePct > most {
			errs.Add(s.Chapter.Path, 0, "%d%% of its lines are inside code blocks (%d of %d); a chapter is prose first, at most %d%%: show what changed (base=, diffs), not what stays; the longest block is %d lines, at line %d",
				s.LinePct, s.CodeLines, s.Lines, most, s.LongestBlock, s.AtTop)
		}
	}
	return errs
}
