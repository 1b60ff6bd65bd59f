package site

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// copyBook copies the fixture book, with the real theme, to a directory
// that a test may change.
func copyBook(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	copyTree(t, os.DirFS(fixture), root)
	copyTree(t, theme, filepath.Join(root, filepath.FromSlash(ThemeDir)))
	return root
}

func copyTree(t *testing.T, from fs.FS, to string) {
	t.Helper()
	err := fs.WalkDir(from, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(from, p)
		if err != nil {
			return err
		}
		dst := filepath.Join(to, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		return os.WriteFile(dst, data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// events reads the server's event stream.
type events struct {
	t    *testing.T
	body io.Closer
	sc   *bufio.Scanner
}

func openEvents(t *testing.T, ctx context.Context, url string) *events {
	req, err := http.NewRequestWithContext(ctx, "GET", url+eventsPath, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("events: Content-Type %q", ct)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return &events{t: t, body: resp.Body, sc: bufio.NewScanner(resp.Body)}
}

func (e *events) next() state {
	e.t.Helper()
	for e.sc.Scan() {
		if data, ok := strings.CutPrefix(e.sc.Text(), "data: "); ok {
			var st state
			if err := json.Unmarshal([]byte(data), &st); err != nil {
				e.t.Fatal(err)
			}
			return st
		}
	}
	e.t.Fatalf("event stream ended: %v", e.sc.Err())
	return state{}
}

func get(t *testing.T, url string) (int, string, http.Header) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(body), resp.Header
}

func TestServer(t *testing.T) {
	root := copyBook(t)
	var log syncBuffer
	srv := NewServer(root, &log)
	ts := httptest.NewServer(srv)
	defer ts.Close()
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	go srv.Watch(ctx, 10*time.Millisecond)

	// A page has the reload script with the site's version; other files
	// are served as they are.
	status, page, h := get(t, ts.URL+"/01.html")
	if status != 200 || !strings.HasPrefix(h.Get("Content-Type"), "text/html") {
		t.Fatalf("GET /01.html: %d %s", status, h.Get("Content-Type"))
	}
	ev := openEvents(t, ctx, ts.URL)
	first := ev.next()
	if first.Version == "" || first.Problems != "" {
		t.Fatalf("first event: %+v", first)
	}
	if want := `<script src="/_mdrun/reload.js" data-version="` + first.Version + `"></script>`; !strings.Contains(page, want) {
		t.Errorf("/01.html lacks %s", want)
	}
	if status, _, _ := get(t, ts.URL+"/"); status != 200 {
		t.Errorf("GET /: %d", status)
	}
	if status, css, _ := get(t, ts.URL+"/assets/book.css"); status != 200 || strings.Contains(css, "reload.js") {
		t.Errorf("GET /assets/book.css: %d, reload script put in: %v", status, strings.Contains(css, "reload.js"))
	}
	if status, _, _ := get(t, ts.URL+"/nope.html"); status != 404 {
		t.Errorf("GET /nope.html: %d, want 404", status)
	}
	if status, js, _ := get(t, ts.URL+reloadPath); status != 200 || !strings.Contains(js, "EventSource") {
		t.Errorf("GET %s: %d", reloadPath, status)
	}

	// A saved chapter makes a new site, and the page hears of it.
	chapter1 := filepath.Join(root, "chapters", "01", "README.md")
	src, err := os.ReadFile(chapter1)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(chapter1, append(src, "\n書き足した段落です。\n"...), 0o644); err != nil {
		t.Fatal(err)
	}
	second := ev.next()
	if second.Version == first.Version || second.Problems != "" {
		t.Fatalf("after the change: %+v (first %+v)", second, first)
	}
	if _, page, _ := get(t, ts.URL+"/01.html"); !strings.Contains(page, "書き足した段落です。") {
		t.Errorf("/01.html does not show the change")
	}

	// A broken chapter: the page hears the problem, at its line, and the
	// last good site is still served.
	if err := os.WriteFile(chapter1, append(src, "\n```go {fil=main.go}\n```\n"...), 0o644); err != nil {
		t.Fatal(err)
	}
	third := ev.next()
	if third.Version != second.Version || !strings.Contains(third.Problems, "chapters/01/README.md:") {
		t.Fatalf("after breaking the chapter: %+v", third)
	}
	if status, page, _ := get(t, ts.URL+"/01.html"); status != 200 || !strings.Contains(page, "書き足した段落です。") {
		t.Errorf("the last good page is not served: %d", status)
	}

	// Fixed again.
	if err := os.WriteFile(chapter1, src, 0o644); err != nil {
		t.Fatal(err)
	}
	fourth := ev.next()
	if fourth.Problems != "" || fourth.Version == second.Version {
		t.Fatalf("after fixing the chapter: %+v", fourth)
	}
	if !strings.Contains(log.String(), "chapters/01/README.md:") {
		t.Errorf("the log does not show the problem:\n%s", log.String())
	}

	// A file that a chapter quotes, outside chapters/, changes: the site
	// is made again, and the file's page shows the change.
	tool := filepath.Join(root, "tools", "lab", "lab.go")
	toolSrc, err := os.ReadFile(tool)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(tool, append(toolSrc, "\n// Added is new.\nfunc Added() {}\n"...), 0o644); err != nil {
		t.Fatal(err)
	}
	fifth := ev.next()
	if fifth.Problems != "" || fifth.Version == fourth.Version {
		t.Fatalf("after changing the quoted tool: %+v", fifth)
	}
	if _, page, _ := get(t, ts.URL+"/tools/lab/lab.go.html"); !strings.Contains(page, "Added is new.") {
		t.Errorf("/tools/lab/lab.go.html does not show the change")
	}
}

// TestServerBrokenAtStart: a book with problems from the start is served
// as a page that shows them and reloads when they are fixed.
func TestServerBrokenAtStart(t *testing.T) {
	root := copyBook(t)
	chapter1 := filepath.Join(root, "chapters", "01", "README.md")
	src, err := os.ReadFile(chapter1)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(chapter1, append(src, "\n[ない](#ない節)\n"...), 0o644); err != nil {
		t.Fatal(err)
	}
	srv := NewServer(root, &syncBuffer{})
	ts := httptest.NewServer(srv)
	defer ts.Close()
	defer srv.Close()
	status, page, _ := get(t, ts.URL+"/01.html")
	if status != 500 || !strings.Contains(page, "chapters/01/README.md:") || !strings.Contains(page, reloadPath) {
		t.Errorf("GET /01.html: %d\n%s", status, page)
	}
}
