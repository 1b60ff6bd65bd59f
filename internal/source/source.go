// Package source reads the files of the repository that a chapter's diff
// and quote blocks name, and makes the bodies those blocks must have: the
// unified diff of two files or declarations, or a declaration with its doc
// comment, exactly as the files have them now.
//
// A file that a chapter's listings generate is read as the markdown makes
// it (extract.Generate), not from the disk, so that a diff against a
// listing is checked against the listing even before mdrun extract runs;
// every other file is read from the disk, through an os.Root, so that no
// path or symlink leads outside the repository.
package source

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/rogpeppe/go-internal/diff"

	"tcpbook/internal/chapter"
	"tcpbook/internal/extract"
	"tcpbook/internal/godecl"
	"tcpbook/internal/safefile"
)

// A Resolver reads the files that refs name. It is safe for concurrent use.
type Resolver struct {
	root    string
	overlay map[string][]byte // generated files, by slash path from the root

	mu    sync.Mutex
	files map[string]*file
}

type file struct {
	content []byte
	err     error
	// decls are the file's top-level declarations, parsed once, for a
	// .go file that a ref narrows.
	parsed bool
	decls  []decl
	perr   error
}

// A decl is one top-level declaration: the names a ref may give it, and
// its lines, from its doc comment to the end of its last line.
type decl struct {
	names       []string
	first, last int
}

// NewResolver returns a resolver for the repository at root, which reads
// the files that chapters generate as their listings make them.
func NewResolver(root string, chapters []*chapter.Chapter) *Resolver {
	set, _ := extract.GenerateBook(root, chapters) // their problems are check's to report
	return NewResolverSet(root, set)
}

// NewResolverSet returns a resolver for the repository at root, which
// reads the files of set as they are made.
func NewResolverSet(root string, set *extract.Set) *Resolver {
	r := &Resolver{root: root, overlay: map[string][]byte{}, files: map[string]*file{}}
	for _, f := range set.Made() {
		r.overlay[f.Path()] = f.Content
	}
	return r
}

// File returns the content of the file at p, a slash path from the root.
func (r *Resolver) File(p string) ([]byte, error) {
	f := r.file(p)
	return f.content, f.err
}

func (r *Resolver) file(p string) *file {
	r.mu.Lock()
	defer r.mu.Unlock()
	if f, ok := r.files[p]; ok {
		return f
	}
	f := &file{}
	if content, ok := r.overlay[p]; ok {
		f.content = content
	} else {
		f.content, f.err = readFile(r.root, p)
	}
	r.files[p] = f
	return f
}

// readFile reads p without leaving root, by .. or by a symlink.
func readFile(root, p string) ([]byte, error) {
	rt, err := os.OpenRoot(root)
	if err != nil {
		return nil, err
	}
	defer rt.Close()
	name := filepath.FromSlash(p)
	fi, err := rt.Stat(name)
	switch {
	case err != nil:
		return nil, pathErr(err)
	case fi.IsDir():
		return nil, errors.New("it is a directory; name a file")
	case !fi.Mode().IsRegular():
		return nil, errors.New("it is not a regular file")
	}
	content, err := rt.ReadFile(name)
	return content, pathErr(err)
}

// pathErr says what os.Root's errors mean to an author, without the
// file's name, which the caller gives.
func pathErr(err error) error {
	if err = safefile.Err(err); errors.Is(err, safefile.ErrOutside) {
		return errors.New("the path leads outside the repository (through a symlink?)")
	}
	return err
}

// A Region is the part of a file that a ref names: the whole file (for a
// file that mdrun generated, its listings without the lines mdrun adds),
// or one declaration.
type Region struct {
	Path string // slash path from the root
	Text string // whole lines
	Line int    // the number, in the file, of the region's first line
}

// Region finds the part of its file that ref names.
func (r *Resolver) Region(ref *chapter.Ref) (Region, error) {
	f := r.file(ref.Path)
	if f.err != nil {
		return Region{}, fmt.Errorf("%s: %v", ref.Path, f.err)
	}
	if ref.Name == "" {
		body, first := extract.Listings(f.content)
		return Region{Path: ref.Path, Text: string(body), Line: first}, nil
	}
	decls, err := r.decls(ref.Path, f)
	if err != nil {
		return Region{}, err
	}
	var found []decl
	for _, d := range decls {
		if slices.Contains(d.names, ref.Name) {
			found = append(found, d)
		}
	}
	switch len(found) {
	case 0:
		return Region{}, fmt.Errorf("%s has no top-level declaration %s%s", ref.Path, ref.Name, suggest(decls, ref.Name))
	case 1:
	default:
		var lines []string
		for _, d := range found {
			lines = append(lines, strconv.Itoa(d.first))
		}
		return Region{}, fmt.Errorf("%s declares %s %d times (lines %s): a diff or a quote names a declaration made once", ref.Path, ref.Name, len(found), strings.Join(lines, ", "))
	}
	d := found[0]
	starts := lineStarts(f.content)
	end := len(f.content)
	if d.last < len(starts) {
		end = starts[d.last]
	}
	return Region{Path: ref.Path, Text: string(f.content[starts[d.first-1]:end]), Line: d.first}, nil
}

// decls parses the file once and lists its top-level declarations.
func (r *Resolver) decls(p string, f *file) ([]decl, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !f.parsed {
		f.parsed = true
		f.decls, f.perr = parseDecls(p, f.content)
	}
	return f.decls, f.perr
}

func parseDecls(p string, content []byte) ([]decl, error) {
	all, err := godecl.Parse(p, content)
	if err != nil {
		return nil, fmt.Errorf("cannot find a declaration in %s, which does not parse: %v", p, err)
	}
	var decls []decl
	for _, d := range all {
		if d.Kind != godecl.Package {
			decls = append(decls, decl{names: d.Names, first: d.Doc, last: d.Last})
		}
	}
	return decls, nil
}

// suggest lists the names a ref could have given, when there are few.
func suggest(decls []decl, name string) string {
	var names []string
	for _, d := range decls {
		names = append(names, d.names...)
	}
	return godecl.Suggest(names, name, "#")
}

func lineStarts(b []byte) []int {
	starts := []int{0}
	for i, c := range b {
		if c == '\n' && i+1 < len(b) {
			starts = append(starts, i+1)
		}
	}
	return starts
}

// Body returns what the body of a diff or quote block must be.
func (r *Resolver) Body(b *chapter.Block) (string, error) {
	switch b.Kind {
	case chapter.Quote:
		q, err := r.Region(b.From)
		return q.Text, err
	case chapter.Diff:
		from, err := r.Region(b.From)
		if err != nil {
			return "", err
		}
		to, err := r.Region(b.To)
		if err != nil {
			return "", err
		}
		if from.Text == to.Text {
			return "", fmt.Errorf("%s and %s are the same: there is no change to show", b.From.Written, b.To.Written)
		}
		return Diff(b.From.Written, from, b.To.Written, to), nil
	}
	return "", fmt.Errorf("a %s block has no body to make", b.Kind)
}

var hunkHeader = regexp.MustCompile(`^@@ -(\d+)(,\d+)? \+(\d+)(,\d+)? @@`)

// Diff is what diff -u prints for the two regions, with the names given
// in its header lines and each hunk's line numbers those of the files (a
// region that starts at line 40 makes a hunk at line 40, not 1).
func Diff(fromName string, from Region, toName string, to Region) string {
	out := diff.Diff(fromName, []byte(from.Text), toName, []byte(to.Text))
	lines := strings.SplitAfter(string(out), "\n")
	// go-internal's diff starts with "diff old new", as git does; diff -u
	// starts with the --- and +++ lines.
	if len(lines) > 0 && strings.HasPrefix(lines[0], "diff ") {
		lines = lines[1:]
	}
	for i, l := range lines {
		m := hunkHeader.FindStringSubmatch(l)
		if m == nil {
			continue
		}
		a, _ := strconv.Atoi(m[1])
		b, _ := strconv.Atoi(m[3])
		lines[i] = fmt.Sprintf("@@ -%d%s +%d%s @@", a+from.Line-1, m[2], b+to.Line-1, m[4]) + l[len(m[0]):]
	}
	return strings.Join(lines, "")
}

// NewSide is the text of a diff body's new side: its context and added
// lines, hunk after hunk, without the markers; a hunk after another starts
// after a blank line.
func NewSide(body string) string {
	var b bytes.Buffer
	hunks := 0
	for _, l := range strings.SplitAfter(body, "\n") {
		switch {
		case strings.HasPrefix(l, "@@"):
			if hunks > 0 {
				b.WriteString("\n")
			}
			hunks++
		case hunks == 0: // the --- and +++ lines
		case strings.HasPrefix(l, "+"), strings.HasPrefix(l, " "):
			b.WriteString(l[1:])
		}
	}
	return b.String()
}
