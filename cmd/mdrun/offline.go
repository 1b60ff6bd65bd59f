package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"

	"tcpbook/internal/offline"
)

// runOffline is mdrun pdf and mdrun epub: the book, as the web book
// renders it, as one PDF (typeset by Vivliostyle in chromium) or an EPUB
// 3, in book/dist unless -o says where.
func runOffline(kind string, args []string, stdout, stderr io.Writer) error {
	name := map[string]string{"pdf": offline.PDFName, "epub": offline.EPUBName}[kind]
	usage := "[-o file]"
	if kind == "pdf" {
		usage = "[-o file] [-browser chromium]"
	}
	fs := newFlags(kind, usage, stderr)
	out := fs.String("o", "", "write the "+kind+" to `file` (default: "+offline.DistDir+"/"+name+" in the book's root)")
	browser := new(string)
	if kind == "pdf" {
		browser = fs.String("browser", "chromium", "the `chromium` that the typesetter drives (it never downloads one)")
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return errUsage
	}
	root, err := chapterRoot()
	if err != nil {
		return err
	}
	debug.SetGCPercent(400)
	s, err := buildSite(root, stderr)
	if err != nil {
		return err
	}
	b, err := offline.FromSite(s)
	if err != nil {
		return err
	}
	file := *out
	if file == "" {
		file = filepath.Join(root, filepath.FromSlash(offline.DistDir), name)
	}
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		return err
	}
	printDir := filepath.Join(root, filepath.FromSlash(offline.PrintDir))
	// Written beside the file and renamed into place: a reader never
	// opens half a book, and a failed build leaves the last one.
	tmp, err := os.MkdirTemp(filepath.Dir(file), ".offline-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	part := filepath.Join(tmp, name)
	switch kind {
	case "pdf":
		chromium, err := exec.LookPath(*browser)
		if err != nil {
			return fmt.Errorf("%v (apt-get install chromium)", err)
		}
		dir := filepath.Join(tmp, "html")
		if err := os.Mkdir(dir, 0o755); err != nil {
			return err
		}
		if err := b.WritePrintDir(dir, printDir); err != nil {
			return err
		}
		t := &offline.Typesetter{
			Vivliostyle: filepath.Join(root, "book", "print", "node_modules", ".bin", "vivliostyle"),
			Browser:     chromium,
			Log:         stderr,
		}
		if err := t.PDF(context.Background(), dir, part); err != nil {
			return err
		}
	case "epub":
		css, err := os.ReadFile(filepath.Join(printDir, offline.EPUBCSS))
		if err != nil {
			return err
		}
		f, err := os.Create(part)
		if err != nil {
			return err
		}
		err = b.WriteEPUB(f, css, offline.Modified())
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
	}
	if err := os.Rename(part, file); err != nil {
		return err
	}
	fmt.Fprintln(stdout, displayPath(file))
	return nil
}
