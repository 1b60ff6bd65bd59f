// Package offline makes the book's offline editions, a PDF and an EPUB,
// from the web book's own rendering: the print page of the site that
// package site builds (print.html, every chapter in book/chapters.txt's
// order, each in a <section class="print-chapter">). Whatever a chapter
// shows on the web (highlighted code, diffs, quotes, asides, verified
// transcripts, tables, charts, and any block kind added later) comes out
// the same here, styled by the web book's book.css and chroma.css with
// book/print/'s style sheets on top.
//
// The PDF is typeset by Vivliostyle (CSS Paged Media, in Debian's
// chromium): WritePrintDir writes the HTML and its files, and PDF runs
// the typesetter on them. The EPUB is written here (WriteEPUB), an EPUB 3
// with one XHTML document a chapter.
package offline

import (
	"bytes"
	"fmt"
	"net/url"
	"path"
	"slices"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"tcpbook/internal/site"
)

// Where the offline editions' files are, relative to the book's root.
const (
	PrintDir = "book/print"           // their style sheets
	DistDir  = "book/dist"            // where mdrun pdf and mdrun epub write
	PDFName  = "tcpbook.pdf"          // the PDF in DistDir
	EPUBName = "tcpbook.epub"         // the EPUB in DistDir
	ShotDir  = site.ShotDir           // where the check saves pictures of pages
	Title    = "Go で作って学ぶ TCP と HTTP" // used only when the front page has no title
)

// A Book is the book's chapters as the web book renders them.
type Book struct {
	Title    string
	Chapters []*Chapter // the front matter first, then the chapters in reading order
	// Files are the site's files that the chapters' images name, and its
	// style sheets (assets/book.css, assets/chroma.css).
	Files map[string][]byte
	// Images are the slash paths of the files the chapters show, in the
	// order they first appear.
	Images []string
}

// A Chapter is one section of the print page.
type Chapter struct {
	ID    string // the section's id: front, ch-01, ...
	Title string // its first heading's text
	// Headings are its level-2 sections, for the tables of contents.
	Headings []Heading
	// Node is the <section> element, cleaned of what only a web page
	// uses (copy buttons, heading anchors, links to the site's pages).
	Node *html.Node
	// SVG says it holds inline SVG (an EPUB must declare it).
	SVG bool
}

// A Heading is a section of a chapter.
type Heading struct {
	ID, Text string
}

// FrontTitle is what the tables of contents call the front matter.
const FrontTitle = "はじめに"

// FromSite reads the chapters from a built site's print page.
func FromSite(s *site.Site) (*Book, error) {
	src, ok := s.Files["print.html"]
	if !ok {
		return nil, fmt.Errorf("the site has no print.html")
	}
	doc, err := html.Parse(bytes.NewReader(src))
	if err != nil {
		return nil, fmt.Errorf("print.html: %v", err)
	}
	b := &Book{Files: map[string][]byte{}}
	for _, name := range []string{"assets/book.css", "assets/chroma.css"} {
		data, ok := s.Files[name]
		if !ok {
			return nil, fmt.Errorf("the site has no %s", name)
		}
		b.Files[name] = data
	}
	for n := range doc.Descendants() {
		if n.DataAtom == atom.Section && hasClass(n, "print-chapter") {
			b.Chapters = append(b.Chapters, &Chapter{ID: attr(n, "id"), Node: n})
		}
	}
	if len(b.Chapters) == 0 {
		return nil, fmt.Errorf("print.html has no chapters (no <section class=\"print-chapter\">)")
	}
	seen := map[string]bool{}
	for _, ch := range b.Chapters {
		ch.Node.Parent.RemoveChild(ch.Node)
		clean(ch.Node)
		for n := range ch.Node.Descendants() {
			switch {
			case n.Type != html.ElementNode:
			case n.Namespace == "svg" && n.Data == "svg":
				ch.SVG = true
			case n.DataAtom == atom.H1 && ch.Title == "":
				ch.Title = text(n)
			case n.DataAtom == atom.H2:
				ch.Headings = append(ch.Headings, Heading{ID: attr(n, "id"), Text: text(n)})
			case n.DataAtom == atom.Img:
				src := attr(n, "src")
				u, err := url.Parse(src)
				if err != nil || u.Scheme != "" || u.Host != "" || strings.HasPrefix(src, "/") || strings.Contains(src, "..") {
					return nil, fmt.Errorf("%s: an image that is not a file of the book: %q", ch.ID, src)
				}
				data, ok := s.Files[u.Path]
				if !ok {
					return nil, fmt.Errorf("%s: the image %s is not in the site", ch.ID, u.Path)
				}
				if !seen[u.Path] {
					seen[u.Path] = true
					b.Images = append(b.Images, u.Path)
					b.Files[u.Path] = data
				}
			}
		}
		if ch.Title == "" {
			return nil, fmt.Errorf("%s has no title (no <h1>)", ch.ID)
		}
	}
	b.Title = b.Chapters[0].Title
	return b, nil
}

// clean removes from a chapter what only the web page uses: the copy
// buttons, the ¶ anchors beside headings, scripts; and turns links to the
// site's own pages (a program's page, another page of the site) into
// plain text, as neither edition has them. Links within the book
// (#fragments) and to the web stay links.
func clean(root *html.Node) {
	var drop []*html.Node
	for n := range root.Descendants() {
		if n.Type == html.CommentNode {
			drop = append(drop, n)
			continue
		}
		if n.Type != html.ElementNode || n.Namespace != "" {
			continue
		}
		switch n.DataAtom {
		case atom.Button, atom.Script, atom.Input:
			drop = append(drop, n)
		case atom.A:
			if hasClass(n, "anchor") {
				drop = append(drop, n)
				continue
			}
			href := attr(n, "href")
			if u, err := url.Parse(href); href != "" && (err != nil || (u.Scheme == "" && u.Host == "" && u.Path != "")) {
				removeAttr(n, "href")
			}
		case atom.Pre:
			removeAttr(n, "tabindex") // scrolling by keyboard, which a page does not need
		}
	}
	for _, n := range drop {
		// A heading's anchor follows a space, which would be left over.
		if p := n.PrevSibling; hasClass(n, "anchor") && p != nil && p.Type == html.TextNode {
			p.Data = strings.TrimRight(p.Data, " ")
		}
		n.Parent.RemoveChild(n)
	}
}

// IDs lists the ids of a chapter's elements.
func (ch *Chapter) IDs() []string {
	var ids []string
	for n := range ch.Node.Descendants() {
		if id := attr(n, "id"); n.Type == html.ElementNode && id != "" {
			ids = append(ids, id)
		}
	}
	if id := attr(ch.Node, "id"); id != "" {
		ids = append(ids, id)
	}
	return ids
}

// ChapterTitles are the titles of the chapters proper (not the front
// matter), in reading order.
func (b *Book) ChapterTitles() []string {
	var out []string
	for _, ch := range b.Chapters {
		if ch.ID != "front" {
			out = append(out, ch.Title)
		}
	}
	return out
}

// tocTitle is what a table of contents calls a chapter.
func (ch *Chapter) tocTitle() string {
	if ch.ID == "front" {
		return FrontTitle
	}
	return ch.Title
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Namespace == "" && a.Key == key {
			return a.Val
		}
	}
	return ""
}

func setAttr(n *html.Node, key, val string) {
	for i, a := range n.Attr {
		if a.Namespace == "" && a.Key == key {
			n.Attr[i].Val = val
			return
		}
	}
	n.Attr = append(n.Attr, html.Attribute{Key: key, Val: val})
}

func removeAttr(n *html.Node, key string) {
	n.Attr = slices.DeleteFunc(n.Attr, func(a html.Attribute) bool { return a.Namespace == "" && a.Key == key })
}

func hasClass(n *html.Node, class string) bool {
	return n.Type == html.ElementNode && slices.Contains(strings.Fields(attr(n, "class")), class)
}

// text is the text of n, its whitespace runs made single spaces.
func text(n *html.Node) string {
	var sb strings.Builder
	for d := range n.Descendants() {
		if d.Type == html.TextNode {
			sb.WriteString(d.Data)
		}
	}
	return strings.Join(strings.Fields(sb.String()), " ")
}

// mediaType is the type of an image by its name.
func mediaType(name string) (string, error) {
	switch strings.ToLower(path.Ext(name)) {
	case ".svg":
		return "image/svg+xml", nil
	case ".png":
		return "image/png", nil
	case ".jpg", ".jpeg":
		return "image/jpeg", nil
	case ".gif":
		return "image/gif", nil
	case ".webp":
		return "image/webp", nil
	}
	return "", fmt.Errorf("%s: not an image an EPUB may hold (svg, png, jpeg, gif, webp)", name)
}
