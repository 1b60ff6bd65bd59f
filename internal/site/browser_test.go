package site

// The browser tests read the book as a reader does, in Debian's chromium,
// headless, driven by chromedp. Without chromium they skip, saying so; in
// CI (CI=true) they fail instead, so that CI never passes without them.
//
// Screenshots of every page, light and dark, and of a chapter on a phone,
// are written to book/screenshots/ for a reviewer to look at.

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"tcpbook/internal/chapter"
	"tcpbook/internal/source"
	"tcpbook/internal/transcript"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/emulation"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// The axe-core version in testdata/axe (see its README.md).
const axeVersion = "4.14.1"

// screenshotDir is where the screenshots go, from this package's
// directory; git ignores it.
const screenshotDir = "../../" + ShotDir

// newBrowser starts chromium for a test and returns its context.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("chromium is not installed, and CI must run the browser tests (.ci/run installs it): %v", err)
		}
		t.Skip("SKIP: chromium is not installed, so the book is not tested in a browser (apt-get install chromium fonts-ipafont-gothic)")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox, // as root, Debian's chromium needs it
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		// Nothing but the test's own requests.
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("lang", "ja"),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	t.Cleanup(func() {
		cancel()
		cancelAlloc()
	})
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("starting chromium: %v", err)
	}
	return ctx
}

// A tab is a browser tab that records what goes wrong in it: console
// errors, uncaught exceptions, failed loads, and requests that leave the
// machine.
type tab struct {
	t   *testing.T
	ctx context.Context

	mu       sync.Mutex
	problems []string
}

func openTab(t *testing.T, browserCtx context.Context) *tab {
	t.Helper()
	tb := &tab{t: t}
	ctx, cancel := chromedp.NewContext(browserCtx, chromedp.WithListener(tb.listen))
	// Generous: axe over a long chapter takes long on a busy machine.
	ctx, cancelTimeout := context.WithTimeout(ctx, 5*time.Minute)
	t.Cleanup(func() {
		cancelTimeout()
		cancel()
	})
	tb.ctx = ctx
	tb.do(chromedp.EmulateViewport(1280, 900))
	return tb
}

// listen runs in the tab's event loop: it records, and returns.
func (tb *tab) listen(ev any) {
	var problem string
	switch ev := ev.(type) {
	case *runtime.EventExceptionThrown:
		d := ev.ExceptionDetails
		problem = fmt.Sprintf("uncaught exception: %s %s:%d", d.Text, d.URL, d.LineNumber+1)
		if d.Exception != nil {
			problem += ": " + d.Exception.Description
		}
	case *runtime.EventConsoleAPICalled:
		if ev.Type == runtime.ConsoleAPICalledTypeError || ev.Type == runtime.ConsoleAPICalledTypeAssert {
			var args []string
			for _, a := range ev.Args {
				args = append(args, string(a.Value)+a.Description)
			}
			problem = "console." + string(ev.Type) + ": " + strings.Join(args, " ")
		}
	case *cdplog.EventEntryAdded:
		if ev.Entry.Level == cdplog.EntryLevelError {
			problem = fmt.Sprintf("log: %s (%s)", ev.Entry.Text, ev.Entry.URL)
		}
	case *network.EventRequestWillBeSent:
		u, err := url.Parse(ev.Request.URL)
		if err != nil || u.Scheme != "data" && u.Scheme != "file" && u.Scheme != "about" && u.Hostname() != "127.0.0.1" {
			problem = "a request leaves the machine: " + ev.Request.URL
		}
	}
	if problem != "" {
		tb.mu.Lock()
		tb.problems = append(tb.problems, problem)
		tb.mu.Unlock()
	}
}

// clean fails the test if anything went wrong in the tab so far.
func (tb *tab) clean(where string) {
	tb.t.Helper()
	// A command's reply comes after the events that came before it, so
	// this round trip lets every earlier event reach listen.
	tb.eval("0")
	tb.mu.Lock()
	defer tb.mu.Unlock()
	for _, p := range tb.problems {
		tb.t.Errorf("%s: %s", where, p)
	}
	tb.problems = nil
}

func (tb *tab) do(steps ...chromedp.Action[chromedp.Void]) {
	tb.t.Helper()
	if err := chromedp.Do(tb.ctx, steps...); err != nil {
		tb.t.Fatal(err)
	}
}

func (tb *tab) eval(expr string) string {
	tb.t.Helper()
	v, err := chromedp.Run(tb.ctx, chromedp.Evaluate[any](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		tb.t.Fatalf("%s: %v", expr, err)
	}
	if v == nil {
		return ""
	}
	return fmt.Sprint(v)
}

// waitFor waits until the expression is true. It polls at an interval
// rather than on animation frames, which a busy headless browser may not
// draw.
func (tb *tab) waitFor(expr string) {
	tb.t.Helper()
	if _, err := chromedp.Run(tb.ctx, chromedp.Poll[bool](expr, chromedp.WithPollingInterval(20*time.Millisecond), chromedp.WithPollingTimeout(time.Minute))); err != nil {
		tb.t.Fatalf("waiting for %s: %v", expr, err)
	}
}

// waitAcrossLoads waits until the expression is true, while the page may
// load again (a poll is cut off when its page goes away; it is started
// again in the new page).
func (tb *tab) waitAcrossLoads(expr string) {
	tb.t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		_, err := chromedp.Run(tb.ctx, chromedp.Poll[bool](expr, chromedp.WithPollingInterval(20*time.Millisecond), chromedp.WithPollingTimeout(time.Until(deadline))))
		if err == nil {
			return
		}
		gone := strings.Contains(err.Error(), "navigated or closed") ||
			strings.Contains(err.Error(), "context was destroyed") ||
			strings.Contains(err.Error(), "Cannot find context")
		if !gone || time.Now().After(deadline) {
			tb.t.Fatalf("waiting for %s: %v", expr, err)
		}
	}
}

// navigate opens a page and waits for it to load.
func (tb *tab) navigate(u string) {
	tb.t.Helper()
	tb.do(chromedp.Navigate(u), chromedp.WaitReady(chromedp.CSS("body")))
	tb.waitFor(`document.readyState === "complete"`)
}

// loads runs an action that makes the tab load a page, and waits for it,
// a minute at most.
func (tb *tab) loads(trigger chromedp.Action[chromedp.Void]) {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, time.Minute)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.WaitEvent(cdppage.LoadEventFired, nil, trigger)); err != nil {
		tb.t.Fatalf("waiting for a page to load (at %s): %v", tb.eval("location.href"), err)
	}
}

// setColorScheme makes the system prefer a light or a dark scheme, and
// reduced motion: no test waits for an animation.
func (tb *tab) setColorScheme(scheme string) {
	tb.t.Helper()
	_, err := chromedp.Call(tb.ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
		Features: []*emulation.MediaFeature{
			{Name: "prefers-color-scheme", Value: scheme},
			{Name: "prefers-reduced-motion", Value: "reduce"},
		},
	})
	if err != nil {
		tb.t.Fatal(err)
	}
}

func (tb *tab) screenshot(name string) {
	tb.t.Helper()
	png, err := chromedp.Run(tb.ctx, chromedp.CaptureScreenshot())
	if err != nil {
		tb.t.Fatal(err)
	}
	if err := os.MkdirAll(screenshotDir, 0o755); err != nil {
		tb.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(screenshotDir, name+".png"), png, 0o644); err != nil {
		tb.t.Fatal(err)
	}
}

var (
	axeOnce   sync.Once
	axeSource string
	axeErr    error
)

// axe runs axe-core in the page and fails on every serious or critical
// violation. With onlyColors, it checks colour contrast only: the rest
// does not change with the theme. It leaves out the chapters on the print
// page, which are checked on their own pages.
func (tb *tab) axe(where string, onlyColors bool) {
	tb.t.Helper()
	axeOnce.Do(func() {
		var b []byte
		b, axeErr = os.ReadFile("testdata/axe/axe.min.js")
		axeSource = string(b)
	})
	if axeErr != nil {
		tb.t.Fatal(axeErr)
	}
	if !strings.Contains(axeSource[:200], "axe v"+axeVersion) {
		tb.t.Fatalf("testdata/axe/axe.min.js is not axe %s", axeVersion)
	}
	if _, err := chromedp.Run(tb.ctx, chromedp.Evaluate[chromedp.Void](axeSource)); err != nil {
		tb.t.Fatalf("loading axe: %v", err)
	}
	options := `{resultTypes: ["violations"]}`
	if onlyColors {
		options = `{resultTypes: ["violations"], runOnly: ["color-contrast"]}`
	}
	scope := `{exclude: [".print-chapter"]}`
	violations, err := chromedp.Run(tb.ctx, chromedp.Evaluate[[]string](`
		axe.run(`+scope+`, `+options+`).then(r => r.violations
			.filter(v => v.impact === "serious" || v.impact === "critical")
			.map(v => v.id + " (" + v.impact + "): " + v.help + ": " +
				v.nodes.slice(0, 4).map(n => n.target.join(" ") + " " + (n.failureSummary || "").replace(/\s+/g, " ")).join("; ")))`,
		chromedp.EvalAwaitPromise))
	if err != nil {
		tb.t.Fatalf("running axe: %v", err)
	}
	for _, v := range violations {
		tb.t.Errorf("%s: accessibility: %s", where, v)
	}
}

// realSite builds the book of this repository and serves it.
func realSite(t *testing.T) (*Site, string) {
	t.Helper()
	_, s := buildRealBook(t)
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	return s, ts.URL + "/"
}

func htmlPages(s *Site) []string {
	var pages []string
	for _, p := range s.Paths() {
		if strings.HasSuffix(p, ".html") {
			pages = append(pages, p)
		}
	}
	return pages
}

func screenshotName(page string) string {
	return strings.NewReplacer("/", "_", ".html", "").Replace(page)
}

// TestBrowserPages opens every page: it loads with no console error and
// nothing from outside, passes axe in the light and the dark theme, and
// is photographed in both.
func TestBrowserPages(t *testing.T) {
	ctx := newBrowser(t)
	s, base := realSite(t)
	if err := os.RemoveAll(screenshotDir); err != nil {
		t.Fatal(err)
	}
	for _, p := range htmlPages(s) {
		t.Run(p, func(t *testing.T) {
			t.Parallel() // a tab each, a renderer process each
			tb := openTab(t, ctx)
			for _, theme := range []string{"light", "dark"} {
				tb.setColorScheme(theme)
				tb.navigate(base + p)
				if got := tb.eval("document.documentElement.dataset.theme"); got != theme {
					t.Errorf("with the system in %s, the page is %s", theme, got)
				}
				tb.clean(p)
				tb.screenshot(screenshotName(p) + "-" + theme)
				// The front page's contents of the book.
				if tb.eval(`!!document.getElementById("book-contents")`) == "true" {
					tb.eval(`document.getElementById("book-contents").scrollIntoView({block: "start"})`)
					tb.screenshot(screenshotName(p) + "-contents-" + theme)
				}
				// The first figure.
				if tb.eval(`!!document.querySelector(".page img")`) == "true" {
					tb.waitFor(`Array.from(document.querySelectorAll(".page img")).every(i => i.complete && i.naturalWidth > 0)`)
					tb.eval(`document.querySelector(".page img").scrollIntoView({block: "center"})`)
					tb.screenshot(screenshotName(p) + "-figure-" + theme)
				}
				// And the first transcript, with the code before it.
				if tb.eval(`!!document.querySelector("figure.transcript")`) == "true" {
					tb.eval(`document.querySelector("figure.transcript").scrollIntoView({block: "end"})`)
					tb.screenshot(screenshotName(p) + "-code-" + theme)
				}
				tb.axe(p+" ("+theme+")", theme == "dark")
			}
		})
	}
	if abs, err := filepath.Abs(screenshotDir); err == nil {
		t.Logf("screenshots: %s", abs)
	}
}

// TestBrowserSidebar checks every page's sidebar: each link leads to the
// page whose title it shows, and the page marks its own link current. It
// clicks the links of one page, and reads the others' addresses.
func TestBrowserSidebar(t *testing.T) {
	ctx := newBrowser(t)
	s, base := realSite(t)
	tb := openTab(t, ctx)
	links := `Array.from(document.querySelectorAll(".sidebar .nav-list a"), a => a.href + " " + a.textContent)`
	h1 := `document.querySelector(".page h1").textContent`
	titles := map[string]string{} // page URL → its h1
	sidebars := map[string][]string{}
	for _, p := range htmlPages(s) {
		tb.navigate(base + p)
		titles[base+p] = tb.eval(h1)
		got, err := chromedp.Run(tb.ctx, chromedp.Evaluate[[]string](links))
		if err != nil {
			t.Fatal(err)
		}
		sidebars[p] = got
		current := tb.eval(`(document.querySelector('.sidebar [aria-current="page"]') || {}).href || ""`)
		if strings.HasSuffix(p, "print.html") || strings.HasPrefix(p, "chapters/") {
			continue // a page of its own, or a program's page: its chapter is current
		}
		if current != base+p {
			t.Errorf("%s: the sidebar marks %q current", p, current)
		}
	}
	bookTitle := titles[base+"index.html"]
	for p, links := range sidebars {
		if len(links) < 2 {
			t.Errorf("%s: the sidebar has %d links", p, len(links))
		}
		for i, l := range links {
			href, text, _ := strings.Cut(l, " ")
			want := text
			if i == 0 {
				want = bookTitle // はじめに: the front page
			}
			if got, ok := titles[href]; !ok || got != want {
				t.Errorf("%s: sidebar link %q leads to %s, titled %q", p, text, href, got)
			}
		}
	}
	// Clicked, from a program's page, whose links go up two directories.
	from := ""
	for _, p := range htmlPages(s) {
		if strings.HasPrefix(p, "chapters/") {
			from = p
			break
		}
	}
	for i, l := range sidebars[from] {
		tb.navigate(base + from)
		href, text, _ := strings.Cut(l, " ")
		tb.loads(chromedp.Click(chromedp.CSS(fmt.Sprintf(".sidebar .nav-list li:nth-child(%d) a", i+1))))
		if got := tb.eval("location.href"); got != href {
			t.Errorf("%s: clicking %q led to %s, want %s", from, text, got, href)
		}
		if cur := tb.eval(`document.querySelector('.sidebar [aria-current="page"]').textContent`); cur != text {
			t.Errorf("after following %q, the sidebar marks %q", text, cur)
		}
	}
	tb.clean("sidebar")
}

// TestBrowserPager reads the book from the front page to the end with the
// → key and back with ←, and follows the next links by clicking them:
// each leads to the page it names.
func TestBrowserPager(t *testing.T) {
	ctx := newBrowser(t)
	_, base := realSite(t)
	tb := openTab(t, ctx)
	tb.navigate(base + "index.html")
	var visited []string
	for {
		visited = append(visited, tb.eval("location.pathname"))
		next := tb.eval(`(document.querySelector('.pager a[rel="next"]') || {}).href || ""`)
		if next == "" {
			break
		}
		title := tb.eval(`document.querySelector('.pager a[rel="next"] .title').textContent`)
		tb.loads(chromedp.KeyEvent(kb.ArrowRight))
		if got := tb.eval("location.href"); got != next {
			t.Fatalf("→ from %s led to %s, want %s", visited[len(visited)-1], got, next)
		}
		if h1 := tb.eval(`document.querySelector(".page h1").textContent`); h1 != title {
			t.Errorf("the next link says %q, the page is %q", title, h1)
		}
		tb.clean(next)
	}
	if len(visited) < 2 {
		t.Fatalf("the book has %d pages", len(visited))
	}
	for i := len(visited) - 2; i >= 0; i-- {
		prev := tb.eval(`document.querySelector('.pager a[rel="prev"]').href`)
		tb.loads(chromedp.KeyEvent(kb.ArrowLeft))
		if got := tb.eval("location.pathname"); got != visited[i] || tb.eval("location.href") != prev {
			t.Fatalf("← led to %s, want %s", got, visited[i])
		}
	}
	// The keys do nothing while the reader types in the search box.
	tb.do(chromedp.Click(chromedp.CSS("#search-input")), chromedp.KeyEvent(kb.ArrowRight))
	if got := tb.eval("location.pathname"); got != visited[0] {
		t.Errorf("→ in the search box turned the page to %s", got)
	}
	// Clicking the next link.
	tb.navigate(base + "index.html")
	for _, want := range visited[1:] {
		tb.loads(chromedp.Click(chromedp.CSS(`.pager a[rel="next"]`)))
		if got := tb.eval("location.pathname"); got != want {
			t.Fatalf("the next link led to %s, want %s", got, want)
		}
	}
	tb.clean("pager")
}

// TestBrowserSearch searches for a Japanese word and for Go identifiers:
// the search box lists exactly the sections that contain the query, the
// chapter that teaches it among them, and a result leads to its section.
func TestBrowserSearch(t *testing.T) {
	ctx := newBrowser(t)
	s, base := realSite(t)
	docs := searchDocs(t, s)
	tb := openTab(t, ctx)
	for _, tc := range []struct {
		query, chapter string
	}{
		{"ソケット", "01.html"},
		{"net.Listen", "01.html"},
		{"Accept", "01.html"},
		{"キープアライブ", ""},
	} {
		tb.navigate(base + "index.html")
		var want []string
		for _, d := range docs {
			if strings.Contains(Fold(d.Text), Fold(tc.query)) {
				want = append(want, d.URL)
			}
		}
		tb.do(chromedp.SendKeys(chromedp.ID("search-input"), tc.query))
		tb.waitFor(`!document.getElementById("search-results").hidden`)
		got := strings.Fields(tb.eval(`Array.from(document.querySelectorAll("#search-results li a"), a => decodeURIComponent(a.getAttribute("href"))).join(" ")`))
		slices.Sort(got)
		slices.Sort(want)
		if len(want) > 50 {
			want = nil // the box shows the first 50; compare the count below
		}
		if want != nil && !slices.Equal(got, want) {
			t.Errorf("search %q lists %q, want the sections that contain it: %q", tc.query, got, want)
		}
		summary := tb.eval(`document.querySelector("#search-results .summary").textContent`)
		if n := countDocs(docs, tc.query); !strings.Contains(summary, fmt.Sprintf(" %d 件", n)) {
			t.Errorf("search %q: summary %q, want %d sections", tc.query, summary, n)
		}
		if tc.chapter == "" {
			continue
		}
		// Follow the first result in the chapter that teaches the query.
		first := tb.eval(fmt.Sprintf(`Array.from(document.querySelectorAll("#search-results li a")).findIndex(a => a.getAttribute("href").startsWith(%q))`, tc.chapter))
		if first == "-1" {
			t.Errorf("search %q finds nothing in %s", tc.query, tc.chapter)
			continue
		}
		href := tb.eval(fmt.Sprintf(`document.querySelectorAll("#search-results li a")[%s].href`, first))
		tb.loads(chromedp.Click(chromedp.CSS(fmt.Sprintf("#search-results li:nth-child(%s) a", plusOne(first)))))
		if got := tb.eval("location.href"); got != href {
			t.Errorf("the result leads to %s, want %s", got, href)
		}
		// The section is there, and holds the query.
		section := tb.eval(`(() => {
			const id = decodeURIComponent(location.hash.slice(1));
			if (!id) return document.querySelector(".page").textContent;
			const h = document.getElementById(id);
			if (!h) return "";
			let text = h.textContent;
			for (let n = h.nextElementSibling; n && !/^H[1-6]$/.test(n.tagName); n = n.nextElementSibling) text += n.textContent;
			return text;
		})()`)
		if !strings.Contains(Fold(section), Fold(tc.query)) {
			t.Errorf("search %q: the result %s leads to a section without it", tc.query, href)
		}
	}
	// From the keyboard: ↓ focuses the results one by one, ↑ from the
	// first goes back to the box, and Enter on a result follows it.
	tb.navigate(base + "index.html")
	tb.do(chromedp.SendKeys(chromedp.ID("search-input"), "ソケット"))
	tb.waitFor(`!document.getElementById("search-results").hidden`)
	tb.do(chromedp.KeyEvent(kb.ArrowDown), chromedp.KeyEvent(kb.ArrowDown))
	focused := `document.activeElement === document.querySelectorAll("#search-results li a")[%d]`
	if tb.eval(fmt.Sprintf(focused, 1)) != "true" {
		t.Errorf("two ↓ from the search box focus %s, want the second result", tb.eval(`document.activeElement.outerHTML.slice(0, 80)`))
	}
	tb.do(chromedp.KeyEvent(kb.ArrowUp), chromedp.KeyEvent(kb.ArrowUp))
	if tb.eval(`document.activeElement.id`) != "search-input" {
		t.Errorf("↑ from the first result focuses %s, want the search box", tb.eval(`document.activeElement.outerHTML.slice(0, 80)`))
	}
	tb.do(chromedp.KeyEvent(kb.ArrowDown))
	href := tb.eval(`document.activeElement.href`)
	tb.loads(chromedp.KeyEvent(kb.Enter))
	if got := tb.eval("location.href"); got != href {
		t.Errorf("Enter on a result leads to %s, want %s", got, href)
	}
	// Nothing found.
	tb.navigate(base + "01.html")
	tb.do(chromedp.SendKeys(chromedp.ID("search-input"), "存在しない言葉xyz"))
	tb.waitFor(`!document.getElementById("search-results").hidden`)
	if got := tb.eval(`document.querySelector("#search-results").textContent`); !strings.Contains(got, "見つかりませんでした") {
		t.Errorf("a query with no match shows %q", got)
	}
	tb.clean("search")
}

func plusOne(s string) string {
	var n int
	fmt.Sscan(s, &n)
	return fmt.Sprint(n + 1)
}

func searchDocs(t *testing.T, s *Site) []searchDoc {
	t.Helper()
	var idx struct{ Docs []searchDoc }
	js := strings.TrimSuffix(strings.TrimPrefix(string(s.Files["search-index.js"]), "window.tcpbookSearch = "), ";\n")
	if err := json.Unmarshal([]byte(js), &idx); err != nil {
		t.Fatal(err)
	}
	return idx.Docs
}

func countDocs(docs []searchDoc, q string) int {
	n := 0
	for _, d := range docs {
		if strings.Contains(Fold(d.Text), Fold(q)) {
			n++
		}
	}
	return n
}

// TestBrowserCopy clicks the copy button of every transcript of chapter 1
// and of a listing: a transcript copies its commands only, a listing its
// code.
func TestBrowserCopy(t *testing.T) {
	ctx := newBrowser(t)
	_, base := realSite(t)
	tb := openTab(t, ctx)
	tb.grantClipboard(base)
	tb.navigate(base + "01.html")
	blocks := tb.eval(`document.querySelectorAll("figure.transcript").length`)
	var n int
	fmt.Sscan(blocks, &n)
	if n == 0 {
		t.Fatal("chapter 1 has no transcript")
	}
	for i := range n {
		sel := fmt.Sprintf(`document.querySelectorAll("figure.transcript")[%d]`, i)
		code := tb.eval(sel + `.querySelector("pre").textContent`)
		tb.do(chromedp.Evaluate[chromedp.Void](sel+`.scrollIntoView({block: "center"})`),
			chromedp.Click(chromedp.JSPath(sel+`.querySelector("button.copy")`)))
		tb.waitFor(sel + `.querySelector("button.copy").classList.contains("done")`)
		got := tb.eval("navigator.clipboard.readText()")
		// The commands are the lines of the block that start with "$ ",
		// without it, and the lines that continue them.
		var want []string
		cont := false
		for _, line := range strings.Split(strings.TrimSuffix(code, "\n"), "\n") {
			if rest, ok := strings.CutPrefix(line, "$ "); ok {
				want = append(want, rest)
			} else if cont {
				want = append(want, line)
			} else {
				continue
			}
			cont = strings.HasSuffix(line, `\`)
		}
		if got != strings.Join(want, "\n") {
			t.Errorf("transcript %d copies %q, want the commands %q", i, got, strings.Join(want, "\n"))
		}
	}
	// A listing copies its code as shown.
	sel := `document.querySelector("figure.listing")`
	code := tb.eval(sel + `.querySelector("pre").textContent`)
	tb.do(chromedp.Evaluate[chromedp.Void](sel+`.scrollIntoView({block: "center"})`),
		chromedp.Click(chromedp.JSPath(sel+`.querySelector("button.copy")`)))
	tb.waitFor(sel + `.querySelector("button.copy").classList.contains("done")`)
	if got := tb.eval("navigator.clipboard.readText()"); got != strings.TrimSuffix(code, "\n") || !strings.Contains(got, "package main") {
		t.Errorf("the listing copies %q, want its code %q", got, code)
	}
	tb.clean("copy")
}

// grantClipboard lets the pages of the site at base read and write the
// clipboard, as a reader's click on a copy button does.
func (tb *tab) grantClipboard(base string) {
	tb.t.Helper()
	origin := strings.TrimSuffix(base, "/")
	for _, name := range []string{"clipboard-read", "clipboard-write"} {
		_, err := chromedp.CallBrowser(tb.ctx, browser.SetPermission, browser.SetPermissionParams{
			Permission: &browser.PermissionDescriptor{Name: name},
			Setting:    browser.PermissionSettingGranted,
			Origin:     origin,
		})
		if err != nil {
			tb.t.Fatal(err)
		}
	}
	if _, err := chromedp.Call(tb.ctx, emulation.SetFocusEmulationEnabled, emulation.SetFocusEmulationEnabledParams{Enabled: true}); err != nil {
		tb.t.Fatal(err)
	}
}

// TestBrowserDiffAside reads chapter 4's diffs and aside as a reader does.
// A removed line is a <del> and an added one an <ins>, each marked by a −
// or a + that a selection leaves out; the caption links both files' pages
// at the line where the declaration starts; the copy button copies the new
// declaration whole. The aside is a note with its label in words. The
// first diff and the first aside are photographed in the light and the
// dark theme, and on a phone, where the diff scrolls inside its box
// rather than widen the page.
func TestBrowserDiffAside(t *testing.T) {
	ctx := newBrowser(t)
	root, s := buildRealBook(t)
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	base := ts.URL + "/"
	tb := openTab(t, ctx)
	tb.grantClipboard(base)
	const fig = `document.querySelector("figure.diff")`
	for _, theme := range []string{"light", "dark"} {
		tb.setColorScheme(theme)
		tb.navigate(base + "04.html")
		if tb.eval(`!!`+fig) != "true" {
			t.Fatal("chapter 4 has no diff")
		}
		checks := map[string]string{
			"removed lines are <del> marked −":                   `(d => d.length > 0 && Array.from(d).every(e => e.querySelector(".gutter").textContent === "−"))(` + fig + `.querySelectorAll("del.line"))`,
			"added lines are <ins> marked +":                     `(d => d.length > 0 && Array.from(d).every(e => e.querySelector(".gutter").textContent === "+"))(` + fig + `.querySelectorAll("ins.line"))`,
			"the gutter is not selectable":                       `getComputedStyle(` + fig + `.querySelector(".gutter")).userSelect === "none"`,
			"the --- and +++ lines are not shown":                `!/^(---|\+\+\+) /m.test(` + fig + `.querySelector("pre").textContent)`,
			"the caption links both files at a line":             `(a => a.length === 2 && Array.from(a).every(e => /\.go\.html#L\d+$/.test(e.getAttribute("href"))))(` + fig + `.querySelectorAll("figcaption a"))`,
			"a removed line differs in colour from an added one": `getComputedStyle(` + fig + `.querySelector("del.line")).backgroundColor !== getComputedStyle(` + fig + `.querySelector("ins.line")).backgroundColor`,
		}
		for what, expr := range checks {
			if tb.eval(expr) != "true" {
				t.Errorf("%s (%s): not so", what, theme)
			}
		}
		tb.eval(fig + `.scrollIntoView({block: "center"})`)
		tb.screenshot("diff-04-" + theme)

		const aside = `document.querySelector(".aside")`
		if got := tb.eval(`(a => a && a.getAttribute("role") + " " + a.querySelector(".aside-label").textContent.trim())(` + aside + `)`); got != "note 注" {
			t.Errorf("chapter 4's first aside is %q, want a note labelled 注", got)
		}
		if tb.eval(`getComputedStyle(`+aside+`).backgroundColor !== getComputedStyle(document.body).backgroundColor`) != "true" {
			t.Errorf("the aside is not set apart from the page (%s)", theme)
		}
		tb.eval(aside + `.scrollIntoView({block: "center"})`)
		tb.screenshot("aside-04-" + theme)
	}

	// The copy button copies what the reader would paste: the new side's
	// declaration whole, as the file has it.
	res := source.NewResolver(root, nil)
	for i, decl := range []string{"addr", "handle", "readRequest", "respond"} {
		sel := fmt.Sprintf(`document.querySelectorAll("figure.diff")[%d]`, i)
		region, err := res.Region(&chapter.Ref{Path: "chapters/04/server/main.go", Name: decl})
		if err != nil {
			t.Fatal(err)
		}
		tb.do(chromedp.Evaluate[chromedp.Void](sel+`.scrollIntoView({block: "center"})`),
			chromedp.Click(chromedp.JSPath(sel+`.querySelector("button.copy")`)))
		tb.waitFor(sel + `.querySelector("button.copy").classList.contains("done")`)
		if got, want := tb.eval("navigator.clipboard.readText()"), strings.TrimSuffix(region.Text, "\n"); got != want {
			t.Errorf("diff %d (%s) copies\n%s\nwant the declaration\n%s", i, decl, got, want)
		}
	}

	// The caption's second link leads to the new file's page, at the
	// declaration's first line.
	tb.loads(chromedp.Click(chromedp.JSPath(fig + `.querySelectorAll("figcaption a")[1]`)))
	if got := tb.eval(`location.pathname + location.hash`); !strings.HasPrefix(got, "/chapters/04/server/main.go.html#L") {
		t.Errorf("the diff's second file link led to %s", got)
	}
	if got := tb.eval(`document.querySelector(location.hash).parentElement.textContent`); !strings.Contains(got, "const (") {
		t.Errorf("the linked line is %q, want the const group's first line", got)
	}

	// On a phone, the diff scrolls in its box; the page keeps its width.
	tb.do(chromedp.EmulateViewport(375, 740, chromedp.EmulateMobile, chromedp.EmulateScale(2)))
	for _, theme := range []string{"light", "dark"} {
		tb.setColorScheme(theme)
		tb.navigate(base + "04.html")
		if w := tb.eval(`document.documentElement.scrollWidth <= window.innerWidth`); w != "true" {
			t.Errorf("with its diffs, chapter 4 is wider than the phone (%s)", theme)
		}
		tb.eval(fig + `.scrollIntoView({block: "center"})`)
		tb.screenshot("phone-04-diff-" + theme)
		tb.eval(`document.querySelector(".aside").scrollIntoView({block: "center"})`)
		tb.screenshot("phone-04-aside-" + theme)
	}
	tb.clean("diff")
}

// TestBrowserTheme: the page follows the system until the reader toggles
// dark mode; the choice is kept across pages and reloads.
func TestBrowserTheme(t *testing.T) {
	ctx := newBrowser(t)
	_, base := realSite(t)
	tb := openTab(t, ctx)
	background := `getComputedStyle(document.body).backgroundColor`

	tb.setColorScheme("light")
	tb.navigate(base + "index.html")
	tb.eval(`localStorage.clear()`)
	tb.navigate(base + "index.html")
	light := tb.eval(background)
	if theme := tb.eval("document.documentElement.dataset.theme"); theme != "light" {
		t.Fatalf("with a light system, the page is %s", theme)
	}
	tb.do(chromedp.Click(chromedp.CSS(".theme-button")))
	if theme, pressed := tb.eval("document.documentElement.dataset.theme"), tb.eval(`document.querySelector(".theme-button").getAttribute("aria-pressed")`); theme != "dark" || pressed != "true" {
		t.Fatalf("after the toggle: theme %s, aria-pressed %s", theme, pressed)
	}
	dark := tb.eval(background)
	if dark == light {
		t.Errorf("dark mode keeps the background %s", light)
	}
	tb.do(chromedp.Reload())
	if theme, bg := tb.eval("document.documentElement.dataset.theme"), tb.eval(background); theme != "dark" || bg != dark {
		t.Errorf("after a reload: theme %s, background %s; want dark, %s", theme, bg, dark)
	}
	tb.navigate(base + "01.html")
	if theme := tb.eval("document.documentElement.dataset.theme"); theme != "dark" {
		t.Errorf("on the next page the theme is %s", theme)
	}
	tb.do(chromedp.Click(chromedp.CSS(".theme-button")))
	tb.do(chromedp.Reload())
	if theme := tb.eval("document.documentElement.dataset.theme"); theme != "light" {
		t.Errorf("toggled back and reloaded: theme %s", theme)
	}

	// With no choice made, the page follows the system, also when the
	// system changes while the page is open.
	tb.eval(`localStorage.clear()`)
	tb.setColorScheme("dark")
	tb.do(chromedp.Reload())
	if theme := tb.eval("document.documentElement.dataset.theme"); theme != "dark" {
		t.Errorf("with a dark system and no choice, the page is %s", theme)
	}
	tb.setColorScheme("light")
	tb.waitFor(`document.documentElement.dataset.theme === "light"`)
	tb.clean("theme")
}

// TestBrowserPhone reads a chapter on a narrow phone: nothing is wider
// than the screen, and the book's contents open from the menu button.
func TestBrowserPhone(t *testing.T) {
	ctx := newBrowser(t)
	_, base := realSite(t)
	tb := openTab(t, ctx)
	tb.do(chromedp.EmulateViewport(375, 740, chromedp.EmulateMobile, chromedp.EmulateScale(2)))
	for _, theme := range []string{"light", "dark"} {
		tb.setColorScheme(theme)
		tb.navigate(base + "01.html")
		if w := tb.eval(`document.documentElement.scrollWidth <= window.innerWidth`); w != "true" {
			t.Errorf("the chapter is wider than the phone: %s > %s", tb.eval("document.documentElement.scrollWidth"), tb.eval("window.innerWidth"))
		}
		if v := tb.eval(`getComputedStyle(document.querySelector(".sidebar")).visibility`); v != "hidden" {
			t.Errorf("the sidebar is %s before the menu is opened", v)
		}
		// The page's contents start folded above the chapter, and open.
		if tb.eval(`document.getElementById("page-toc-list").hidden`) != "true" {
			t.Errorf("on a phone, the page's contents start open")
		}
		tb.screenshot("phone-01-" + theme)
		tb.do(chromedp.Click(chromedp.CSS(".page-toc-toggle")))
		tb.waitFor(`!document.getElementById("page-toc-list").hidden && document.querySelector(".page-toc-toggle").getAttribute("aria-expanded") === "true"`)
		tb.do(chromedp.Click(chromedp.CSS(".page-toc-toggle")))
		tb.do(chromedp.Click(chromedp.CSS(".menu-button")))
		tb.waitFor(`getComputedStyle(document.querySelector(".sidebar")).visibility === "visible"`)
		if e := tb.eval(`document.querySelector(".menu-button").getAttribute("aria-expanded")`); e != "true" {
			t.Errorf("the open menu has aria-expanded=%s", e)
		}
		tb.waitFor(`document.querySelector(".sidebar").getBoundingClientRect().left >= 0`)
		tb.screenshot("phone-01-menu-" + theme)
		// Tapping the search box closes the menu.
		tb.do(chromedp.Click(chromedp.ID("search-input")))
		tb.waitFor(`getComputedStyle(document.querySelector(".sidebar")).visibility === "hidden"`)
		if e := tb.eval(`document.querySelector(".menu-button").getAttribute("aria-expanded")`); e != "false" {
			t.Errorf("the closed menu has aria-expanded=%s", e)
		}
		tb.do(chromedp.SendKeys(chromedp.ID("search-input"), "ソケット"))
		tb.waitFor(`!document.getElementById("search-results").hidden`)
		if w := tb.eval(`(r => r.left >= 0 && r.right <= window.innerWidth)(document.getElementById("search-results").getBoundingClientRect())`); w != "true" {
			t.Errorf("the search results do not fit the phone: %s", tb.eval(`JSON.stringify(document.getElementById("search-results").getBoundingClientRect())`))
		}
		tb.screenshot("phone-01-search-" + theme)
	}
	// A link in the opened menu leads to its page.
	tb.navigate(base + "01.html")
	tb.do(chromedp.Click(chromedp.CSS(".menu-button")))
	tb.waitFor(`getComputedStyle(document.querySelector(".sidebar")).visibility === "visible"`)
	tb.waitFor(`document.querySelector(".sidebar").getBoundingClientRect().left >= 0`)
	tb.loads(chromedp.Click(chromedp.CSS(`.sidebar a[href="02.html"]`)))
	if got := tb.eval("location.pathname"); got != "/02.html" {
		t.Errorf("the menu's link to 02.html led to %s", got)
	}
	tb.clean("phone")
}

// TestBrowserFile reads the written site from file://: the pages, the
// search and the theme work without a server.
func TestBrowserFile(t *testing.T) {
	ctx := newBrowser(t)
	s, _ := realSite(t)
	dir := filepath.Join(t.TempDir(), "site")
	if err := s.Write(dir); err != nil {
		t.Fatal(err)
	}
	tb := openTab(t, ctx)
	tb.navigate("file://" + filepath.ToSlash(dir) + "/01.html")
	tb.do(chromedp.SendKeys(chromedp.ID("search-input"), "ソケット"))
	tb.waitFor(`document.querySelectorAll("#search-results li").length > 0`)
	tb.loads(chromedp.Click(chromedp.CSS(`.pager a[rel="next"]`)))
	if got := tb.eval("location.href"); !strings.HasPrefix(got, "file://") || !strings.HasSuffix(got, ".html") {
		t.Errorf("the next link from file:// leads to %s", got)
	}
	tb.do(chromedp.Click(chromedp.CSS(".theme-button")))
	tb.clean("file://")
}

// TestBrowserReload serves a copy of this repository's book as mdrun
// serve does, saves a chapter, and waits for the open page to show the
// change. It logs how long that took (run with -v).
func TestBrowserReload(t *testing.T) {
	ctx := newBrowser(t)
	root := t.TempDir()
	for _, dir := range []string{"chapters", "book", transcript.ScriptDir} {
		sub, err := fs.Sub(os.DirFS("../.."), dir)
		if err != nil {
			t.Fatal(err)
		}
		copyTree(t, sub, filepath.Join(root, dir))
	}
	os.RemoveAll(filepath.Join(root, SiteDir))
	os.RemoveAll(filepath.Join(root, ShotDir))
	srv := NewServer(root, &syncBuffer{})
	ts := httptest.NewServer(srv)
	t.Cleanup(func() {
		srv.Close()
		ts.Close()
	})
	watch, stop := context.WithCancel(context.Background())
	t.Cleanup(stop)
	go srv.Watch(watch, 100*time.Millisecond) // as mdrun serve

	tb := openTab(t, ctx)
	tb.navigate(ts.URL + "/01.html")
	// Wait until the page listens for changes.
	tb.waitFor(`document.documentElement.dataset.mdrunServe === "listening"`)
	tb.eval(`window.notReloaded = true`)

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
		tb.waitAcrossLoads(fmt.Sprintf(`!window.notReloaded && document.readyState === "complete" && document.body.textContent.includes(%q)`, text))
		// When the new page was shown, by the browser's clock (the same
		// machine's), not when this test noticed.
		var shown float64
		fmt.Sscan(tb.eval(`performance.timeOrigin + performance.getEntriesByType("navigation")[0].domContentLoadedEventEnd`), &shown)
		took = append(took, time.UnixMicro(int64(shown*1000)).Sub(saved).Round(time.Millisecond))
		tb.waitFor(`document.documentElement.dataset.mdrunServe === "listening"`)
		tb.eval(`window.notReloaded = true`)
	}
	t.Logf("save → reloaded page shown: %v (serve looks for changes every 100ms)", took)

	// A problem shows on the page, at its line, until it is fixed.
	if err := os.WriteFile(chapter1, append(slices.Clip(src), "\n```go {fil=main.go}\n```\n"...), 0o644); err != nil {
		t.Fatal(err)
	}
	tb.waitFor(`(document.querySelector(".mdrun-problems") || {}).textContent?.includes("chapters/01/README.md:")`)
	if err := os.WriteFile(chapter1, src, 0o644); err != nil {
		t.Fatal(err)
	}
	tb.waitAcrossLoads(`!window.notReloaded && document.readyState === "complete" && !document.querySelector(".mdrun-problems")`)
	tb.clean("reload")
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
