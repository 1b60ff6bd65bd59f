// Package godecl splits Go source into the pieces a chapter names and
// replaces: the package clause, the import declarations, and each
// top-level declaration with its doc comment, by the names that #Name refs
// and base= listings use (respond, Server.handle, Server, or any name of a
// const or var group).
package godecl

import (
	"bytes"
	"errors"
	"go/ast"
	"go/parser"
	"go/scanner"
	"go/token"
	"slices"
	"strings"
)

// Kind says what a Decl is.
type Kind int

const (
	Package Kind = iota // the package clause, with the comments above it
	Import              // an import declaration
	Other               // any other top-level declaration
)

// A Decl is one piece of a file, by whole lines.
type Decl struct {
	Kind Kind
	// Names are what a ref may call it: one for a function, method or
	// type, every name of a const or var group, "import" for an import
	// declaration; none for the package clause.
	Names []string
	// First and Last are its lines (1-based, inclusive): from the first
	// comment line above it that no other declaration owns (its doc
	// comment, and any comment between it and the declaration before)
	// to its last line. Blank lines before First belong to no Decl.
	First, Last int
	// DeclLine is the line of the declaration itself, after its
	// comments, and Doc the first line of its doc comment (DeclLine when
	// it has none): where a #Name ref's region starts.
	DeclLine, Doc int
}

// Name is the first of its names, or "package" or "import".
func (d Decl) Name() string {
	switch {
	case d.Kind == Package:
		return "package"
	case len(d.Names) > 0:
		return d.Names[0]
	}
	return "_"
}

// Has reports whether name is one of the declaration's names.
func (d Decl) Has(name string) bool {
	for _, n := range d.Names {
		if n == name {
			return true
		}
	}
	return false
}

// Parse splits a whole Go file into its pieces, in order. Comments after
// the last declaration belong to none.
func Parse(name string, src []byte) ([]Decl, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, name, src, parser.ParseComments|parser.SkipObjectResolution)
	if err != nil {
		return nil, FirstErr(err)
	}
	return split(fset, f), nil
}

// ParseFragment splits Go source that may lack a package clause: a
// listing that shows only some declarations of a file. It reports whether
// the source had a package clause of its own.
func ParseFragment(name string, src []byte) (decls []Decl, hasPackage bool, err error) {
	fset := token.NewFileSet()
	if _, err := parser.ParseFile(fset, name, src, parser.ParseComments|parser.SkipObjectResolution|parser.PackageClauseOnly); err == nil {
		decls, err := Parse(name, src)
		return decls, true, err
	}
	// No package clause: parse it behind a line of our own, and take
	// that line away again.
	withPkg := append([]byte("package _\n"), src...)
	f, err := parser.ParseFile(fset, name, withPkg, parser.ParseComments|parser.SkipObjectResolution)
	if err != nil {
		return nil, false, shift(FirstErr(err))
	}
	decls = split(fset, f)[1:]
	for i := range decls {
		decls[i].First--
		decls[i].Last--
		decls[i].DeclLine--
		decls[i].Doc--
	}
	return decls, false, nil
}

// shift moves a parser error's position up by the line ParseFragment adds.
func shift(err error) error {
	var e *scanner.Error
	if errors.As(err, &e) {
		e2 := *e
		e2.Pos.Line--
		return &e2
	}
	return err
}

func split(fset *token.FileSet, f *ast.File) []Decl {
	line := func(p token.Pos) int { return fset.Position(p).Line }
	// Comments not attached as doc go to the declaration that follows.
	var decls []Decl
	pkgFirst := line(f.Package)
	if f.Doc != nil {
		pkgFirst = line(f.Doc.Pos())
	}
	decls = append(decls, Decl{Kind: Package, First: pkgFirst, Last: line(f.Name.End()), DeclLine: line(f.Package), Doc: pkgFirst})
	prevEnd := line(f.Name.End())
	ci := 0
	for _, d := range f.Decls {
		start := d.Pos()
		kind := Other
		var names []string
		var doc *ast.CommentGroup
		switch d := d.(type) {
		case *ast.FuncDecl:
			doc = d.Doc
			n := d.Name.Name
			if d.Recv != nil && len(d.Recv.List) == 1 {
				n = RecvType(d.Recv.List[0].Type) + "." + n
			}
			names = append(names, n)
		case *ast.GenDecl:
			doc = d.Doc
			if d.Tok == token.IMPORT {
				// A ref calls a file's imports #import (a keyword, so
				// no declaration of the file has that name).
				kind, names = Import, []string{"import"}
			}
			for _, s := range d.Specs {
				switch s := s.(type) {
				case *ast.TypeSpec:
					names = append(names, s.Name.Name)
				case *ast.ValueSpec:
					for _, n := range s.Names {
						names = append(names, n.Name)
					}
				}
			}
		}
		first := line(start)
		// The earliest comment after the previous declaration's end
		// starts this one.
		for ci < len(f.Comments) && line(f.Comments[ci].End()) <= prevEnd {
			ci++
		}
		if ci < len(f.Comments) && f.Comments[ci].Pos() < start {
			first = line(f.Comments[ci].Pos())
		}
		last := line(d.End())
		docLine := line(start)
		if doc != nil {
			docLine = line(doc.Pos())
		}
		decls = append(decls, Decl{Kind: kind, Names: names, First: first, Last: last, DeclLine: line(start), Doc: docLine})
		prevEnd = last
	}
	return decls
}

// RecvType is the name of a method's receiver type: Server for *Server,
// Server[T] and *Server[T].
func RecvType(e ast.Expr) string {
	for {
		switch t := e.(type) {
		case *ast.StarExpr:
			e = t.X
		case *ast.ParenExpr:
			e = t.X
		case *ast.IndexExpr:
			e = t.X
		case *ast.IndexListExpr:
			e = t.X
		case *ast.Ident:
			return t.Name
		default:
			return "?"
		}
	}
}

// FirstErr is the first error of a parser's error list.
func FirstErr(err error) error {
	var el scanner.ErrorList
	if errors.As(err, &el) && len(el) > 0 {
		return el[0]
	}
	var list interface{ Unwrap() []error }
	if errors.As(err, &list) && len(list.Unwrap()) > 0 {
		return list.Unwrap()[0]
	}
	return err
}

// Lines splits src into its lines, each with its newline.
func Lines(src []byte) []string {
	return strings.SplitAfter(strings.TrimSuffix(string(src), "\n"), "\n")
}

// Text is lines first..last (1-based, inclusive) of lines, as one string
// ending in a newline.
func Text(lines []string, first, last int) string {
	var b bytes.Buffer
	for _, l := range lines[first-1 : last] {
		b.WriteString(l)
	}
	s := b.String()
	if !strings.HasSuffix(s, "\n") {
		s += "\n"
	}
	return s
}

// Describe names a declaration for a message: "func respond", "the
// package clause".
func (d Decl) Describe() string {
	switch d.Kind {
	case Package:
		return "the package clause"
	case Import:
		return "an import declaration"
	}
	return strings.Join(d.Names, ", ")
}

// Suggest says, for a message about a name no declaration has, which
// names a writer may have meant: the method or function of that name
// (" (did you mean #T.M?)", with prefix "#"), or the names there are
// when there are few.
func Suggest(names []string, name, prefix string) string {
	var uniq []string
	for _, n := range names {
		if n != "_" && !slices.Contains(uniq, n) {
			uniq = append(uniq, n)
		}
	}
	_, method, isMethod := strings.Cut(name, ".")
	for _, n := range uniq {
		if isMethod && strings.HasSuffix(n, "."+method) || !isMethod && strings.HasSuffix(n, "."+name) {
			return " (did you mean " + prefix + n + "?)"
		}
	}
	if len(uniq) == 0 || len(uniq) > 20 {
		return ""
	}
	return " (it declares " + strings.Join(uniq, ", ") + ")"
}
