package chapter

import (
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

const sample = "# 第 1 章\n" + // 1
	"\n" +
	"```go {file=main.go}\n" + // 3
	"package main\n" + // 4
	"```\n" +
	"\n" +
	"```go {file=\"server/main.go\"}\n" + // 7
	"package main\n" +
	"```\n" +
	"\n" +
	"```go {excerpt=main.go}\n" + // 11
	"package main\n" +
	"```\n" +
	"\n" +
	"```go\n" + // 15
	"conn, err := net.Dial(\"tcp\", \"localhost:8888\")\n" +
	"```\n" +
	"\n" +
	"```console {#ch01-run}\n" + // 19
	"$ go run ./chapters/01\n" +
	"hello\n" +
	"```\n" +
	"\n" +
	"```console {unverified=\"timing varies\"}\n" + // 24
	"$ make bench\n" +
	"```\n" +
	"\n" +
	"```sh\n" + // 28
	"make extract\n" +
	"```\n" +
	"\n" +
	"```text\n" + // 32
	"GET / HTTP/1.1\n" +
	"```\n" +
	"\n" +
	"~~~go {file=main.go}\n" + // 36
	"func main() {}\n" +
	"~~~\n" +
	"\n" +
	"    indented code is not a block\n" +
	"\n" +
	"```\n" + // 42: no language
	"plain\n" +
	"```\n"

func TestParse(t *testing.T) {
	ch, errs := Parse("chapters/01/README.md", []byte(sample))
	if len(errs) > 0 {
		t.Fatalf("Parse: %v", errs)
	}
	if ch.Path != "chapters/01/README.md" || ch.Dir != "chapters/01" {
		t.Errorf("Path, Dir = %q, %q", ch.Path, ch.Dir)
	}
	type row struct {
		Kind             Kind
		Lang             string
		Line, BodyLine   int
		File, ID, Unverf string
		Body             string
	}
	want := []row{
		{Listing, "go", 3, 4, "main.go", "", "", "package main\n"},
		{Listing, "go", 7, 8, "server/main.go", "", "", "package main\n"},
		{Excerpt, "go", 11, 12, "main.go", "", "", "package main\n"},
		{Fragment, "go", 15, 16, "", "", "", "conn, err := net.Dial(\"tcp\", \"localhost:8888\")\n"},
		{Transcript, "console", 19, 20, "", "ch01-run", "", "$ go run ./chapters/01\nhello\n"},
		{Transcript, "console", 24, 25, "", "", "timing varies", "$ make bench\n"},
		{Other, "sh", 28, 29, "", "", "", "make extract\n"},
		{Other, "text", 32, 33, "", "", "", "GET / HTTP/1.1\n"},
		{Listing, "go", 36, 37, "main.go", "", "", "func main() {}\n"},
		{Other, "", 42, 43, "", "", "", "plain\n"},
	}
	var got []row
	for _, b := range ch.Blocks {
		got = append(got, row{b.Kind, b.Lang, b.Line, b.BodyLine, b.File, b.ID, b.Unverified, b.Body})
		if string(ch.Source[b.BodyStart:b.BodyEnd]) != b.Body {
			t.Errorf("block at line %d: Source[BodyStart:BodyEnd] = %q, want its body %q", b.Line, ch.Source[b.BodyStart:b.BodyEnd], b.Body)
		}
		if LineOf(ch.Source, b.BodyStart) != b.BodyLine {
			t.Errorf("block at line %d: BodyStart is on line %d, want %d", b.Line, LineOf(ch.Source, b.BodyStart), b.BodyLine)
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("blocks:\n%v\nwant:\n%v", got, want)
	}

	if got := ch.FileNames(); !slices.Equal(got, []string{"main.go", "server/main.go"}) {
		t.Errorf("FileNames = %q", got)
	}
	if files := ch.Files(); len(files["main.go"]) != 2 || files["main.go"][1].Line != 36 || len(files["server/main.go"]) != 1 {
		t.Errorf("Files = %v", files)
	}
	if b := ch.Block("ch01-run"); b == nil || b.Line != 19 {
		t.Errorf("Block(ch01-run) = %+v", b)
	}
	if b := ch.Block("nosuch"); b != nil {
		t.Errorf("Block(nosuch) = %+v", b)
	}
}

func TestParseNested(t *testing.T) {
	src := "- 手順\n" + // 1
		"\n" +
		"  ```go {file=main.go}\n" + // 3
		"  package main\n" +
		"  ```\n" +
		"\n" +
		"> ```console {#q}\n" + // 7
		"> $ echo\n" +
		"> ```\n"
	ch, errs := Parse("chapters/01/README.md", []byte(src))
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	if len(ch.Blocks) != 2 {
		t.Fatalf("%d blocks, want 2", len(ch.Blocks))
	}
	if b := ch.Blocks[0]; b.Kind != Listing || b.Line != 3 || b.Body != "package main\n" {
		t.Errorf("listing in a list item: %+v", b)
	}
	if b := ch.Blocks[1]; b.Kind != Transcript || b.Line != 7 || b.Body != "$ echo\n" {
		t.Errorf("transcript in a block quote: %+v", b)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want []string // messages, each at chapters/01/README.md:LINE
	}{
		{"unknown attribute", "```go {fiel=main.go}\n```\n",
			[]string{"1: unknown attribute fiel: a ```go block takes file, excerpt, quote, base, new, remove, use"}},
		{"unknown console attribute", "x\n\n```console {#a file=x.go}\n$ x\n```\n",
			[]string{"3: unknown attribute file: a ```console block takes #id, unverified, .table"}},
		{"console class other than table", "```console {#a .tabel}\n$ x\n```\n",
			[]string{"1: a console block's one class is .table, for an output that is a markdown table: {#an-id .table}, not .tabel"}},
		{"class", "```go {.go}\n```\n",
			[]string{"1: unknown attribute class: a ```go block takes file, excerpt, quote, base, new, remove, use"}},
		{"attributes on sh", "```sh {#x}\nls\n```\n",
			[]string{"1: unknown attribute id: a ```sh block takes no attributes"}},
		{"unquoted slash", "```go {file=server/main.go}\n```\n",
			[]string{`1: malformed attributes "{file=server/main.go}" (quote values that hold / or spaces: {file="server/main.go"})`}},
		{"text after the attributes", "```go {file=main.go} more\n```\n",
			[]string{`1: malformed attributes "{file=main.go} more" (quote values that hold / or spaces: {file="server/main.go"})`}},
		{"given twice", "```go {file=a.go file=b.go}\n```\n",
			[]string{"1: attribute file given twice"}},
		{"empty value", "```go {file=\"\"}\n```\n",
			[]string{"1: attribute file needs a non-empty value"}},
		{"number value", "```go {file=1}\n```\n",
			[]string{"1: attribute file needs a non-empty value"}},
		{"listing and excerpt", "```go {file=a.go excerpt=a.go}\n```\n",
			[]string{"1: a block is a listing (file=), an excerpt (excerpt=) or a quote (quote=), only one of them"}},
		{"bad path", "```go {file=\"../x.go\"}\n```\n",
			[]string{`1: file "../x.go": path leaves the chapter directory`}},
		{"bad excerpt path", "```go {excerpt=\"/x.go\"}\n```\n",
			[]string{`1: excerpt "/x.go": path must be relative to the chapter directory`}},
		{"console without id", "```console\n$ ls\n```\n",
			[]string{`1: a console block needs an id verified by a script ({#an-id}) or a reason it cannot be ({unverified="reason"})`}},
		{"console without command", "```console {#a}\nhello\n$ ls\n```\n",
			[]string{`1: a console block starts with the command line: "$ command"`}},
		{"console empty", "```console {#a}\n```\n",
			[]string{`1: a console block starts with the command line: "$ command"`}},
		{"console with a prompt but no space", "```console {#a}\n$ls\n```\n",
			[]string{`1: a console block starts with the command line: "$ command"`}},
		{"excerpt of nothing", "```go {file=main.go}\npackage main\n```\n\n```go {excerpt=server.go}\n```\n",
			[]string{"5: excerpt of server.go, which no listing in this chapter writes"}},
		{"duplicate id", "```console {#a}\n$ x\n```\n\n```console {#b}\n$ x\n```\n\n```console {#a}\n$ x\n```\n",
			[]string{`9: duplicate id "a" (first used at line 1)`}},
		{"case conflict", "```go {file=main.go}\n```\n\n```go {file=Main.go}\n```\n",
			[]string{"4: listing Main.go conflicts with listing main.go on a case-insensitive file system"}},
		{"case conflict in a directory", "```go {file=\"server/main.go\"}\n```\n\n```go {file=\"Server/main.go\"}\n```\n",
			[]string{"4: listing Server/main.go conflicts with listing server/main.go on a case-insensitive file system"}},
		{"file where a directory is needed", "```go {file=\"a.go/main.go\"}\n```\n\n```go {file=a.go}\n```\n",
			[]string{"1: listing a.go/main.go needs a directory a.go where listing a.go writes a file"}},
		{"file where a deeper directory is needed", "```go {file=\"x/A.go\"}\n```\n\n```go {file=\"x/a.go/b/main.go\"}\n```\n",
			[]string{"4: listing x/a.go/b/main.go needs a directory x/a.go where listing x/A.go writes a file"}},
		{"all reported, in order", "```go {fiel=main.go}\n```\n\n```console\n$ x\n```\n\n```go {excerpt=x.go}\n```\n",
			[]string{
				"1: unknown attribute fiel: a ```go block takes file, excerpt, quote, base, new, remove, use",
				`4: a console block needs an id verified by a script ({#an-id}) or a reason it cannot be ({unverified="reason"})`,
				"8: excerpt of x.go, which no listing in this chapter writes",
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, errs := Parse("chapters/01/README.md", []byte(tt.src))
			var want []string
			for _, w := range tt.want {
				want = append(want, "chapters/01/README.md:"+w)
			}
			if got := errs.Strings(); !slices.Equal(got, want) {
				t.Errorf("Parse errors:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
		})
	}
}

func TestUnclosedFence(t *testing.T) {
	tests := []struct {
		name string
		src  string
		line int // of the unclosed fence, 0 for none
	}{
		{"closed", "```go\nx\n```\n", 0},
		{"closed at the end without newline", "```go\nx\n```", 0},
		{"closed by a longer fence", "```go\nx\n`````\n", 0},
		{"closed with trailing spaces", "```go\nx\n```  \n", 0},
		{"empty and closed", "```go\n```\n", 0},
		{"tildes", "~~~go\nx\n~~~\n", 0},
		{"four backticks around three", "````markdown\n```go {file=main.go}\nx\n```\n````\n", 0},
		{"in a list item", "- x\n\n  ```go\n  y\n  ```\n", 0},
		{"in a block quote", "> ```go\n> y\n> ```\n", 0},
		{"never closed", "# x\n\n```go\nx\n", 3},
		{"never closed, empty", "text\n\n```go\n", 3},
		{"never closed, at the very end", "text\n\n```go", 3},
		{"three backticks do not close four", "````markdown\n```go\nx\n```\n", 1},
		{"backticks do not close tildes", "~~~go\nx\n```\n", 1},
		// A forgotten closing fence pairs the fences after it wrongly, up to
		// the last one, which is left open.
		{"a forgotten fence shows at the last one", "```go {file=main.go}\npackage main\n\n```go {file=main.go}\nfunc main() {}\n```\n\nend\n```\n", 9},
		{"closing fence with text after it", "```go\nx\n``` y\n", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, errs := Parse("chapters/01/README.md", []byte(tt.src))
			var got []string
			for _, e := range errs {
				if strings.Contains(e.Msg, "never closed") {
					got = append(got, e.Error())
				}
			}
			var want []string
			if tt.line > 0 {
				want = []string{"chapters/01/README.md:" + strconv.Itoa(tt.line) + ": code fence is never closed"}
			}
			if !slices.Equal(got, want) {
				t.Errorf("got %q, want %q (all errors: %v)", got, want, errs)
			}
		})
	}
}

func TestUnclosedFenceIsNotClassified(t *testing.T) {
	// A fence that runs to the end is reported once, not also as a
	// listing, and does not write a file.
	_, errs := Parse("chapters/01/README.md", []byte("```console\nhello\n"))
	if got := errs.Strings(); !slices.Equal(got, []string{"chapters/01/README.md:1: code fence is never closed"}) {
		t.Errorf("errors = %q", got)
	}
	ch, _ := Parse("chapters/01/README.md", []byte("```go {file=main.go}\npackage main\n"))
	if len(ch.FileNames()) != 0 {
		t.Errorf("an unclosed listing writes %q", ch.FileNames())
	}
}

func TestIncomplete(t *testing.T) {
	// A chapter is incomplete when a block was reported and not taken for
	// what it was meant to be; other problems leave every block known.
	tests := []struct {
		name, src  string
		incomplete bool
	}{
		{"sound", sample, false},
		{"unknown attribute", "```go {fiel=main.go}\n```\n", true},
		{"unquoted slash", "```go {file=server/main.go}\npackage main\n```\n", true},
		{"unclosed quote", "```go {file=\"server/main.go}\npackage main\n```\n", true},
		{"given twice", "```go {file=a.go file=b.go}\n```\n", true},
		{"listing and excerpt", "```go {file=a.go excerpt=a.go}\n```\n", true},
		{"bad path", "```go {file=\"../x.go\"}\n```\n", true},
		{"bad excerpt path", "```go {excerpt=\"/x.go\"}\n```\n", true},
		{"never closed", "# x\n\n```go {file=main.go}\npackage main\n", true},
		{"console without id", "```console\n$ ls\n```\n", false},
		{"console empty", "```console {#a}\n```\n", false},
		{"excerpt of nothing", "```go {excerpt=server.go}\n```\n", false},
		{"duplicate id", "```console {#a}\n$ x\n```\n\n```console {#a}\n$ x\n```\n", false},
		{"case conflict", "```go {file=main.go}\n```\n\n```go {file=Main.go}\n```\n", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ch, errs := Parse("chapters/01/README.md", []byte(tt.src))
			if ch.Incomplete != tt.incomplete {
				t.Errorf("Incomplete = %v, want %v (errors: %v)", ch.Incomplete, tt.incomplete, errs)
			}
			if tt.name != "sound" && len(errs) == 0 {
				t.Errorf("no problem reported")
			}
		})
	}
}

func TestCleanFile(t *testing.T) {
	tests := []struct{ in, want, msg string }{
		{"main.go", "main.go", ""},
		{"./main.go", "main.go", ""},
		{"server/main.go", "server/main.go", ""},
		{"server//main.go", "server/main.go", ""},
		{"a/../main.go", "main.go", ""},
		{"a/b/../../main.go", "main.go", ""},
		{"server/../../x.go", "", "path leaves the chapter directory"},
		{"../x.go", "", "path leaves the chapter directory"},
		{"..", "", "path leaves the chapter directory"},
		{"/tmp/x.go", "", "path must be relative to the chapter directory"},
		{`server\main.go`, "", "use / to separate path elements"},
		{`..\x.go`, "", "use / to separate path elements"},
		{"main.txt", "", "a listing writes a .go file"},
		{"main", "", "a listing writes a .go file"},
		{"server/", "", "a listing writes a .go file"},
		{".", "", "a listing writes a .go file"},
		{".hidden.go", "", "the go command ignores files and directories named .*, _* and testdata"},
		{"_main.go", "", "the go command ignores files and directories named .*, _* and testdata"},
		{"_x/main.go", "", "the go command ignores files and directories named .*, _* and testdata"},
		{"testdata/main.go", "", "the go command ignores files and directories named .*, _* and testdata"},
		{"a/.b/main.go", "", "the go command ignores files and directories named .*, _* and testdata"},
		{"x_test.go", "x_test.go", ""},
	}
	for _, tt := range tests {
		got, msg := cleanFile(tt.in)
		if got != tt.want || msg != tt.msg {
			t.Errorf("cleanFile(%q) = %q, %q; want %q, %q", tt.in, got, msg, tt.want, tt.msg)
		}
	}
}

func TestLineOf(t *testing.T) {
	src := []byte("a\nbc\n\nd")
	for off, want := range []int{1, 1, 2, 2, 2, 3, 4, 4} {
		if got := LineOf(src, off); got != want {
			t.Errorf("LineOf(%d) = %d, want %d", off, got, want)
		}
	}
}

func TestLoad(t *testing.T) {
	root := t.TempDir()
	write := func(name, content string) {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("go.mod", "module tb\n")
	write("chapters/02/README.md", "x\n\n```console {#dup}\n$ x\n```\n")
	write("chapters/01/README.md", "```console {#dup}\n$ x\n```\n")
	write("chapters/03/notes.md", "no README here\n")

	if got, err := FindRoot(filepath.Join(root, "chapters", "01")); err != nil || got != root {
		t.Errorf("FindRoot = %q, %v; want %q", got, err, root)
	}
	if _, err := FindRoot(t.TempDir()); err == nil || !strings.Contains(err.Error(), "no book here") {
		t.Errorf("FindRoot outside a book: %v", err)
	}
	dirs, err := ChapterDirs(root)
	if err != nil || !slices.Equal(dirs, []string{"chapters/01", "chapters/02"}) {
		t.Errorf("ChapterDirs = %q, %v", dirs, err)
	}

	book, errs := Load(root, nil)
	want := []string{`chapters/02/README.md:3: id "dup" is also used in chapters/01/README.md; ids are unique in the whole book`}
	if got := errs.Strings(); !slices.Equal(got, want) {
		t.Errorf("Load errors = %q, want %q", got, want)
	}
	if len(book.Chapters) != 2 || book.Chapters[0].Path != "chapters/01/README.md" {
		t.Errorf("Load chapters = %v", book.Chapters)
	}
	if ch, b := book.Transcript("dup"); ch == nil || b == nil || b.Kind != Transcript {
		t.Errorf("Transcript(dup) = %v, %v", ch, b)
	}

	// Named chapters only, once each, however they are spelled.
	book, errs = Load(root, []string{"chapters/02", "chapters/02/", "./chapters/02"})
	if len(errs) != 0 || len(book.Chapters) != 1 {
		t.Errorf("Load(chapters/02 thrice) = %d chapters, %v", len(book.Chapters), errs)
	}
	_, errs = Load(root, []string{"chapters", "go.mod", "chapters/01/x", "chapters/03"})
	want = []string{
		"chapters: not a chapter: a chapter is a directory chapters/NN holding README.md",
		"go.mod: not a chapter: a chapter is a directory chapters/NN holding README.md",
		"chapters/01/x: not a chapter: a chapter is a directory chapters/NN holding README.md",
		"chapters/03/README.md: no such file or directory",
	}
	if got := errs.Strings(); !slices.Equal(got, want) {
		t.Errorf("Load of non-chapters:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
