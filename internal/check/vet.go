package check

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"tcpbook/internal/diag"
	"tcpbook/internal/extract"
)

// vet runs go vet on the programs as the markdown makes them, whatever is
// on disk, through an overlay (go help build: -overlay), and maps each
// message back to the markdown line of the listing.
func vet(root string, files []*extract.File) diag.List {
	var errs diag.List
	tmp, err := os.MkdirTemp("", "mdrun-vet-")
	if err != nil {
		errs.Add(files[0].Chapter.Path, 0, "go vet: %v", err)
		return errs
	}
	defer os.RemoveAll(tmp)
	overlay := map[string]map[string]string{"Replace": {}}
	byPath := map[string]*extract.File{}
	var pkgs []string
	for _, f := range files {
		// go vet caches its findings by content and reports the overlay's
		// file name, perhaps one from an earlier run: name each file by its
		// content so any run's name maps back.
		sum := sha256.Sum256(f.Content)
		base := hex.EncodeToString(sum[:12]) + ".go"
		name := filepath.Join(tmp, base)
		if err := os.WriteFile(name, f.Content, 0o644); err != nil {
			errs.Add(f.Chapter.Path, 0, "go vet: %v", err)
			return errs
		}
		overlay["Replace"][filepath.Join(root, filepath.FromSlash(f.Path()))] = name
		byPath[f.Path()] = f
		byPath[base] = f
		// go vet cannot enter a directory that is not there yet: a
		// program not extracted yet is reported as missing instead.
		if fi, err := os.Stat(filepath.Join(root, filepath.FromSlash(path.Dir(f.Path())))); err != nil || !fi.IsDir() {
			continue
		}
		if pkg := "./" + path.Dir(f.Path()); !slices.Contains(pkgs, pkg) {
			pkgs = append(pkgs, pkg)
		}
	}
	if len(pkgs) == 0 {
		return nil
	}
	js, _ := json.Marshal(overlay)
	overlayFile := filepath.Join(tmp, "overlay.json")
	if err := os.WriteFile(overlayFile, js, 0o644); err != nil {
		errs.Add(files[0].Chapter.Path, 0, "go vet: %v", err)
		return errs
	}
	cmd := exec.Command("go", append([]string{"vet", "-overlay=" + overlayFile}, pkgs...)...)
	cmd.Dir = root
	out, err := cmd.CombinedOutput()
	if err == nil {
		return nil
	}
	errs.Append(vetMessages(root, byPath, out))
	if len(errs) == 0 {
		errs.Add(files[0].Chapter.Path, 0, "go vet: %v\n%s", err, out)
	}
	return errs
}

var vetLine = regexp.MustCompile(`^(?:vet: )?(\S+\.go):(\d+)(?::(\d+))?: (.*)$`)

// vetMessages maps "chapters/01/main.go:12:5: msg" lines to markdown lines.
func vetMessages(root string, byPath map[string]*extract.File, out []byte) diag.List {
	var errs diag.List
	for _, line := range strings.Split(string(bytes.TrimSpace(out)), "\n") {
		m := vetLine.FindStringSubmatch(line)
		if m == nil {
			continue // "# package" headers and the like
		}
		abs := m[1]
		if !filepath.IsAbs(abs) {
			abs = filepath.Join(root, abs)
		}
		p := abs
		if rel, err := filepath.Rel(root, abs); err == nil && !strings.HasPrefix(rel, "..") {
			p = filepath.ToSlash(rel)
		}
		f := byPath[p]
		if f == nil {
			f = byPath[filepath.Base(abs)]
		}
		if f == nil {
			errs.Add(p, atoi(m[2]), "%s", m[4])
			continue
		}
		errs.Add(f.Chapter.Path, f.MarkdownLine(atoi(m[2])), "listing %s: %s", f.Name, m[4])
	}
	return errs
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}
