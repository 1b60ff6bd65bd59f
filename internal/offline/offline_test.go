package offline

import (
	"archive/zip"
	"bytes"
	"compress/zlib"
	"encoding/xml"
	"flag"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode"

	"golang.org/x/net/html"

	"tcpbook/internal/site"
)

// The built editions that TestBuilt checks: make offline passes them.
var (
	pdfFile  = flag.String("pdf", "", "check this PDF (make offline)")
	epubFile = flag.String("epub", "", "check this EPUB (make offline)")
)

// A print page as the site makes it, small: the front matter and two
// chapters, one with an inline SVG, an image, a link to the other, a
// link to a program's page, a copy button and a heading anchor.
const samplePrint = `<!DOCTYPE html><html lang="ja"><head><title>x</title></head><body>
<nav class="page-toc"><a href="#ch-01">第1章</a></nav>
<article class="page">
<section class="print-chapter" id="front">
<h1 id="front-本">本の題 &amp; 副題</h1>
<p>はじめに。<br>改行</p>
</section>
<section class="print-chapter" id="ch-01">
<h1 id="ch-01-第1章-一">第1章 一</h1>
<h2 id="ch-01-節">節 <a class="anchor" href="#ch-01-節">¶</a></h2>
<p>次は<a href="#ch-02-%E7%AF%80">第2章の節</a>、<a href="chapters/01/main.go.html#L3"><code>main.go</code></a>、<a href="https://www.rfc-editor.org/rfc/rfc9293">RFC 9293</a>。</p>
<figure class="code lang-go listing"><figcaption>main.go</figcaption><button type="button" class="copy" data-copy="x">コピー</button>
<pre tabindex="0" class="chroma"><code><span class="line"><span class="cl">a &lt; b &amp;&amp; c
</span></span></code></pre></figure>
<div class="aside aside-note"><p class="aside-label"><svg class="aside-icon" viewBox="0 0 16 16"><circle cx="8" cy="8" r="6"/><use xlink:href="#x"/></svg>注</p><p>注の本文</p></div>
</section>
<section class="print-chapter" id="ch-02">
<h1 id="ch-02-第2章-二">第2章 二</h1>
<h2 id="ch-02-節">節</h2>
<p><img src="chapters/02/results/chart.svg" alt="グラフ"></p>
<!-- a comment -->
</section>
</article></body></html>`

func sampleSite() *site.Site {
	return &site.Site{Files: map[string][]byte{
		"print.html":                    []byte(samplePrint),
		"assets/book.css":               []byte(".a { color: red; }\n.code pre:has(+ .code-note) { border-radius: 0; }\n.b { font: 0.8rem/1.5 var(--font-code); color: blue; }\n"),
		"assets/chroma.css":             []byte(".chroma { color: black; }\n"),
		"chapters/02/results/chart.svg": []byte(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><rect width="10" height="10"/></svg>`),
	}}
}

func TestFromSite(t *testing.T) {
	b, err := FromSite(sampleSite())
	if err != nil {
		t.Fatal(err)
	}
	if b.Title != "本の題 & 副題" {
		t.Errorf("title %q", b.Title)
	}
	if got, want := strings.Join(b.ChapterTitles(), "|"), "第1章 一|第2章 二"; got != want {
		t.Errorf("chapter titles %q, want %q", got, want)
	}
	if !b.Chapters[1].SVG || b.Chapters[2].SVG {
		t.Errorf("inline SVG: %v %v, want true false", b.Chapters[1].SVG, b.Chapters[2].SVG)
	}
	if len(b.Images) != 1 || b.Images[0] != "chapters/02/results/chart.svg" {
		t.Errorf("images %q", b.Images)
	}
	var out bytes.Buffer
	html.Render(&out, b.Chapters[1].Node)
	s := out.String()
	for _, gone := range []string{"<button", "¶", `href="chapters/01/main.go.html`, "tabindex"} {
		if strings.Contains(s, gone) {
			t.Errorf("chapter 1 still has %q:\n%s", gone, s)
		}
	}
	for _, kept := range []string{`<a href="#ch-02-%E7%AF%80">`, `<a href="https://www.rfc-editor.org/rfc/rfc9293">`, "<code>main.go</code>", "a &lt; b &amp;&amp; c", `<h2 id="ch-01-節">節</h2>`} {
		if !strings.Contains(s, kept) {
			t.Errorf("chapter 1 lost %q:\n%s", kept, s)
		}
	}
}

func TestFromSiteErrors(t *testing.T) {
	for _, tc := range []struct{ name, print, want string }{
		{"no chapters", `<p>nothing</p>`, "no chapters"},
		{"no title", `<section class="print-chapter" id="ch-01"><p>x</p></section>`, "ch-01 has no title"},
		{"missing image", `<section class="print-chapter" id="ch-01"><h1>t</h1><img src="chapters/01/x.svg"></section>`, "chapters/01/x.svg is not in the site"},
		{"outside image", `<section class="print-chapter" id="ch-01"><h1>t</h1><img src="../x.svg"></section>`, "not a file of the book"},
	} {
		s := sampleSite()
		s.Files["print.html"] = []byte(tc.print)
		_, err := FromSite(s)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one saying %q", tc.name, err, tc.want)
		}
	}
}

func TestPrintPage(t *testing.T) {
	b, err := FromSite(sampleSite())
	if err != nil {
		t.Fatal(err)
	}
	page, err := b.printPage(`<section class="cover"><h1 class="cover-title">{{.Title}}</h1><p>{{len .ChapterTitles}} 章</p></section>`)
	if err != nil {
		t.Fatal(err)
	}
	s := string(page)
	for _, want := range []string{
		`<h1 class="cover-title">本の題 &amp; 副題</h1><p>2 章</p>`,
		`<li class="toc-chapter"><a href="#front">はじめに</a></li>`,
		`<li class="toc-chapter"><a href="#ch-01">第1章 一</a>`,
		`<li><a href="#ch-02-%E7%AF%80">節</a></li>`,
		`<link rel="stylesheet" href="assets/print.css">`,
	} {
		if !strings.Contains(s, want) {
			t.Errorf("book.html lacks %q:\n%s", want, s)
		}
	}
	// The chapters in order, after the table of contents.
	toc := strings.Index(s, `class="book-toc"`)
	front, one, two := strings.Index(s, `id="front"`), strings.Index(s, `id="ch-01"`), strings.Index(s, `id="ch-02"`)
	if toc < 0 || !(toc < front && front < one && one < two) {
		t.Errorf("out of order: toc %d, front %d, ch-01 %d, ch-02 %d", toc, front, one, two)
	}
	if _, err := b.printPage(`{{.Nope}}`); err == nil {
		t.Errorf("a cover naming a field the book lacks: no error")
	}
}

func TestEPUB(t *testing.T) {
	b, err := FromSite(sampleSite())
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := b.WriteEPUB(&buf, []byte(".x {}\n"), time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	z, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	// OCF: the mimetype first, stored, no extra field, and at offset 38
	// (after the 30-byte local header and its 8-byte name).
	first := z.File[0]
	if first.Name != "mimetype" || first.Method != zip.Store || len(first.Extra) != 0 {
		t.Errorf("first entry %q method %d extra %d, want mimetype stored without extra", first.Name, first.Method, len(first.Extra))
	}
	if got := string(buf.Bytes()[38:58]); got != "application/epub+zip" {
		t.Errorf("at offset 38: %q", got)
	}
	files := map[string]string{}
	for _, f := range z.File {
		r, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		data, _ := io.ReadAll(r)
		r.Close()
		files[f.Name] = string(data)
		// Every XML file is well-formed XML.
		if strings.HasSuffix(f.Name, ".xhtml") || strings.HasSuffix(f.Name, ".opf") || strings.HasSuffix(f.Name, ".xml") || strings.HasSuffix(f.Name, ".svg") {
			d := xml.NewDecoder(bytes.NewReader(data))
			d.Strict = true
			d.Entity = map[string]string{}
			for {
				_, err := d.Token()
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Errorf("%s is not well-formed: %v\n%s", f.Name, err, data)
					break
				}
			}
		}
	}
	opf := files["OEBPS/content.opf"]
	for _, want := range []string{
		`<item id="c1" href="ch-01.xhtml" media-type="application/xhtml+xml" properties="svg"/>`,
		`<item id="c2" href="ch-02.xhtml" media-type="application/xhtml+xml"/>`,
		`<item id="img0" href="chapters/02/results/chart.svg" media-type="image/svg+xml"/>`,
		`<item id="nav" href="nav.xhtml" media-type="application/xhtml+xml" properties="nav"/>`,
		`<meta property="dcterms:modified">2026-12-06T12:00:00Z</meta>`,
		`<dc:title>本の題 &amp; 副題</dc:title>`,
		"<itemref idref=\"title-page\"/>\n    <itemref idref=\"c0\"/>\n    <itemref idref=\"c1\"/>\n    <itemref idref=\"c2\"/>",
	} {
		if !strings.Contains(opf, want) {
			t.Errorf("content.opf lacks %q:\n%s", want, opf)
		}
	}
	ch1 := files["OEBPS/ch-01.xhtml"]
	for _, want := range []string{
		`<a href="ch-02.xhtml#ch-02-%E7%AF%80">第2章の節</a>`, // a link into another document
		`<svg xmlns="http://www.w3.org/2000/svg" class="aside-icon" viewBox="0 0 16 16"><circle cx="8" cy="8" r="6"/><use xmlns:xlink="http://www.w3.org/1999/xlink" xlink:href="#x"/></svg>`,
		`<a><code>main.go</code></a>`,
		"a &lt; b &amp;&amp; c",
	} {
		if !strings.Contains(ch1, want) {
			t.Errorf("ch-01.xhtml lacks %q:\n%s", want, ch1)
		}
	}
	if front := files["OEBPS/front.xhtml"]; !strings.Contains(front, "はじめに。<br/>改行") {
		t.Errorf("front.xhtml: a void element is not self-closed:\n%s", front)
	}
	if files["OEBPS/chapters/02/results/chart.svg"] == "" {
		t.Errorf("the image is not in the EPUB")
	}
	nav := files["OEBPS/nav.xhtml"]
	if !strings.Contains(nav, `<nav epub:type="toc" id="toc">`) || !strings.Contains(nav, `<a href="ch-02.xhtml#ch-02-%E7%AF%80">節</a>`) {
		t.Errorf("nav.xhtml:\n%s", nav)
	}
	css := files["OEBPS/assets/book.css"]
	if strings.Contains(css, ":has(") || !strings.Contains(css, ".a { color: red; }") || !strings.Contains(css, "font-size: 0.8rem; line-height: 1.5; font-family: var(--font-code); color: blue;") {
		t.Errorf("book.css as epubcheck can read it:\n%s", css)
	}
}

// TestBuilt checks the editions that make pdf and make epub wrote (make
// offline passes their paths): every chapter's title is in the PDF's
// text, every font is embedded, the book is over 100 pages, the longest
// line of code is whole, and epubcheck finds nothing wrong with the EPUB.
// It saves pictures of the cover, the table of contents and the page with
// the longest line of code in book/screenshots/.
func TestBuilt(t *testing.T) {
	if *pdfFile == "" && *epubFile == "" {
		t.Skip("make offline checks the built PDF and EPUB (go test ./internal/offline -args -pdf FILE -epub FILE)")
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	s, _, errs := site.BuildDir(root, site.Options{})
	if len(errs) > 0 {
		t.Fatal(errs.Error())
	}
	b, err := FromSite(s)
	if err != nil {
		t.Fatal(err)
	}
	if *pdfFile != "" {
		checkPDF(t, b, *pdfFile, filepath.Join(root, filepath.FromSlash(ShotDir)))
	}
	if *epubFile != "" {
		checkEPUB(t, *epubFile)
	}
}

// squeeze drops all white space: pdftotext breaks lines, and puts spaces
// between Japanese and Latin letters, where the page has none.
func squeeze(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
}

func tool(t *testing.T, name string, args ...string) string {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		t.Fatalf("%v (apt-get install poppler-utils: .ci/run does)", err)
	}
	var stderr bytes.Buffer
	cmd := exec.Command(name, args...)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, stderr.Bytes())
	}
	return string(out)
}

func checkPDF(t *testing.T, b *Book, file, shots string) {
	info := tool(t, "pdfinfo", file)
	m := regexp.MustCompile(`(?m)^Pages:\s+(\d+)$`).FindStringSubmatch(info)
	if m == nil {
		t.Fatalf("pdfinfo gives no page count:\n%s", info)
	}
	pages, _ := strconv.Atoi(m[1])
	t.Logf("%s: %d pages", file, pages)
	if pages <= 100 {
		t.Errorf("%d pages: the whole book is well over 100", pages)
	}

	// pdffonts: every font embedded (the emb column, 5th from the right:
	// a name may hold spaces, and [none] has none).
	fonts := strings.Split(strings.TrimSpace(tool(t, "pdffonts", file)), "\n")
	if len(fonts) < 3 {
		t.Fatalf("pdffonts lists no fonts:\n%s", strings.Join(fonts, "\n"))
	}
	for _, line := range fonts[2:] {
		f := strings.Fields(line)
		if len(f) < 7 || f[len(f)-5] != "yes" {
			t.Errorf("a font not embedded: %s", line)
		}
	}

	// The charts are drawn, not pasted as pictures: with every image of
	// the book an SVG, the PDF holds no raster image at all.
	svgOnly := true
	for _, name := range b.Images {
		svgOnly = svgOnly && strings.HasSuffix(name, ".svg")
	}
	if images := strings.Split(strings.TrimSpace(tool(t, "pdfimages", "-list", file)), "\n"); svgOnly && len(images) > 2 {
		t.Errorf("the book's images are all SVG, but the PDF has %d raster images:\n%s", len(images)-2, strings.Join(images, "\n"))
	}
	// Links stay links: at least one link annotation for each entry of
	// the table of contents.
	entries := 0
	for _, ch := range b.Chapters {
		entries += 1 + len(ch.Headings)
	}
	if links := countLinks(t, file); links < entries {
		t.Errorf("%d links in the PDF, fewer than the %d entries of its table of contents", links, entries)
	} else {
		t.Logf("%d links", links)
	}

	// pdftotext ends each page with a form feed.
	text := strings.Split(tool(t, "pdftotext", file, "-"), "\f")
	all := squeeze(strings.Join(text, ""))
	for _, title := range b.ChapterTitles() {
		if !strings.Contains(all, squeeze(title)) {
			t.Errorf("the chapter %q is not in the PDF's text", title)
		}
	}
	// Every chapter's title also in the table of contents, its pages
	// after the cover.
	tocPage := -1
	for i := 1; i < len(text) && i < 6; i++ {
		if strings.HasPrefix(strings.TrimSpace(text[i]), "目次") {
			tocPage = i
			break
		}
	}
	if tocPage < 0 {
		t.Errorf("no page after the cover starts with 目次")
	} else {
		toc := squeeze(text[tocPage] + text[tocPage+1])
		for _, title := range b.ChapterTitles()[:2] {
			if !regexp.MustCompile(regexp.QuoteMeta(squeeze(title)) + `\.*\d+`).MatchString(toc) {
				t.Errorf("the table of contents has no page number for %q", title)
			}
		}
	}
	// The longest line of the listings: wrapped, it loses no character.
	long, page := "", -1
	for _, ch := range b.Chapters {
		for n := range ch.Node.Descendants() {
			if n.Type == html.ElementNode && n.Data == "figure" && hasClass(n, "listing") {
				for line := range strings.SplitSeq(text0(n, "pre"), "\n") {
					if len([]rune(line)) > len([]rune(long)) {
						long = line
					}
				}
			}
		}
	}
	if long == "" {
		t.Errorf("no listing in the book")
	} else {
		want := squeeze(long)
		for i, p := range text {
			if strings.Contains(squeeze(p), want) {
				page = i
				break
			}
		}
		if page < 0 {
			t.Errorf("the longest line of code (%d characters) is not whole in the PDF's text: %s", len([]rune(long)), long)
		}
	}

	// Pictures of a few pages, to look at.
	if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, p := range map[string]int{"pdf-cover": 0, "pdf-toc": tocPage, "pdf-code": page} {
		if p < 0 {
			continue
		}
		n := strconv.Itoa(p + 1)
		out := filepath.Join(shots, name)
		tool(t, "pdftoppm", "-r", "100", "-png", "-singlefile", "-f", n, "-l", n, file, out)
		if fi, err := os.Stat(out + ".png"); err != nil || fi.Size() < 10_000 {
			t.Errorf("%s.png: %v (a page drawn blank?)", out, err)
		} else {
			t.Logf("page %s: %s.png", n, out)
		}
	}
}

// countLinks counts the link annotations of a PDF, in its objects and
// in its compressed object streams.
func countLinks(t *testing.T, file string) int {
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	link := regexp.MustCompile(`/Subtype\s*/Link\b`)
	n := len(link.FindAll(data, -1))
	for _, m := range regexp.MustCompile(`(?s)stream\r?\n(.*?)endstream`).FindAllSubmatch(data, -1) {
		r, err := zlib.NewReader(bytes.NewReader(m[1]))
		if err != nil {
			continue // not deflated: a font, say
		}
		plain, _ := io.ReadAll(r)
		n += len(link.FindAll(plain, -1))
	}
	return n
}

// text0 is the text of n's first descendant named tag.
func text0(n *html.Node, tag string) string {
	for d := range n.Descendants() {
		if d.Type == html.ElementNode && d.Data == tag {
			var sb strings.Builder
			for c := range d.Descendants() {
				if c.Type == html.TextNode {
					sb.WriteString(c.Data)
				}
			}
			return sb.String()
		}
	}
	return ""
}

func checkEPUB(t *testing.T, file string) {
	jar := "/usr/share/java/epubcheck.jar" // Debian's epubcheck
	if _, err := os.Stat(jar); err != nil {
		t.Fatalf("%v (apt-get install epubcheck: .ci/run does)", err)
	}
	cmd := exec.Command("java", "-jar", jar, "--quiet", file)
	out, err := cmd.CombinedOutput()
	if err != nil || bytes.Contains(out, []byte("ERROR")) || bytes.Contains(out, []byte("FATAL")) {
		t.Errorf("epubcheck %s: %v\n%s", file, err, out)
	} else {
		t.Logf("epubcheck %s: no errors or warnings", file)
	}
	if bytes.Contains(out, []byte("WARNING")) {
		t.Errorf("epubcheck warns:\n%s", out)
	}
}
