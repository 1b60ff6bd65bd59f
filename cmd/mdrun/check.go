package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"text/tabwriter"

	"tcpbook/internal/chapter"
	"tcpbook/internal/check"
	"tcpbook/internal/diag"
	"tcpbook/internal/site"
	"tcpbook/internal/transcript"
)

func runCheck(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("check", "[-vet=false] [-maxcode=percent] [chapters/NN ...]", stderr)
	vet := fs.Bool("vet", true, "run go vet on the programs as the markdown has them")
	maxCode := fs.Int("maxcode", check.MaxCodeShare, "in a rendered book (one with "+site.OrderPath+"), the largest `percent` of a chapter's lines that may be in code blocks; 100 for no limit")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	root, dirs, err := bookArgs(fs.Args())
	if err != nil {
		return err
	}
	book, errs := chapter.Load(root, dirs)
	if book != nil {
		opts := check.Options{Vet: *vet}
		if rendered(root) && *maxCode < 100 {
			opts.MaxCode = *maxCode
		}
		sum, checkErrs := check.Book(book, opts)
		errs.Append(checkErrs)
		errs = union(errs, bookLinks(root, book, len(dirs) == 0))
		errs.Sort()
		if len(errs) > 0 {
			fmt.Fprintln(stderr, errs.Error())
		}
		status := "ok"
		if len(errs) > 0 {
			status = check.Count(len(errs), "problem")
		}
		fmt.Fprintf(stdout, "mdrun check: %s: %s: %s\n", check.Count(len(book.Chapters), "chapter"), sum, status)
	} else if len(errs) > 0 {
		fmt.Fprintln(stderr, errs.Error())
	}
	if len(errs) > 0 {
		return errProblems
	}
	return nil
}

// bookLinks reports what mdrun book would of the chapters checked (links
// to other chapters, their headings and transcripts, their programs and
// the files beside them), when the book is one that is rendered: it has
// book/chapters.txt. With whole, it reports the front page and the book's
// own files too.
func bookLinks(root string, checked *chapter.Book, whole bool) diag.List {
	if !rendered(root) {
		return nil
	}
	b, _, errs := site.Load(root)
	if b != nil {
		errs.Append(site.Links(b))
	}
	if whole {
		return errs
	}
	mine := map[string]bool{}
	for _, ch := range checked.Chapters {
		mine[ch.Path] = true
	}
	var kept diag.List
	for _, e := range errs {
		if mine[e.File] {
			kept = append(kept, e)
		}
	}
	return kept
}

// union is a with the problems of b that it does not have already.
func union(a, b diag.List) diag.List {
	seen := map[string]bool{}
	for _, e := range a {
		seen[e.Error()] = true
	}
	for _, e := range b {
		if !seen[e.Error()] {
			seen[e.Error()] = true
			a = append(a, e)
		}
	}
	return a
}

func runRules(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("rules", "", stderr)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	for _, r := range transcript.Rules() {
		fmt.Fprintf(stdout, "%s\n\t%s\n", r.Name, r.Doc)
	}
	return nil
}

func chapterRoot() (string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	return chapter.FindRoot(wd)
}

// rendered reports whether the book at root is one that is rendered (it
// has book/chapters.txt): the book itself, not a small book of a test.
func rendered(root string) bool {
	_, err := os.Stat(filepath.Join(root, filepath.FromSlash(site.OrderPath)))
	return err == nil
}

// runStats prints how much of each chapter is inside code blocks, by
// lines (what check holds to check.MaxCodeShare) and by characters.
func runStats(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("stats", "[chapters/NN ...]", stderr)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	root, dirs, err := bookArgs(fs.Args())
	if err != nil {
		return err
	}
	book, errs := chapter.Load(root, dirs)
	if book == nil {
		fmt.Fprintln(stderr, errs.Error())
		return errProblems
	}
	w := tabwriter.NewWriter(stdout, 0, 8, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(w, "chapter\tlines\tin code blocks\tshare\tshare of characters\t")
	for _, s := range check.Shares(book) {
		fmt.Fprintf(w, "%s\t%d\t%d\t%d%%\t%d%%\t\n", s.Chapter.Path, s.Lines, s.CodeLines, s.LinePct, s.CharPct)
	}
	return w.Flush()
}
