package site

import (
	"fmt"
	"net/http/httptest"
	"os"
	"path"
	"strings"
	"testing"

	"tcpbook/internal/chapter"
	"tcpbook/internal/ladder"
	"tcpbook/internal/site/browsertest"

	"github.com/chromedp/chromedp"
)

// ladderFixture is a book whose one chapter draws ladders from captures
// that the lab made (those of internal/ladder/testdata): a lossy
// pipelined exchange, whole; the start of an h2c connection; the lossy
// one from the server's capture alone.
const ladderFixture = "testdata/ladder"

// TestLadderFixture: the fixture's ladders are what their captures give,
// as mdrun check would have them.
func TestLadderFixture(t *testing.T) {
	src, err := os.ReadFile(path.Join(ladderFixture, "chapters/01/README.md"))
	if err != nil {
		t.Fatal(err)
	}
	ch, errs := chapter.Parse("chapters/01/README.md", src)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	n := 0
	for _, b := range ch.Blocks {
		if b.Kind != chapter.Ladder {
			continue
		}
		n++
		want, err := ladder.Body(func(p string) ([]byte, error) { return os.ReadFile(path.Join(ladderFixture, p)) }, b.Ladder)
		if err != nil || want != b.Body {
			t.Errorf("line %d: the ladder is not what its capture gives (%v); run mdrun update in a copy with a go.mod", b.Line, err)
		}
	}
	if n != 3 {
		t.Errorf("%d ladders, want 3", n)
	}
}

// ladderOverlaps is a script that gives the pairs of texts, as "a / b",
// whose boxes (as the browser lays them out) overlap within one drawing
// of the ladder SVGs that the script svgs gives.
func ladderOverlaps(svgs string) string {
	return `(() => { const out = [];
		for (const svg of ` + svgs + `) {
			const texts = Array.from(svg.querySelectorAll("text")).map(e => [e.textContent, e.getBoundingClientRect()]);
			for (let i = 0; i < texts.length; i++) for (let j = i + 1; j < texts.length; j++) {
				const [a, r] = texts[i], [b, q] = texts[j];
				if (r.left < q.right - 0.5 && q.left < r.right - 0.5 && r.top < q.bottom - 0.5 && q.top < r.bottom - 0.5) out.push(a + " / " + b);
			}
		}
		return out.join("; "); })()`
}

// ladderSmallest is a script that gives the smallest size, in CSS px,
// that the texts sel of the SVGs svgs are drawn at.
func ladderSmallest(svgs, sel string) string {
	return `Math.min(...Array.from(` + svgs + `).flatMap(svg => {
		const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
		return Array.from(svg.querySelectorAll(` + fmt.Sprintf("%q", sel) + `)).map(e => parseFloat(getComputedStyle(e).fontSize) * scale);
	}))`
}

// TestBrowserLadder reads the fixture's ladders on a phone (390 px) and a
// desktop (1280 px), light and dark: the page is no wider than the
// window, nor is any drawing; no two texts of a drawing overlap (their
// boxes, as the browser lays them out); the packets' labels and the
// lifelines' names are at least 11 px and the axis's at least 10;
// labels and arrows stand out from the background (contrast 4.5 and 3);
// the drawing is one image with a title and a description, and its text
// form is below it. Axe passes; each drawing is photographed
// (ladder-N-SIZE-THEME.png).
func TestBrowserLadder(t *testing.T) {
	browsertest.Browser(t) // or skip before building the book
	s := buildBook(t, ladderFixture)
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	tb := browsertest.OpenTab(t)
	const figs = `Array.from(document.querySelectorAll("figure.ladder"))`
	const allSVGs = `document.querySelectorAll(".ladder-svg")`
	// The least contrast (WCAG's ratio) between the colour prop of the
	// elements selected and the page's background.
	contrast := func(sel, prop string) string {
		return `(() => {
			const rgb = c => c.match(/[\d.]+/g).slice(0, 3).map(Number);
			const lum = c => { const [r, g, b] = rgb(c).map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); }); return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
			const bg = lum(getComputedStyle(document.body).backgroundColor);
			return Math.min(...Array.from(document.querySelectorAll(` + fmt.Sprintf("%q", sel) + `)).map(e => {
				const l = lum(getComputedStyle(e)[` + fmt.Sprintf("%q", prop) + `]);
				return (Math.max(l, bg) + 0.05) / (Math.min(l, bg) + 0.05);
			}));
		})()`
	}
	for _, size := range []struct {
		name          string
		width, height int64
		mobile        bool
	}{
		{"390", 390, 844, true},
		{"1280", 1280, 900, false},
	} {
		for _, theme := range []string{"light", "dark"} {
			where := size.name + " px, " + theme
			if size.mobile {
				tb.Do(chromedp.EmulateViewport(size.width, size.height, chromedp.EmulateMobile, chromedp.EmulateScale(2)))
			} else {
				tb.Do(chromedp.EmulateViewport(size.width, size.height))
			}
			tb.SetColorScheme(theme)
			tb.Navigate(ts.URL + "/01.html")
			if got := tb.Eval(figs + `.length`); got != "3" {
				t.Fatalf("%s: %s ladders drawn, want 3", where, got)
			}
			checks := map[string]string{
				"the page is no wider than the window": `document.documentElement.scrollWidth <= window.innerWidth`,
				"each drawing is inside the window":    figs + `.every(f => (r => r.left >= 0 && r.right <= window.innerWidth && r.width > 300)(f.querySelector("svg").getBoundingClientRect()))`,
				"each drawing is one image, titled":    figs + `.every(f => (svg => svg.getAttribute("role") === "img" && svg.getAttribute("aria-labelledby").split(" ").every(id => { const e = document.getElementById(id); return e && svg.contains(e) && e.textContent.length > 10; }))(f.querySelector("svg")))`,
				"the text form is below it":            figs + `.every(f => f.querySelector("details.ladder-text pre").textContent.startsWith("番号"))`,
				"an arrow per packet":                  figs + `.every(f => f.querySelectorAll(".ladder-packet").length === f.querySelector("pre").textContent.trim().split("\n").length - 1)`,
				"lost packets are marked ✕":            `document.querySelectorAll(".ladder-packet.lost .ladder-x").length === 8`,
				"labels are 11 px or more":             ladderSmallest(allSVGs, ".ladder-packets text, .ladder-lifelines text") + ` >= 11`,
				"the axis is 10 px or more":            ladderSmallest(allSVGs, ".ladder-axis text") + ` >= 10`,
				"labels stand out (4.5)":               contrast(".ladder-packet text, .ladder-lifelines text", "fill") + ` >= 4.5`,
				"arrows stand out (3)":                 contrast(".ladder-packet line", "stroke") + ` >= 3`,
				"the drawing grows, but not too much":  figs + `.every(f => f.querySelector("svg").getBoundingClientRect().width <= 480.5)`,
			}
			for what, expr := range checks {
				if tb.Eval(expr) != "true" {
					t.Errorf("%s: %s: not so", where, what)
				}
			}
			if got := tb.Eval(ladderOverlaps(allSVGs)); got != "" {
				t.Errorf("%s: texts overlap: %s", where, got)
			}
			for i := range 3 {
				tb.Eval(fmt.Sprintf(`document.querySelectorAll("figure.ladder")[%d].scrollIntoView({block: "start"})`, i))
				screenshot(tb, fmt.Sprintf("ladder-%d-%s-%s", i+1, size.name, theme))
			}
			axe(tb, "ladder "+where, theme == "dark")
		}
	}
	if t.Failed() {
		t.Log(strings.Repeat("-", 20), "the screenshots are in", ShotDir)
	}
}

// TestBrowserChapterLadders draws every ladder of the real book on a
// 390 px phone, light and dark, and at 1280 px: each drawing inside the
// window, no two of its texts overlapping, labels 11 px or more. The
// screenshots (chapter-ladder-PAGE-N-WIDTH-THEME.png) are for a look.
func TestBrowserChapterLadders(t *testing.T) {
	browsertest.Browser(t) // or skip before building the book
	_, base := realSite(t)
	tb := browsertest.OpenTab(t)
	ladders := 0
	for _, view := range []struct {
		name   string
		width  int64
		mobile bool
		theme  string
	}{{"390", 390, true, "light"}, {"390", 390, true, "dark"}, {"1280", 1280, false, "light"}} {
		if view.mobile {
			tb.Do(chromedp.EmulateViewport(view.width, 844, chromedp.EmulateMobile, chromedp.EmulateScale(2)))
		} else {
			tb.Do(chromedp.EmulateViewport(view.width, 900))
		}
		tb.SetColorScheme(view.theme)
		for _, page := range []string{"01.html", "04.html", "05.html", "07.html", "08.html", "09.html"} {
			tb.Navigate(base + page)
			n := 0
			fmt.Sscan(tb.Eval(`document.querySelectorAll("figure.ladder").length`), &n)
			if n == 0 {
				t.Errorf("%s: no ladder drawn", page)
			}
			for i := range n {
				ladders++
				fig := fmt.Sprintf(`document.querySelectorAll("figure.ladder")[%d]`, i)
				where := fmt.Sprintf("%s ladder %d at %s px, %s", page, i+1, view.name, view.theme)
				if tb.Eval(`(r => r.left >= 0 && r.right <= window.innerWidth)(`+fig+`.querySelector("svg").getBoundingClientRect())`) != "true" {
					t.Errorf("%s: the drawing is not inside the window", where)
				}
				svgs := "[" + fig + `.querySelector("svg")]`
				if got := tb.Eval(ladderOverlaps(svgs)); got != "" {
					t.Errorf("%s: texts overlap: %s", where, got)
				}
				if px := tb.Eval(ladderSmallest(svgs, ".ladder-packets text, .ladder-lifelines text")); !(parseFloat(t, px) >= 11) {
					t.Errorf("%s: labels drawn at %s px, want 11 or more", where, px)
				}
				tb.Eval(fig + `.scrollIntoView({block: "start"})`)
				screenshot(tb, fmt.Sprintf("chapter-ladder-%s-%d-%s-%s", strings.TrimSuffix(page, ".html"), i+1, view.name, view.theme))
			}
			tb.Clean(page)
		}
	}
	if ladders < 3*8 {
		t.Errorf("%d ladders drawn in three views, want 8 in each", ladders)
	}
}
