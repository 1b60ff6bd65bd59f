package safefile

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestWrite(t *testing.T) {
	dir := t.TempDir()
	root, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	// A new file, in a new directory.
	if err := Write(root, "a/b.go", []byte("one"), 0o644); err != nil {
		t.Fatal(err)
	}
	// Replaced, keeping its mode.
	if err := os.Chmod(filepath.Join(dir, "a", "b.go"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := Write(root, "a/b.go", []byte("two"), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(dir, "a", "b.go"))
	if err != nil || string(got) != "two" {
		t.Fatalf("after Write: %q, %v", got, err)
	}
	if fi, _ := os.Stat(filepath.Join(dir, "a", "b.go")); fi.Mode().Perm() != 0o600 {
		t.Errorf("mode = %v, want 0600 kept", fi.Mode().Perm())
	}
	if entries, _ := os.ReadDir(filepath.Join(dir, "a")); len(entries) != 1 {
		t.Errorf("a temporary file is left: %v", entries)
	}
	// Never outside the root, by .. or through a symlink.
	if err := Write(root, "../x.go", []byte("x"), 0o644); !errors.Is(err, ErrOutside) {
		t.Errorf("Write ../x.go: %v, want ErrOutside", err)
	}
	outside := t.TempDir()
	if err := os.Symlink(outside, filepath.Join(dir, "link")); err != nil {
		t.Fatal(err)
	}
	if err := Write(root, "link/x.go", []byte("x"), 0o644); !errors.Is(err, ErrOutside) {
		t.Errorf("Write link/x.go: %v, want ErrOutside", err)
	}
	if entries, _ := os.ReadDir(outside); len(entries) != 0 {
		t.Errorf("Write wrote outside the root: %v", entries)
	}
}

func TestErr(t *testing.T) {
	_, err := os.ReadFile(filepath.Join(t.TempDir(), "nope"))
	if got := Err(err); got == nil || got.Error() != "no such file or directory" {
		t.Errorf("Err(missing) = %v", got)
	}
	if Err(nil) != nil {
		t.Errorf("Err(nil) is not nil")
	}
}
