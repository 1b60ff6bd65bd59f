// Package safefile writes the book's files the one way mdrun writes them:
// inside a directory that no path or symlink leaves (an os.Root), and
// atomically, through a temporary file renamed into place, so that a run
// stopped half-way leaves the old file or the new one, never a part. It
// also says what the errors of such writes and reads mean to an author.
package safefile

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Write replaces the file name (relative to root) with data, creating
// its directory if need be. A file that exists keeps its permissions; a
// new one gets perm. The error, if any, names no file: the caller does.
func Write(root *os.Root, name string, data []byte, perm fs.FileMode) (err error) {
	name = filepath.Clean(name)
	if fi, err := root.Stat(name); err == nil {
		perm = fi.Mode().Perm()
	}
	tmp := filepath.Join(filepath.Dir(name), "."+filepath.Base(name)+".mdrun-tmp")
	created := false
	defer func() {
		if err != nil {
			if created {
				root.Remove(tmp)
			}
			err = Err(err)
		}
	}()
	if d := filepath.Dir(name); d != "." {
		if err := root.MkdirAll(d, 0o755); err != nil {
			return err
		}
	}
	w, err := root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, perm)
	if err != nil {
		return err
	}
	created = true
	if _, err := w.Write(data); err != nil {
		w.Close()
		return err
	}
	if err := w.Chmod(perm); err != nil {
		w.Close()
		return err
	}
	if err := w.Sync(); err != nil {
		w.Close()
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	return root.Rename(tmp, name)
}

// ErrOutside is what Err makes of os.Root's refusal to follow a path out
// of its directory.
var ErrOutside = errors.New("the path leads outside its directory (through a symlink?)")

// Err says what an error of reading or writing a file means to an author,
// without the file's name, which the caller gives (os.Root's errors name
// a temporary file, or a path relative to the root): the system's words
// ("no such file or directory"), or ErrOutside for a path that escapes
// the root.
func Err(err error) error {
	switch {
	case err == nil:
		return nil
	case strings.Contains(err.Error(), "escapes from parent"):
		return ErrOutside
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	var le *os.LinkError
	if errors.As(err, &le) {
		return le.Err
	}
	return err
}
