package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"tcpbook/internal/chapter"
	"tcpbook/internal/check"
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
					errs.Add(ch.Path, b.Line, "%s: %v", check.Describe(b), err)
					continue
				}
				if normalizeEOL(b.Body) != body {
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
	for _, r := range rewrites {
		if err := writeAtomic(filepath.Join(root, filepath.FromSlash(r.ch.Path)), r.src); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "updated %s (%s)\n", r.ch.Path, check.Count(r.n, "block"))
		blocks += r.n
	}
	fmt.Fprintf(stdout, "mdrun update: %s rewritten in %s\n", check.Count(blocks, "block"), check.Count(len(rewrites), "chapter"))
	return nil
}

func normalizeEOL(s string) string {
	return string(bytes.ReplaceAll([]byte(s), []byte("\r\n"), []byte("\n")))
}

// writeAtomic replaces the file name with data through a temporary file
// in the same directory, keeping the file's mode.
func writeAtomic(name string, data []byte) (err error) {
	mode := os.FileMode(0o644)
	if fi, err := os.Stat(name); err == nil {
		mode = fi.Mode().Perm()
	}
	tmp, err := os.CreateTemp(filepath.Dir(name), "."+filepath.Base(name)+".mdrun-*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			os.Remove(tmp.Name())
		}
	}()
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(mode); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), name)
}
