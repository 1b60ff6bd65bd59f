// Package site makes the book's web site from its chapters: a page for
// the front matter (book/index.md) and for each chapter, in the order
// book/chapters.txt gives, a print page with all of them, a page for each
// program the chapters' listings write, the search index, and the theme
// (book/theme: the page template, styles and scripts).
//
// The site is built in memory (Build), then written to a directory
// (Site.Write) or served as it is (Site.ServeHTTP). Serving a book while
// it is written, rebuilding it as chapters change and reloading the
// reader's page, is package preview's. Every page works from file://
// too: links are relative, and the search index is a script that assigns
// a global rather than JSON to fetch.
package site

import (
	"bufio"
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"tcpbook/internal/chapter"
	"tcpbook/internal/diag"
	"tcpbook/internal/safefile"
	"tcpbook/internal/transcript"
)

// Where the book's own files are, relative to its root.
const (
	FrontPath = "book/index.md"     // the front page
	OrderPath = "book/chapters.txt" // the chapters, in reading order
	ThemeDir  = "book/theme"        // the template, styles and scripts
	SiteDir   = "book/site"         // where mdrun book writes the site
	ShotDir   = "book/screenshots"  // where the browser tests save screenshots
)

// A Book is what a site is built from.
type Book struct {
	// Root is the book's root directory, where the files that diffs and
	// quotes name are read.
	Root     string
	Front    *chapter.Chapter
	Chapters []*chapter.Chapter // in reading order
	// Theme holds page.html, the template of every page, and the files
	// copied to the site's assets/ directory.
	Theme fs.FS
	// Scripts maps a transcript's id to the script that verifies it.
	Scripts map[string]string
	// Files reads a file beside a chapter that a chapter links to (an
	// image), by its slash path from the book's root.
	Files fs.FS
}

// Load reads the book at root. A chapter listed in book/chapters.txt that
// has no README.md yet is left out, and one that it does not list comes
// after those it lists, in the order of the directories; each with a note
// in the returned notes, for the author to list it.
func Load(root string) (b *Book, notes []string, errs diag.List) {
	order, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(OrderPath)))
	if err != nil {
		errs.Add(OrderPath, 0, "%v", safefile.Err(err))
		return nil, nil, errs
	}
	dirs, listErrs := parseOrder(order)
	errs.Append(listErrs)
	present, err := chapter.ChapterDirs(root)
	if err != nil {
		errs.Add("chapters", 0, "%v", err)
		return nil, nil, errs
	}
	listed := map[string]bool{}
	var load []string
	for _, d := range dirs {
		listed[d.dir] = true
		if slices.Contains(present, d.dir) {
			load = append(load, d.dir)
		} else {
			notes = append(notes, fmt.Sprintf("%s:%d: %s has no README.md yet; left out", OrderPath, d.line, d.dir))
		}
	}
	for _, d := range present {
		if !listed[d] {
			load = append(load, d)
			notes = append(notes, fmt.Sprintf("%s/README.md: not in %s, so it comes last; list it there to give its place in the book", d, OrderPath))
		}
	}
	b = &Book{
		Root:  root,
		Theme: os.DirFS(filepath.Join(root, filepath.FromSlash(ThemeDir))),
		Files: os.DirFS(root),
	}
	if len(load) > 0 {
		cb, loadErrs := chapter.Load(root, load)
		errs.Append(loadErrs)
		if cb != nil {
			b.Chapters = cb.Chapters
		}
	}
	src, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(FrontPath)))
	if err != nil {
		errs.Add(FrontPath, 0, "%v", safefile.Err(err))
	} else {
		front, frontErrs := chapter.Parse(FrontPath, src)
		errs.Append(frontErrs)
		b.Front = front
	}
	refs, err := transcript.ScriptRefs(root)
	if err != nil {
		errs.Add(transcript.ScriptDir, 0, "%v", err)
	}
	b.Scripts = map[string]string{}
	for _, r := range refs {
		if r.Verifies() && b.Scripts[r.ID] == "" {
			b.Scripts[r.ID] = r.Script
		}
	}
	errs.Sort()
	return b, notes, errs
}

type orderLine struct {
	dir  string
	line int
}

// parseOrder reads book/chapters.txt: one chapter directory a line
// (chapters/01), with blank lines and # comments ignored.
func parseOrder(src []byte) ([]orderLine, diag.List) {
	var out []orderLine
	var errs diag.List
	seen := map[string]int{}
	sc := bufio.NewScanner(bytes.NewReader(src))
	for n := 1; sc.Scan(); n++ {
		line, _, _ := strings.Cut(sc.Text(), "#")
		line = strings.TrimSpace(line)
		switch {
		case line == "":
			continue
		case !strings.HasPrefix(line, "chapters/") || strings.Count(line, "/") != 1 || strings.ContainsAny(line, " \t"):
			errs.Add(OrderPath, n, "%q is not a chapter directory like chapters/01", line)
			continue
		case seen[line] > 0:
			errs.Add(OrderPath, n, "%s is already listed at line %d", line, seen[line])
			continue
		}
		seen[line] = n
		out = append(out, orderLine{line, n})
	}
	return out, errs
}
