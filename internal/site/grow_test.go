package site

import (
	"bytes"
	"html"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	nethtml "golang.org/x/net/html"

	"tcpbook/internal/chapter"
	"tcpbook/internal/extract"
	"tcpbook/internal/render"
)

const grownFixture = "testdata/grown"

// buildGrown builds the book in testdata/grown, whose programs grow:
// chapter 2's server/main.go from chapter 1's, chapter 3's from chapter
// 2's; server/listen.go is taken whole.
func buildGrown(t *testing.T) *Site {
	t.Helper()
	return buildBook(t, grownFixture)
}

// A markedLine is a line of a program's page, as a reader sees it.
type markedLine struct {
	id      string // L12
	changed bool   // marked as changed by the page's chapter
	label   string // the chapter named in the margin, on a declaration's first line
	href    string // where the label links
	text    string // the line's code
}

// readProgram reads the lines of a program's page.
func readProgram(t *testing.T, s *Site, name string) []markedLine {
	t.Helper()
	doc, err := nethtml.Parse(bytes.NewReader(s.Files[name]))
	if err != nil {
		t.Fatal(err)
	}
	var lines []markedLine
	var walk func(n *nethtml.Node)
	walk = func(n *nethtml.Node) {
		if n.Type == nethtml.ElementNode && n.Data == "span" && slices.Contains(strings.Fields(attr(n, "class")), "line") {
			l := markedLine{changed: slices.Contains(strings.Fields(attr(n, "class")), "changed")}
			for c := n.FirstChild; c != nil; c = c.NextSibling {
				switch attr(c, "class") {
				case "from":
					if a := c.FirstChild; a != nil {
						l.href = attr(a, "href")
						if t := a.FirstChild; t != nil && t.Type == nethtml.TextNode {
							l.label = t.Data
						}
					}
				case "ln":
					l.id = attr(c, "id")
				case "cl":
					l.text = rawText(c)
				}
			}
			lines = append(lines, l)
			return
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	return lines
}

func rawText(n *nethtml.Node) string {
	if n.Type == nethtml.TextNode {
		return n.Data
	}
	var b strings.Builder
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		b.WriteString(rawText(c))
	}
	return b.String()
}

// TestGrownProgramPage: the page of a program that grows shows the whole
// program, each declaration labelled with the chapter that last changed
// it (three levels up, from a listing or a diff), linked to where that
// chapter shows it; the lines of what the page's own chapter changed are
// marked, and their label says この章. A legend says what the program
// starts as and what the chapter changed and removed.
func TestGrownProgramPage(t *testing.T) {
	s := buildGrown(t)
	b, _, _ := Load(grownFixture)
	set, _ := extract.GenerateBook(b.Root, b.Chapters)
	type label struct {
		line           string
		label, href    string
		changedThrough string // the last line marked changed, or ""
	}
	for _, tc := range []struct {
		page   string
		labels []label
		legend []string
	}{
		{"chapters/03/server/main.go.html", []label{
			{"L4", "第1章", "../../../01.html#listing-server/main.go-1", ""}, // the package clause
			{"L7", "第1章", "../../../01.html#listing-server/main.go-1", ""}, // the imports
			{"L12", "この章", "../../../03.html#listing-server/main.go-1", "L13"},
			{"L15", "第1章", "../../../01.html#listing-server/main.go-2", ""},
			{"L29", "第2章", "../../../02.html#diff-server/main.go-handle", ""},
			{"L36", "第2章", "../../../02.html#listing-server/main.go-1", ""},
			{"L41", "第2章", "../../../02.html#listing-server/main.go-1", ""},
			{"L44", "第1章", "../../../01.html#listing-server/main.go-3", ""},
		}, []string{
			`このプログラムは、<a href="../../../02.html#listing-server/main.go-1">第2章</a>の <a href="../../../chapters/02/server/main.go.html"><code>server/main.go</code></a> をもとにしています。`,
			`この章で変えた宣言: <a href="#L12"><code>addr</code></a>。除いた宣言: <code>logf</code>。`,
		}},
		{"chapters/02/server/main.go.html", []label{
			{"L4", "第1章", "../../../01.html#listing-server/main.go-1", ""},
			{"L7", "第1章", "../../../01.html#listing-server/main.go-1", ""},
			{"L12", "第1章", "../../../01.html#listing-server/main.go-2", ""},
			{"L15", "第1章", "../../../01.html#listing-server/main.go-2", ""},
			{"L29", "この章", "../../../02.html#diff-server/main.go-handle", "L34"},
			{"L36", "この章", "../../../02.html#listing-server/main.go-1", "L39"},
			{"L41", "この章", "../../../02.html#listing-server/main.go-1", "L42"},
			{"L44", "第1章", "../../../01.html#listing-server/main.go-3", ""},
			{"L49", "第1章", "../../../01.html#listing-server/main.go-3", ""},
		}, []string{
			`この章で変えた宣言: <a href="#L29"><code>handle</code></a>、<a href="#L36"><code>respond</code></a>、<a href="#L41"><code>compress</code></a>（新しい宣言）。`,
		}},
		{"chapters/03/server/listen.go.html", []label{
			{"L4", "第1章", "../../../01.html#listing-server/listen.go-1", ""},
			{"L6", "第1章", "../../../01.html#listing-server/listen.go-1", ""},
			{"L8", "第1章", "../../../01.html#listing-server/listen.go-1", ""},
		}, []string{
			`このプログラムは、<a href="../../../02.html#listing-server/listen.go-1">第2章</a>の <a href="../../../chapters/02/server/listen.go.html"><code>server/listen.go</code></a> をもとにしています。`,
			`この章では、どの宣言も変えていません。`,
		}},
	} {
		t.Run(tc.page, func(t *testing.T) {
			page := string(s.Files[tc.page])
			for _, want := range tc.legend {
				if !strings.Contains(page, want) {
					t.Errorf("the legend lacks %s", want)
				}
			}
			lines := readProgram(t, s, tc.page)
			f := set.File(strings.TrimSuffix(tc.page, ".html"))
			content := strings.SplitAfter(string(f.Content), "\n")
			if len(lines) != len(content)-1 {
				t.Fatalf("%d lines, want the file's %d", len(lines), len(content)-1)
			}
			want := map[string]label{}
			changed := map[string]bool{}
			for _, l := range tc.labels {
				want[l.line] = l
				if l.changedThrough != "" {
					for i := atoi(l.line); i <= atoi(l.changedThrough); i++ {
						changed["L"+strconv.Itoa(i)] = true
					}
				}
			}
			for i, l := range lines {
				if l.id != "L"+strconv.Itoa(i+1) {
					t.Errorf("line %d has the id %q", i+1, l.id)
				}
				if l.text != content[i] {
					t.Errorf("%s is %q, want the file's %q", l.id, l.text, content[i])
				}
				w := want[l.id]
				if l.label != w.label || l.href != w.href {
					t.Errorf("%s is labelled %q, linking to %q; want %q, %q", l.id, l.label, l.href, w.label, w.href)
				}
				if l.changed != changed[l.id] {
					t.Errorf("%s: changed is %v", l.id, l.changed)
				}
			}
		})
	}
	// The removed declaration is gone; the copy button copies the file.
	page := string(s.Files["chapters/03/server/main.go.html"])
	if strings.Contains(page, "func logf") {
		t.Errorf("chapter 3's program still has logf")
	}
	if !strings.Contains(page, `data-copy="`+html.EscapeString(string(set.File("chapters/03/server/main.go").Content))+`"`) {
		t.Errorf("chapter 3's program does not copy its file")
	}
	// A program that does not grow is as before: no margin, no legend.
	plain := string(s.Files["chapters/01/server/main.go.html"])
	if strings.Contains(plain, `class="from"`) || strings.Contains(plain, "program-legend") {
		t.Errorf("chapter 1's program, which grows from nothing, is marked")
	}
}

// TestGrownChapterPage: on a chapter's page, each listing and each diff
// that defines a declaration links to the whole program at its code; the
// listing that starts a program from another chapter's says so, one that
// removes declarations says which, and a listing with nothing in it is
// one line that links to the base and to the whole program. On the print
// page, the links to other chapters stay on the page.
func TestGrownChapterPage(t *testing.T) {
	s := buildGrown(t)
	for page, wants := range map[string][]string{
		"02.html": {
			`<figure class="code lang-go listing" id="listing-server/main.go-1">`,
			`<figcaption><span><a href="chapters/02/server/main.go.html#L36"><code>server/main.go</code></a><span class="note">（<a href="01.html#listing-server/main.go-1">第1章</a>の <a href="chapters/01/server/main.go.html"><code>server/main.go</code></a> をもとに）</span></span> <a class="whole" href="chapters/02/server/main.go.html#L36">プログラム全体</a></figcaption>`,
			`<figure class="code lang-diff diff" id="diff-server/main.go-handle">`,
			`の <code>handle</code></span> <a class="whole" href="chapters/02/server/main.go.html#L29">プログラム全体</a></figcaption>`,
			`<p class="inherited" id="listing-server/listen.go-1"><span class="badge">受け継ぐ</span> <span><code>server/listen.go</code> は、<a href="01.html#listing-server/listen.go-1">第1章</a>の <a href="chapters/01/server/listen.go.html"><code>server/listen.go</code></a> をそのまま使います。</span> <a class="whole" href="chapters/02/server/listen.go.html">プログラム全体</a></p>`,
		},
		"03.html": {
			`<p class="code-note"><a href="02.html#listing-server/main.go-1">第2章</a>の <a href="chapters/02/server/main.go.html"><code>server/main.go</code></a> から、次の宣言を除きます: <code>logf</code>。</p>`,
			`<a href="02.html#listing-server/listen.go-1">第2章</a>の <a href="chapters/02/server/listen.go.html"><code>server/listen.go</code></a> をそのまま使います。`,
		},
		"01.html": {
			`<figure class="code lang-go listing" id="listing-server/main.go-3">`,
			`<a class="whole" href="chapters/01/server/main.go.html#L29">プログラム全体</a>`,
		},
		"print.html": {
			`<p class="inherited" id="ch-02-listing-server/listen.go-1"><span class="badge">受け継ぐ</span> <span><code>server/listen.go</code> は、<a href="#ch-01-listing-server/listen.go-1">第1章</a>`,
			`<figure class="code lang-diff diff" id="ch-02-diff-server/main.go-handle">`,
		},
	} {
		html := string(s.Files[page])
		for _, want := range wants {
			if !strings.Contains(html, want) {
				t.Errorf("%s lacks %s", page, want)
			}
		}
	}
	// An inherited file is no empty code block, on either page.
	for _, page := range []string{"02.html", "03.html", "print.html"} {
		if strings.Contains(string(s.Files[page]), `<code></code></pre>`) {
			t.Errorf("%s has an empty code block", page)
		}
	}
	// The search finds the chapters.
	docs := searchDocs(t, s)
	if countDocs(docs, "圧縮") == 0 {
		t.Errorf("the search index has no section with 圧縮")
	}
}

func atoi(s string) int {
	n, _ := strconv.Atoi(strings.TrimPrefix(s, "L"))
	return n
}

// TestGrownTokens: a program's page takes the tokens of the listings
// that the chapters' pages have tokenised, its own chapter's or those of
// the chapters it grows from; it tokenises only what no chapter shows as
// it is: the lines mdrun adds, and the declarations that diffs make.
func TestGrownTokens(t *testing.T) {
	b, _, errs := Load(grownFixture)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	set, errs := extract.GenerateBook(b.Root, b.Chapters)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	var pages []*chapterPage
	for _, ch := range b.Chapters {
		pages = append(pages, &chapterPage{ch: ch})
	}
	cache := render.NewCache()
	cache.Next()
	highlightAll(cache, pages)
	before := cache.Tokenised()
	own := map[string]bool{}
	for _, f := range set.All() {
		for _, p := range f.Parts() {
			if p.Block == nil || p.Block.Kind != chapter.Listing {
				own[p.Text] = true
			}
		}
		if _, err := numbered(cache, f); err != nil {
			t.Fatal(err)
		}
	}
	if got := cache.Tokenised() - before; got > int64(len(own)) {
		t.Errorf("the programs' pages tokenised %d texts, want at most %d: the lines mdrun adds and the declarations diffs make", got, len(own))
	}
}

// TestGrownBaseOutsideBook: a program may grow from a chapter that the
// book leaves out: the chapter is named, but not linked, as it has no
// page; its program is linked when it has a page as a file that a diff
// names; every link of the site still resolves.
func TestGrownBaseOutsideBook(t *testing.T) {
	root := t.TempDir()
	for _, name := range []string{"chapters/01/README.md", "chapters/02/README.md", "chapters/03/README.md"} {
		data, err := os.ReadFile(filepath.Join(grownFixture, filepath.FromSlash(name)))
		if err != nil {
			t.Fatal(err)
		}
		write(t, root, name, string(data))
	}
	write(t, root, "book/index.md", "# 育つ本\n")
	write(t, root, "book/chapters.txt", "chapters/02\nchapters/03\n")
	b, _, errs := Load(root)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	// Load takes chapter 1 too, last, as it is not listed: leave it
	// out, as a book of some chapters would.
	b.Chapters = slices.DeleteFunc(b.Chapters, func(ch *chapter.Chapter) bool { return ch.Dir == "chapters/01" })
	b.Theme = theme
	s, errs := Build(b, Options{})
	if len(errs) > 0 {
		t.Fatalf("Build:\n%v", errs)
	}
	if errs := CheckLinks(s.Files); len(errs) > 0 {
		t.Errorf("broken links:\n%v", errs)
	}
	lines := readProgram(t, s, "chapters/02/server/main.go.html")
	if l := lines[3]; l.label != "第1章" || l.href != "" {
		t.Errorf("L4 (chapter 1's package clause) is labelled %q linking to %q, want 第1章 without a link", l.label, l.href)
	}
	// Chapter 1's program has a page as a file that a diff names
	// (chapter 2's diff from it): the legend links to it.
	page := string(s.Files["chapters/02/server/main.go.html"])
	for _, want := range []string{
		`<span class="from"><span class="from-label">第1章</span></span><span class="ln" id="L4">`,
		`このプログラムは、第1章の <a href="../../../chapters/01/server/main.go.html"><code>server/main.go</code></a> をもとにしています。`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("chapter 2's program lacks %s", want)
		}
	}
	if want := `<span class="note">（第1章の <a href="chapters/01/server/main.go.html"><code>server/main.go</code></a> をもとに）</span>`; !strings.Contains(string(s.Files["02.html"]), want) {
		t.Errorf("02.html lacks %s", want)
	}
}
