package check

import (
	"fmt"
	"strings"

	"tcpbook/internal/chapter"
	"tcpbook/internal/diag"
	"tcpbook/internal/godecl"
)

// reprintMinLines is the size from which a declaration printed twice is
// reported: a one-line constant two programs share is not a reprint to
// avoid, a function is.
const reprintMinLines = 3

// reprints reports a declaration printed in full, the same to the letter,
// in two listings of the book: a program that grows from another says so
// with base= and shows only what changed, so that nothing is printed twice
// and a fix to the first copy cannot miss the second.
func reprints(book *chapter.Book) diag.List {
	var errs diag.List
	type place struct {
		path string
		line int
	}
	seen := map[string]place{}
	for _, ch := range book.Chapters {
		for _, b := range ch.Blocks {
			if b.Kind != chapter.Listing {
				continue
			}
			decls, _, err := godecl.ParseFragment(b.File, []byte(b.Body))
			if err != nil {
				continue // the listing's own problem, reported by CheckFormat
			}
			lines := godecl.Lines([]byte(b.Body))
			for _, d := range decls {
				if d.Kind != godecl.Other || d.Last-d.DeclLine+1 < reprintMinLines {
					continue
				}
				// Compared without its doc comment: a copy whose comment
				// was reworded is still a copy.
				text := godecl.Text(lines, d.DeclLine, d.Last)
				line := b.BodyLine + d.DeclLine - 1
				if first, ok := seen[text]; ok {
					where := fmt.Sprintf("line %d", first.line)
					if first.path != ch.Path {
						where = fmt.Sprintf("%s:%d", first.path, first.line)
					}
					errs.Add(ch.Path, line, "%s is printed in full again, the same as at %s; show it once (a program that grows from another inherits it with base=)", strings.Join(d.Names, ", "), where)
					continue
				}
				seen[text] = place{ch.Path, line}
			}
		}
	}
	return errs
}
