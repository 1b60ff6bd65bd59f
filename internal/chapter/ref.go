package chapter

import (
	"path"
	"regexp"
	"strings"
)

// A Ref is a file of the repository that a diff or a quote names, maybe
// narrowed to one top-level declaration: ../02/main.go#respond,
// server/main.go#Server.handle.
type Ref struct {
	// Written is the attribute's value as the chapter writes it; a diff's
	// header lines show it.
	Written string
	// Path is the file's clean slash path from the book's root.
	Path string
	// Name is the declaration after #: a function, a method as
	// Type.Method, a type, or a name of a const or var group. "" for
	// the whole file.
	Name string
}

// declName is what may follow #: an identifier, or Type.Method.
var declName = regexp.MustCompile(`^[\pL_][\pL\pN_]*(\.[\pL_][\pL\pN_]*)?$`)

// parseRef reads a diff's or a quote's path, written relative to the
// chapter's directory dir, and says what is wrong with it: a path may name
// any file of the repository, but never one outside it.
func parseRef(dir, v string) (*Ref, string) {
	p, name, hasName := strings.Cut(v, "#")
	switch {
	case p == "":
		return nil, "name a file: a path relative to the chapter directory"
	case strings.Contains(p, `\`):
		return nil, "use / to separate path elements"
	case path.IsAbs(p):
		return nil, "path must be relative to the chapter directory"
	case hasName && name == "":
		return nil, "# must be followed by a declaration's name (#respond, #Server.handle)"
	case hasName && !declName.MatchString(name):
		return nil, "#" + name + " is not a declaration's name: write #respond, or #Server.handle for a method"
	}
	full := path.Join(dir, p)
	if full == ".." || strings.HasPrefix(full, "../") {
		return nil, "path leaves the repository"
	}
	if full == "." {
		return nil, "name a file, not the repository"
	}
	if hasName && !strings.HasSuffix(full, ".go") {
		return nil, "#" + name + " names a declaration, which only a .go file has"
	}
	return &Ref{Written: v, Path: full, Name: name}, ""
}

// String is the ref as a path from the book's root: chapters/02/main.go#respond.
func (r *Ref) String() string {
	if r.Name == "" {
		return r.Path
	}
	return r.Path + "#" + r.Name
}

// Describe names a diff or a quote block for a message: "diff from A to
// B", "quote of F#Name", with the paths as the chapter writes them.
func (b *Block) Describe() string {
	switch b.Kind {
	case Quote:
		return "quote of " + b.From.Written
	case Ladder:
		return "ladder of " + b.From.Written
	}
	return "diff from " + b.From.Written + " to " + b.To.Written
}

// Defines returns the file, relative to the chapter's directory dir,
// whose declaration a diff block shows the new form of ("" for any other
// block). When that file grows from a base (base=), the diff is the
// declaration's listing: the new declaration is the diff applied to the
// old one.
func (b *Block) Defines(dir string) string {
	if b.Kind != Diff || b.To == nil || b.To.Name == "" {
		return ""
	}
	rel, ok := strings.CutPrefix(b.To.Path, dir+"/")
	if !ok {
		return ""
	}
	return rel
}
