package check

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"

	"tcpbook/internal/safefile"
)

// A goCache keeps what a go command found (go vet's findings, go list's
// export data files) under a key made of everything the command reads, in
// the user's cache directory, so that checking a book that has not changed
// starts no go command. The go command caches its own work
// too, but starting it and having it hash the build's inputs again takes
// most of a check's time.
//
// A key covers the go command's environment (see goEnvDigest), the
// module's go.mod and go.sum, and the content of every Go file of the
// module: a key can only match when the command would read the same
// inputs.
type goCache struct {
	dir  *os.Root // nil: no cache
	root string
	env  []byte // goEnvDigest
	mod  []byte // the digest of the module's files, once computed
}

// newGoCache returns the cache for the book at root, or one that keeps
// nothing when there is no user cache directory or no go command.
func newGoCache(root string) *goCache {
	c := &goCache{root: root}
	base, err := os.UserCacheDir()
	if err != nil {
		return c
	}
	env, err := goEnvDigest()
	if err != nil {
		return c
	}
	dir := filepath.Join(base, "tcpbook-mdrun")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return c
	}
	if c.dir, err = os.OpenRoot(dir); err != nil {
		return c
	}
	c.env = env
	return c
}

// goEnvDigest hashes what decides the go command's environment (what go
// env would print) without starting it, which takes longer than all the
// rest of a cached check: the go command on PATH (its path, size and
// time), the environment variables it reads (GO*, CGO_*, CC, CXX, PATH
// and the like: every variable whose name starts with GO or CGO_, and
// CC, CXX, PKG_CONFIG, HOME, XDG_CONFIG_HOME), and its configuration file
// (go env GOENV). go.mod, which may name another toolchain, is part of
// every key already.
func goEnvDigest() ([]byte, error) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		return nil, err
	}
	fi, err := os.Stat(goBin)
	if err != nil {
		return nil, err
	}
	h := sha256.New()
	fmt.Fprintf(h, "%s %d %d\n", goBin, fi.Size(), fi.ModTime().UnixNano())
	// The toolchain the go command runs lives in its GOROOT: a go on
	// PATH that is a link or a wrapper points to it.
	if real, err := filepath.EvalSymlinks(goBin); err == nil {
		fmt.Fprintf(h, "%s\n", real)
	}
	env := os.Environ()
	slices.Sort(env)
	for _, kv := range env {
		name, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(name, "GO") || strings.HasPrefix(name, "CGO_") || slices.Contains([]string{"CC", "CXX", "PKG_CONFIG", "HOME", "XDG_CONFIG_HOME"}, name) {
			fmt.Fprintf(h, "%s\n", kv)
		}
	}
	goenv := os.Getenv("GOENV")
	if goenv == "" {
		if dir, err := os.UserConfigDir(); err == nil {
			goenv = filepath.Join(dir, "go", "env")
		}
	}
	if data, err := os.ReadFile(goenv); err == nil {
		h.Write(data)
	}
	return h.Sum(nil), nil
}

// moduleDigest hashes the names and contents of the module's Go files,
// go.mod and go.sum: what go vet and go build read of the module.
func (c *goCache) moduleDigest() []byte {
	if c.mod != nil {
		return c.mod
	}
	h := sha256.New()
	_ = filepath.WalkDir(c.root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		name := d.Name()
		if d.IsDir() {
			// What the go command ignores, and the rendered book.
			if p != c.root && (name == "testdata" || name == "node_modules" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") || name == "site" && filepath.Base(filepath.Dir(p)) == "book") {
				return fs.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(name, ".go") && p != filepath.Join(c.root, "go.mod") && p != filepath.Join(c.root, "go.sum") {
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return nil
		}
		rel, _ := filepath.Rel(c.root, p)
		fmt.Fprintf(h, "%s %d\n", filepath.ToSlash(rel), len(data))
		h.Write(data)
		return nil
	})
	c.mod = h.Sum(nil)
	return c.mod
}

// key names an entry: what kind of result it is, the environment, the
// module, and the inputs particular to the command.
func (c *goCache) key(kind string, inputs ...[]byte) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\n", kind)
	h.Write(c.env)
	h.Write(c.moduleDigest())
	for _, in := range inputs {
		fmt.Fprintf(h, "\n%d\n", len(in))
		h.Write(in)
	}
	return kind + "-" + hex.EncodeToString(h.Sum(nil)[:16])
}

// get reads the entry key into v, and reports whether it was there.
func (c *goCache) get(key string, v any) bool {
	if c.dir == nil {
		return false
	}
	data, err := c.dir.ReadFile(key)
	return err == nil && json.Unmarshal(data, v) == nil
}

// put keeps v as the entry key. A cache that cannot be written is no
// error: the next check runs the command again.
func (c *goCache) put(key string, v any) {
	if c.dir == nil {
		return
	}
	data, err := json.Marshal(v)
	if err == nil {
		_ = safefile.Write(c.dir, key, data, 0o644)
	}
}

// sortedKeys is m's keys in order, one a line, for a key that does not
// depend on a map's order.
func sortedKeys[V any](m map[string]V) []byte {
	return []byte(strings.Join(slices.Sorted(maps.Keys(m)), "\n"))
}
