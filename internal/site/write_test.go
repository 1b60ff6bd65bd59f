package site

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestWrite(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "book", "site")
	first := &Site{Files: map[string][]byte{marker: nil, "index.html": []byte("1"), "old.html": []byte("old")}}
	if err := first.Write(dir); err != nil {
		t.Fatal(err)
	}
	second := &Site{Files: map[string][]byte{marker: nil, "index.html": []byte("2"), "chapters/01/main.go.html": []byte("f")}}
	if err := second.Write(dir); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{"index.html": "2", "chapters/01/main.go.html": "f"} {
		got, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(name)))
		if err != nil || string(got) != want {
			t.Errorf("%s = %q, %v; want %q", name, got, err, want)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "old.html")); !os.IsNotExist(err) {
		t.Errorf("old.html, which the second site lacks, is still there (%v)", err)
	}
	entries, err := os.ReadDir(filepath.Dir(dir))
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("Write left %q beside the site", names)
	}
}

func TestWriteRefusesOtherDirectory(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	s := &Site{Files: map[string][]byte{marker: nil, "index.html": nil}}
	err := s.Write(dir)
	if err == nil || !strings.Contains(err.Error(), "did not write") {
		t.Fatalf("Write over a directory of other files: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "notes.txt")); err != nil {
		t.Errorf("the other files are gone: %v", err)
	}
}

func TestWriteRefusesFile(t *testing.T) {
	file := filepath.Join(t.TempDir(), "notes.txt")
	if err := os.WriteFile(file, []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	s := &Site{Files: map[string][]byte{marker: nil, "index.html": nil}}
	if err := s.Write(file); err == nil || !strings.Contains(err.Error(), "not replacing it") {
		t.Fatalf("Write over a file: %v", err)
	}
	if got, err := os.ReadFile(file); err != nil || string(got) != "mine" {
		t.Errorf("the file is now %q, %v", got, err)
	}
}
