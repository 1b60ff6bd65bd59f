package site

import (
	"bytes"
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

// theme is the book's real theme: the fixture books are rendered with it.
var theme = os.DirFS("../../book/theme")

const fixture = "testdata/book"

// buildFixture builds the book in testdata/book with the real theme.
func buildFixture(t *testing.T) *Site {
	t.Helper()
	return buildBook(t, fixture, "book/chapters.txt:4: chapters/09 has no README.md yet; left out")
}

// buildBook builds the book in dir with the real theme; it must load
// with exactly the notes given, and build with no problem and no broken
// link.
func buildBook(t *testing.T, dir string, want ...string) *Site {
	t.Helper()
	b, notes, errs := Load(dir)
	if len(errs) > 0 {
		t.Fatalf("Load:\n%v", errs)
	}
	if !slices.Equal(notes, want) {
		t.Errorf("notes = %q, want %q", notes, want)
	}
	b.Theme = theme
	s, errs := Build(b, Options{})
	if len(errs) > 0 {
		t.Fatalf("Build:\n%v", errs)
	}
	if errs := CheckLinks(s.Files); len(errs) > 0 {
		t.Errorf("broken links:\n%v", errs)
	}
	return s
}

func TestBuildFiles(t *testing.T) {
	s := buildFixture(t)
	want := []string{
		".mdrun-book",
		"01.html",
		"02.html",
		"assets/book.css",
		"assets/book.js",
		"assets/chroma.css",
		"assets/favicon.svg",
		"chapters/01/main.go.html",
		"chapters/02/figure.svg",
		"index.html",
		"print.html",
		"search-index.js",
		"tools/lab/lab.go.html",
	}
	if got := s.Paths(); !slices.Equal(got, want) {
		t.Errorf("files:\n got %q\nwant %q", got, want)
	}
}

// page is what a test reads from a built page.
type pageInfo struct {
	title   string              // <title>
	sidebar []string            // the sidebar's links: href text
	current string              // the sidebar's aria-current link
	prev    string              // the pager's links
	next    string              //
	toc     []string            // the in-page contents' hrefs
	hrefs   map[string][]string // every link: href → texts
}

func readPage(t *testing.T, s *Site, name string) pageInfo {
	t.Helper()
	data, ok := s.Files[name]
	if !ok {
		t.Fatalf("no %s", name)
	}
	doc, err := html.Parse(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	p := pageInfo{hrefs: map[string][]string{}}
	var walk func(n *html.Node, stack []*html.Node)
	walk = func(n *html.Node, stack []*html.Node) {
		if n.Type == html.ElementNode {
			stack = append(stack, n)
			switch n.Data {
			case "title":
				p.title = textOf(n)
			case "a":
				label := textOf(n)
				href, err := url.PathUnescape(attr(n, "href"))
				if err != nil {
					t.Errorf("%s: bad link %q", name, attr(n, "href"))
				}
				p.hrefs[href] = append(p.hrefs[href], label)
				switch {
				case within(stack, "sidebar") && within(stack, "nav-list"):
					p.sidebar = append(p.sidebar, href+" "+label)
					if attr(n, "aria-current") == "page" {
						p.current = href
					}
				case attr(n, "rel") == "prev":
					p.prev = href
				case attr(n, "rel") == "next":
					p.next = href
				case within(stack, "page-toc"):
					p.toc = append(p.toc, href)
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c, stack)
		}
	}
	walk(doc, nil)
	return p
}

// textOf is the text within n, its spaces collapsed.
func textOf(n *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return strings.Join(strings.Fields(b.String()), " ")
}

func attr(n *html.Node, name string) string {
	for _, a := range n.Attr {
		if a.Key == name {
			return a.Val
		}
	}
	return ""
}

// within reports whether an element on the stack has the id or class.
func within(stack []*html.Node, name string) bool {
	for _, n := range stack {
		if attr(n, "id") == name || slices.Contains(strings.Fields(attr(n, "class")), name) {
			return true
		}
	}
	return false
}

func TestNavigation(t *testing.T) {
	s := buildFixture(t)
	sidebar := []string{"index.html はじめに", "01.html 第1章 ソケット", "02.html 第2章 キープアライブ"}
	for _, tc := range []struct {
		page, title, current, prev, next string
	}{
		{"index.html", "小さな本", "index.html", "", "01.html"},
		{"01.html", "第1章 ソケット | 小さな本", "01.html", "index.html", "02.html"},
		{"02.html", "第2章 キープアライブ | 小さな本", "02.html", "01.html", ""},
		{"print.html", "すべての章（印刷用） | 小さな本", "", "", ""},
		{"chapters/01/main.go.html", "chapters/01/main.go | 小さな本", "../../01.html", "", ""},
	} {
		t.Run(tc.page, func(t *testing.T) {
			p := readPage(t, s, tc.page)
			root := strings.Repeat("../", strings.Count(tc.page, "/"))
			var want []string
			for _, l := range sidebar {
				want = append(want, root+l)
			}
			if !slices.Equal(p.sidebar, want) {
				t.Errorf("sidebar = %q, want %q", p.sidebar, want)
			}
			if p.title != tc.title || p.current != tc.current || p.prev != tc.prev || p.next != tc.next {
				t.Errorf("title %q, current %q, prev %q, next %q; want %q, %q, %q, %q",
					p.title, p.current, p.prev, p.next, tc.title, tc.current, tc.prev, tc.next)
			}
		})
	}
}

func TestChapterPage(t *testing.T) {
	s := buildFixture(t)
	p := readPage(t, s, "01.html")
	if want := []string{"#ソケットとは", "#動かしてみる"}; !slices.Equal(p.toc, want) {
		t.Errorf("contents = %q, want %q", p.toc, want)
	}
	html := string(s.Files["01.html"])
	for _, want := range []string{
		// Japanese lines joined with no space.
		"ソケットは、プロセスどうしが通信するための仕組みです。",
		// The cross-chapter link, resolved to the page and its section.
		`<a href="02.html#%E3%82%AD%E3%83%BC%E3%83%97%E3%82%A2%E3%83%A9%E3%82%A4%E3%83%96%E3%81%A8%E3%81%AF">第2章の最初の節</a>`,
		// Listings link to their line in the file's page: the first at
		// line 4, after the generated header; the second after it.
		`<a href="chapters/01/main.go.html#L4"><code>main.go</code></a>`,
		`<a href="chapters/01/main.go.html#L9"><code>main.go</code></a>`,
		// Transcripts: verified by the fixture's script; unverified with
		// the reason; the copy button copies the commands only.
		`<code class="id">fix01-run</code> <span class="note">testdata/scripts/fix01.txtar</span>`,
		`<span class="reason">手元で動かしたときの例です</span>`,
		`data-copy="go run ./chapters/01"`,
		"data-copy=\"go run ./chapters/01 \\\n    | cat\"",
	} {
		if !strings.Contains(html, want) {
			t.Errorf("01.html lacks %s", want)
		}
	}
	file := string(s.Files["chapters/01/main.go.html"])
	for _, want := range []string{
		`id="L4"`, `id="L9"`,
		"// Code generated by mdrun from chapters/01/README.md. DO NOT EDIT.",
		`<a href="../../01.html">第1章 ソケット</a>`,
		`href="../../assets/book.css"`,
	} {
		if !strings.Contains(file, want) {
			t.Errorf("chapters/01/main.go.html lacks %s", want)
		}
	}
	// The picture beside chapter 2 is copied and linked.
	if !strings.Contains(string(s.Files["02.html"]), `<img src="chapters/02/figure.svg" alt="図">`) {
		t.Errorf("02.html does not show chapters/02/figure.svg")
	}
}

func TestFrontPage(t *testing.T) {
	s := buildFixture(t)
	p := readPage(t, s, "index.html")
	for href, text := range map[string]string{
		"01.html":           "第1章",       // a link in book/index.md
		"01.html#ソケットとは":    "ソケットとは",    // the book's contents
		"02.html#キープアライブとは": "キープアライブとは", //
		"02.html":           "第2章 キープアライブ",
	} {
		if !slices.Contains(p.hrefs[href], text) {
			t.Errorf("index.html: links to %s say %q, want one saying %q", href, p.hrefs[href], text)
		}
	}
}

func TestPrintPage(t *testing.T) {
	s := buildFixture(t)
	html := string(s.Files["print.html"])
	for _, want := range []string{
		`<section class="print-chapter" id="front">`,
		`<section class="print-chapter" id="ch-01">`,
		`<h2 id="ch-01-ソケットとは">`,
		`<h2 id="ch-02-キープアライブとは">`,
		// Links between chapters stay on the page.
		`<a href="#ch-02-%E3%82%AD%E3%83%BC%E3%83%97%E3%82%A2%E3%83%A9%E3%82%A4%E3%83%96%E3%81%A8%E3%81%AF">`,
		`<a href="#ch-01">前の章</a>`,
		`id="ch-01-fix01-run"`,
	} {
		if !strings.Contains(html, want) {
			t.Errorf("print.html lacks %s", want)
		}
	}
}

// TestUniqueIDs: no page has an id twice, the print page with every
// chapter included, in the fixtures and the book.
func TestUniqueIDs(t *testing.T) {
	s := buildFixture(t)
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	real, _, errs := BuildDir(root, Options{})
	if len(errs) > 0 {
		t.Fatalf("the book has problems:\n%v", errs)
	}
	for _, site := range []*Site{s, buildGrown(t), real} {
		for _, name := range site.Paths() {
			if !strings.HasSuffix(name, ".html") {
				continue
			}
			seen := map[string]int{}
			err := scanHTML(site.Files[name], func(tag string, attrs []html.Attribute, line int) {
				for _, a := range attrs {
					if a.Key != "id" {
						continue
					}
					if first, dup := seen[a.Val]; dup {
						t.Errorf("%s:%d: id %q is also at line %d", name, line, a.Val, first)
					}
					seen[a.Val] = line
				}
			})
			if err != nil {
				t.Error(err)
			}
		}
	}
}

func TestSearchIndex(t *testing.T) {
	s := buildFixture(t)
	js := string(s.Files["search-index.js"])
	data, ok := strings.CutPrefix(strings.TrimSuffix(js, ";\n"), "window.tcpbookSearch = ")
	if !ok {
		t.Fatalf("search-index.js does not assign window.tcpbookSearch: %.60s", js)
	}
	var idx index
	if err := json.Unmarshal([]byte(data), &idx); err != nil {
		t.Fatal(err)
	}
	var urls []string
	for _, d := range idx.Docs {
		urls = append(urls, d.URL)
	}
	want := []string{"index.html", "01.html", "01.html#ソケットとは", "01.html#動かしてみる", "02.html#キープアライブとは", "02.html#道具"}
	if !slices.Equal(urls, want) {
		t.Errorf("sections = %q, want %q", urls, want)
	}
	// What search.go's comment promises book.js: the sections holding a
	// query are among those that hold each of its bigrams.
	for _, q := range []string{"ソケット", "net.Listen", "仕組み", "キープアライブ", "こんにちは"} {
		var holding []int
		for i, d := range idx.Docs {
			if strings.Contains(Fold(d.Text), Fold(q)) {
				holding = append(holding, i)
			}
		}
		if len(holding) == 0 {
			t.Errorf("no section holds %q", q)
		}
		for _, g := range bigrams(Fold(q)) {
			for _, i := range holding {
				if !slices.Contains(idx.Grams[g], i) {
					t.Errorf("%q: section %s holds it but is not listed under %q", q, idx.Docs[i].URL, g)
				}
			}
		}
	}
	// The line break inside a Japanese sentence is no space, so the
	// words across it are found.
	if !strings.Contains(idx.Docs[1].Text, "通信するための仕組みです") {
		t.Errorf("01.html's text = %q", idx.Docs[1].Text)
	}
}

func TestFold(t *testing.T) {
	for in, want := range map[string]string{
		"net.Listen":   "net.listen",
		"ＮＥＴ．Ｌｉｓｔｅｎ":   "net.listen",
		"ソケット\u3000とは": "ソケット とは",
		"ｿｹｯﾄ":         "ｿｹｯﾄ", // half-width katakana stay: one unit for one
	} {
		if got := Fold(in); got != want {
			t.Errorf("Fold(%q) = %q, want %q", in, got, want)
		}
		if len([]rune(in)) != len([]rune(Fold(in))) {
			t.Errorf("Fold(%q) changes the length", in)
		}
	}
	if got, want := bigrams("ab ab cd"), []string{"ab", "cd"}; !slices.Equal(got, want) {
		t.Errorf("Bigrams = %q, want %q", got, want)
	}
}

func TestLoadProblems(t *testing.T) {
	root := t.TempDir()
	write(t, root, "book/index.md", "# 本\n")
	write(t, root, "book/chapters.txt", "chapters/01\nchapters/01\n01\nchapters/01/x\n")
	write(t, root, "chapters/01/README.md", "# 1\n")
	write(t, root, "chapters/02/README.md", "# 2\n\n```go {fil=main.go}\n```\n")
	b, notes, errs := Load(root)
	want := []string{
		"book/chapters.txt:2: chapters/01 is already listed at line 1",
		`book/chapters.txt:3: "01" is not a chapter directory like chapters/01`,
		`book/chapters.txt:4: "chapters/01/x" is not a chapter directory like chapters/01`,
		"chapters/02/README.md:3: unknown attribute fil: a ```go block takes file, excerpt, quote, base, new, remove, use",
	}
	got := errs.Strings()
	if !slices.Equal(got, want) {
		t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// The chapter that book/chapters.txt does not list comes last.
	wantNotes := []string{"chapters/02/README.md: not in book/chapters.txt, so it comes last; list it there to give its place in the book"}
	if !slices.Equal(notes, wantNotes) {
		t.Errorf("notes = %q, want %q", notes, wantNotes)
	}
	var dirs []string
	for _, ch := range b.Chapters {
		dirs = append(dirs, ch.Dir)
	}
	if want := []string{"chapters/01", "chapters/02"}; !slices.Equal(dirs, want) {
		t.Errorf("chapters %q, want %q", dirs, want)
	}
}

// TestRefPages: a quote's caption links to its file's page at the
// declaration's line, which the page has; a file that no chapter writes
// gets a page of its own, linked from the chapter that names it; a diff
// links both files, and copies its new side whole.
func TestRefPages(t *testing.T) {
	s := buildFixture(t)
	html := string(s.Files["02.html"])
	for _, want := range []string{
		`<a href="tools/lab/lab.go.html#L6"><code>tools/lab/lab.go</code></a> の <code>Forward</code>`,
		`<a href="chapters/01/main.go.html#L9"><code>chapters/01/main.go</code></a> の <code>main</code> → <a href="tools/lab/lab.go.html#L6"><code>tools/lab/lab.go</code></a> の <code>Forward</code>`,
		`<del class="line del"><span class="gutter">−</span>`,
		`<ins class="line add"><span class="gutter">+</span>`,
		"data-copy=\"// Forward says where it forwards.\nfunc Forward() {\n\tfmt.Println(&#34;こんにちは、lab&#34;)\n}\"",
		// A link in the prose to the quoted file leads to its page.
		`<a href="tools/lab/lab.go.html">道具のファイル</a>`,
	} {
		if !strings.Contains(html, want) {
			t.Errorf("02.html lacks %s", want)
		}
	}
	page := string(s.Files["tools/lab/lab.go.html"])
	for _, want := range []string{
		`<h1><code>tools/lab/lab.go</code></h1>`,
		`id="L6"`,
		`<a href="../../02.html">第2章 キープアライブ</a>`,
		`href="../../assets/book.css"`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("tools/lab/lab.go.html lacks %s", want)
		}
	}
}

func TestBuildProblems(t *testing.T) {
	root := t.TempDir()
	write(t, root, "book/index.md", "# 本\n\n[ない章](../chapters/05/README.md)\n")
	write(t, root, "book/chapters.txt", "chapters/01\n")
	write(t, root, "chapters/01/README.md", "# 1\n\n[リポジトリの外](../../go.mod)\n\n[ない節](#ない節)\n\n```go {quote=\"../../tools/x.go#Missing\"}\n```\n")
	write(t, root, "tools/x.go", "package x\n\nfunc There() {}\n")
	b, _, errs := Load(root)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	b.Theme = theme
	_, errs = Build(b, Options{})
	want := []string{
		"book/index.md:3: link to ../chapters/05/README.md: chapters/05 is not in the book (book/chapters.txt)",
		"chapters/01/README.md:3: link to ../../go.mod: go.mod is not part of the book: link to a chapter, a chapter's program, or a file beside a chapter",
		"chapters/01/README.md:5: link to #ない節: no heading or transcript on this page has that id",
		"chapters/01/README.md:7: quote of ../../tools/x.go#Missing: tools/x.go has no top-level declaration Missing (it declares There)",
	}
	got := errs.Strings()
	if !slices.Equal(got, want) {
		t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func write(t *testing.T, root, name, content string) {
	t.Helper()
	p := filepath.Join(root, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestTemplateIDs: Build finds the ids that the theme's template gives
// its elements, so that no chapter heading takes one of them.
func TestTemplateIDs(t *testing.T) {
	src, err := os.ReadFile(filepath.Join("../..", ThemeDir, "page.html"))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range templateID.FindAllStringSubmatch(string(src), -1) {
		got = append(got, m[1])
	}
	for _, id := range []string{"content", "sidebar", "search", "search-input", "search-results", "page-toc", "page-toc-list", "book-contents", "announcer"} {
		if !slices.Contains(got, id) {
			t.Errorf("the ids found in page.html, %q, lack %q", got, id)
		}
	}
}

// bigrams lists the pairs of adjacent characters of s that hold no space,
// each once.
func bigrams(s string) []string {
	seen := map[[2]rune]bool{}
	var out []string
	eachBigram(s, func(g [2]rune) {
		if !seen[g] {
			seen[g] = true
			out = append(out, string(g[:]))
		}
	})
	return out
}
