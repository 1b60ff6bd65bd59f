package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"tcpbook/internal/chapter"
	"tcpbook/internal/check"
	"tcpbook/internal/safefile"
	"tcpbook/internal/source"
)

// runUpdate rewrites the bodies of the chapters' diff and quote blocks
// from the files they name. It writes nothing unless every chapter parses
// and every block's files and declarations are found.
func runUpdate(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("update", "[chapters/NN ...]", stderr)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	root, dirs, err := bookArgs(fs.Args())
	if err != nil {
		return err
	}
	book, errs := chapter.Load(root, dirs)
	type rewrite struct {
		ch  *chapter.Chapter
		src []byte
		n   int
	}
	var rewrites []rewrite
	if len(errs) == 0 {
		res := source.NewResolver(root, book.Chapters)
		for _, ch := range book.Chapters {
			bodies := map[*chapter.Block]string{}
			for _, b := range ch.Blocks {
				if b.Kind != chapter.Diff && b.Kind != chapter.Quote {
					continue
				}
				body, err := res.Body(b)
				if err != nil {
					errs.Add(ch.Path, b.Line, "%s: %v", b.Describe(), err)
					continue
				}
				if b.Body != body { // a Body has LF line endings, whatever the file's
					bodies[b] = body
				}
			}
			if len(bodies) > 0 {
				rewrites = append(rewrites, rewrite{ch, chapter.Replace(ch, bodies), len(bodies)})
			}
		}
	}
	if len(errs) > 0 {
		errs.Sort()
		fmt.Fprintln(stderr, errs.Error())
		fmt.Fprintf(stderr, "mdrun update: %s; nothing written\n", check.Count(len(errs), "problem"))
		return errProblems
	}
	blocks := 0
	for _, r := range rewrites {
		// What is written must read back as the chapter it was, with the
		// new bodies: anything else is mdrun's bug, not the author's.
		if _, perr := chapter.Parse(r.ch.Path, r.src); len(perr) > 0 {
			return fmt.Errorf("%s: the rewritten chapter does not parse (%v); nothing written", r.ch.Path, perr[0])
		}
	}
	dir, err := os.OpenRoot(root)
	if err != nil {
		return err
	}
	defer dir.Close()
	for _, r := range rewrites {
		if err := safefile.Write(dir, filepath.FromSlash(r.ch.Path), r.src, 0o644); err != nil {
			return fmt.Errorf("%s: %v", r.ch.Path, err)
		}
		fmt.Fprintf(stdout, "updated %s (%s)\n", r.ch.Path, check.Count(r.n, "block"))
		blocks += r.n
	}
	fmt.Fprintf(stdout, "mdrun update: %s rewritten in %s\n", check.Count(blocks, "block"), check.Count(len(rewrites), "chapter"))
	return nil
}
