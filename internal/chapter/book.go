package chapter

import (
	"fmt"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"tcpbook/internal/diag"
	"tcpbook/internal/safefile"
)

// A Book is the chapters of the book, in order.
type Book struct {
	Root     string // the book's root directory (where go.mod is)
	Chapters []*Chapter
}

// FindRoot returns the closest directory at or above dir that holds go.mod
// and chapters/.
func FindRoot(dir string) (string, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for d := dir; ; d = filepath.Dir(d) {
		if isFile(filepath.Join(d, "go.mod")) && isDir(filepath.Join(d, "chapters")) {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("no book here: no directory at or above %s holds go.mod and chapters/", dir)
		}
	}
}

// ChapterDirs lists chapters/*/ that hold a README.md, as slash paths
// relative to root, in order.
func ChapterDirs(root string) ([]string, error) {
	matches, err := filepath.Glob(filepath.Join(root, "chapters", "*", "README.md"))
	if err != nil {
		return nil, err
	}
	var dirs []string
	for _, m := range matches {
		rel, err := filepath.Rel(root, filepath.Dir(m))
		if err != nil {
			return nil, err
		}
		dirs = append(dirs, filepath.ToSlash(rel))
	}
	slices.Sort(dirs)
	return dirs, nil
}

// Load parses the chapters in dirs (slash paths relative to root, like
// "chapters/01"), or every chapter when dirs is empty. It reports every
// problem of every chapter, and ids used by two chapters.
func Load(root string, dirs []string) (*Book, diag.List) {
	var errs diag.List
	if len(dirs) == 0 {
		all, err := ChapterDirs(root)
		if err != nil {
			errs.Add("chapters", 0, "%v", err)
			return nil, errs
		}
		dirs = all
	}
	book := &Book{Root: root}
	seen := map[string]bool{}
	ids := map[string]string{}
	for _, d := range dirs {
		d = path.Clean(filepath.ToSlash(d))
		if seen[d] {
			continue
		}
		seen[d] = true
		if !strings.HasPrefix(d, "chapters/") || strings.Count(d, "/") != 1 {
			errs.Add(d, 0, "not a chapter: a chapter is a directory chapters/NN holding README.md")
			continue
		}
		p := d + "/README.md"
		src, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(p)))
		if err != nil {
			errs.Add(p, 0, "%v", safefile.Err(err))
			continue
		}
		ch, chErrs := Parse(p, src)
		errs.Append(chErrs)
		for _, b := range ch.Blocks {
			if b.ID == "" {
				continue
			}
			if other, dup := ids[b.ID]; dup && other != p {
				errs.Add(p, b.Line, "id %q is also used in %s; ids are unique in the whole book", b.ID, other)
			}
			ids[b.ID] = p
		}
		book.Chapters = append(book.Chapters, ch)
	}
	return book, errs
}

// Transcript finds the transcript with the given id.
func (b *Book) Transcript(id string) (*Chapter, *Block) {
	for _, ch := range b.Chapters {
		if blk := ch.Block(id); blk != nil && blk.Kind == Transcript {
			return ch, blk
		}
	}
	return nil, nil
}

func isFile(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular()
}

func isDir(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.IsDir()
}
