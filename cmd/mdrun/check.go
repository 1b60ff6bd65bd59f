package main

import (
	"fmt"
	"io"
	"os"

	"tcpbook/internal/chapter"
	"tcpbook/internal/check"
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
