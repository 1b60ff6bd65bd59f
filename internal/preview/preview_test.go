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

	"github.com/fsnotify/fsnotify"

	"tcpbook/internal/site"
	"tcpbook/internal/transcript"
)

// The fixture book of package site, and the book's real theme.
const (
	fixture  = "../site/testdata/book"
	themeDir = "../../book/theme"
)

// copyBook copies the fixture book, with the real theme, to a directory
// that a test may change.
func copyBook(t testing.TB) string {
	t.Helper()
	root := t.TempDir()
	copyTree(t, os.DirFS(fixture), root)
	copyTree(t, os.DirFS(themeDir), filepath.Join(root, filepath.FromSlash(site.ThemeDir)))
	return root
}

// copyTree copies the files of from to the directory to, but for the
// directories named in leaveOut (slash paths in from) and those whose
// names start with a dot (the browser tests' screenshots being written).
func copyTree(t testing.TB, from fs.FS, to string, leaveOut ...string) {
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

// copyRepoBook copies this repository's book to a directory that a test
// may change: its chapters, book/, scripts and the tools the chapters
// quote, but not the site that mdrun book wrote nor the screenshots that
// the browser tests of package site may be writing.
func copyRepoBook(t testing.TB) string {
	t.Helper()
	root := t.TempDir()
	repo := os.DirFS("../..")
	for _, dir := range []string{"chapters", "book", "tools", transcript.ScriptDir} {
		sub, err := fs.Sub(repo, dir)
		if err != nil {
			t.Fatal(err)
		}
		copyTree(t, sub, filepath.Join(root, dir), strings.TrimPrefix(site.SiteDir, "book/"), strings.TrimPrefix(site.ShotDir, "book/"))
	}
	return root
}

// summary describes durations: their median, and their spread.
func summary(ds []time.Duration) string {
	if len(ds) == 0 {
		return "none"
	}
	s := slices.Sorted(slices.Values(ds))
	q := func(p float64) time.Duration { return s[int(p*float64(len(s)-1)+0.5)] }
	return fmt.Sprintf("p50 %v (min %v, p10 %v, p90 %v, max %v; n=%d)", q(0.5), s[0], q(0.1), q(0.9), s[len(s)-1], len(s))
}

// rebuildTimes reads the times of the rebuilds that a server logged.
func rebuildTimes(t testing.TB, log string) []time.Duration {
	t.Helper()
	var ds []time.Duration
	for _, line := range strings.Split(log, "\n") {
		if v, ok := strings.CutPrefix(line, "mdrun serve: rebuilt in "); ok {
			d, err := time.ParseDuration(v)
			if err != nil {
				t.Fatalf("log line %q: %v", line, err)
			}
			ds = append(ds, d)
		}
	}
	return ds
}

// events reads the server's event stream.
type events struct {
	t    testing.TB
	c    chan state // each event, as it comes
	done chan error // then why the stream ended
}

func openEvents(t testing.TB, ctx context.Context, url string) *events {
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
	status, css, h := get(t, ts.URL+"/assets/book.css")
	if status != 200 || strings.Contains(css, "reload.js") {
		t.Errorf("GET /assets/book.css: %d, reload script put in: %v", status, strings.Contains(css, "reload.js"))
	}
	cssTag := h.Get("ETag")
	if cssTag == "" {
		t.Errorf("GET /assets/book.css: no ETag")
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

	// The search index, made when asked for, is of the new site.
	status, idx, h := get(t, ts.URL+"/search-index.js")
	if status != 200 || !strings.HasPrefix(idx, "window.tcpbookSearch = ") || !strings.Contains(idx, "書き足した段落です。") {
		t.Errorf("GET /search-index.js: %d, without the new paragraph:\n%.200s", status, idx)
	}
	idxTag := h.Get("ETag")

	// A file that the build left as it was is not sent again, but for
	// a browser that has another; nor is the reload script, nor the
	// search index of the same site.
	for path, tag := range map[string]string{"/assets/book.css": cssTag, reloadPath: reloadJSTag, "/search-index.js": idxTag} {
		for tag, want := range map[string]int{tag: 304, `"other"`: 200} {
			req, err := http.NewRequest("GET", ts.URL+path, nil)
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("If-None-Match", tag)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != want {
				t.Errorf("GET %s, If-None-Match %s: %d, want %d", path, tag, resp.StatusCode, want)
			}
		}
	}

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

// served waits until the server's site has a new version whose page at
// path shows text, and returns that version.
func served(t *testing.T, ev *events, url, before, path, text string) string {
	t.Helper()
	st := ev.until(fmt.Sprintf("with %s showing %q", path, text), func(st state) bool {
		if st.Problems != "" {
			t.Fatalf("the book has problems: %s", st.Problems)
		}
		if st.Version == before {
			return false
		}
		_, page, _ := get(t, url+path)
		return strings.Contains(page, text)
	})
	return st.Version
}

// saveByRename saves a file as many editors do: it writes another file
// beside it, then renames that over it.
func saveByRename(t *testing.T, file string, data []byte) {
	t.Helper()
	tmp := filepath.Join(filepath.Dir(file), "."+filepath.Base(file)+".tmp")
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, file); err != nil {
		t.Fatal(err)
	}
}

// TestWatch: Watch learns of changes from the file notifications (the
// interval, an hour, is never waited for), also of files that editors
// save by renaming, and of directories made after it started.
func TestWatch(t *testing.T) {
	root := copyBook(t)
	var log syncBuffer
	srv := NewServer(root, &log)
	ts := httptest.NewServer(srv)
	defer ts.Close()
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	done := make(chan struct{})
	go func() {
		defer close(done)
		srv.Watch(ctx, time.Hour)
	}()
	defer func() {
		cancel()
		<-done // Watch returns when its context is done
		if strings.Contains(log.String(), "no file notifications") {
			t.Errorf("Watch polled:\n%s", log.String())
		}
	}()
	ev := openEvents(t, ctx, ts.URL)
	version := ev.until("at all", func(state) bool { return true }).Version

	// Saved by writing another file and renaming it over the chapter.
	chapter1 := filepath.Join(root, "chapters", "01", "README.md")
	src, err := os.ReadFile(chapter1)
	if err != nil {
		t.Fatal(err)
	}
	saveByRename(t, chapter1, append(slices.Clip(src), "\n名前を変えて保存しました。\n"...))
	version = served(t, ev, ts.URL, version, "/01.html", "名前を変えて保存しました。")

	// As vim saves by default: the chapter is renamed to a backup, a new
	// one written, and the backup removed.
	backup := chapter1 + "~"
	if err := os.Rename(chapter1, backup); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(chapter1, append(slices.Clip(src), "\nvim のように保存しました。\n"...), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(backup); err != nil {
		t.Fatal(err)
	}
	version = served(t, ev, ts.URL, version, "/01.html", "vim のように保存しました。")

	// A file that a chapter quotes, saved by renaming.
	tool := filepath.Join(root, "tools", "lab", "lab.go")
	toolSrc, err := os.ReadFile(tool)
	if err != nil {
		t.Fatal(err)
	}
	saveByRename(t, tool, append(toolSrc, "\n// Renamed is new.\nfunc Renamed() {}\n"...))
	version = served(t, ev, ts.URL, version, "/tools/lab/lab.go.html", "Renamed is new.")

	// A chapter made after Watch started: book/chapters.txt lists
	// chapters/09, which had no README.md, nor a directory.
	chapter9 := filepath.Join(root, "chapters", "09", "README.md")
	if err := os.Mkdir(filepath.Dir(chapter9), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(chapter9, []byte("# 第9章 新しい章\n\n書き始めました。\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	version = served(t, ev, ts.URL, version, "/09.html", "書き始めました。")
	// Its directory is watched too: a save by renaming is seen.
	saveByRename(t, chapter9, []byte("# 第9章 新しい章\n\n書き進めました。\n"))
	version = served(t, ev, ts.URL, version, "/09.html", "書き進めました。")

	// Removed, and made again: the new directory is watched.
	if err := os.RemoveAll(filepath.Dir(chapter9)); err != nil {
		t.Fatal(err)
	}
	version = ev.until("without chapter 9", func(st state) bool {
		status, _, _ := get(t, ts.URL+"/09.html")
		return st.Version != version && status == 404
	}).Version
	if err := os.Mkdir(filepath.Dir(chapter9), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(chapter9, []byte("# 第9章 新しい章\n\n書き直しました。\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	version = served(t, ev, ts.URL, version, "/09.html", "書き直しました。")
	saveByRename(t, chapter9, []byte("# 第9章 新しい章\n\nまた書き進めました。\n"))
	version = served(t, ev, ts.URL, version, "/09.html", "また書き進めました。")

	// The front page, in book/.
	front := filepath.Join(root, "book", "index.md")
	frontSrc, err := os.ReadFile(front)
	if err != nil {
		t.Fatal(err)
	}
	saveByRename(t, front, append(frontSrc, "\nはじめにを書き足しました。\n"...))
	served(t, ev, ts.URL, version, "/", "はじめにを書き足しました。")
}

// TestPoll: where there are no file notifications, Watch looks at the
// files every interval instead; a save by renaming is seen too.
func TestPoll(t *testing.T) {
	root := copyBook(t)
	srv := NewServer(root, &syncBuffer{})
	ts := httptest.NewServer(srv)
	defer ts.Close()
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	go srv.poll(ctx, 10*time.Millisecond)
	ev := openEvents(t, ctx, ts.URL)
	version := ev.until("at all", func(state) bool { return true }).Version
	chapter1 := filepath.Join(root, "chapters", "01", "README.md")
	src, err := os.ReadFile(chapter1)
	if err != nil {
		t.Fatal(err)
	}
	saveByRename(t, chapter1, append(slices.Clip(src), "\n見回って見つけました。\n"...))
	served(t, ev, ts.URL, version, "/01.html", "見回って見つけました。")
}

// TestQuiet: Watch builds only once the notifications have stopped for
// settle, however they come.
func TestQuiet(t *testing.T) {
	events := make(chan fsnotify.Event)
	errs := make(chan error)
	returned := make(chan time.Time, 1)
	go func() {
		if err := quiet(context.Background(), events, errs); err != nil {
			t.Error(err)
		}
		returned <- time.Now()
	}()
	// Notifications as an editor that writes a file in pieces makes
	// them, and a lost one (an overflow) among them. quiet may return
	// between them, if this goroutine is kept waiting: never sooner than
	// settle after the last it took.
	var last, at time.Time
	for i := range 20 {
		evc, errc := events, chan error(nil)
		if i == 10 {
			evc, errc = nil, errs
		}
		before := time.Now()
		select {
		case evc <- fsnotify.Event{Name: "README.md", Op: fsnotify.Write}:
			last = before
			continue
		case errc <- fsnotify.ErrEventOverflow:
			last = before
			continue
		case at = <-returned:
			t.Logf("quiet returned after %d notifications", i)
		}
		break
	}
	if at.IsZero() {
		select {
		case at = <-returned:
		case <-time.After(eventWait):
			t.Fatalf("quiet did not return within %v", eventWait)
		}
	}
	if d := at.Sub(last); d < settle {
		t.Errorf("quiet returned %v after a notification, before settle (%v)", d, settle)
	}

	// When the notifications stop, quiet says so.
	close(errs)
	if err := quiet(context.Background(), events, errs); err != errStopped {
		t.Errorf("quiet with its errors closed: %v, want %v", err, errStopped)
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

// BenchmarkSave times what mdrun serve does between a chapter's save and
// the event that makes its page reload: Watch learns of the save, waits
// for the files to settle, rebuilds, and tells the page.
func BenchmarkSave(b *testing.B) {
	root := copyRepoBook(b)
	srv := NewServer(root, &syncBuffer{})
	ts := httptest.NewServer(srv)
	defer ts.Close()
	defer srv.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go srv.Watch(ctx, 100*time.Millisecond) // as mdrun serve
	ev := openEvents(b, ctx, ts.URL)
	version := ev.until("at all", func(state) bool { return true }).Version
	chapter1 := filepath.Join(root, "chapters", "01", "README.md")
	src, err := os.ReadFile(chapter1)
	if err != nil {
		b.Fatal(err)
	}
	i := 0
	for b.Loop() {
		i++
		if err := os.WriteFile(chapter1, fmt.Appendf(slices.Clip(src), "\n保存した変更 %d です。\n", i), 0o644); err != nil {
			b.Fatal(err)
		}
		st := ev.until("after the save", func(st state) bool { return st.Version != version || st.Problems != "" })
		if st.Problems != "" {
			b.Fatalf("the book has problems:\n%s", st.Problems)
		}
		version = st.Version
	}
}

// BenchmarkRebuild times a rebuild of this repository's book after a
// chapter is saved, as mdrun serve makes it: with the code highlighted by
// the builds before it.
func BenchmarkRebuild(b *testing.B) {
	root := copyRepoBook(b)
	var log syncBuffer
	srv := NewServer(root, &log)
	defer srv.Close()
	if srv.state().Problems != "" {
		b.Fatalf("the book has problems:\n%s", srv.state().Problems)
	}
	chapter1 := filepath.Join(root, "chapters", "01", "README.md")
	src, err := os.ReadFile(chapter1)
	if err != nil {
		b.Fatal(err)
	}
	i := 0
	for b.Loop() {
		i++
		if err := os.WriteFile(chapter1, fmt.Appendf(slices.Clip(src), "\n保存した変更 %d です。\n", i), 0o644); err != nil {
			b.Fatal(err)
		}
		srv.rebuild()
	}
	if st := srv.state(); st.Problems != "" {
		b.Fatalf("the book has problems:\n%s", st.Problems)
	}
}
