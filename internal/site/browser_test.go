package site

// The browser tests read the book as a reader does, in Debian's chromium,
// headless, driven by chromedp, one chromium for them all (package
// browsertest). Without chromium they skip, saying so; in CI (CI=true)
// they fail instead, so that CI never passes without them.
//
// Screenshots of every page, light and dark, and of chapters on a phone,
// are written to book/screenshots/ for a reviewer to look at: git ignores
// it. A run writes its screenshots to a directory of its own, and when
// the tests end it takes the place of book/screenshots/, but only of one
// that the browser tests wrote.

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"tcpbook/internal/chapter"
	"tcpbook/internal/site/browsertest"
	"tcpbook/internal/source"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

func TestMain(m *testing.M) {
	code := m.Run()
	browsertest.Close()
	if err := publishScreenshots(); err != nil {
		fmt.Fprintf(os.Stderr, "screenshots: %v\n", err)
		if code == 0 {
			code = 1
		}
	}
	os.Exit(code)
}

// The axe-core version in testdata/axe (see its README.md).
const axeVersion = "4.14.1"

// screenshotDir is where the screenshots end up, from this package's
// directory; git ignores it.
const screenshotDir = "../../" + ShotDir

// shotMarker is the file by which publishScreenshots knows a directory of
// screenshots that it may replace.
const shotMarker = ".browser-tests"

// shots is this run's directory of screenshots, made by the first.
var shots struct {
	sync.Mutex
	dir string
}

// screenshot photographs the tab into this run's screenshots, as name.png.
func screenshot(tb *browsertest.Tab, name string) {
	tb.T.Helper()
	png := tb.Screenshot()
	shots.Lock()
	defer shots.Unlock()
	if shots.dir == "" {
		// Beside book/screenshots (and so on its file system), in a
		// directory that git ignores and mdrun serve does not watch.
		dir, err := os.MkdirTemp(filepath.Dir(screenshotDir), "."+filepath.Base(screenshotDir)+"-new-")
		if err != nil {
			tb.T.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, shotMarker), []byte("Screenshots by the browser tests of internal/site.\n"), 0o644); err != nil {
			tb.T.Fatal(err)
		}
		shots.dir = dir
	}
	if err := os.WriteFile(filepath.Join(shots.dir, name+".png"), png, 0o644); err != nil {
		tb.T.Fatal(err)
	}
}

// publishScreenshots puts this run's screenshots in place of
// book/screenshots. It replaces only a directory that holds the marker,
// or nothing but .png files (as runs before the marker left it): never
// files that anyone else put there.
func publishScreenshots() error {
	if shots.dir == "" {
		return nil
	}
	entries, err := os.ReadDir(screenshotDir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return fmt.Errorf("%v; this run's are in %s", err, shots.dir)
	default:
		ours := true
		for _, e := range entries {
			if e.Name() != shotMarker && (!e.Type().IsRegular() || filepath.Ext(e.Name()) != ".png") {
				ours = false
			}
		}
		if !ours {
			return fmt.Errorf("%s holds files that the browser tests did not write; not replacing it: this run's are in %s", screenshotDir, shots.dir)
		}
	}
	old := shots.dir + "-old"
	if err := os.Rename(screenshotDir, old); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%v; this run's are in %s", err, shots.dir)
	}
	if err := os.Rename(shots.dir, screenshotDir); err != nil {
		os.Rename(old, screenshotDir)
		return fmt.Errorf("%v; this run's are in %s", err, shots.dir)
	}
	if testing.Verbose() {
		if abs, err := filepath.Abs(screenshotDir); err == nil {
			fmt.Printf("screenshots: %s\n", abs)
		}
	}
	return os.RemoveAll(old)
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
func axe(tb *browsertest.Tab, where string, onlyColors bool) {
	tb.T.Helper()
	axeOnce.Do(func() {
		var b []byte
		b, axeErr = os.ReadFile("testdata/axe/axe.min.js")
		axeSource = string(b)
	})
	if axeErr != nil {
		tb.T.Fatal(axeErr)
	}
	if !strings.Contains(axeSource[:200], "axe v"+axeVersion) {
		tb.T.Fatalf("testdata/axe/axe.min.js is not axe %s", axeVersion)
	}
	if _, err := chromedp.Run(tb.Ctx, chromedp.Evaluate[chromedp.Void](axeSource)); err != nil {
		tb.T.Fatalf("loading axe: %v", err)
	}
	options := `{resultTypes: ["violations"]}`
	if onlyColors {
		options = `{resultTypes: ["violations"], runOnly: ["color-contrast"]}`
	}
	scope := `{exclude: [".print-chapter"]}`
	violations, err := chromedp.Run(tb.Ctx, chromedp.Evaluate[[]string](`
		axe.run(`+scope+`, `+options+`).then(r => r.violations
			.filter(v => v.impact === "serious" || v.impact === "critical")
			.map(v => v.id + " (" + v.impact + "): " + v.help + ": " +
				v.nodes.slice(0, 4).map(n => n.target.join(" ") + " " + (n.failureSummary || "").replace(/\s+/g, " ")).join("; ")))`,
		chromedp.EvalAwaitPromise))
	if err != nil {
		tb.T.Fatalf("running axe: %v", err)
	}
	for _, v := range violations {
		tb.T.Errorf("%s: accessibility: %s", where, v)
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
	browsertest.Browser(t) // or skip before building the book
	s, base := realSite(t)
	for _, p := range htmlPages(s) {
		t.Run(p, func(t *testing.T) {
			t.Parallel() // a tab each, a renderer process each
			tb := browsertest.OpenTab(t)
			for _, theme := range []string{"light", "dark"} {
				tb.SetColorScheme(theme)
				tb.Navigate(base + p)
				if got := tb.Eval("document.documentElement.dataset.theme"); got != theme {
					t.Errorf("with the system in %s, the page is %s", theme, got)
				}
				tb.Clean(p)
				screenshot(tb, screenshotName(p)+"-"+theme)
				// The front page's contents of the book.
				if tb.Eval(`!!document.getElementById("book-contents")`) == "true" {
					tb.Eval(`document.getElementById("book-contents").scrollIntoView({block: "start"})`)
					screenshot(tb, screenshotName(p)+"-contents-"+theme)
				}
				// The first figure.
				if tb.Eval(`!!document.querySelector(".page img")`) == "true" {
					tb.WaitFor(`Array.from(document.querySelectorAll(".page img")).every(i => i.complete && i.naturalWidth > 0)`)
					tb.Eval(`document.querySelector(".page img").scrollIntoView({block: "center"})`)
					screenshot(tb, screenshotName(p)+"-figure-"+theme)
				}
				// And the first transcript, with the code before it.
				if tb.Eval(`!!document.querySelector("figure.transcript")`) == "true" {
					tb.Eval(`document.querySelector("figure.transcript").scrollIntoView({block: "end"})`)
					screenshot(tb, screenshotName(p)+"-code-"+theme)
				}
				axe(tb, p+" ("+theme+")", theme == "dark")
			}
		})
	}
}

// TestBrowserSidebar checks every page's sidebar: each link leads to the
// page whose title it shows, and the page marks its own link current. It
// clicks the links of one page, and reads the others' addresses.
func TestBrowserSidebar(t *testing.T) {
	browsertest.Browser(t) // or skip before building the book
	s, base := realSite(t)
	tb := browsertest.OpenTab(t)
	links := `Array.from(document.querySelectorAll(".sidebar .nav-list a"), a => a.href + " " + a.textContent)`
	h1 := `document.querySelector(".page h1").textContent`
	titles := map[string]string{} // page URL → its h1
	sidebars := map[string][]string{}
	for _, p := range htmlPages(s) {
		tb.Navigate(base + p)
		titles[base+p] = tb.Eval(h1)
		got, err := chromedp.Run(tb.Ctx, chromedp.Evaluate[[]string](links))
		if err != nil {
			t.Fatal(err)
		}
		sidebars[p] = got
		current := tb.Eval(`(document.querySelector('.sidebar [aria-current="page"]') || {}).href || ""`)
		if strings.HasSuffix(p, "print.html") || strings.Contains(p, "/") {
			continue // a page of its own, or a file's page (chapters/…, tools/…): its chapter is current
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
		tb.Navigate(base + from)
		href, text, _ := strings.Cut(l, " ")
		tb.Loads(chromedp.Click(chromedp.CSS(fmt.Sprintf(".sidebar .nav-list li:nth-child(%d) a", i+1))))
		if got := tb.Eval("location.href"); got != href {
			t.Errorf("%s: clicking %q led to %s, want %s", from, text, got, href)
		}
		if cur := tb.Eval(`document.querySelector('.sidebar [aria-current="page"]').textContent`); cur != text {
			t.Errorf("after following %q, the sidebar marks %q", text, cur)
		}
	}
	tb.Clean("sidebar")
}

// TestBrowserPager reads the book from the front page to the end with the
// → key and back with ←, and follows the next links by clicking them:
// each leads to the page it names.
func TestBrowserPager(t *testing.T) {
	browsertest.Browser(t) // or skip before building the book
	_, base := realSite(t)
	tb := browsertest.OpenTab(t)
	tb.Navigate(base + "index.html")
	var visited []string
	for {
		visited = append(visited, tb.Eval("location.pathname"))
		next := tb.Eval(`(document.querySelector('.pager a[rel="next"]') || {}).href || ""`)
		if next == "" {
			break
		}
		title := tb.Eval(`document.querySelector('.pager a[rel="next"] .title').textContent`)
		tb.Loads(chromedp.KeyEvent(kb.ArrowRight))
		if got := tb.Eval("location.href"); got != next {
			t.Fatalf("→ from %s led to %s, want %s", visited[len(visited)-1], got, next)
		}
		if h1 := tb.Eval(`document.querySelector(".page h1").textContent`); h1 != title {
			t.Errorf("the next link says %q, the page is %q", title, h1)
		}
		tb.Clean(next)
	}
	if len(visited) < 2 {
		t.Fatalf("the book has %d pages", len(visited))
	}
	for i := len(visited) - 2; i >= 0; i-- {
		prev := tb.Eval(`document.querySelector('.pager a[rel="prev"]').href`)
		tb.Loads(chromedp.KeyEvent(kb.ArrowLeft))
		if got := tb.Eval("location.pathname"); got != visited[i] || tb.Eval("location.href") != prev {
			t.Fatalf("← led to %s, want %s", got, visited[i])
		}
	}
	// The keys do nothing while the reader types in the search box.
	tb.Do(chromedp.Click(chromedp.CSS("#search-input")), chromedp.KeyEvent(kb.ArrowRight))
	if got := tb.Eval("location.pathname"); got != visited[0] {
		t.Errorf("→ in the search box turned the page to %s", got)
	}
	// Clicking the next link.
	tb.Navigate(base + "index.html")
	for _, want := range visited[1:] {
		tb.Loads(chromedp.Click(chromedp.CSS(`.pager a[rel="next"]`)))
		if got := tb.Eval("location.pathname"); got != want {
			t.Fatalf("the next link led to %s, want %s", got, want)
		}
	}
	tb.Clean("pager")
}

// TestBrowserSearch searches for a Japanese word and for Go identifiers:
// the search box lists exactly the sections that contain the query, the
// chapter that teaches it among them, and a result leads to its section.
func TestBrowserSearch(t *testing.T) {
	browsertest.Browser(t) // or skip before building the book
	s, base := realSite(t)
	docs := searchDocs(t, s)
	tb := browsertest.OpenTab(t)
	for _, tc := range []struct {
		query, chapter string
	}{
		{"ソケット", "01.html"},
		{"net.Listen", "01.html"},
		{"Accept", "01.html"},
		{"キープアライブ", ""},
	} {
		tb.Navigate(base + "index.html")
		var want []string
		for _, d := range docs {
			if strings.Contains(Fold(d.Text), Fold(tc.query)) {
				want = append(want, d.URL)
			}
		}
		tb.Do(chromedp.SendKeys(chromedp.ID("search-input"), tc.query))
		tb.WaitFor(`!document.getElementById("search-results").hidden`)
		got := strings.Fields(tb.Eval(`Array.from(document.querySelectorAll("#search-results li a"), a => decodeURIComponent(a.getAttribute("href"))).join(" ")`))
		slices.Sort(got)
		slices.Sort(want)
		if len(want) > 50 {
			want = nil // the box shows the first 50; compare the count below
		}
		if want != nil && !slices.Equal(got, want) {
			t.Errorf("search %q lists %q, want the sections that contain it: %q", tc.query, got, want)
		}
		summary := tb.Eval(`document.querySelector("#search-results .summary").textContent`)
		if n := countDocs(docs, tc.query); !strings.Contains(summary, fmt.Sprintf(" %d 件", n)) {
			t.Errorf("search %q: summary %q, want %d sections", tc.query, summary, n)
		}
		// A screen reader hears the count once the typing pauses.
		tb.WaitFor(fmt.Sprintf(`document.getElementById("announcer").textContent.trim() === %q`, summary))
		if tc.chapter == "" {
			continue
		}
		// Follow the first result in the chapter that teaches the query.
		first := tb.Eval(fmt.Sprintf(`Array.from(document.querySelectorAll("#search-results li a")).findIndex(a => a.getAttribute("href").startsWith(%q))`, tc.chapter))
		if first == "-1" {
			t.Errorf("search %q finds nothing in %s", tc.query, tc.chapter)
			continue
		}
		href := tb.Eval(fmt.Sprintf(`document.querySelectorAll("#search-results li a")[%s].href`, first))
		tb.Loads(chromedp.Click(chromedp.CSS(fmt.Sprintf("#search-results li:nth-child(%s) a", plusOne(first)))))
		if got := tb.Eval("location.href"); got != href {
			t.Errorf("the result leads to %s, want %s", got, href)
		}
		// The section is there, and holds the query.
		section := tb.Eval(`(() => {
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
	// The count is said by one live region, in the page from the start:
	// a region made anew with each keystroke may go unheard. Typing
	// changes its text, not the element, and nothing in the results is
	// read out but through it.
	if !strings.Contains(string(s.Files["01.html"]), `<p id="announcer" class="visually-hidden" role="status"></p>`) {
		t.Errorf("01.html has no empty live region to announce in")
	}
	tb.Navigate(base + "01.html")
	tb.Eval(`window.announcerAtLoad = document.getElementById("announcer")`)
	const sameRegion = `document.getElementById("announcer") === window.announcerAtLoad && document.querySelectorAll("[role=status], [aria-live]").length === 1`
	for _, keys := range []string{"ソケ", "ット", "存在しない"} {
		tb.Do(chromedp.SendKeys(chromedp.ID("search-input"), keys))
		tb.WaitFor(`(s => s && document.getElementById("announcer").textContent.trim() === s.textContent)(document.querySelector("#search-results .summary"))`)
		if tb.Eval(sameRegion) != "true" {
			t.Errorf("after typing %q, the live region is not the page's own one", keys)
		}
	}
	if got := tb.Eval(`document.getElementById("announcer").textContent`); !strings.Contains(got, "見つかりませんでした") {
		t.Errorf("with nothing found, the live region says %q", got)
	}
	tb.Eval(`(i => { i.value = ""; i.dispatchEvent(new Event("input")); })(document.getElementById("search-input"))`)
	tb.WaitFor(`document.getElementById("search-results").hidden && document.getElementById("announcer").textContent === ""`)
	if tb.Eval(sameRegion) != "true" {
		t.Errorf("after the box is emptied, the live region is not the page's own one")
	}

	// From the keyboard: ↓ focuses the results one by one, ↑ from the
	// first goes back to the box, and Enter on a result follows it.
	tb.Navigate(base + "index.html")
	tb.Do(chromedp.SendKeys(chromedp.ID("search-input"), "ソケット"))
	tb.WaitFor(`!document.getElementById("search-results").hidden`)
	tb.Do(chromedp.KeyEvent(kb.ArrowDown), chromedp.KeyEvent(kb.ArrowDown))
	focused := `document.activeElement === document.querySelectorAll("#search-results li a")[%d]`
	if tb.Eval(fmt.Sprintf(focused, 1)) != "true" {
		t.Errorf("two ↓ from the search box focus %s, want the second result", tb.Eval(`document.activeElement.outerHTML.slice(0, 80)`))
	}
	tb.Do(chromedp.KeyEvent(kb.ArrowUp), chromedp.KeyEvent(kb.ArrowUp))
	if tb.Eval(`document.activeElement.id`) != "search-input" {
		t.Errorf("↑ from the first result focuses %s, want the search box", tb.Eval(`document.activeElement.outerHTML.slice(0, 80)`))
	}
	tb.Do(chromedp.KeyEvent(kb.ArrowDown))
	href := tb.Eval(`document.activeElement.href`)
	tb.Loads(chromedp.KeyEvent(kb.Enter))
	if got := tb.Eval("location.href"); got != href {
		t.Errorf("Enter on a result leads to %s, want %s", got, href)
	}
	// Nothing found.
	tb.Navigate(base + "01.html")
	tb.Do(chromedp.SendKeys(chromedp.ID("search-input"), "存在しない言葉xyz"))
	tb.WaitFor(`!document.getElementById("search-results").hidden`)
	if got := tb.Eval(`document.querySelector("#search-results").textContent`); !strings.Contains(got, "見つかりませんでした") {
		t.Errorf("a query with no match shows %q", got)
	}
	tb.Clean("search")
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

// TestBrowserSlashKey: / takes the reader to the search box, and says so;
// it does nothing while the reader types, in a form field or editable
// text, nor with Ctrl, Alt or Meta (WCAG 2.1.4).
func TestBrowserSlashKey(t *testing.T) {
	browsertest.Browser(t) // or skip before building the book
	_, base := realSite(t)
	tb := browsertest.OpenTab(t)
	tb.Navigate(base + "01.html")
	if got := tb.Eval(`document.getElementById("search-input").getAttribute("aria-keyshortcuts")`); got != "/" {
		t.Errorf("the search box's aria-keyshortcuts is %q, want /", got)
	}
	if got := tb.Eval(`getComputedStyle(document.querySelector(".search-key")).display !== "none" && document.querySelector(".search-key").textContent`); got != "/" {
		t.Errorf("the search box shows no / for its key: %q", got)
	}
	const focused = `document.activeElement.id`
	press(tb, '/', 0)
	if got := tb.Eval(focused); got != "search-input" {
		t.Fatalf("/ focuses %q, want the search box", got)
	}
	if got := tb.Eval(`document.getElementById("search-input").value`); got != "" {
		t.Errorf("/ typed %q into the search box", got)
	}
	for _, m := range []struct {
		name string
		mod  chromedp.Modifier
	}{{"Ctrl", chromedp.ModifierCtrl}, {"Alt", chromedp.ModifierAlt}, {"Meta", chromedp.ModifierMeta}} {
		tb.Eval(`document.activeElement.blur()`)
		press(tb, '/', m.mod)
		if got := tb.Eval(focused); got == "search-input" {
			t.Errorf("%s+/ focuses the search box", m.name)
		}
	}
	// Where the reader types, / is a character like any other.
	for _, field := range []string{
		`document.createElement("textarea")`,
		`Object.assign(document.createElement("input"), {type: "text"})`,
		`Object.assign(document.createElement("div"), {contentEditable: "true"})`,
		`Object.assign(document.createElement("p"), {contentEditable: "plaintext-only"})`,
	} {
		tb.Eval(`(f => { f.id = "typing-here"; document.querySelector(".page").prepend(f); f.focus(); })(` + field + `)`)
		for _, r := range "a/b" {
			press(tb, r, 0)
		}
		if got := tb.Eval(focused); got != "typing-here" {
			t.Errorf("/ in %s moves the focus to %q", field, got)
		}
		if got := tb.Eval(`(f => f.value ?? f.textContent)(document.getElementById("typing-here"))`); got != "a/b" {
			t.Errorf("typing a/b in %s gives %q", field, got)
		}
		tb.Eval(`document.getElementById("typing-here").remove()`)
	}
	tb.Clean("slash")
}

// press presses a key and lets it go, as a keyboard does: the key down
// carries the character it types, which the page may prevent (unlike
// chromedp.KeyEvent's separate char event, which types it whatever the
// page did with the key down).
func press(tb *browsertest.Tab, r rune, mod chromedp.Modifier) {
	tb.T.Helper()
	k, ok := kb.Keys[r]
	if !ok {
		tb.T.Fatalf("no key for %q", r)
	}
	down := input.DispatchKeyEventParams{
		Type:                  input.DispatchKeyEventTypeKeyDown,
		Key:                   k.Key,
		Code:                  k.Code,
		WindowsVirtualKeyCode: k.Windows,
		NativeVirtualKeyCode:  k.Native,
		Modifiers:             int64(mod),
	}
	if k.Shift {
		down.Modifiers |= int64(chromedp.ModifierShift)
	}
	if mod&^chromedp.ModifierShift == 0 {
		down.Text, down.UnmodifiedText = k.Text, k.Unmodified
	}
	up := down
	up.Type, up.Text, up.UnmodifiedText = input.DispatchKeyEventTypeKeyUp, "", ""
	for _, ev := range []input.DispatchKeyEventParams{down, up} {
		if _, err := chromedp.Call(tb.Ctx, input.DispatchKeyEvent, ev); err != nil {
			tb.T.Fatal(err)
		}
	}
}

// TestBrowserCopy clicks the copy button of every transcript of chapter 1
// and of a listing: a transcript copies its commands only, a listing its
// code.
func TestBrowserCopy(t *testing.T) {
	browsertest.Browser(t) // or skip before building the book
	_, base := realSite(t)
	tb := browsertest.OpenTab(t)
	tb.GrantClipboard(base)
	tb.Navigate(base + "01.html")
	blocks := tb.Eval(`document.querySelectorAll("figure.transcript").length`)
	var n int
	fmt.Sscan(blocks, &n)
	if n == 0 {
		t.Fatal("chapter 1 has no transcript")
	}
	announced := ""
	for i := range n {
		sel := fmt.Sprintf(`document.querySelectorAll("figure.transcript")[%d]`, i)
		code := tb.Eval(sel + `.querySelector("pre").textContent`)
		tb.Do(chromedp.Evaluate[chromedp.Void](sel+`.scrollIntoView({block: "center"})`),
			chromedp.Click(chromedp.JSPath(sel+`.querySelector("button.copy")`)))
		tb.WaitFor(sel + `.querySelector("button.copy").classList.contains("done")`)
		// A screen reader hears it, each time (the words are the same,
		// the region's text is not).
		tb.WaitFor(fmt.Sprintf(`(a => a.textContent !== %q && a.textContent.trim() === "コピーしました")(document.getElementById("announcer"))`, announced))
		announced = tb.Eval(`document.getElementById("announcer").textContent`)
		got := tb.Eval("navigator.clipboard.readText()")
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
	code := tb.Eval(sel + `.querySelector("pre").textContent`)
	tb.Do(chromedp.Evaluate[chromedp.Void](sel+`.scrollIntoView({block: "center"})`),
		chromedp.Click(chromedp.JSPath(sel+`.querySelector("button.copy")`)))
	tb.WaitFor(sel + `.querySelector("button.copy").classList.contains("done")`)
	if got := tb.Eval("navigator.clipboard.readText()"); got != strings.TrimSuffix(code, "\n") || !strings.Contains(got, "package main") {
		t.Errorf("the listing copies %q, want its code %q", got, code)
	}
	tb.Clean("copy")
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
	browsertest.Browser(t) // or skip before building the book
	root, s := buildRealBook(t)
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	base := ts.URL + "/"
	tb := browsertest.OpenTab(t)
	tb.GrantClipboard(base)
	// The first diff that both removes and adds lines (chapter 4's
	// first diff only adds imports).
	const fig = `Array.from(document.querySelectorAll("figure.diff")).find(f => f.querySelector("del.line") && f.querySelector("ins.line"))`
	for _, theme := range []string{"light", "dark"} {
		tb.SetColorScheme(theme)
		tb.Navigate(base + "04.html")
		if tb.Eval(`!!`+fig) != "true" {
			t.Fatal("chapter 4 has no diff")
		}
		checks := map[string]string{
			"removed lines are <del> marked −":                   `(d => d.length > 0 && Array.from(d).every(e => e.querySelector(".gutter").textContent === "−"))(` + fig + `.querySelectorAll("del.line"))`,
			"added lines are <ins> marked +":                     `(d => d.length > 0 && Array.from(d).every(e => e.querySelector(".gutter").textContent === "+"))(` + fig + `.querySelectorAll("ins.line"))`,
			"the gutter is not selectable":                       `getComputedStyle(` + fig + `.querySelector(".gutter")).userSelect === "none"`,
			"the --- and +++ lines are not shown":                `!/^(---|\+\+\+) /m.test(` + fig + `.querySelector("pre").textContent)`,
			"the caption links both files at a line":             `(a => a.length === 2 && Array.from(a).every(e => /\.go\.html#L\d+$/.test(e.getAttribute("href"))))(` + fig + `.querySelectorAll("figcaption a:not(.whole)"))`,
			"a removed line differs in colour from an added one": `getComputedStyle(` + fig + `.querySelector("del.line")).backgroundColor !== getComputedStyle(` + fig + `.querySelector("ins.line")).backgroundColor`,
		}
		for what, expr := range checks {
			if tb.Eval(expr) != "true" {
				t.Errorf("%s (%s): not so", what, theme)
			}
		}
		tb.Eval(fig + `.scrollIntoView({block: "center"})`)
		screenshot(tb, "diff-04-"+theme)

		const aside = `document.querySelector(".aside")`
		if got := tb.Eval(`(a => a && a.getAttribute("role") + " " + a.querySelector(".aside-label").textContent.trim())(` + aside + `)`); got != "note 注" {
			t.Errorf("chapter 4's first aside is %q, want a note labelled 注", got)
		}
		if tb.Eval(`getComputedStyle(`+aside+`).backgroundColor !== getComputedStyle(document.body).backgroundColor`) != "true" {
			t.Errorf("the aside is not set apart from the page (%s)", theme)
		}
		tb.Eval(aside + `.scrollIntoView({block: "center"})`)
		screenshot(tb, "aside-04-"+theme)
	}

	// The copy button copies what the reader would paste: the new side's
	// declaration whole, as the file has it.
	ch04, errs := chapter.Load(root, []string{"chapters/04"})
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	res := source.NewResolver(root, ch04.Chapters)
	var diffs []*chapter.Block
	for _, b := range ch04.Chapters[0].Blocks {
		if b.Kind == chapter.Diff {
			diffs = append(diffs, b)
		}
	}
	if len(diffs) < 3 {
		t.Fatalf("chapter 4 has %d diffs, want several", len(diffs))
	}
	for i, b := range diffs {
		decl := b.To.String()
		sel := fmt.Sprintf(`document.querySelectorAll("figure.diff")[%d]`, i)
		region, err := res.Region(b.To)
		if err != nil {
			t.Fatal(err)
		}
		tb.Do(chromedp.Evaluate[chromedp.Void](sel+`.scrollIntoView({block: "center"})`),
			chromedp.Click(chromedp.JSPath(sel+`.querySelector("button.copy")`)))
		tb.WaitFor(sel + `.querySelector("button.copy").classList.contains("done")`)
		if got, want := tb.Eval("navigator.clipboard.readText()"), strings.TrimSuffix(region.Text, "\n"); got != want {
			t.Errorf("diff %d (%s) copies\n%s\nwant the declaration\n%s", i, decl, got, want)
		}
	}

	// The caption's second link leads to the new file's page, at the
	// declaration's first line.
	tb.Loads(chromedp.Click(chromedp.JSPath(fig + `.querySelectorAll("figcaption a")[1]`)))
	if got := tb.Eval(`location.pathname + location.hash`); !strings.HasPrefix(got, "/chapters/04/server/main.go.html#L") {
		t.Errorf("the diff's second file link led to %s", got)
	}
	if got := tb.Eval(`document.querySelector(location.hash).parentElement.textContent`); !strings.Contains(got, "const (") {
		t.Errorf("the linked line is %q, want the const group's first line", got)
	}

	// On a phone, the diff scrolls in its box; the page keeps its width.
	tb.Do(chromedp.EmulateViewport(375, 740, chromedp.EmulateMobile, chromedp.EmulateScale(2)))
	for _, theme := range []string{"light", "dark"} {
		tb.SetColorScheme(theme)
		tb.Navigate(base + "04.html")
		if w := tb.Eval(`document.documentElement.scrollWidth <= window.innerWidth`); w != "true" {
			t.Errorf("with its diffs, chapter 4 is wider than the phone (%s)", theme)
		}
		tb.Eval(fig + `.scrollIntoView({block: "center"})`)
		screenshot(tb, "phone-04-diff-"+theme)
		tb.Eval(`document.querySelector(".aside").scrollIntoView({block: "center"})`)
		screenshot(tb, "phone-04-aside-"+theme)
	}
	tb.Clean("diff")
}

// TestBrowserTheme: the page follows the system until the reader toggles
// dark mode; the choice is kept across pages and reloads.
func TestBrowserTheme(t *testing.T) {
	browsertest.Browser(t) // or skip before building the book
	_, base := realSite(t)
	tb := browsertest.OpenTab(t)
	background := `getComputedStyle(document.body).backgroundColor`

	tb.SetColorScheme("light")
	tb.Navigate(base + "index.html")
	tb.Eval(`localStorage.clear()`)
	tb.Navigate(base + "index.html")
	light := tb.Eval(background)
	if theme := tb.Eval("document.documentElement.dataset.theme"); theme != "light" {
		t.Fatalf("with a light system, the page is %s", theme)
	}
	tb.Do(chromedp.Click(chromedp.CSS(".theme-button")))
	if theme, pressed := tb.Eval("document.documentElement.dataset.theme"), tb.Eval(`document.querySelector(".theme-button").getAttribute("aria-pressed")`); theme != "dark" || pressed != "true" {
		t.Fatalf("after the toggle: theme %s, aria-pressed %s", theme, pressed)
	}
	dark := tb.Eval(background)
	if dark == light {
		t.Errorf("dark mode keeps the background %s", light)
	}
	tb.Do(chromedp.Reload())
	if theme, bg := tb.Eval("document.documentElement.dataset.theme"), tb.Eval(background); theme != "dark" || bg != dark {
		t.Errorf("after a reload: theme %s, background %s; want dark, %s", theme, bg, dark)
	}
	tb.Navigate(base + "01.html")
	if theme := tb.Eval("document.documentElement.dataset.theme"); theme != "dark" {
		t.Errorf("on the next page the theme is %s", theme)
	}
	tb.Do(chromedp.Click(chromedp.CSS(".theme-button")))
	tb.Do(chromedp.Reload())
	if theme := tb.Eval("document.documentElement.dataset.theme"); theme != "light" {
		t.Errorf("toggled back and reloaded: theme %s", theme)
	}

	// With no choice made, the page follows the system, also when the
	// system changes while the page is open.
	tb.Eval(`localStorage.clear()`)
	tb.SetColorScheme("dark")
	tb.Do(chromedp.Reload())
	if theme := tb.Eval("document.documentElement.dataset.theme"); theme != "dark" {
		t.Errorf("with a dark system and no choice, the page is %s", theme)
	}
	tb.SetColorScheme("light")
	tb.WaitFor(`document.documentElement.dataset.theme === "light"`)

	// The palette is data-theme's, whatever the system prefers, and the
	// system's when no script has set data-theme. (With a choice stored,
	// the page's script leaves data-theme be when the system changes.)
	tb.Eval(`localStorage.setItem("tcpbook-theme", "light")`)
	colours := `[getComputedStyle(document.body).backgroundColor, getComputedStyle(document.body).color, getComputedStyle(document.querySelector(".topbar")).borderBottomColor].join(" ")`
	want := map[string]string{}
	for _, theme := range []string{"light", "dark"} {
		tb.SetColorScheme(theme)
		tb.Eval(`document.documentElement.dataset.theme = "` + theme + `"`)
		want[theme] = tb.Eval(colours)
	}
	if want["light"] == want["dark"] {
		t.Errorf("the light and the dark theme are alike: %s", want["light"])
	}
	for _, c := range []struct{ system, theme, want string }{
		{"light", "dark", "dark"},
		{"dark", "light", "light"},
		{"light", "", "light"},
		{"dark", "", "dark"},
	} {
		tb.SetColorScheme(c.system)
		if c.theme == "" {
			tb.Eval(`delete document.documentElement.dataset.theme`)
		} else {
			tb.Eval(`document.documentElement.dataset.theme = "` + c.theme + `"`)
		}
		if got := tb.Eval(colours); got != want[c.want] {
			t.Errorf("with the system %s and data-theme %q: %s, want the %s theme's %s", c.system, c.theme, got, c.want, want[c.want])
		}
	}
	tb.Clean("theme")
}

// TestBrowserPhone reads a chapter on a narrow phone: nothing is wider
// than the screen, and the book's contents open from the menu button.
func TestBrowserPhone(t *testing.T) {
	browsertest.Browser(t) // or skip before building the book
	_, base := realSite(t)
	tb := browsertest.OpenTab(t)
	tb.Do(chromedp.EmulateViewport(375, 740, chromedp.EmulateMobile, chromedp.EmulateScale(2)))
	for _, theme := range []string{"light", "dark"} {
		tb.SetColorScheme(theme)
		tb.Navigate(base + "01.html")
		if w := tb.Eval(`document.documentElement.scrollWidth <= window.innerWidth`); w != "true" {
			t.Errorf("the chapter is wider than the phone: %s > %s", tb.Eval("document.documentElement.scrollWidth"), tb.Eval("window.innerWidth"))
		}
		if v := tb.Eval(`getComputedStyle(document.querySelector(".sidebar")).visibility`); v != "hidden" {
			t.Errorf("the sidebar is %s before the menu is opened", v)
		}
		// The page's contents start folded above the chapter, and open.
		if tb.Eval(`document.getElementById("page-toc-list").hidden`) != "true" {
			t.Errorf("on a phone, the page's contents start open")
		}
		screenshot(tb, "phone-01-"+theme)
		tb.Do(chromedp.Click(chromedp.CSS(".page-toc-toggle")))
		tb.WaitFor(`!document.getElementById("page-toc-list").hidden && document.querySelector(".page-toc-toggle").getAttribute("aria-expanded") === "true"`)
		tb.Do(chromedp.Click(chromedp.CSS(".page-toc-toggle")))
		tb.Do(chromedp.Click(chromedp.CSS(".menu-button")))
		tb.WaitFor(`getComputedStyle(document.querySelector(".sidebar")).visibility === "visible"`)
		if e := tb.Eval(`document.querySelector(".menu-button").getAttribute("aria-expanded")`); e != "true" {
			t.Errorf("the open menu has aria-expanded=%s", e)
		}
		tb.WaitFor(`document.querySelector(".sidebar").getBoundingClientRect().left >= 0`)
		screenshot(tb, "phone-01-menu-"+theme)
		// Tapping the search box closes the menu.
		tb.Do(chromedp.Click(chromedp.ID("search-input")))
		tb.WaitFor(`getComputedStyle(document.querySelector(".sidebar")).visibility === "hidden"`)
		if e := tb.Eval(`document.querySelector(".menu-button").getAttribute("aria-expanded")`); e != "false" {
			t.Errorf("the closed menu has aria-expanded=%s", e)
		}
		tb.Do(chromedp.SendKeys(chromedp.ID("search-input"), "ソケット"))
		tb.WaitFor(`!document.getElementById("search-results").hidden`)
		if w := tb.Eval(`(r => r.left >= 0 && r.right <= window.innerWidth)(document.getElementById("search-results").getBoundingClientRect())`); w != "true" {
			t.Errorf("the search results do not fit the phone: %s", tb.Eval(`JSON.stringify(document.getElementById("search-results").getBoundingClientRect())`))
		}
		screenshot(tb, "phone-01-search-"+theme)
	}
	// A link in the opened menu leads to its page.
	tb.Navigate(base + "01.html")
	tb.Do(chromedp.Click(chromedp.CSS(".menu-button")))
	tb.WaitFor(`getComputedStyle(document.querySelector(".sidebar")).visibility === "visible"`)
	tb.WaitFor(`document.querySelector(".sidebar").getBoundingClientRect().left >= 0`)
	tb.Loads(chromedp.Click(chromedp.CSS(`.sidebar a[href="02.html"]`)))
	if got := tb.Eval("location.pathname"); got != "/02.html" {
		t.Errorf("the menu's link to 02.html led to %s", got)
	}
	tb.Clean("phone")
}

// TestBrowserFile reads the written site from file://: the pages, the
// search and the theme work without a server.
func TestBrowserFile(t *testing.T) {
	browsertest.Browser(t) // or skip before building the book
	s, _ := realSite(t)
	dir := filepath.Join(t.TempDir(), "site")
	if err := s.Write(dir); err != nil {
		t.Fatal(err)
	}
	tb := browsertest.OpenTab(t)
	tb.Navigate("file://" + filepath.ToSlash(dir) + "/01.html")
	tb.Do(chromedp.SendKeys(chromedp.ID("search-input"), "ソケット"))
	tb.WaitFor(`document.querySelectorAll("#search-results li").length > 0`)
	tb.Loads(chromedp.Click(chromedp.CSS(`.pager a[rel="next"]`)))
	if got := tb.Eval("location.href"); !strings.HasPrefix(got, "file://") || !strings.HasSuffix(got, ".html") {
		t.Errorf("the next link from file:// leads to %s", got)
	}
	tb.Do(chromedp.Click(chromedp.CSS(".theme-button")))
	tb.Clean("file://")
}

// TestBrowserGrown reads the pages of a book whose program grows
// (testdata/grown: chapter 3's from chapter 2's from chapter 1's) as a
// reader does. On a program's page, each declaration's label names the
// chapter that last changed it and leads to where that chapter shows it;
// what the page's chapter changed stands out by its label and bar as well
// as its background; selecting the code by hand selects the program, not
// the labels. From a chapter, a diff's and an inherited file's
// プログラム全体 lead to the program at the declaration. Every page
// passes axe in both themes; the program's pages are photographed
// (program-grown-NN-*.png), whole, for the record.
func TestBrowserGrown(t *testing.T) {
	browsertest.Browser(t) // or skip before building the book
	s := buildGrown(t)
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	base := ts.URL + "/"
	tb := browsertest.OpenTab(t)
	for _, p := range htmlPages(s) {
		for _, theme := range []string{"light", "dark"} {
			tb.SetColorScheme(theme)
			tb.Navigate(base + p)
			axe(tb, "grown "+p+" ("+theme+")", theme == "dark")
		}
	}

	const program = "chapters/03/server/main.go.html"
	label := func(line int) string {
		return fmt.Sprintf(`document.getElementById("L%d").parentElement.querySelector(".from-label")`, line)
	}
	for _, theme := range []string{"light", "dark"} {
		tb.SetColorScheme(theme)
		tb.Navigate(base + program)
		checks := map[string]string{
			"addr (L12) is labelled この章, visibly":          `(l => l.textContent.startsWith("この章") && l.getBoundingClientRect().width > 0)(` + label(12) + `)`,
			"handle (L29) is labelled 第2章":                 `(l => l.textContent.startsWith("第2章"))(` + label(29) + `)`,
			"main (L15) is labelled 第1章":                   `(l => l.textContent.startsWith("第1章"))(` + label(15) + `)`,
			"a changed line has a bar at its left":         `getComputedStyle(document.getElementById("L13").parentElement.querySelector(".from")).borderLeftStyle === "solid" && getComputedStyle(document.getElementById("L13").parentElement.querySelector(".from")).borderLeftColor !== getComputedStyle(document.getElementById("L16").parentElement.querySelector(".from")).borderLeftColor`,
			"a changed line's background differs":          `getComputedStyle(document.getElementById("L13").parentElement).backgroundColor !== getComputedStyle(document.getElementById("L16").parentElement).backgroundColor`,
			"the labels share one column":                  `(a => a.left === b.left)(` + label(12) + `.parentElement.getBoundingClientRect(), b = ` + label(29) + `.parentElement.getBoundingClientRect())`,
			"the code lines up after the column":           `document.getElementById("L4").getBoundingClientRect().left === document.getElementById("L5").getBoundingClientRect().left`,
			"the legend says what the program starts as":   `document.querySelector(".program-legend").textContent.includes("第2章の server/main.go をもとにしています")`,
			"the page is no wider than the window":         `document.documentElement.scrollWidth <= window.innerWidth`,
			"selecting the code selects the program as-is": `(pre => { getSelection().selectAllChildren(pre); const s = getSelection().toString(); getSelection().removeAllRanges(); return s.replace(/\n$/, "") === document.querySelector(".code.grown .copy").dataset.copy.replace(/\n$/, ""); })(document.querySelector(".code.grown pre"))`,
		}
		for what, expr := range checks {
			if tb.Eval(expr) != "true" {
				t.Errorf("%s (%s): not so", what, theme)
			}
		}
		// The whole page, for the record.
		for _, p := range []string{"chapters/02/server/main.go.html", program} {
			tb.Navigate(base + p)
			height := tb.Eval(`Math.ceil(document.documentElement.scrollHeight)`)
			var h int64
			fmt.Sscan(height, &h)
			tb.Do(chromedp.EmulateViewport(1280, min(h, 3000)))
			screenshot(tb, "program-grown-"+strings.Split(p, "/")[1]+"-"+theme)
			tb.Do(chromedp.EmulateViewport(1280, 900))
		}
	}
	tb.SetColorScheme("light")

	// A label leads to where its chapter shows the declaration.
	tb.Navigate(base + program)
	tb.Loads(chromedp.Click(chromedp.JSPath(label(29))))
	if got := tb.Eval(`location.pathname + decodeURIComponent(location.hash)`); got != "/02.html#diff-server/main.go-handle" {
		t.Errorf("handle's label led to %s", got)
	}
	if tb.Eval(`(e => !!e && e.matches("figure.diff") && e.getBoundingClientRect().top < innerHeight)(document.getElementById(decodeURIComponent(location.hash.slice(1))))`) != "true" {
		t.Errorf("02.html#diff-server/main.go-handle is not the diff, in view")
	}
	// The diff's プログラム全体 leads back to the program, at handle.
	tb.Loads(chromedp.Click(chromedp.JSPath(`document.getElementById("diff-server/main.go-handle").querySelector("figcaption a.whole")`)))
	if got := tb.Eval(`location.pathname + location.hash`); got != "/chapters/02/server/main.go.html#L29" {
		t.Errorf("the diff's プログラム全体 led to %s", got)
	}
	if got := tb.Eval(`document.querySelector(location.hash).parentElement.querySelector(".cl").textContent`); !strings.Contains(got, "handle") {
		t.Errorf("the line it leads to is %q, want handle's first", got)
	}
	// The inherited file is one line, whose link leads to the program.
	tb.Navigate(base + "02.html")
	if tb.Eval(`(p => !!p && p.tagName === "P" && p.getBoundingClientRect().height < 80)(document.getElementById("listing-server/listen.go-1"))`) != "true" {
		t.Errorf("the inherited server/listen.go is not one line")
	}
	tb.Loads(chromedp.Click(chromedp.JSPath(`document.getElementById("listing-server/listen.go-1").querySelector("a.whole")`)))
	if got := tb.Eval(`location.pathname`); got != "/chapters/02/server/listen.go.html" {
		t.Errorf("the inherited file's プログラム全体 led to %s", got)
	}

	// On a phone, the code scrolls in its box, the labels with it.
	tb.Do(chromedp.EmulateViewport(375, 740, chromedp.EmulateMobile, chromedp.EmulateScale(2)))
	for _, theme := range []string{"light", "dark"} {
		tb.SetColorScheme(theme)
		tb.Navigate(base + program)
		if w := tb.Eval(`document.documentElement.scrollWidth <= window.innerWidth`); w != "true" {
			t.Errorf("chapter 3's program is wider than the phone (%s)", theme)
		}
		tb.Eval(`document.getElementById("L12").scrollIntoView({block: "center"})`)
		screenshot(tb, "phone-program-grown-03-"+theme)
	}
	tb.Clean("grown")
}
