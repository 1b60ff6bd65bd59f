package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"tcpbook/internal/chapter"
	"tcpbook/internal/check"
	"tcpbook/internal/diag"
	"tcpbook/internal/extract"
	"tcpbook/internal/safefile"
	"tcpbook/internal/source"
)

// runUpdate rewrites the bodies of the chapters' diff, quote and ladder
// blocks from the files (and captures) they name. It writes nothing unless every chapter parses
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
	var filled map[string]int // blocks filled, by chapter
	if len(errs) == 0 {
		// An empty diff that defines a declaration of a file with base=
		// takes the declaration's new form from the file as extracted,
		// where its author wrote it in full first; then every body is
		// made again from the chapters so filled.
		var fillErrs diag.List
		book, filled, fillErrs = fillDiffs(root, book)
		errs.Append(fillErrs)
	}
	if len(errs) == 0 {
		res := source.NewResolver(root, book.Chapters)
		for _, ch := range book.Chapters {
			bodies := map[*chapter.Block]string{}
			for _, b := range ch.Blocks {
				if b.Kind != chapter.Diff && b.Kind != chapter.Quote && b.Kind != chapter.Ladder {
					continue
				}
				var body string
				var err error
				if b.Kind == chapter.Ladder {
					body, err = check.LadderBody(res, b)
				} else {
					body, err = res.Body(b)
				}
				if err != nil {
					errs.Add(ch.Path, b.Line, "%s: %v", b.Describe(), err)
					continue
				}
				if b.Body != body { // a Body has LF line endings, whatever the file's
					bodies[b] = body
				}
			}
			if len(bodies) > 0 || filled[ch.Path] > 0 {
				rewrites = append(rewrites, rewrite{ch, chapter.Replace(ch, bodies), len(bodies) + filled[ch.Path]})
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

// fillDiffs fills each empty diff that defines a declaration of a file
// with base= from that file on disk, and returns the book as its chapters
// read with those bodies (in memory: nothing is written until every block
// of every chapter has its body).
func fillDiffs(root string, book *chapter.Book) (*chapter.Book, map[string]int, diag.List) {
	var errs diag.List
	filled := map[string]int{}
	set, _ := extract.GenerateBook(root, book.Chapters)
	res := source.NewResolverSet(root, set)
	out := &chapter.Book{Root: book.Root}
	for _, ch := range book.Chapters {
		bodies := map[*chapter.Block]string{}
		for _, b := range ch.Blocks {
			name := b.Defines(ch.Dir)
			if name == "" || b.Body != "" {
				continue
			}
			f := set.File(b.To.Path)
			if f == nil || f.Base == nil {
				continue
			}
			from, err := res.Region(b.From)
			if err != nil {
				errs.Add(ch.Path, b.Line, "%s: %v", b.Describe(), err)
				continue
			}
			disk, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(b.To.Path)))
			if err != nil {
				errs.Add(ch.Path, b.Line, "%s is empty, and there is no %s to fill it from: write the declaration in full in a listing and run `go run ./cmd/mdrun extract` first", b.Describe(), b.To.Path)
				continue
			}
			text, line, err := extract.Decl(b.To.Path, disk, b.To.Name)
			if err != nil {
				errs.Add(ch.Path, b.Line, "%s is empty, and %v", b.Describe(), err)
				continue
			}
			if text == from.Text {
				errs.Add(ch.Path, b.Line, "%s is empty, and %s has %s as %s has it: there is no change to show", b.Describe(), b.To.Path, b.To.Name, b.From.Written)
				continue
			}
			bodies[b] = source.Diff(b.From.Written, from, b.To.Written, source.Region{Path: b.To.Path, Text: text, Line: line})
		}
		if len(bodies) == 0 {
			out.Chapters = append(out.Chapters, ch)
			continue
		}
		nch, perr := chapter.Parse(ch.Path, chapter.Replace(ch, bodies))
		errs.Append(perr)
		out.Chapters = append(out.Chapters, nch)
		filled[ch.Path] = len(bodies)
	}
	return out, filled, errs
}
