package site

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	"tcpbook/internal/site/browsertest"

	"github.com/chromedp/chromedp"
)

// TestBrowserResultTable reads chapter 5's latency table (a .table
// transcript) on a phone (390 px) and a desktop (1280 px), light and
// dark: the page never gets wider than the window; the k column, with its
// interval, and the a column are in view without scrolling; the numbers
// are right-aligned in figures of one width; the caption is in view; on
// the desktop the whole table fits; and on the phone, where the table is
// wider than its box, the box scrolls, not the page, with the series
// column staying put over an opaque background. It photographs the table
// and the chart below it.
func TestBrowserResultTable(t *testing.T) {
	browsertest.Browser(t) // or skip before building the book
	_, base := realSite(t)
	tb := browsertest.OpenTab(t)
	const fig = `document.getElementById("ch05-latency")`
	const wrap = fig + `.querySelector(".table-wrap")`
	// The header cell whose text starts with want, by JavaScript.
	head := func(want string) string {
		return `Array.from(` + fig + `.querySelectorAll("thead th")).find(th => th.textContent.startsWith(` + fmt.Sprintf("%q", want) + `))`
	}
	// Whether an element is wholly inside the wrapper's visible box and
	// the window.
	inView := func(el string) string {
		return `((r, w) => r.width > 0 && r.left >= w.left - 0.5 && r.right <= w.right + 0.5 && r.left >= 0 && r.right <= window.innerWidth)(` +
			el + `.getBoundingClientRect(), ` + wrap + `.getBoundingClientRect())`
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
			tb.Navigate(base + "05.html")
			if tb.Eval(`!!`+fig+`.querySelector("table.results caption")`) != "true" {
				t.Fatalf("%s: ch05-latency is not rendered as a captioned table", where)
			}
			tb.Eval(fig + `.scrollIntoView({block: "start"})`)
			checks := map[string]string{
				"the page is no wider than the window": `document.documentElement.scrollWidth <= window.innerWidth`,
				"the k column is in view":              inView(head("k [")),
				"the a column is in view":              inView(head("a")),
				"k's cells are in view":                inView(fig + `.querySelector("tbody td")`),
				"the caption is in view":               inView(fig + `.querySelector("caption > span")`),
				"the command line is shown":            fig + `.querySelector("pre").textContent.includes("netlab table chapters/05/results/latency.json")`,
				"numbers are right-aligned, tabular":   `Array.from(` + fig + `.querySelectorAll("tbody td")).every(td => (s => s.textAlign === "right" && s.fontVariantNumeric.includes("tabular-nums"))(getComputedStyle(td)))`,
				"the series column is opaque":          `getComputedStyle(` + fig + `.querySelector("tbody th")).backgroundColor === getComputedStyle(document.body).backgroundColor`,
			}
			for what, expr := range checks {
				if tb.Eval(expr) != "true" {
					t.Errorf("%s: %s: not so", where, what)
				}
			}
			screenshot(tb, "05-table-"+size.name+"-"+theme)
			// A table wider than its box scrolls in the box, the series
			// column staying where it was.
			if tb.Eval(wrap+`.scrollWidth > `+wrap+`.clientWidth`) == "true" {
				before := tb.Eval(fig + `.querySelector("tbody th").getBoundingClientRect().left`)
				tb.Eval(`(w => { w.scrollLeft = w.scrollWidth; return w.scrollLeft })(` + wrap + `)`)
				if tb.Eval(wrap+`.scrollLeft > 0`) != "true" {
					t.Errorf("%s: the table's box does not scroll", where)
				}
				if after := tb.Eval(fig + `.querySelector("tbody th").getBoundingClientRect().left`); after != before {
					t.Errorf("%s: the series column moved from %s to %s when the table scrolled", where, before, after)
				}
				if tb.Eval(inView(fig+`.querySelector("caption > span")`)) != "true" {
					t.Errorf("%s: the caption went out of view when the table scrolled", where)
				}
				if tb.Eval(`document.documentElement.scrollWidth <= window.innerWidth`) != "true" {
					t.Errorf("%s: scrolling the table made the page wider", where)
				}
				screenshot(tb, "05-table-"+size.name+"-scrolled-"+theme)
				tb.Eval(wrap + `.scrollLeft = 0`)
				if !size.mobile {
					t.Errorf("%s: the latency table does not fit a desktop's column: %s px in %s", where, tb.Eval(wrap+`.scrollWidth`), tb.Eval(wrap+`.clientWidth`))
				}
			} else if size.mobile {
				t.Errorf("%s: the latency table fits a phone without scrolling: the test of its sticky column tests nothing", where)
			}
			// The chart below the table.
			const img = `document.querySelector('.page img[src$="latency.svg"]')`
			tb.WaitFor(`(i => !!i && i.complete && i.naturalWidth > 0)(` + img + `)`)
			tb.Eval(img + `.scrollIntoView({block: "center"})`)
			if tb.Eval(`(r => r.left >= 0 && r.right <= window.innerWidth)(`+img+`.getBoundingClientRect())`) != "true" {
				t.Errorf("%s: the chart is wider than the window", where)
			}
			if px := tb.Eval(chartFontPx(img)); !(parseFloat(t, px) >= minChartFontPx) {
				t.Errorf("%s: the chart's smallest text is %s px, want %g px or more", where, px, minChartFontPx)
			} else {
				t.Logf("%s: the chart's smallest text is %s px", where, px)
			}
			screenshot(tb, "05-chart-"+size.name+"-"+theme)
			tb.Clean("05.html " + where)
		}
	}
}

// TestBrowserResultTables reads every .table transcript of chapters 5-8
// on a phone (390 px): each is a table with a caption, the page is no
// wider than the window, and the first two columns (the series and the
// first key column) are in view without scrolling. It photographs each.
// Every SVG chart's smallest text is minChartFontPx or more.
func TestBrowserResultTables(t *testing.T) {
	browsertest.Browser(t) // or skip before building the book
	_, base := realSite(t)
	tb := browsertest.OpenTab(t)
	tb.Do(chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateScale(2)))
	tb.SetColorScheme("light")
	tables, charts := 0, 0
	for _, page := range []string{"05.html", "06.html", "07.html", "08.html"} {
		tb.Navigate(base + page)
		if w := tb.Eval(`document.documentElement.scrollWidth <= window.innerWidth`); w != "true" {
			t.Errorf("%s is wider than the phone: %s px", page, tb.Eval("document.documentElement.scrollWidth"))
		}
		ids := tb.Eval(`Array.from(document.querySelectorAll("figure.table")).map(f => f.id).join(" ")`)
		for _, id := range strings.Fields(ids) {
			tables++
			fig := `document.getElementById("` + id + `")`
			if tb.Eval(fig+`.querySelectorAll("table.results > caption").length > 0 && `+fig+`.querySelectorAll("table.results").length === `+fig+`.querySelectorAll("table.results > caption").length`) != "true" {
				t.Errorf("%s#%s: not every table has a caption, or there is no table", page, id)
				continue
			}
			// The first table's first two header cells, within its box
			// and the window.
			inView := `(w => Array.from(w.querySelectorAll("thead th")).slice(0, 2).every(th => ((r, b) => r.left >= b.left - 0.5 && r.right <= b.right + 0.5 && r.right <= window.innerWidth)(th.getBoundingClientRect(), w.getBoundingClientRect())))(` + fig + `.querySelector(".table-wrap"))`
			if tb.Eval(inView) != "true" {
				t.Errorf("%s#%s: the first two columns are not in view at 390 px", page, id)
			}
			tb.Eval(fig + `.scrollIntoView({block: "start"})`)
			screenshot(tb, "phone-table-"+id)
		}
		// Every chart's text, scaled to the phone's column.
		imgs := tb.Eval(`Array.from(document.querySelectorAll('.page img[src$=".svg"]')).map(i => i.getAttribute("src")).join(" ")`)
		for _, src := range strings.Fields(imgs) {
			charts++
			img := `document.querySelector('.page img[src="` + src + `"]')`
			tb.WaitFor(`(i => i.complete && i.naturalWidth > 0)(` + img + `)`)
			if px := tb.Eval(chartFontPx(img)); !(parseFloat(t, px) >= minChartFontPx) {
				t.Errorf("%s %s: the smallest text is %s px at 390 px, want %g px or more", page, src, px, minChartFontPx)
			} else {
				t.Logf("%s %s: the smallest text is %s px at 390 px", page, src, px)
			}
		}
		tb.Clean(page)
	}
	if charts < 4 {
		t.Errorf("%d SVG charts in chapters 5-8, want 4 or more", charts)
	}
	if tables < 9 {
		t.Errorf("%d .table transcripts in chapters 5-8, want 9 or more", tables)
	}
}

// minChartFontPx is the smallest a chart's text may be drawn, in CSS px.
const minChartFontPx = 11.0

// chartFontPx is JavaScript for the font size, in CSS px as drawn, of
// the smallest text of the SVG chart that the <img> img shows: the SVG is
// fetched and each <text>'s font-size (its own or an ancestor's
// attribute) is scaled by the image's content width over its viewBox
// width. An <img>'s SVG has no DOM to measure, and the book draws a
// chart's text in no other size.
func chartFontPx(img string) string {
	return `(async i => {
		const svg = new DOMParser().parseFromString(await (await fetch(i.src)).text(), "image/svg+xml").documentElement;
		const cs = getComputedStyle(i);
		const w = i.getBoundingClientRect().width - ["paddingLeft", "paddingRight", "borderLeftWidth", "borderRightWidth"].reduce((a, p) => a + parseFloat(cs[p]), 0);
		const scale = w / parseFloat(svg.getAttribute("viewBox").split(/[ ,]+/)[2]);
		const size = el => el.getAttribute && el.getAttribute("font-size") ? parseFloat(el.getAttribute("font-size")) : el.parentNode ? size(el.parentNode) : 16;
		const texts = Array.from(svg.querySelectorAll("text"));
		return texts.length ? Math.round(Math.min(...texts.map(size)) * scale * 100) / 100 : 0;
	})(` + img + `)`
}

func parseFloat(t *testing.T, s string) float64 {
	t.Helper()
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatalf("not a number: %q", s)
	}
	return f
}
