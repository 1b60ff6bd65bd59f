package book_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// goRun finds a `go run ./path` command in prose, code and console blocks.
var goRun = regexp.MustCompile("go run (?:-\\S+ )*(\\./[^\\s`\"')）]*)")

// TestGoRunCommands: every `go run ./…` command the book, its README or
// the authoring guide writes names a main package, so that a reader who
// types it runs a program instead of reading "no Go files in …".
// `./chapters/NN` is the guide's placeholder for any chapter.
func TestGoRunCommands(t *testing.T) {
	var files []string
	for _, pattern := range []string{"README.md", "book/*.md", "chapters/*/README.md", "docs/*.md"} {
		m, err := filepath.Glob(pattern)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	where := map[string][]string{} // package path → file:line
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(string(data), "\n") {
			for _, m := range goRun.FindAllStringSubmatch(line, -1) {
				pkg := strings.TrimSuffix(m[1], "/")
				if strings.Contains(pkg, "/NN") {
					continue
				}
				where[pkg] = append(where[pkg], f+":"+strconv.Itoa(i+1))
			}
		}
	}
	if len(where) < 5 {
		t.Fatalf("found only %d go run commands in %v: is the pattern right?", len(where), files)
	}
	var pkgs []string
	for p := range where {
		pkgs = append(pkgs, p)
	}
	sort.Strings(pkgs)
	// The real go command: booktest.Main puts its own "go" on PATH for
	// the scripts, and leaves the real one's path in BOOKTEST_GO.
	goCmd := os.Getenv("BOOKTEST_GO")
	if goCmd == "" {
		goCmd = "go"
	}
	out, err := exec.Command(goCmd, append([]string{"list", "-e", "-f", "{{.ImportPath}} {{.Name}} {{if .Error}}{{.Error}}{{end}}"}, pkgs...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) != len(pkgs) {
		t.Fatalf("go list answered %d lines for %d packages:\n%s", len(lines), len(pkgs), out)
	}
	for i, l := range lines {
		fields := strings.SplitN(l, " ", 3)
		if len(fields) < 2 || fields[1] != "main" {
			t.Errorf("go run %s is not a program (%s), written at %s", pkgs[i], strings.TrimSpace(strings.Join(fields[1:], " ")), strings.Join(where[pkgs[i]], ", "))
		}
	}
}
