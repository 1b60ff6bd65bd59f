package check

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"maps"
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
func vet(root string, gc *goCache, files []*extract.File) diag.List {
	var errs diag.List
	byPath := map[string]*extract.File{}
	var pkgs []string
	for _, f := range files {
		byPath[f.Path()] = f
		byPath[overlayName(f)] = f
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
	run, err := vetRun(root, gc, files, pkgs)
	if err != nil {
		errs.Add(files[0].Chapter.Path, 0, "go vet: %v", err)
		return errs
	}
	findings, err := vetJSON(run.Stdout)
	if err != nil {
		errs.Add(files[0].Chapter.Path, 0, "go vet -json: %v\n%s", err, run.Stdout)
		return errs
	}
	for _, f := range findings {
		errs.Append(vetMessage(root, byPath, f.posn, f.message))
	}
	if run.Err != "" {
		errs.Append(vetMessages(root, byPath, run.Stderr))
		if len(errs) == 0 {
			errs.Add(files[0].Chapter.Path, 0, "go vet: %s\n%s", run.Err, run.Stderr)
		}
	}
	return errs
}

// overlayName is the name of a file's content in the overlay. go vet
// caches its findings by content and reports the overlay's file name,
// perhaps one from an earlier run: each file is named by its content, so
// that any run's name maps back.
func overlayName(f *extract.File) string {
	sum := sha256.Sum256(f.Content)
	return hex.EncodeToString(sum[:12]) + ".go"
}

// A vetResult is what go vet printed, and how it failed ("" if it did
// not).
type vetResult struct {
	Stdout, Stderr []byte
	Err            string
}

// vetRun runs go vet on the packages, with the files as the markdown
// makes them in an overlay, or says what it said last time for the same
// programs, packages and module.
func vetRun(root string, gc *goCache, files []*extract.File, pkgs []string) (vetResult, error) {
	inputs := [][]byte{[]byte(strings.Join(pkgs, "\n"))}
	for _, f := range files {
		inputs = append(inputs, []byte(f.Path()), f.Content)
	}
	key := gc.key("vet", inputs...)
	var r vetResult
	if gc.get(key, &r) {
		return r, nil
	}
	tmp, err := os.MkdirTemp("", "mdrun-vet-")
	if err != nil {
		return r, err
	}
	defer os.RemoveAll(tmp)
	overlay := map[string]map[string]string{"Replace": {}}
	for _, f := range files {
		name := filepath.Join(tmp, overlayName(f))
		if err := os.WriteFile(name, f.Content, 0o644); err != nil {
			return r, err
		}
		overlay["Replace"][filepath.Join(root, filepath.FromSlash(f.Path()))] = name
	}
	js, _ := json.Marshal(overlay)
	overlayFile := filepath.Join(tmp, "overlay.json")
	if err := os.WriteFile(overlayFile, js, 0o644); err != nil {
		return r, err
	}
	// With -json, vet's findings come as JSON on stdout; what stops it
	// analysing a package (a type error) still comes as text on stderr.
	cmd := exec.Command("go", append([]string{"vet", "-json", "-overlay=" + overlayFile}, pkgs...)...)
	cmd.Dir = root
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		r.Err = err.Error()
		if _, ok := err.(*exec.ExitError); !ok {
			// go did not run: nothing to keep.
			return vetResult{Stdout: stdout.Bytes(), Stderr: stderr.Bytes(), Err: r.Err}, nil
		}
	}
	r.Stdout, r.Stderr = stdout.Bytes(), stderr.Bytes()
	gc.put(key, r)
	return r, nil
}

type vetFinding struct{ posn, message string }

// vetJSON reads what go vet -json prints: one object a package, mapping
// its path to its analyzers' findings, in the order vet printed them.
func vetJSON(out []byte) ([]vetFinding, error) {
	var findings []vetFinding
	dec := json.NewDecoder(bytes.NewReader(out))
	for dec.More() {
		var pkgs map[string]map[string]json.RawMessage
		if err := dec.Decode(&pkgs); err != nil {
			return nil, err
		}
		for _, pkg := range slices.Sorted(maps.Keys(pkgs)) {
			for _, analyzer := range slices.Sorted(maps.Keys(pkgs[pkg])) {
				var diags []struct{ Posn, Message string }
				if err := json.Unmarshal(pkgs[pkg][analyzer], &diags); err != nil {
					// {"error": "..."}: the package could not be analysed.
					var e struct{ Error string }
					if json.Unmarshal(pkgs[pkg][analyzer], &e) == nil && e.Error != "" {
						findings = append(findings, vetFinding{"", e.Error})
					}
					continue
				}
				for _, d := range diags {
					findings = append(findings, vetFinding{d.Posn, analyzer + ": " + d.Message})
				}
			}
		}
	}
	return findings, nil
}

// vetMessage maps one finding at posn ("/abs/chapters/01/main.go:12:5")
// to the markdown line of the listing it is in.
func vetMessage(root string, byPath map[string]*extract.File, posn, msg string) diag.List {
	var errs diag.List
	file, line := posn, 0
	if i := strings.LastIndexByte(file, ':'); i > 0 { // the column
		file = file[:i]
	}
	if i := strings.LastIndexByte(file, ':'); i > 0 {
		file, line = file[:i], atoi(file[i+1:])
	}
	if file == "" {
		errs.Add("go vet", 0, "%s", msg)
		return errs
	}
	abs := file
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
		errs.Add(p, line, "%s", msg)
		return errs
	}
	errs.Add(f.Chapter.Path, f.MarkdownLine(line), "listing %s: %s", f.Name, msg)
	return errs
}

var vetLine = regexp.MustCompile(`^(?:vet: )?(\S+\.go):(\d+)(?::(\d+))?: (.*)$`)

// vetMessages maps the type errors that go vet prints as text,
// "vet: chapters/01/main.go:12:5: msg", to markdown lines.
func vetMessages(root string, byPath map[string]*extract.File, out []byte) diag.List {
	var errs diag.List
	for _, line := range strings.Split(string(bytes.TrimSpace(out)), "\n") {
		m := vetLine.FindStringSubmatch(line)
		if m == nil {
			continue // "# package" headers and the like
		}
		errs.Append(vetMessage(root, byPath, m[1]+":"+m[2]+":0", m[4]))
	}
	return errs
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}
