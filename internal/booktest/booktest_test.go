package booktest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"tcpbook/internal/chapter"
	"tcpbook/internal/extract"
)

func TestMain(m *testing.M) { Main(m) }

const fixtureChapter = "# 練習\n\n```go {file=main.go}\n" + `package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Println("hallo")
	fmt.Fprintln(os.Stderr, "to stderr")
	if len(os.Args) > 1 {
		os.Exit(3)
	}
}
` + "```\n\n```console {#fx-run}\n$ go run ./chapters/01\nhallo\nto stderr\n```\n\n" +
	"```console {#fx-wrong}\n$ go run ./chapters/01\nhello\nto stderr\n```\n\n" +
	"```console {#fx-fail}\n$ go run ./chapters/01 x\nhallo\nto stderr\nexit status 3\n```\n"

// fixture writes a small book with one chapter and the given script.
func fixture(t *testing.T, script string) (*chapter.Book, string) {
	t.Helper()
	root := t.TempDir()
	write := func(name, data string) {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("go.mod", "module fixture\n\ngo 1.25\n")
	write("chapters/01/README.md", fixtureChapter)
	write("testdata/scripts/s.txtar", script)
	book, errs := chapter.Load(root, nil)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	plan, errs := extract.Prepare(book, extract.Options{})
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	if err := plan.Apply(func(string, ...any) {}); err != nil {
		t.Fatal(err)
	}
	return book, root
}

// TestHarness runs the harness on a fixture book: the child processes it
// starts run this same test, which then runs their one script.
func TestHarness(t *testing.T) {
	if os.Getenv(envScript) != "" {
		Run(t, Params{})
		return
	}
	iso := probeIsolation()
	if iso.err != nil {
		t.Logf("NOTICE: %v; the fixture's scripts run without a namespace", iso.err)
	}
	run := func(t *testing.T, script, updates string) (*chapter.Book, string, string, error) {
		book, root := fixture(t, script)
		bin := t.TempDir()
		if err := buildPrograms(root, book, bin); err != nil {
			t.Fatal(err)
		}
		report, err := runScript("TestHarness", iso, filepath.Join(root, "testdata/scripts/s.txtar"), root, bin, updates)
		return book, root, report, err
	}

	t.Run("match", func(t *testing.T) {
		t.Parallel()
		if _, _, report, err := run(t, "run fx-run\n! run fx-fail\n", ""); err != nil {
			t.Fatalf("want the script to pass: %v\n%s", err, report)
		}
	})
	t.Run("mismatch", func(t *testing.T) {
		t.Parallel()
		_, _, report, err := run(t, "run fx-wrong\n", "")
		if err == nil {
			t.Fatalf("want the script to fail, it passed:\n%s", report)
		}
		for _, want := range []string{"transcript fx-wrong differs from a real run", "--- book\n", "-hello\n", "+hallo\n"} {
			if !strings.Contains(report, want) {
				t.Errorf("report lacks %q:\n%s", want, report)
			}
		}
	})
	t.Run("exit-status", func(t *testing.T) {
		t.Parallel()
		// Without !, a failing command fails the script even when its
		// output matches.
		_, _, report, err := run(t, "run fx-fail\n", "")
		if err == nil || !strings.Contains(report, "exit status 1") {
			t.Fatalf("want a failure naming the exit status, got %v:\n%s", err, report)
		}
	})
	t.Run("update", func(t *testing.T) {
		t.Parallel()
		updates := t.TempDir()
		book, root, report, err := run(t, "run fx-run\nrun fx-wrong\n", updates)
		if err != nil {
			t.Fatalf("in update mode a differing transcript is recorded, not failed: %v\n%s", err, report)
		}
		if err := applyUpdates(t, book, updates); err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(filepath.Join(root, "chapters/01/README.md"))
		if err != nil {
			t.Fatal(err)
		}
		want := strings.Replace(fixtureChapter, "$ go run ./chapters/01\nhello\n", "$ go run ./chapters/01\nhallo\n", 1)
		if string(got) != want {
			t.Errorf("rewritten chapter:\n%s\nwant:\n%s", got, want)
		}
	})
	t.Run("unknown-id", func(t *testing.T) {
		t.Parallel()
		_, _, report, err := run(t, "run fx-nosuch\n", "")
		if err == nil || !strings.Contains(report, "no console block has id fx-nosuch") {
			t.Fatalf("want a failure naming the id, got %v:\n%s", err, report)
		}
	})
}

func TestBusyPorts(t *testing.T) {
	dir := t.TempDir()
	script := filepath.Join(dir, "s.txtar")
	if err := os.WriteFile(script, []byte("start x\nwaitport localhost:8888\n  waitport 127.0.0.1:9999\nwaitport localhost:8888\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	got := strings.Join(scriptPorts([]string{script}), " ")
	if want := "localhost:8888 127.0.0.1:9999"; got != want {
		t.Errorf("scriptPorts = %q, want %q", got, want)
	}
}
