package preview

import (
	"context"
	"fmt"
	"io"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"tcpbook/internal/site/browsertest"
)

// TestMain ends the browser that the browser tests share.
func TestMain(m *testing.M) { browsertest.Main(m) }

// reloadSamples is how many saves TestBrowserReload times: enough for a
// median and a spread.
const reloadSamples = 20

// TestBrowserReload serves a copy of this repository's book as mdrun
// serve does, saves a chapter, and waits for the open page to show the
// change. It logs how long that took (run with -v).
func TestBrowserReload(t *testing.T) {
	browsertest.Browser(t) // or skip before copying the book
	root := copyRepoBook(t)
	var log syncBuffer
	_, ts := serveWatched(t, root, &log)

	tb := browsertest.OpenTab(t)
	tb.Navigate(ts.URL + "/01.html")
	// Wait until the page listens for changes.
	tb.WaitFor(`document.documentElement.dataset.mdrunServe === "listening"`)
	tb.Eval(`window.notReloaded = true`)
	idle(tb)

	chapter1 := filepath.Join(root, "chapters", "01", "README.md")
	src, err := os.ReadFile(chapter1)
	if err != nil {
		t.Fatal(err)
	}
	// took is from save to the new page shown; asked is the part of it
	// until the old page asked for the new one, the rest being the
	// browser's load of the page.
	var took, asked []time.Duration
	for i := range reloadSamples {
		text := fmt.Sprintf("保存した変更 %d です。", i)
		saved := time.Now()
		if err := os.WriteFile(chapter1, fmt.Appendf(slices.Clip(src), "\n%s\n", text), 0o644); err != nil {
			t.Fatal(err)
		}
		tb.WaitAcrossLoads(fmt.Sprintf(`!window.notReloaded && document.readyState === "complete" && document.body.textContent.includes(%q)`, text))
		// When the new page was shown, by the browser's clock (the same
		// machine's), not when this test noticed.
		var origin, shown float64
		if _, err := fmt.Sscan(tb.Eval(`performance.timeOrigin + " " + performance.getEntriesByType("navigation")[0].domContentLoadedEventEnd`), &origin, &shown); err != nil {
			t.Fatal(err)
		}
		took = append(took, time.UnixMicro(int64((origin+shown)*1000)).Sub(saved).Round(time.Millisecond))
		asked = append(asked, time.UnixMicro(int64(origin*1000)).Sub(saved).Round(time.Millisecond))
		tb.WaitFor(`document.documentElement.dataset.mdrunServe === "listening"`)
		tb.Eval(`window.notReloaded = true`)
		// The next save comes once the page is shown and the browser
		// idle, as an author's would, not while it is still at work
		// on this one.
		idle(tb)
	}
	t.Logf("save → reloaded page shown, %d saves: %s; %v", len(took), summary(took), took)
	t.Logf("of which save → reload asked: %s", summary(asked))
	t.Logf("rebuilds: %s", summary(rebuildTimes(t, log.String())))

	// A problem shows on the page, at its line, until it is fixed.
	if err := os.WriteFile(chapter1, append(slices.Clip(src), "\n```go {fil=main.go}\n```\n"...), 0o644); err != nil {
		t.Fatal(err)
	}
	tb.WaitFor(`(document.querySelector(".mdrun-problems") || {}).textContent?.includes("chapters/01/README.md:")`)
	if err := os.WriteFile(chapter1, src, 0o644); err != nil {
		t.Fatal(err)
	}
	tb.WaitAcrossLoads(`!window.notReloaded && document.readyState === "complete" && !document.querySelector(".mdrun-problems")`)
	tb.Clean("reload")
}

// TestBrowserNavigate: a page that the reader leaves closes its event
// stream. A browser keeps six connections at most to a server: streams
// left open by the pages the reader has left (in the back-forward cache)
// would hold them all, and the seventh page would wait a minute to load.
// A page shown again from that cache listens again.
func TestBrowserNavigate(t *testing.T) {
	browsertest.Browser(t) // or skip before copying the book
	root := copyBook(t)
	srv, ts := serveWatched(t, root, &syncBuffer{})

	tb := browsertest.OpenTab(t)
	pages := []string{"/index.html", "/01.html", "/02.html"}
	for i := range 8 {
		tb.Navigate(ts.URL + pages[i%len(pages)])
		tb.WaitFor(`document.documentElement.dataset.mdrunServe === "listening"`)
		waitStreams(t, srv, 1)
	}
	// Back to /index.html, which listens again and reloads when the
	// front page changes. The tab goes back once the wait below has
	// begun, as it may on a busy machine: the wait began in /01.html,
	// which the back-forward cache then freezes (in CI this wait once
	// hung until the test timed out).
	tb.Eval(`setTimeout(() => history.back(), 500)`)
	tb.WaitAcrossLoads(`location.pathname === "/index.html" && document.documentElement.dataset.mdrunServe === "listening"`)
	waitStreams(t, srv, 1)
	tb.Eval(`window.notReloaded = true`)
	front := filepath.Join(root, "book", "index.md")
	src, err := os.ReadFile(front)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(front, append(src, "\n戻ったページも読み込み直されます。\n"...), 0o644); err != nil {
		t.Fatal(err)
	}
	tb.WaitAcrossLoads(`!window.notReloaded && document.readyState === "complete" && document.body.textContent.includes("戻ったページも読み込み直されます。")`)
	tb.Clean("navigate")
}

// waitStreams waits until the server has n event streams open: those of
// the pages that have closed theirs are gone.
func waitStreams(t *testing.T, srv *Server, n int) {
	t.Helper()
	deadline := time.Now().Add(eventWait)
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for {
		srv.mu.Lock()
		got := len(srv.waiters)
		srv.mu.Unlock()
		if got == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d event streams open after %v, want %d", got, eventWait, n)
		}
		<-tick.C
	}
}

// idle waits until the browser has nothing to do in the page, a few
// seconds at most.
func idle(tb *browsertest.Tab) {
	tb.T.Helper()
	tb.Eval(`new Promise(done => requestIdleCallback(() => done(true), {timeout: 3000}))`)
}

// serveWatched serves the book at root as mdrun serve does: a server that
// watches the book, on a test HTTP server, both closed at cleanup.
func serveWatched(t *testing.T, root string, log io.Writer) (*Server, *httptest.Server) {
	srv := NewServer(root, log)
	ts := httptest.NewServer(srv)
	watch, stop := context.WithCancel(context.Background())
	t.Cleanup(func() {
		stop()
		srv.Close()
		ts.Close()
	})
	go srv.Watch(watch, 100*time.Millisecond) // as mdrun serve
	return srv, ts
}
