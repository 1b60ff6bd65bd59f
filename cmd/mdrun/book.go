package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"

	"tcpbook/internal/check"
	"tcpbook/internal/site"
)

func runBook(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("book", "[-o dir]", stderr)
	out := fs.String("o", "", "write the site to `dir` (default: "+site.SiteDir+" in the book's root)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return errUsage
	}
	root, err := chapterRoot()
	if err != nil {
		return err
	}
	// Highlighting allocates much and keeps little; a run lasts a
	// fraction of a second, so collect garbage less often.
	debug.SetGCPercent(400)
	s, err := buildSite(root, stderr)
	if err != nil {
		return err
	}
	dir := *out
	if dir == "" {
		dir = filepath.Join(root, filepath.FromSlash(site.SiteDir))
	}
	if err := s.Write(dir); err != nil {
		return err
	}
	fmt.Fprintln(stdout, displayPath(filepath.Join(dir, "index.html")))
	return nil
}

// buildSite loads and builds the book at root, printing its notes and
// problems to stderr.
func buildSite(root string, stderr io.Writer) (*site.Site, error) {
	s, notes, errs := site.BuildDir(root, site.Options{})
	for _, n := range notes {
		fmt.Fprintf(stderr, "mdrun book: %s\n", n)
	}
	if len(errs) > 0 {
		fmt.Fprintln(stderr, errs.Error())
		fmt.Fprintf(stderr, "mdrun book: %s; nothing written\n", check.Count(len(errs), "problem"))
		return nil, errProblems
	}
	return s, nil
}

// displayPath shows p relative to the current directory when it is below
// it, and absolute otherwise.
func displayPath(p string) string {
	abs, err := filepath.Abs(p)
	if err != nil {
		return p
	}
	wd, err := os.Getwd()
	if err != nil {
		return abs
	}
	if rel, err := filepath.Rel(wd, abs); err == nil && !strings.HasPrefix(rel, "..") {
		return rel
	}
	return abs
}
