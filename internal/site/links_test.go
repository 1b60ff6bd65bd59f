package site

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"tcpbook/internal/chapter"
)

func TestCheckLinks(t *testing.T) {
	files := map[string][]byte{
		"index.html": []byte(`<!DOCTYPE html><html><head>
<link rel="stylesheet" href="assets/book.css">
<script src="https://cdn.example/x.js"></script>
</head><body>
<h2 id="ソケットとは">ソケットとは</h2>
<a href="#ソケットとは">ok</a>
<a href="#%E3%82%BD%E3%82%B1%E3%83%83%E3%83%88%E3%81%A8%E3%81%AF">ok, escaped</a>
<a href="01.html#top">ok</a>
<a href="https://go.dev/">ok: a page may link to the web</a>
<a href="02.html">missing page</a>
<a href="01.html#nowhere">missing id</a>
<img src="chapters/01/fig.png" alt="">
<p>if a &lt; b &amp;&amp; c</p>
</body></html>`),
		"01.html":                  []byte(`<html><body><p id="top"><a href="index.html#ソケットとは">back</a><a href="chapters/01/main.go.html#L3">file</a></p></body></html>`),
		"chapters/01/main.go.html": []byte(`<html><body><span id="L3"></span><a href="../../01.html#top">back</a><a href="../../assets/book.css">css</a></body></html>`),
		"assets/book.css":          []byte("body{}"),
	}
	got := CheckLinks(files).Strings()
	want := []string{
		"index.html:3: <script> loads https://cdn.example/x.js from outside the site",
		"index.html:10: link to 02.html: the site has no 02.html",
		`index.html:11: link to 01.html#nowhere: 01.html has no element with id "nowhere"`,
		"index.html:12: link to chapters/01/fig.png: the site has no chapters/01/fig.png",
	}
	if !slices.Equal(got, want) {
		t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestRealBook builds the book in this repository, whatever chapters it
// has, and checks every link and anchor of its site (Build runs
// CheckLinks when the chapters have no problem of their own).
func TestRealBook(t *testing.T) {
	root, s := buildRealBook(t)
	dirs, err := chapter.ChapterDirs(root)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range dirs {
		page := filepath.Base(d) + ".html"
		if _, ok := s.Files[page]; !ok {
			t.Errorf("%s has no page %s", d, page)
		}
	}
	for _, p := range []string{"index.html", "print.html", "search-index.js", "assets/book.js", "assets/book.css", "assets/chroma.css"} {
		if _, ok := s.Files[p]; !ok {
			t.Errorf("the site has no %s", p)
		}
	}
	if errs := CheckLinks(s.Files); len(errs) > 0 {
		t.Errorf("broken links:\n%v", errs)
	}
}

// buildRealBook builds the book of this repository, and says where it is.
func buildRealBook(t *testing.T) (root string, s *Site) {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	b, _, errs := Load(root)
	if len(errs) > 0 {
		t.Fatalf("the book has problems:\n%v", errs)
	}
	s, errs = Build(b, Options{})
	if len(errs) > 0 {
		t.Fatalf("the book's site has problems:\n%v", errs)
	}
	return root, s
}

// TestCheckLinksScript: a page's inline script and style are not markup,
// whatever they hold (the encoding/xml checker that came before stopped
// at the first < or && in a script); the links after them are checked,
// at their lines, and so are ids written in the script's strings, which
// are none of the page's.
func TestCheckLinksScript(t *testing.T) {
	files := map[string][]byte{
		"index.html": []byte(`<!DOCTYPE html>
<html><head>
<script>
if (a < b && c) { document.title = "<a href='nowhere.html'>"; }
for (var i = 0; i<n; i++) {}
</script>
<style>a > b::after { content: "<&"; }</style>
</head><body>
<p id="here">x &amp; y &lt; z</p>
<a href="#here">ok</a>
<a href="#nowhere">missing id</a>
<script>var s = "</p><p id=\"fake\">";</script>
<a href="#fake">an id only the script holds</a>
<a
  href="gone.html">a tag over two lines: its first</a>
</body></html>`),
	}
	got := CheckLinks(files).Strings()
	want := []string{
		`index.html:11: link to #nowhere: index.html has no element with id "nowhere"`,
		`index.html:13: link to #fake: index.html has no element with id "fake"`,
		"index.html:14: link to gone.html: the site has no gone.html",
	}
	if !slices.Equal(got, want) {
		t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
