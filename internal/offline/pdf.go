package offline

import (
	"bytes"
	"context"
	"fmt"
	"html/template"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path"
	"path/filepath"

	"golang.org/x/net/html"
)

// PrintHTML is the name of the page WritePrintDir writes.
const PrintHTML = "book.html"

// The files of book/print that the PDF uses.
const (
	PrintCSS   = "print.css"  // the page layout, on top of the web book's styles
	CoverHTML  = "cover.html" // the cover: a template given the Book
	EPUBCSS    = "epub.css"   // the EPUB's styles, on top of the web book's
	printAsset = "assets/" + PrintCSS
)

// WritePrintDir writes into dir (which must exist) the one page that the
// PDF is typeset from, book.html: the cover (book/print/cover.html), a
// table of contents, and every chapter; beside it the web book's style
// sheets, print.css and the chapters' images. printDir is book/print.
func (b *Book) WritePrintDir(dir, printDir string) error {
	css, err := os.ReadFile(filepath.Join(printDir, PrintCSS))
	if err != nil {
		return err
	}
	cover, err := os.ReadFile(filepath.Join(printDir, CoverHTML))
	if err != nil {
		return err
	}
	page, err := b.printPage(string(cover))
	if err != nil {
		return fmt.Errorf("%s: %v", filepath.Join(printDir, CoverHTML), err)
	}
	files := map[string][]byte{PrintHTML: page, printAsset: css}
	for name, data := range b.Files {
		files[name] = data
	}
	for name, data := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// printPage makes book.html.
func (b *Book) printPage(cover string) ([]byte, error) {
	tmpl, err := template.New("cover").Parse(cover)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	esc := template.HTMLEscapeString
	fmt.Fprintf(&buf, `<!DOCTYPE html>
<html lang="ja" data-theme="light">
<head>
<meta charset="utf-8">
<title>%s</title>
<link rel="stylesheet" href="assets/chroma.css">
<link rel="stylesheet" href="assets/book.css">
<link rel="stylesheet" href="%s">
</head>
<body class="kind-print offline">
`, esc(b.Title), printAsset)
	if err := tmpl.Execute(&buf, b); err != nil {
		return nil, err
	}
	// The table of contents: each chapter and its sections, with the
	// page each starts on (print.css: target-counter).
	buf.WriteString("<nav class=\"book-toc\" id=\"toc\">\n<h1>目次</h1>\n<ol>\n")
	for _, ch := range b.Chapters {
		fmt.Fprintf(&buf, "<li class=\"toc-chapter\"><a href=\"#%s\">%s</a>", fragment(ch.ID), esc(ch.tocTitle()))
		if len(ch.Headings) > 0 && ch.ID != "front" {
			buf.WriteString("\n<ol>\n")
			for _, h := range ch.Headings {
				fmt.Fprintf(&buf, "<li><a href=\"#%s\">%s</a></li>\n", fragment(h.ID), esc(h.Text))
			}
			buf.WriteString("</ol>")
		}
		buf.WriteString("</li>\n")
	}
	buf.WriteString("</ol>\n</nav>\n<main class=\"content\">\n<article class=\"page\">\n")
	for _, ch := range b.Chapters {
		if err := html.Render(&buf, ch.Node); err != nil {
			return nil, err
		}
		buf.WriteString("\n")
	}
	buf.WriteString("</article>\n</main>\n</body>\n</html>\n")
	return buf.Bytes(), nil
}

// fragment escapes an id for a link's #fragment, as the site does.
func fragment(id string) string {
	u := url.URL{Fragment: id}
	return template.HTMLEscapeString(u.EscapedFragment())
}

// A Typesetter makes a PDF from an HTML page.
type Typesetter struct {
	// Vivliostyle is the command, book/print/node_modules/.bin/vivliostyle.
	Vivliostyle string
	// Browser is the chromium it drives (it never downloads one).
	Browser string
	// Log receives the typesetter's output.
	Log io.Writer
}

// PDF typesets dir/book.html (WritePrintDir) into out.
func (t *Typesetter) PDF(ctx context.Context, dir, out string) error {
	if _, err := os.Stat(t.Vivliostyle); err != nil {
		return fmt.Errorf("the typesetter is not installed (%v): run make pdf, which installs it (npm ci --prefix book/print)", err)
	}
	abs, err := filepath.Abs(out)
	if err != nil {
		return err
	}
	cmd := exec.CommandContext(ctx, t.Vivliostyle, "build", PrintHTML,
		"--output", abs,
		"--executable-browser", t.Browser,
		"--language", "ja",
		"--log-level", "info",
		// Seconds for the whole typesetting, and for each of its calls
		// into chromium: the last, printing the book (some 260 pages then) to PDF, took
		// over 15 minutes on a 2-core machine that four other builds
		// shared (load 16); the whole build took 4 min 36 s at load 9.
		"--timeout", "2400")
	cmd.Dir = dir
	cmd.Stdout = t.Log
	cmd.Stderr = t.Log
	// The typesetter's own chromium profile and caches stay in the
	// temporary directory.
	cmd.Env = append(os.Environ(), "HOME="+dir, "XDG_CONFIG_HOME="+path.Join(dir, ".config"), "XDG_CACHE_HOME="+path.Join(dir, ".cache"), "NO_COLOR=1")
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("vivliostyle build: %v", err)
	}
	if _, err := os.Stat(abs); err != nil {
		return fmt.Errorf("vivliostyle build wrote no PDF: %v", err)
	}
	return nil
}
