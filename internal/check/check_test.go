package check

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"tcpbook/internal/chapter"
	"tcpbook/internal/extract"
)

// writeBook writes files (slash paths) under a new temporary directory.
func writeBook(t *testing.T, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for name, content := range files {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

func parse(t *testing.T, md string) *chapter.Chapter {
	t.Helper()
	ch, errs := chapter.Parse("chapters/01/README.md", []byte(md))
	if len(errs) > 0 {
		t.Fatalf("Parse: %v", errs)
	}
	return ch
}

func TestTranscripts(t *testing.T) {
	const md = "# 1\n" + // 1
		"\n" +
		"```console {#ch01-run}\n" + // 3
		"$ go run ./chapters/01\n" +
		"```\n" +
		"\n" +
		"```console {#ch01-server}\n" + // 7
		"$ go run ./chapters/01/server\n" +
		"```\n" +
		"\n" +
		"```console {#ch01-lonely}\n" + // 11
		"$ echo\n" +
		"```\n" +
		"\n" +
		"```console {unverified=\"timing\"}\n" + // 15
		"$ make bench\n" +
		"```\n" +
		"\n" +
		"```console {#ch01-both unverified=\"timing\"}\n" + // 19
		"$ make bench\n" +
		"```\n" +
		"\n" +
		"```console {#ch01-table .table}\n" + // 23: its output is no table
		"$ go run ./tools/netlab/cmd/netlab table r.json\n" +
		"Linux\n" +
		"| a | b |\n" +
		"| 1 | 2 |\n" +
		"```\n" +
		"\n" +
		"```console {#ch01-table-ok .table}\n" + // 30
		"$ go run ./tools/netlab/cmd/netlab table r.json\n" +
		"Linux\n" +
		"| a | b |\n" +
		"|:--|--:|\n" +
		"| 1 | 2 |\n" +
		"```\n"
	root := writeBook(t, map[string]string{
		"go.mod":                "module tb\n",
		"chapters/01/README.md": md,
		"testdata/scripts/a.txtar": "# the client\n" +
			"run -norm curl-version ch01-run\n" + // 2
			"start ch01-server\n" + // 3
			"waitport localhost:8888\n" +
			"interrupt ch01-server\n" + // 5
			"run ch01-nosuch\n" + // 6
			"run ch01-both\n" + // 7
			"run ch01-table\n" +
			"run ch01-table-ok\n" +
			"-- run ch01-lonely --\n" +
			"run ch01-lonely\n",
		"testdata/scripts/b.txtar": "start ch01-server\n" + // 1: never interrupted in b
			"# run ch01-lonely\n" +
			"! start ch01-server\n" + // 3: start takes no !
			"run -norm nosuch ch01-run\n" + // 4
			"waitoutput ch01-server 'a # b'\n" + // 5: a quoted # is not a comment
			"run ch01-run 'b\n", // 6: testscript cannot parse it
		"testdata/scripts/notascript.txt": "run ch01-lonely\n",
	})
	book, errs := chapter.Load(root, nil)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	verified, unverified, errs := transcripts(book)
	errs.Sort()
	want := []string{
		`chapters/01/README.md:11: transcript ch01-lonely is verified by no script in testdata/scripts (add one that runs it, or mark it {unverified="reason"})`,
		`chapters/01/README.md:19: transcript ch01-both is marked unverified, but testdata/scripts/a.txtar:7 verifies it; drop the unverified attribute`,
		"chapters/01/README.md:23: transcript ch01-table is marked .table, but no markdown table in the output (a | header | row, then a |---| row)",
		`testdata/scripts/a.txtar:6: run ch01-nosuch: no console block has this id`,
		`testdata/scripts/b.txtar:1: start ch01-server without interrupt ch01-server or waitexit ch01-server: its output would never be compared`,
		`testdata/scripts/b.txtar:3: start takes no !: usage: start ID`,
		`testdata/scripts/b.txtar:4: run: unknown normalisation rule "nosuch" (known: ephemeral-port, http-date, curl-version, curl-elapsed, curl-pointer, go-trace)`,
		`testdata/scripts/b.txtar:6: unterminated quoted argument`,
	}
	if got := errs.Strings(); !slices.Equal(got, want) {
		t.Errorf("transcripts problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// ch01-run and the two tables by run, ch01-server by interrupt;
	// ch01-both counts as unverified.
	if verified != 4 || unverified != 2 {
		t.Errorf("verified, unverified = %d, %d; want 4, 2", verified, unverified)
	}

	// With only some chapters loaded, an id no loaded chapter has may be
	// in another: it is not reported.
	if err := os.MkdirAll(filepath.Join(root, "chapters", "02"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "chapters", "02", "README.md"), []byte("```console {#ch01-nosuch}\n$ true\n```\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	book, _ = chapter.Load(root, []string{"chapters/01"})
	_, _, errs = transcripts(book)
	for _, m := range errs.Strings() {
		if strings.Contains(m, "no console block") {
			t.Errorf("with chapters/02 not loaded: %s", m)
		}
	}
}

func TestFragmentLines(t *testing.T) {
	const md = "# 1\n" + // 1
		"\n" +
		"```go\n" + // 3
		"conn, err := net.Dial(\"tcp\", \"localhost:8888\")\n" + // 4
		"fmt.Println(undefinedName)\n" + // 5
		"```\n" +
		"\n" +
		"```go\n" + // 8
		"func handle(c net.Conn) {\n" + // 9
		"\tc.Clos()\n" + // 10
		"}\n" +
		"```\n" +
		"\n" +
		"```go\n" + // 14
		"x := \n" + // 15
		"```\n" +
		"\n" +
		"```go\n" + // 18
		"var err error\n" + // 19
		"_ = errors.Is(err, os.ErrNotExist)\n" + // 20
		"```\n"
	ch := parse(t, md)
	names := chapterImports(ch, nil)
	var got []string
	for _, b := range ch.Blocks {
		f, errs := prepare(ch, b, names)
		if errs != nil {
			got = append(got, errs.Strings()...)
			continue
		}
		got = append(got, strings.Join(f.imports, ","))
	}
	want := []string{
		"fmt,net",
		"net",
		// The wrapper's closing brace is not in the book: the error is
		// kept within the block.
		"chapters/01/README.md:15: fragment: expected operand, found '}'",
		"errors,os",
	}
	if !slices.Equal(got, want) {
		t.Errorf("prepare:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	// Lines of the wrapped source map back to the markdown.
	f, _ := prepare(ch, ch.Blocks[0], names)
	if got := f.mdLine(5); got != 5 { // package, blank, func, line 1 (4), line 2 (5)
		t.Errorf("statements: mdLine(5) = %d, want 5", got)
	}
	f, _ = prepare(ch, ch.Blocks[1], names)
	if got := f.mdLine(4); got != 10 { // package, blank, line 1 (9), line 2 (10)
		t.Errorf("declarations: mdLine(4) = %d, want 10", got)
	}
	if got := f.mdLine(100); got != 11 {
		t.Errorf("mdLine past the body = %d, want its last line 11", got)
	}
}

func TestChapterImports(t *testing.T) {
	ch := parse(t, "```go {file=main.go}\npackage main\n\nimport (\n\t_ \"embed\"\n\n\t\"golang.org/x/net/http2\"\n\tstdnet \"net\"\n)\n```\n")
	files := extract.Generate(ch)
	if errs := extract.CheckFormat(files); len(errs) > 0 {
		t.Fatal(errs)
	}
	names := chapterImports(ch, files)
	for name, want := range map[string]string{"stdnet": "net", "http2": "golang.org/x/net/http2", "net": "net", "_": "", "embed": ""} {
		if names[name] != want {
			t.Errorf("names[%q] = %q, want %q", name, names[name], want)
		}
	}
}

func TestVetMessages(t *testing.T) {
	const md = "```go {file=main.go}\n" + // 1
		"package main\n" + // 2
		"\n" +
		"import \"fmt\"\n" + // 4
		"```\n" +
		"\n" +
		"```go {file=main.go}\n" + // 7
		"func main() {\n" + // 8
		"\tfmt.Printf(\"%d\\n\", \"x\")\n" + // 9
		"}\n" +
		"```\n"
	ch := parse(t, md)
	files := extract.Generate(ch)
	f := files[0]
	// main.go: header, sum, blank, package (4), blank, import (6), blank
	// added between listings (7), func main (8), Printf (9).
	root := "/book"
	byPath := map[string]*extract.File{f.Path(): f, "0123abcd.go": f}
	out := "# tb/chapters/01\n" +
		"# [tb/chapters/01]\n" +
		"chapters/01/main.go:9:2: fmt.Printf format %d has arg \"x\" of wrong type string\n" +
		"vet: /tmp/mdrun-vet-1/0123abcd.go:6:8: \"fmt\" imported and not used\n" +
		"/book/chapters/01/main.go:7: blank\n" +
		"other/x.go:3:1: elsewhere\n"
	want := []string{
		`chapters/01/README.md:9: listing main.go: fmt.Printf format %d has arg "x" of wrong type string`,
		`chapters/01/README.md:4: listing main.go: "fmt" imported and not used`,
		`chapters/01/README.md:1: listing main.go: blank`, // a line mdrun adds: the file's first listing
		`other/x.go:3: elsewhere`,
	}
	if got := vetMessages(root, byPath, []byte(out)).Strings(); !slices.Equal(got, want) {
		t.Errorf("vetMessages:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestVetJSON reads go vet -json's findings: an object a package, each
// analyzer's findings at their position, or an error for a package it
// could not analyse.
func TestVetJSON(t *testing.T) {
	out := `{
	"tb/chapters/01": {
		"printf": [
			{"posn": "/book/chapters/01/main.go:9:2", "end": "/book/chapters/01/main.go:9:5", "message": "fmt.Printf format %d has arg \"x\" of wrong type string"}
		],
		"copylocks": [
			{"posn": "/tmp/mdrun-vet-1/0123abcd.go:8:1", "message": "passes lock by value"}
		]
	}
}
{
	"tb/chapters/02": {
		"unusedresult": {"error": "analysis failed"}
	}
}
`
	got, err := vetJSON([]byte(out))
	if err != nil {
		t.Fatal(err)
	}
	want := []vetFinding{
		{"/tmp/mdrun-vet-1/0123abcd.go:8:1", "copylocks: passes lock by value"},
		{"/book/chapters/01/main.go:9:2", `printf: fmt.Printf format %d has arg "x" of wrong type string`},
		{"", "analysis failed"},
	}
	if !slices.Equal(got, want) {
		t.Errorf("vetJSON =\n%q\nwant\n%q", got, want)
	}
	if _, err := vetJSON([]byte("{not json")); err == nil {
		t.Errorf("vetJSON accepted what is not JSON")
	}
}

func TestStaleLine(t *testing.T) {
	ch := parse(t, "```go {file=main.go}\npackage main\n\nfunc main() {\n\tprintln(1)\n}\n```\n")
	files := extract.Generate(ch)
	f := files[0]
	old := strings.Replace(string(f.Content), "println(1)", "println(0)", 1)
	if got := staleLine(f, []byte(old)); got != 5 {
		t.Errorf("staleLine = %d, want 5 (the println)", got)
	}
	short := strings.TrimSuffix(string(f.Content), "}\n")
	if got := staleLine(f, []byte(short)); got != 6 {
		t.Errorf("staleLine of a shorter file = %d, want 6", got)
	}
	if got := staleLine(f, append(f.Content, "// more\n"...)); got != 1 {
		t.Errorf("staleLine of a longer file = %d, want the listing's line 1", got)
	}
}

func TestOnDiskIncomplete(t *testing.T) {
	const md = "```go {file=\"server/main.go\"}\npackage main\n\nfunc main() {}\n```\n"
	files := extract.Generate(parse(t, md))
	root := writeBook(t, map[string]string{
		"go.mod":                     "module tb\n",
		"chapters/01/README.md":      md,
		"chapters/01/server/main.go": string(files[0].Content),
	})
	// A chapter that no longer writes the file: it is orphaned.
	want := []string{"chapters/01/README.md: chapters/01/server/main.go is orphaned: it was generated from this chapter but no listing writes it; run `go run ./cmd/mdrun extract` to remove it"}
	if got := onDisk(root, parse(t, "No programs.\n"), nil).Strings(); !slices.Equal(got, want) {
		t.Errorf("onDisk without the listing = %q, want %q", got, want)
	}
	// The listing is there, but its attributes are broken: Parse reports
	// it, and the file is not called orphaned.
	broken, errs := chapter.Parse("chapters/01/README.md", []byte(strings.Replace(md, `main.go"}`, `main.go}`, 1)))
	if len(errs) == 0 || !broken.Incomplete {
		t.Fatalf("Parse of a broken listing: Incomplete = %v, errors %v", broken.Incomplete, errs)
	}
	if got := onDisk(root, broken, extract.Generate(broken)); len(got) > 0 {
		t.Errorf("onDisk with a broken listing: %v", got)
	}
}
