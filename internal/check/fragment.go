package check

import (
	"bytes"
	"errors"
	"fmt"
	"go/ast"
	"go/importer"
	"go/parser"
	"go/scanner"
	"go/token"
	"go/types"
	"io"
	"os"
	"os/exec"
	"path"
	"slices"
	"strconv"
	"strings"

	"tcpbook/internal/chapter"
	"tcpbook/internal/diag"
	"tcpbook/internal/extract"
)

// stdNames resolves the package names a fragment may use without importing
// them. A chapter's own listings add their imports to this.
var stdNames = map[string]string{
	"atomic": "sync/atomic", "binary": "encoding/binary", "bufio": "bufio", "bytes": "bytes",
	"context": "context", "errors": "errors", "exec": "os/exec", "filepath": "path/filepath",
	"fmt": "fmt", "hex": "encoding/hex", "http": "net/http", "httptest": "net/http/httptest",
	"httputil": "net/http/httputil", "io": "io", "json": "encoding/json", "log": "log",
	"maps": "maps", "math": "math", "net": "net", "netip": "net/netip", "os": "os",
	"runtime": "runtime", "signal": "os/signal", "slices": "slices", "slog": "log/slog",
	"sort": "sort", "strconv": "strconv", "strings": "strings", "sync": "sync",
	"syscall": "syscall", "textproto": "net/textproto", "time": "time", "tls": "crypto/tls",
	"unicode": "unicode", "url": "net/url", "utf8": "unicode/utf8",
}

type fragment struct {
	ch      *chapter.Chapter
	b       *chapter.Block
	src     string
	shift   int // lines added before the fragment's first line
	imports []string
}

// fragments type-checks each fragment as the body of a function in
// package main (or, if it is not statements, as top-level declarations),
// with the packages it names imported.
func fragments(book *chapter.Book, gc *goCache, files []*extract.File) diag.List {
	var errs diag.List
	var frags []*fragment
	need := map[string]bool{}
	for _, ch := range book.Chapters {
		names := chapterImports(ch, files)
		for _, b := range ch.Blocks {
			if b.Kind != chapter.Fragment {
				continue
			}
			f, err := prepare(ch, b, names)
			if err != nil {
				errs.Append(err)
				continue
			}
			for _, p := range f.imports {
				need[p] = true
			}
			frags = append(frags, f)
		}
	}
	if len(frags) == 0 {
		return errs
	}
	exports, err := exportData(book.Root, gc, need)
	if err != nil {
		errs.Add(frags[0].ch.Path, frags[0].b.Line, "cannot type-check fragments: %v", err)
		return errs
	}
	fset := token.NewFileSet()
	imp := importer.ForCompiler(fset, "gc", func(p string) (io.ReadCloser, error) {
		if exports[p] == "" {
			return nil, fmt.Errorf("no export data for %s", p)
		}
		return os.Open(exports[p])
	})
	for _, f := range frags {
		file, err := parser.ParseFile(fset, f.b.File, f.src, 0)
		if err != nil {
			errs.Append(f.syntaxErrors(err))
			continue
		}
		conf := types.Config{Importer: imp, Error: func(err error) {
			te := err.(types.Error)
			if strings.Contains(te.Msg, "declared and not used") || strings.Contains(te.Msg, "imported and not used") {
				return // a fragment shows a step, not a whole function
			}
			errs.Add(f.ch.Path, f.mdLine(te.Fset.Position(te.Pos).Line), "fragment: %s", te.Msg)
		}}
		conf.Check("main", fset, []*ast.File{file}, nil)
	}
	return errs
}

// prepare wraps a fragment into a file and finds the packages it uses.
func prepare(ch *chapter.Chapter, b *chapter.Block, names map[string]string) (*fragment, diag.List) {
	f := &fragment{ch: ch, b: b}
	asBody := "package main\n\nfunc _() {\n" + b.Body + "\n}\n"
	asDecls := "package main\n\n" + b.Body
	fset := token.NewFileSet()
	file, err := parser.ParseFile(fset, "", asBody, parser.SkipObjectResolution)
	bodyErr := err
	shift := 3
	if err != nil {
		if file, err = parser.ParseFile(fset, "", asDecls, parser.SkipObjectResolution); err != nil {
			f.shift = 3
			return nil, f.syntaxErrors(bodyErr)
		}
		shift, asBody = 2, asDecls
	}
	used := map[string]bool{}
	ast.Inspect(file, func(n ast.Node) bool {
		if sel, ok := n.(*ast.SelectorExpr); ok {
			if id, ok := sel.X.(*ast.Ident); ok && names[id.Name] != "" {
				used[id.Name] = true
			}
		}
		return true
	})
	var decl strings.Builder
	for name := range used {
		p := names[name]
		f.imports = append(f.imports, p)
		fmt.Fprintf(&decl, "import %s %q;", name, p)
	}
	slices.Sort(f.imports)
	// The imports go on the package line, so line numbers do not move.
	f.src = strings.Replace(asBody, "package main\n", "package main; "+decl.String()+"\n", 1)
	f.shift = shift
	return f, nil
}

// mdLine maps a line of the wrapped fragment to the markdown, keeping it
// within the block: the closing brace of the wrapper is not in the book.
func (f *fragment) mdLine(line int) int {
	last := f.b.BodyLine + max(strings.Count(f.b.Body, "\n"), 1) - 1
	return min(max(f.b.BodyLine+line-1-f.shift, f.b.BodyLine), last)
}

func (f *fragment) syntaxErrors(err error) diag.List {
	var errs diag.List
	var list scanner.ErrorList
	if errors.As(err, &list) {
		for _, e := range list {
			errs.Add(f.ch.Path, f.mdLine(e.Pos.Line), "fragment: %s", e.Msg)
		}
		return errs
	}
	errs.Add(f.ch.Path, f.b.Line, "fragment: %v", err)
	return errs
}

// chapterImports adds the imports of a chapter's listings to stdNames.
func chapterImports(ch *chapter.Chapter, files []*extract.File) map[string]string {
	names := map[string]string{}
	for k, v := range stdNames {
		names[k] = v
	}
	for _, f := range files {
		if f.Chapter != ch {
			continue
		}
		file, err := parser.ParseFile(token.NewFileSet(), "", f.Content, parser.ImportsOnly)
		if err != nil {
			continue
		}
		for _, spec := range file.Imports {
			p, _ := strconv.Unquote(spec.Path.Value)
			name := path.Base(p)
			if spec.Name != nil {
				name = spec.Name.Name
			}
			if name != "_" && name != "." {
				names[name] = p
			}
		}
	}
	return names
}

// exportData asks the go command, once, where the compiled export data of
// the packages is (building it into the cache if needed).
func exportData(root string, gc *goCache, pkgs map[string]bool) (map[string]string, error) {
	key := gc.key("export", sortedKeys(pkgs))
	var cached map[string]string
	if gc.get(key, &cached) && len(cached) == len(pkgs) && exportFilesExist(cached) {
		return cached, nil
	}
	args := []string{"list", "-export", "-f", "{{.ImportPath}}\t{{.Export}}"}
	for p := range pkgs {
		args = append(args, p)
	}
	if len(pkgs) == 0 {
		return map[string]string{}, nil
	}
	cmd := exec.Command("go", args...)
	cmd.Dir = root
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go list: %v\n%s", err, stderr.Bytes())
	}
	m := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if p, exp, ok := strings.Cut(line, "\t"); ok {
			m[p] = exp
		}
	}
	gc.put(key, m)
	return m, nil
}

// exportFilesExist reports whether the go command's cache still has the
// export data files (go clean -cache, or its trimming, removes them).
func exportFilesExist(m map[string]string) bool {
	for _, f := range m {
		if _, err := os.Stat(f); err != nil {
			return false
		}
	}
	return true
}
