package preview

import (
	"context"
	"fmt"
	"io/fs"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"tcpbook/internal/site"
	"tcpbook/internal/site/browsertest"
	"tcpbook/internal/transcript"
)

// TestMain ends the browser that the browser tests share.
func TestMain(m *testing.M) { browsertest.Main(m) }

// TestBrowserReload serves a copy of this repository's book as mdrun
// serve does, saves a chapter, and waits for the open page to show the
// change. It logs how long that took (run with -v).
func TestBrowserReload(t *testing.T) {
	browsertest.Browser(t) // or skip before copying the book
	root := t.TempDir()
	// The book's files, not the site that mdrun book wrote nor the
	// screenshots that the browser tests of package site may be writing.
	repo := os.DirFS("../..")
	for _, dir := range []string{"chapters", "book", transcript.ScriptDir} {
		sub, err := fs.Sub(repo, dir)
		if err != nil {
			t.Fatal(err)
		}
		copyTree(t, sub, filepath.Join(root, dir), strings.TrimPrefix(site.SiteDir, "book/"), strings.TrimPrefix(site.ShotDir, "book/"))
	}
	srv := NewServer(root, &syncBuffer{})
	ts := httptest.NewServer(srv)
	t.Cleanup(func() {
		srv.Close()
		ts.Close()
	})
	watch, stop := context.WithCancel(context.Background())
	t.Cleanup(stop)
	go srv.Watch(watch, 100*time.Millisecond) // as mdrun serve

	tb := browsertest.OpenTab(t)
	tb.Navigate(ts.URL + "/01.html")
	// Wait until the page listens for changes.
	tb.WaitFor(`document.documentElement.dataset.mdrunServe === "listening"`)
	tb.Eval(`window.notReloaded = true`)

	chapter1 := filepath.Join(root, "chapters", "01", "README.md")
	src, err := os.ReadFile(chapter1)
	if err != nil {
		t.Fatal(err)
	}
	var took []time.Duration
	for i := range 5 {
		text := fmt.Sprintf("保存した変更 %d です。", i)
		saved := time.Now()
		if err := os.WriteFile(chapter1, fmt.Appendf(slices.Clip(src), "\n%s\n", text), 0o644); err != nil {
			t.Fatal(err)
		}
		tb.WaitAcrossLoads(fmt.Sprintf(`!window.notReloaded && document.readyState === "complete" && document.body.textContent.includes(%q)`, text))
		// When the new page was shown, by the browser's clock (the same
		// machine's), not when this test noticed.
		var shown float64
		fmt.Sscan(tb.Eval(`performance.timeOrigin + performance.getEntriesByType("navigation")[0].domContentLoadedEventEnd`), &shown)
		took = append(took, time.UnixMicro(int64(shown*1000)).Sub(saved).Round(time.Millisecond))
		tb.WaitFor(`document.documentElement.dataset.mdrunServe === "listening"`)
		tb.Eval(`window.notReloaded = true`)
	}
	t.Logf("save → reloaded page shown: %v (serve looks for changes every 100ms)", took)

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
