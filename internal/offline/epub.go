package offline

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"fmt"
	"io"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"golang.org/x/net/html"
)

// The EPUB's layout: everything under OEBPS/, images at the slash paths
// the site gives them (chapters/05/results/latency.svg).
const (
	epubDir  = "OEBPS/"
	navName  = "nav.xhtml"
	cssName  = "assets/book.css"
	chromaCS = "assets/chroma.css"
	epubCSS  = "assets/epub.css"
)

// Modified is the EPUB's dcterms:modified: SOURCE_DATE_EPOCH when set
// (a reproducible build), the current time otherwise.
func Modified() time.Time {
	if s := os.Getenv("SOURCE_DATE_EPOCH"); s != "" {
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			return time.Unix(n, 0).UTC()
		}
	}
	return time.Now().UTC()
}

// chapterFile is the XHTML document of the i'th chapter.
func chapterFile(ch *Chapter) string { return ch.ID + ".xhtml" }

// WriteEPUB writes the book as an EPUB 3 to w: the mimetype first and
// stored (OCF §4.3), the container, the package document, a navigation
// document, one XHTML document a chapter (with the cover's title page
// first), the web book's style sheets with css (book/print/epub.css) on
// top, and the images the chapters show.
func (b *Book) WriteEPUB(w io.Writer, css []byte, modified time.Time) error {
	// A link to an id goes to the document that holds it.
	where := map[string]string{}
	for _, ch := range b.Chapters {
		for _, id := range ch.IDs() {
			where[id] = chapterFile(ch)
		}
	}
	z := zip.NewWriter(w)
	// No Modified time: Go writes it as an extra field, which the
	// mimetype entry must not have (OCF §4.3).
	mt, err := z.CreateHeader(&zip.FileHeader{Name: "mimetype", Method: zip.Store})
	if err != nil {
		return err
	}
	io.WriteString(mt, "application/epub+zip")
	add := func(name string, data []byte) error {
		f, err := z.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: modified})
		if err != nil {
			return err
		}
		_, err = f.Write(data)
		return err
	}
	if err := add("META-INF/container.xml", []byte(`<?xml version="1.0" encoding="UTF-8"?>
<container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container">
  <rootfiles>
    <rootfile full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/>
  </rootfiles>
</container>
`)); err != nil {
		return err
	}
	var manifest, spine strings.Builder
	item := func(id, href, mediaType, props string) {
		if props != "" {
			props = ` properties="` + props + `"`
		}
		fmt.Fprintf(&manifest, "    <item id=\"%s\" href=\"%s\" media-type=\"%s\"%s/>\n", id, xmlEscape(pathURL(href)), mediaType, props)
	}
	item("nav", navName, "application/xhtml+xml", "nav")
	item("css-chroma", chromaCS, "text/css", "")
	item("css-book", cssName, "text/css", "")
	item("css-epub", epubCSS, "text/css", "")
	for _, name := range []string{chromaCS, cssName} {
		if err := add(epubDir+name, epubSafeCSS(b.Files[name])); err != nil {
			return err
		}
	}
	if err := add(epubDir+epubCSS, css); err != nil {
		return err
	}
	// The title page.
	cover := xhtmlPage(b.Title, "", fmt.Sprintf("<section class=\"title-page\" epub:type=\"titlepage\">\n<h1 class=\"cover-title\">%s</h1>\n</section>\n", xmlEscape(b.Title)))
	item("title-page", "title.xhtml", "application/xhtml+xml", "")
	fmt.Fprintf(&spine, "    <itemref idref=\"title-page\"/>\n")
	if err := add(epubDir+"title.xhtml", cover); err != nil {
		return err
	}
	for i, ch := range b.Chapters {
		var body bytes.Buffer
		relink(ch.Node, chapterFile(ch), where)
		if err := writeXHTML(&body, ch.Node); err != nil {
			return fmt.Errorf("%s: %v", ch.ID, err)
		}
		props := ""
		if ch.SVG {
			props = "svg"
		}
		id := "c" + strconv.Itoa(i)
		item(id, chapterFile(ch), "application/xhtml+xml", props)
		fmt.Fprintf(&spine, "    <itemref idref=\"%s\"/>\n", id)
		if err := add(epubDir+chapterFile(ch), xhtmlPage(ch.tocTitle(), "page", body.String())); err != nil {
			return err
		}
	}
	for i, name := range b.Images {
		mt, err := mediaType(name)
		if err != nil {
			return err
		}
		item("img"+strconv.Itoa(i), name, mt, "")
		if err := add(epubDir+name, b.Files[name]); err != nil {
			return err
		}
	}
	if err := add(epubDir+navName, b.nav()); err != nil {
		return err
	}
	// The identifier stays the same from build to build of the same
	// title, as a reading system expects of one book.
	sum := sha256.Sum256([]byte(b.Title))
	uuid := fmt.Sprintf("%x-%x-5%x-%x-%x", sum[0:4], sum[4:6], sum[6:8][1:], sum[8:10], sum[10:16])
	opf := fmt.Sprintf(`<?xml version="1.0" encoding="UTF-8"?>
<package xmlns="http://www.idpf.org/2007/opf" version="3.0" unique-identifier="book-id" xml:lang="ja">
  <metadata xmlns:dc="http://purl.org/dc/elements/1.1/">
    <dc:identifier id="book-id">urn:uuid:%s</dc:identifier>
    <dc:title>%s</dc:title>
    <dc:language>ja</dc:language>
    <meta property="dcterms:modified">%s</meta>
  </metadata>
  <manifest>
%s  </manifest>
  <spine>
%s  </spine>
</package>
`, uuid, xmlEscape(b.Title), modified.UTC().Format("2006-01-02T15:04:05Z"), manifest.String(), spine.String())
	if err := add(epubDir+"content.opf", []byte(opf)); err != nil {
		return err
	}
	return z.Close()
}

// epubCSS rewrites the two forms of the web book's CSS that epubcheck
// (4.2.6, Debian 12's) cannot parse and reports as errors: a rule whose
// selector uses :has() is left out (a reading system that knows :has()
// is rare, and such rules only round a corner), and the font shorthand
// with a var() family is spelt as its three properties.
func epubSafeCSS(css []byte) []byte {
	css = hasRule.ReplaceAll(css, []byte("$1"))
	return fontVar.ReplaceAll(css, []byte("font-size: $1; line-height: $2; font-family: $3"))
}

var (
	// A rule (selector and block, no braces inside) whose selector has
	// :has(; the rule before it ends at $1.
	hasRule = regexp.MustCompile(`([{}]\s*)[^{}]*:has\([^{}]*\{[^{}]*\}`)
	fontVar = regexp.MustCompile(`\bfont:\s*([0-9.]+(?:r?em|pt|px|%))\s*/\s*([0-9.]+)\s+(var\(--[a-z0-9-]+\))`)
)

// nav is the navigation document: the chapters and their sections.
func (b *Book) nav() []byte {
	var sb strings.Builder
	sb.WriteString("<nav epub:type=\"toc\" id=\"toc\">\n<h1>目次</h1>\n<ol>\n")
	for _, ch := range b.Chapters {
		f := chapterFile(ch)
		fmt.Fprintf(&sb, "<li><a href=\"%s\">%s</a>", xmlEscape(pathURL(f)), xmlEscape(ch.tocTitle()))
		if len(ch.Headings) > 0 && ch.ID != "front" {
			sb.WriteString("\n<ol>\n")
			for _, h := range ch.Headings {
				fmt.Fprintf(&sb, "<li><a href=\"%s#%s\">%s</a></li>\n", xmlEscape(pathURL(f)), xmlEscape(fragmentOnly(h.ID)), xmlEscape(h.Text))
			}
			sb.WriteString("</ol>\n")
		}
		sb.WriteString("</li>\n")
	}
	sb.WriteString("</ol>\n</nav>\n")
	return xhtmlPage("目次", "", sb.String())
}

// xhtmlPage is an XHTML content document around body.
func xhtmlPage(title, class, body string) []byte {
	if class != "" {
		class = ` class="` + class + `"`
	}
	return fmt.Appendf(nil, `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE html>
<html xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops" xml:lang="ja" lang="ja">
<head>
<meta charset="utf-8"/>
<title>%s</title>
<link rel="stylesheet" href="%s"/>
<link rel="stylesheet" href="%s"/>
<link rel="stylesheet" href="%s"/>
</head>
<body%s>
%s</body>
</html>
`, xmlEscape(title), chromaCS, cssName, epubCSS, class, body)
}

// relink points each link to an id at the document that holds it: on
// the print page every chapter was one page.
func relink(root *html.Node, self string, where map[string]string) {
	for n := range root.Descendants() {
		if n.Type != html.ElementNode {
			continue
		}
		href := attr(n, "href")
		if !strings.HasPrefix(href, "#") {
			continue
		}
		id, err := url.PathUnescape(href[1:])
		if err != nil {
			continue
		}
		f, ok := where[id]
		switch {
		case !ok:
			removeAttr(n, "href") // checked by the site: never happens
		case f == self:
			setAttr(n, "href", "#"+fragmentOnly(id))
		default:
			setAttr(n, "href", pathURL(f)+"#"+fragmentOnly(id))
		}
	}
}

func fragmentOnly(id string) string {
	u := url.URL{Fragment: id}
	return u.EscapedFragment()
}

// pathURL escapes a slash path for an href.
func pathURL(p string) string {
	u := url.URL{Path: p}
	return u.EscapedPath()
}

// xmlEscape escapes text or an attribute's value.
func xmlEscape(s string) string {
	var sb strings.Builder
	for _, r := range s {
		switch r {
		case '&':
			sb.WriteString("&amp;")
		case '<':
			sb.WriteString("&lt;")
		case '>':
			sb.WriteString("&gt;")
		case '"':
			sb.WriteString("&quot;")
		default:
			// XML 1.0 has no place for most control characters.
			if r < 0x20 && r != '\t' && r != '\n' && r != '\r' || r == 0xFFFE || r == 0xFFFF {
				fmt.Fprintf(&sb, "\uFFFD")
				continue
			}
			sb.WriteRune(r)
		}
	}
	return sb.String()
}

// voidElements are HTML's elements with no end tag.
var voidElements = map[string]bool{
	"area": true, "base": true, "br": true, "col": true, "embed": true, "hr": true, "img": true,
	"input": true, "link": true, "meta": true, "source": true, "track": true, "wbr": true,
}

// writeXHTML writes n as XHTML: the same tree, in XML's syntax. An inline
// <svg> gets SVG's namespace (the HTML parser knew it from the tag), and
// its xlink: attributes theirs.
func writeXHTML(w *bytes.Buffer, n *html.Node) error {
	switch n.Type {
	case html.TextNode:
		w.WriteString(xmlEscape(n.Data))
		return nil
	case html.CommentNode, html.DoctypeNode:
		return nil
	case html.DocumentNode:
		for c := range n.ChildNodes() {
			if err := writeXHTML(w, c); err != nil {
				return err
			}
		}
		return nil
	case html.ElementNode:
	default:
		return fmt.Errorf("unexpected node %v", n.Type)
	}
	w.WriteString("<" + n.Data)
	parentNS := ""
	if n.Parent != nil && n.Parent.Type == html.ElementNode {
		parentNS = n.Parent.Namespace
	}
	if n.Namespace != parentNS {
		switch n.Namespace {
		case "svg":
			w.WriteString(` xmlns="http://www.w3.org/2000/svg"`)
		case "math":
			w.WriteString(` xmlns="http://www.w3.org/1998/Math/MathML"`)
		case "":
			w.WriteString(` xmlns="http://www.w3.org/1999/xhtml"`)
		}
	}
	xlink := false
	for _, a := range n.Attr {
		if a.Namespace == "xlink" {
			xlink = true
		}
	}
	if xlink {
		w.WriteString(` xmlns:xlink="http://www.w3.org/1999/xlink"`)
	}
	for _, a := range n.Attr {
		key := a.Key
		switch a.Namespace {
		case "":
		case "xlink", "xml":
			key = a.Namespace + ":" + a.Key
		default:
			continue // xmlns declarations are written above
		}
		if key == "xmlns" || strings.HasPrefix(key, "xmlns:") {
			continue
		}
		fmt.Fprintf(w, " %s=\"%s\"", key, xmlEscape(a.Val))
	}
	if n.Namespace == "" && voidElements[n.Data] {
		w.WriteString("/>")
		return nil
	}
	if n.FirstChild == nil && n.Namespace != "" {
		w.WriteString("/>")
		return nil
	}
	w.WriteString(">")
	for c := range n.ChildNodes() {
		if err := writeXHTML(w, c); err != nil {
			return err
		}
	}
	w.WriteString("</" + n.Data + ">")
	return nil
}
