// Package diag holds the problems that mdrun reports: each one names a file
// and a line, and a run collects all of them before it reports, like
// go/scanner.ErrorList does for gofmt.
package diag

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// An Error is one problem at one line of one file.
// File is slash-separated and relative to the book's root.
type Error struct {
	File string
	Line int // 1-based; 0 when the problem concerns the whole file
	Msg  string
}

func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.File, e.Msg)
}

// A List collects errors. The zero value is ready to use.
type List []*Error

// Add appends a problem at file:line.
func (l *List) Add(file string, line int, format string, args ...any) {
	*l = append(*l, &Error{File: file, Line: line, Msg: fmt.Sprintf(format, args...)})
}

// Append adds every error of other.
func (l *List) Append(other List) { *l = append(*l, other...) }

// Sort orders the list by file, then line, keeping the order of problems
// reported at the same line.
func (l List) Sort() {
	slices.SortStableFunc(l, func(a, b *Error) int {
		return cmp.Or(cmp.Compare(a.File, b.File), cmp.Compare(a.Line, b.Line))
	})
}

// Error prints one problem a line.
func (l List) Error() string { return strings.Join(l.Strings(), "\n") }

// Strings lists the problems as they print, file:line: message.
func (l List) Strings() []string {
	out := make([]string, 0, len(l))
	for _, e := range l {
		out = append(out, e.Error())
	}
	return out
}
