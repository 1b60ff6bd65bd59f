package main

import (
	"fmt"
	"io"

	"tcpbook/internal/chapter"
	"tcpbook/internal/check"
	"tcpbook/internal/extract"
)

func runExtract(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("extract", "[-force] [chapters/NN ...]", stderr)
	force := fs.Bool("force", false, "replace generated files that were edited by hand (never files mdrun did not write)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	root, dirs, err := bookArgs(fs.Args())
	if err != nil {
		return err
	}
	book, errs := chapter.Load(root, dirs)
	if len(errs) == 0 {
		var plan *extract.Plan
		plan, errs = extract.Prepare(book, extract.Options{Force: *force})
		if len(errs) == 0 {
			err := plan.Apply(func(format string, args ...any) {
				fmt.Fprintf(stdout, format+"\n", args...)
			})
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "mdrun extract: %d written, %d removed, %d up to date\n",
				len(plan.Writes), len(plan.Removes), plan.Unchanged)
			return nil
		}
	}
	fmt.Fprintln(stderr, errs.Error())
	fmt.Fprintf(stderr, "mdrun extract: %s; nothing written\n", check.Count(len(errs), "problem"))
	return errProblems
}
