package preview

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"tcpbook/internal/site"
)

// The fixture book of package site, and the book's real theme.
const (
	fixture  = "../site/testdata/book"
	themeDir = "../../book/theme"
)

// copyBook copies the fixture book, with the real theme, to a directory
// that a test may change.
func copyBook(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	copyTree(t, os.DirFS(fixture), root)
	copyTree(t, os.DirFS(themeDir), filepath.Join(root, filepath.FromSlash(site.ThemeDir)))
	return root
}

// copyTree copies the files of from to the directory to, but for the
// directories named in leaveOut (slash paths in from) and those whose
// names start with a dot (the browser tests' screenshots being written).
func copyTree(t *testing.T, from fs.FS, to string, leaveOut ...string) {
	t.Helper()
	err := fs.WalkDir(from, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if p != "." && (strings.HasPrefix(d.Name(), ".") || slices.Contains(leaveOut, p)) {
				return fs.SkipDir
			}
			return nil
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
	c    chan state // each event, as it comes
	done chan error // then why the stream ended
}

func openEvents(t *testing.T, ctx context.Context, url string) *events {
	t.Helper()
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
	e := &events{t: t, c: make(chan state), done: make(chan error, 1)}
	go func() {
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			data, ok := strings.CutPrefix(sc.Text(), "data: ")
			if !ok {
				continue
			}
			var st state
			if err := json.Unmarshal([]byte(data), &st); err != nil {
				e.done <- fmt.Errorf("event %q: %v", data, err)
				return
			}
			select {
			case e.c <- st:
			case <-ctx.Done():
				return
			}
		}
		e.done <- fmt.Errorf("event stream ended: %v", sc.Err())
	}()
	return e
}

// eventWait is how long until waits for an event: long, since a
// build on a busy machine may take seconds.
const eventWait = 20 * time.Second

// until returns the first event for which ok is true, failing the test
// if none comes within eventWait. The server may send events that come
// before the change a test waits for (a build of a file still being
// written, say): those are skipped, not taken for the change.
func (e *events) until(what string, ok func(state) bool) state {
	e.t.Helper()
	deadline := time.NewTimer(eventWait)
	defer deadline.Stop()
	var seen []state
	for {
		select {
		case st := <-e.c:
			if ok(st) {
				return st
			}
			seen = append(seen, st)
		case err := <-e.done:
			e.t.Fatalf("waiting for an event %s: %v; events: %+v", what, err, seen)
		case <-deadline.C:
			e.t.Fatalf("no event %s within %v; events: %+v", what, eventWait, seen)
		}
	}
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
	shows := func(path, text string) bool {
		t.Helper()
		_, page, _ := get(t, ts.URL+path)
		return strings.Contains(page, text)
	}

	// A page has the reload script with the site's version; other files
	// are served as they are.
	status, page, h := get(t, ts.URL+"/01.html")
	if status != 200 || !strings.HasPrefix(h.Get("Content-Type"), "text/html") {
		t.Fatalf("GET /01.html: %d %s", status, h.Get("Content-Type"))
	}
	ev := openEvents(t, ctx, ts.URL)
	// The first event is the state when the page connects.
	first := ev.until("at all", func(state) bool { return true })
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
	second := ev.until("with the change served", func(st state) bool {
		if st.Problems != "" {
			t.Fatalf("after the change: %+v", st)
		}
		return st.Version != first.Version && shows("/01.html", "書き足した段落です。")
	})

	// A broken chapter: the page hears the problem, at its line, and the
	// last good site is still served.
	if err := os.WriteFile(chapter1, append(src, "\n```go {fil=main.go}\n```\n"...), 0o644); err != nil {
		t.Fatal(err)
	}
	third := ev.until("with the problem", func(st state) bool { return st.Problems != "" })
	if third.Version != second.Version || !strings.Contains(third.Problems, "chapters/01/README.md:") {
		t.Fatalf("after breaking the chapter: %+v (before: %+v)", third, second)
	}
	if status, page, _ := get(t, ts.URL+"/01.html"); status != 200 || !strings.Contains(page, "書き足した段落です。") {
		t.Errorf("the last good page is not served: %d", status)
	}

	// Fixed again.
	if err := os.WriteFile(chapter1, src, 0o644); err != nil {
		t.Fatal(err)
	}
	fourth := ev.until("without the problem", func(st state) bool { return st.Problems == "" })
	if fourth.Version == second.Version {
		t.Fatalf("after fixing the chapter, the site is not new: %+v", fourth)
	}
	if shows("/01.html", "書き足した段落です。") {
		t.Errorf("/01.html still shows the paragraph taken out")
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
	ev.until("with the quoted tool's change served", func(st state) bool {
		if st.Problems != "" {
			t.Fatalf("after changing the quoted tool: %+v", st)
		}
		return st.Version != fourth.Version && shows("/tools/lab/lab.go.html", "Added is new.")
	})
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

// syncBuffer is a log that the server's goroutines may write at once.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
