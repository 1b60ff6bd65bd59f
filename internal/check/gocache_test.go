package check

import (
	"os"
	"path/filepath"
	"testing"
)

// TestGoCache: an entry is found again under the same key; a key changes
// when a Go file of the module, go.mod or the command's own inputs change,
// and not when a file the go command ignores does.
func TestGoCache(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	root := t.TempDir()
	write := func(name, content string) {
		t.Helper()
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("go.mod", "module tb\n\ngo 1.25\n")
	write("chapters/01/main.go", "package main\n\nfunc main() {}\n")
	keyOf := func(inputs ...string) string {
		gc := newGoCache(root)
		if gc.dir == nil {
			t.Fatal("no cache directory")
		}
		var in [][]byte
		for _, s := range inputs {
			in = append(in, []byte(s))
		}
		return gc.key("vet", in...)
	}
	k := keyOf("a")
	gc := newGoCache(root)
	gc.put(k, vetResult{Stdout: []byte("{}"), Err: "exit status 1"})
	var r vetResult
	if !newGoCache(root).get(k, &r) || string(r.Stdout) != "{}" || r.Err != "exit status 1" {
		t.Fatalf("get after put: %+v", r)
	}
	if keyOf("a") != k {
		t.Errorf("the same inputs make another key")
	}
	if keyOf("b") == k {
		t.Errorf("other inputs make the same key")
	}
	write("chapters/01/testdata/x.go", "package x\n")
	write("book/site/x.go", "package x\n")
	if keyOf("a") != k {
		t.Errorf("a file the go command ignores changed the key")
	}
	write("internal/x/x.go", "package x\n")
	k2 := keyOf("a")
	if k2 == k {
		t.Errorf("a new Go file in the module left the key as it was")
	}
	write("go.mod", "module tb\n\ngo 1.26\n")
	if keyOf("a") == k2 {
		t.Errorf("a changed go.mod left the key as it was")
	}
}
