package extract

import (
	"fmt"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"tcpbook/internal/chapter"
	"tcpbook/internal/diag"
	"tcpbook/internal/godecl"
)

// A Set is the files that a book's chapters generate, made together
// because a listing may start from another chapter's file (base=).
type Set struct {
	root      string
	chapters  map[string]*chapter.Chapter // by directory, the book's and the bases'
	byChapter map[*chapter.Chapter][]*File
	byPath    map[string]*File
	writer    map[string]*chapter.Chapter // which chapter writes a path
	state     map[string]int              // 1 while a file is being made, 2 once made
	failed    map[*chapter.Block]bool     // diffs that could not make their declaration
	errs      diag.List
}

// GenerateBook makes every file the chapters' listings write, and the
// files their bases come from, in chapters not given if need be (read
// from root). It returns every problem with a base: a base that is not a
// chapter's file, a cycle, a replacement the base does not have, a diff
// that no longer applies. Problems of form (gofmt, parsing the whole
// file) are CheckFormat's.
func GenerateBook(root string, chapters []*chapter.Chapter) (*Set, diag.List) {
	s := &Set{
		root:      root,
		chapters:  map[string]*chapter.Chapter{},
		byChapter: map[*chapter.Chapter][]*File{},
		byPath:    map[string]*File{},
		writer:    map[string]*chapter.Chapter{},
		state:     map[string]int{},
		failed:    map[*chapter.Block]bool{},
	}
	for _, ch := range chapters {
		s.add(ch)
	}
	for _, ch := range chapters {
		var files []*File
		for _, name := range ch.FileNames() {
			if f := s.file(path.Join(ch.Dir, name)); f != nil {
				files = append(files, f)
			}
		}
		s.byChapter[ch] = files
	}
	s.errs.Sort()
	return s, s.errs
}

func (s *Set) add(ch *chapter.Chapter) {
	s.chapters[ch.Dir] = ch
	for _, name := range ch.FileNames() {
		s.writer[path.Join(ch.Dir, name)] = ch
	}
}

// Failed reports whether b is a diff that defines a declaration and could
// not: GenerateBook reported why, and there is nothing to compare its
// body with.
func (s *Set) Failed(b *chapter.Block) bool { return s.failed[b] }

// Chapter returns the files that ch's listings write, in the order of
// their first listing.
func (s *Set) Chapter(ch *chapter.Chapter) []*File { return s.byChapter[ch] }

// File returns the generated file at p (a slash path from the root), or
// nil when no chapter's listings write it.
func (s *Set) File(p string) *File { return s.byPath[p] }

// Made returns every file made, including the bases from chapters not
// given to GenerateBook.
func (s *Set) Made() []*File {
	var all []*File
	for _, f := range s.byPath {
		if f != nil {
			all = append(all, f)
		}
	}
	return all
}

// All returns every generated file of the chapters given to GenerateBook.
func (s *Set) All() []*File {
	var all []*File
	for _, files := range s.byChapter {
		all = append(all, files...)
	}
	slices.SortFunc(all, func(a, b *File) int { return strings.Compare(a.Path(), b.Path()) })
	return all
}

// writerOf finds the chapter whose listings write p, reading the chapter
// from the disk when it is not one of the book's (a base in a chapter
// not asked for). It returns nil when no chapter does.
func (s *Set) writerOf(p string) *chapter.Chapter {
	if ch := s.writer[p]; ch != nil {
		return ch
	}
	parts := strings.SplitN(p, "/", 3)
	if s.root == "" || len(parts) < 3 || parts[0] != "chapters" {
		return nil
	}
	dir := parts[0] + "/" + parts[1]
	if s.chapters[dir] != nil {
		return nil
	}
	src, err := os.ReadFile(filepath.Join(s.root, filepath.FromSlash(dir), "README.md"))
	if err != nil {
		return nil
	}
	ch, _ := chapter.Parse(dir+"/README.md", src) // its own problems are its own check's
	s.add(ch)
	return s.writer[p]
}

// file makes the generated file at p once, with its base first.
func (s *Set) file(p string) *File {
	if s.state[p] == 2 {
		return s.byPath[p]
	}
	ch := s.writerOf(p)
	if ch == nil {
		return nil
	}
	s.state[p] = 1
	name := strings.TrimPrefix(p, ch.Dir+"/")
	blocks := ch.Files()[name]
	var f *File
	if blocks[0].Base != nil {
		f = s.grow(ch, name, blocks)
	} else {
		f = s.concatenate(ch, name, blocks)
	}
	s.byPath[p] = f
	s.state[p] = 2
	return f
}

// concatenate makes a file that starts from nothing: its listings, a
// blank line between two.
func (s *Set) concatenate(ch *chapter.Chapter, name string, blocks []*chapter.Block) *File {
	f := &File{Chapter: ch, Name: name, Blocks: blocks}
	var body strings.Builder
	f.Lines = make([]int, headerLines)
	for i, b := range blocks {
		if i > 0 {
			body.WriteByte('\n')
			f.Lines = append(f.Lines, 0)
			f.parts = append(f.parts, Part{Text: "\n"})
		}
		text := listingText(b)
		line := b.BodyLine
		if b.Use != nil {
			used, err := s.useText(b)
			if err != nil {
				s.errs.Add(ch.Path, b.Line, "listing %s: %v", name, err)
				f.Broken = true
			}
			text, line = used, b.Line
		}
		body.WriteString(text)
		for j := range strings.Count(text, "\n") {
			if b.Use != nil {
				f.Lines = append(f.Lines, line)
			} else {
				f.Lines = append(f.Lines, line+j)
			}
		}
		f.parts = append(f.parts, Part{Text: text, Block: b, Chapter: ch, Line: line})
	}
	f.finish([]byte(body.String()))
	return f
}

// useText is the declaration that a listing with use= stands for, as the
// file it names has it, with its doc comment.
func (s *Set) useText(b *chapter.Block) (string, error) {
	if s.state[b.Use.Path] == 1 {
		return "", fmt.Errorf("use %s makes a cycle: that file is made from this one", b.Use.Written)
	}
	from := s.file(b.Use.Path)
	switch {
	case from == nil:
		return "", fmt.Errorf("use %s: %s is not a file that a chapter's listings write", b.Use.Written, b.Use.Path)
	case from.Broken:
		return "", fmt.Errorf("use %s: %s cannot be made (see its problems)", b.Use.Written, b.Use.Path)
	}
	text, _, err := from.Decl(b.Use.Name)
	if err != nil {
		return "", fmt.Errorf("use %s: %v", b.Use.Written, err)
	}
	return text, nil
}

// finish sets the file's content from its listings' text, and the parts
// for the lines mdrun adds.
func (f *File) finish(body []byte) {
	f.Content = assemble(f.Chapter.Path, body)
	content := string(f.Content)
	header := 0
	for range headerLines {
		header += strings.IndexByte(content[header:], '\n') + 1
	}
	f.parts = append([]Part{{Text: content[:header]}}, f.parts...)
}

// A piece is one declaration of a file being grown, with where each of
// its lines comes from.
type piece struct {
	decl    godecl.Decl
	text    string
	parts   []Part // the text, split by where it comes from (one part, or more for a base's piece)
	own     bool   // shown in this chapter
	removed bool
	// tight is set for a declaration with no blank line before it
	// (two one-line functions gofmt aligns, say), as its listing has it.
	tight bool
}

// grow makes a file that starts as its base and takes the chapter's
// declarations in place of the base's of the same name.
func (s *Set) grow(ch *chapter.Chapter, name string, blocks []*chapter.Block) *File {
	first := blocks[0]
	f := &File{Chapter: ch, Name: name, Blocks: blocks}
	errf := func(line int, format string, args ...any) {
		s.errs.Add(ch.Path, line, "listing %s: "+format, append([]any{name}, args...)...)
	}
	bp := first.Base.Path
	var base *File
	switch {
	case s.state[bp] == 1:
		errf(first.Line, "base %s makes a cycle: it is made from %s, directly or through its own base", first.Base.Written, path.Join(ch.Dir, name))
	case !strings.HasSuffix(bp, ".go"):
		errf(first.Line, "base %s is not a Go file", first.Base.Written)
	default:
		base = s.file(bp)
		if base == nil && s.state[bp] != 1 {
			errf(first.Line, "base %s (%s) is not a file that a chapter's listings write; a base is another chapter's program file", first.Base.Written, bp)
		}
	}
	if base == nil || base.Broken {
		if base != nil {
			errf(first.Line, "base %s cannot be made (see its problems)", first.Base.Written)
		}
		// Nothing to grow from: the chapter's own listings, so that
		// what follows still has a file to link to, but none to check.
		f := s.concatenate(ch, name, blocks)
		f.Broken = true
		return f
	}
	f.Base = base
	errsBefore := len(s.errs)
	defer func() {
		// A file whose chapter asks for what its base cannot give is
		// not what the chapter means: reported, not checked further.
		if len(s.errs) > errsBefore {
			f.Broken = true
		}
	}()
	baseBody, baseFirst := Listings(base.Content)
	decls, err := godecl.Parse(base.Path(), baseBody)
	if err != nil {
		errf(first.Line, "base %s does not parse (%v); fix it first", base.Path(), err)
		f := s.concatenate(ch, name, blocks)
		f.Broken = true
		return f
	}
	baseLines := godecl.Lines(baseBody)
	var pieces []*piece
	for i, d := range decls {
		if d.Kind == godecl.Package {
			d.First = 1
		}
		pieces = append(pieces, &piece{
			decl:  d,
			text:  godecl.Text(baseLines, d.First, d.Last),
			parts: base.partsOf(baseFirst+d.First-1, baseFirst+d.Last-1),
			tight: i > 0 && d.First == decls[i-1].Last+1,
		})
	}
	basePiece := func(n string) *piece {
		for _, p := range pieces {
			if !p.own && p.decl.Has(n) {
				return p
			}
		}
		return nil
	}
	find := func(n string) *piece {
		for _, p := range pieces {
			if p.decl.Has(n) {
				return p
			}
		}
		return nil
	}
	describe := func(p *piece) string {
		if len(p.parts) > 0 && p.parts[0].Chapter != nil {
			return fmt.Sprintf("%s (from %s:%d)", base.Path(), p.parts[0].Chapter.Path, p.parts[0].Line)
		}
		return base.Path()
	}
	// shownAt says where this chapter shows each declaration, by name.
	shownAt := map[string]int{}
	// anchor is the piece the next new declaration follows; nil for
	// the end of the file.
	var anchor *piece
	insertAfter := func(after, p *piece) {
		if after == nil {
			pieces = append(pieces, p)
			return
		}
		i := slices.Index(pieces, after)
		pieces = slices.Insert(pieces, i+1, p)
	}
	importsShown := false
	var lastImport *piece

	// The diffs of this chapter that define one of the file's
	// declarations, and the listings, in the order the chapter has them.
	var order []*chapter.Block
	for _, b := range ch.Blocks {
		if b.Kind == chapter.Listing && b.File == name || b.Kind == chapter.Diff && b.Defines(ch.Dir) == name {
			order = append(order, b)
		}
	}
	for _, b := range order {
		if b.Kind == chapter.Diff {
			n := b.To.Name
			p := basePiece(n)
			switch {
			case shownAt[n] != 0:
				s.errs.Add(ch.Path, b.Line, "%s: %s is already shown at line %d; show a declaration once, as a diff or in full", b.Describe(), n, shownAt[n])
				continue
			case p == nil:
				s.errs.Add(ch.Path, b.Line, "%s: the base %s has no declaration %s to change%s", b.Describe(), base.Path(), n, suggestPieces(pieces, n))
				continue
			}
			shownAt[n] = b.Line
			text, err := s.applyDiff(b)
			if err != nil {
				s.errs.Add(ch.Path, b.Line, "%s: %v", b.Describe(), err)
				s.failed[b] = true
				continue
			}
			if text == "" {
				// An empty diff, for mdrun update to fill from the file as
				// extracted: until then there is no file to write or check.
				s.errs.Add(ch.Path, b.Line, "%s is empty; run `go run ./cmd/mdrun update` to fill it (from %s as extracted, for a file with base=)", b.Describe(), b.To.Path)
				s.failed[b] = true
				continue
			}
			p.text, p.own = text, true
			p.parts = []Part{{Text: text, Block: b, Chapter: ch, Line: b.Line}}
			if p.decl.Kind != godecl.Import { // new declarations never go among the imports
				anchor = p
			}
			continue
		}
		body := b.Body
		// at is the markdown line of a line of the listing's body: the
		// fence's line for a listing that uses another file's declaration.
		at := func(l int) int { return b.BodyLine + l - 1 }
		if b.Use != nil {
			text, err := s.useText(b)
			if err != nil {
				errf(b.Line, "%v", err)
				continue
			}
			body = text
			at = func(int) int { return b.Line }
		}
		bd, hasPackage, err := godecl.ParseFragment(name, []byte(body))
		if err != nil {
			line := at(1)
			if pos, ok := errLine(err); ok {
				line = at(pos)
			}
			errf(line, "%v", err)
			continue
		}
		if hasPackage && b != first {
			errf(b.Line, "only the first listing of a file with base= may show the package clause")
		}
		bodyLines := godecl.Lines([]byte(body))
		if msg, line := strayLines(bodyLines, bd); msg != "" {
			errf(at(line), "%s", msg)
		}
		for _, n := range b.New {
			if !slices.ContainsFunc(bd, func(d godecl.Decl) bool { return d.Has(n) }) {
				errf(b.Line, "new=%q: this listing declares no %s", n, n)
			}
		}
		var prev *piece // the piece the block's previous declaration placed
		for i, d := range bd {
			if d.Kind == godecl.Package {
				d.First = 1
			}
			text := godecl.Text(bodyLines, d.First, d.Last)
			np := &piece{decl: d, text: text, own: true, parts: []Part{{Text: text, Block: b, Chapter: ch, Line: at(d.First)}}}
			// A declaration that follows its listing's previous one
			// keeps the spacing the listing gives it.
			np.tight = i > 0 && d.First == bd[i-1].Last+1 && prev != nil && anchor == prev
			line := at(d.DeclLine)
			switch d.Kind {
			case godecl.Package:
				*pieces[0] = *np
				continue
			case godecl.Import:
				if !importsShown {
					importsShown = true
					// The imports shown replace all of the base's.
					at := pieces[0]
					for _, p := range pieces {
						if p.decl.Kind == godecl.Import && !p.own {
							p.removed = true
						}
					}
					insertAfter(at, np)
				} else {
					insertAfter(lastImport, np)
				}
				lastImport = np
				continue
			}
			key := d.Name()
			if l := shownBefore(shownAt, d.Names); l != 0 {
				errf(line, "%s is already shown at line %d; show a declaration once, as a diff or in full", key, l)
				continue
			}
			isNew := slices.ContainsFunc(b.New, d.Has)
			var p *piece
			for _, n := range d.Names {
				if q := basePiece(n); q != nil && p == nil {
					p = q
				} else if q != nil && q != p {
					errf(line, "%s replaces two declarations of the base %s: %s and %s", d.Describe(), base.Path(), p.decl.Describe(), q.decl.Describe())
				}
			}
			switch {
			case isNew && p != nil:
				errf(line, "new=%q, but the base %s declares %s already; drop it from new= to replace the base's", key, describe(p), key)
				continue
			case isNew:
				insertAfter(anchor, np)
				anchor = np
				prev = np
			case p == nil:
				errf(line, "%s replaces nothing: the base %s has no declaration %s%s; if it is new, say so with new=%q on this listing; if the base renamed it, rename it here", key, base.Path(), key, suggestPieces(pieces, key), key)
				continue
			default:
				if p.text == text {
					errf(line, "%s is the same as the base's %s: a declaration that does not change is not shown again", key, describe(p))
				}
				np.tight = p.tight // in the base's place, with the base's spacing
				*p = *np
				anchor = p
				prev = p
			}
			for _, n := range d.Names {
				shownAt[n] = line
			}
		}
		for _, n := range b.Remove {
			p := basePiece(n)
			switch {
			case p == nil && find(n) != nil:
				errf(b.Line, "remove=%q: this chapter shows %s; remove a declaration of the base, not one of its own", n, n)
			case p == nil:
				errf(b.Line, "remove=%q: the base %s has no declaration %s%s", n, base.Path(), n, suggestPieces(pieces, n))
			case p.removed:
				errf(b.Line, "remove=%q is said twice", n)
			default:
				p.removed = true
			}
		}
	}

	var body strings.Builder
	f.Lines = make([]int, headerLines)
	wrote := 0
	for _, p := range pieces {
		if p.removed {
			continue
		}
		if wrote > 0 && !p.tight {
			body.WriteString("\n")
			f.Lines = append(f.Lines, 0)
			f.parts = append(f.parts, Part{Text: "\n"})
		}
		wrote++
		body.WriteString(p.text)
		for _, part := range p.parts {
			f.parts = append(f.parts, part)
			for j := range strings.Count(part.Text, "\n") {
				l := 0
				if part.Chapter == ch && part.Block != nil && part.Block.Kind == chapter.Listing && part.Block.Use == nil {
					l = part.Line + j
				} else if part.Chapter == ch {
					l = part.Line
				}
				f.Lines = append(f.Lines, l)
			}
		}
	}
	f.finish([]byte(body.String()))
	return f
}

// partsOf returns the parts of f that make lines first..last of its
// content (1-based, inclusive), cut to those lines.
func (f *File) partsOf(first, last int) []Part {
	var out []Part
	line := 1
	for _, p := range f.parts {
		n := strings.Count(p.Text, "\n")
		pFirst, pLast := line, line+n-1
		line += n
		if n == 0 || pLast < first || pFirst > last {
			continue
		}
		lines := strings.SplitAfter(p.Text, "\n")
		lo, hi := max(first, pFirst), min(last, pLast)
		q := p
		q.Text = strings.Join(lines[lo-pFirst:hi-pFirst+1], "")
		if p.Block != nil && p.Block.Kind == chapter.Listing && p.Block.Use == nil {
			q.Line = p.Line + lo - pFirst
		}
		out = append(out, q)
	}
	return out
}

// strayLines finds a line of a listing that belongs to no declaration: a
// comment after the last one, which would be lost.
func strayLines(lines []string, decls []godecl.Decl) (string, int) {
	owned := make([]bool, len(lines)+1)
	for _, d := range decls {
		for l := d.First; l <= d.Last && l <= len(lines); l++ {
			owned[l] = true
		}
	}
	for i, l := range lines {
		if !owned[i+1] && strings.TrimSpace(l) != "" {
			return "this line belongs to no declaration (a comment after the last one?): a listing of a file with base= holds whole declarations", i + 1
		}
	}
	return "", 0
}

func suggestPieces(pieces []*piece, name string) string {
	var names []string
	for _, p := range pieces {
		if p.decl.Kind == godecl.Other && !p.own {
			names = append(names, p.decl.Names...)
		}
	}
	return godecl.Suggest(names, name, "")
}

// shownBefore returns the line where one of names was shown already, or 0.
func shownBefore(shownAt map[string]int, names []string) int {
	for _, n := range names {
		if l := shownAt[n]; l != 0 {
			return l
		}
	}
	return 0
}
