package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"tcpbook/internal/chapter"
	"tcpbook/internal/check"
	"tcpbook/internal/diag"
	"tcpbook/internal/site"
	"tcpbook/internal/transcript"
)

func runCheck(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("check", "[-vet=false] [chapters/NN ...]", stderr)
	vet := fs.Bool("vet", true, "run go vet on the programs as the markdown has them")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	root, dirs, err := bookArgs(fs.Args())
	if err != nil {
		return err
	}
	book, errs := chapter.Load(root, dirs)
	if book != nil {
		sum, checkErrs := check.Book(book, check.Options{Vet: *vet})
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
	if _, err := os.Stat(filepath.Join(root, filepath.FromSlash(site.OrderPath))); err != nil {
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
