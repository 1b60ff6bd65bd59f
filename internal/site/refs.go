package site

import (
	"fmt"
	"html/template"
	"strconv"
	"strings"

	"tcpbook/internal/chapter"
	"tcpbook/internal/source"
)

// refs are the files of the repository that the chapters' diffs and
// quotes name.
type refs struct {
	// urls maps a ref (chapter.Ref.String) to the URL of its file's page
	// at the first line of what it names.
	urls map[string]string
	// texts maps a ref to what it names, for a diff's copy button.
	texts map[string]string
	// pages are the files that need a page of their own: those that no
	// chapter's listings write.
	pages map[string]*sourcePage
}

type sourcePage struct {
	path    string // slash path from the book's root
	url     string
	content []byte
	from    *chapterPage // the first chapter that names it
}

// resolveRefs finds what every diff and quote names, reporting those that
// name something that is not there at their markdown line.
func (bd *builder) resolveRefs() *refs {
	rs := &refs{urls: map[string]string{}, texts: map[string]string{}, pages: map[string]*sourcePage{}}
	programs := map[string]bool{}
	for _, cp := range bd.pages {
		for _, f := range cp.files {
			programs[f.Path()] = true
		}
	}
	res := source.NewResolverSet(bd.book.Root, bd.set)
	for _, cp := range bd.pages {
		for _, b := range cp.ch.Blocks {
			if b.Kind != chapter.Diff && b.Kind != chapter.Quote {
				continue
			}
			for _, ref := range []*chapter.Ref{b.From, b.To} {
				if ref == nil {
					continue
				}
				region, err := res.Region(ref)
				if err != nil {
					bd.errs.Add(cp.ch.Path, b.Line, "%s: %v", b.Describe(), err)
					continue
				}
				url := ref.Path + ".html"
				rs.urls[ref.String()] = url + "#L" + strconv.Itoa(region.Line)
				rs.texts[ref.String()] = region.Text
				if programs[ref.Path] || rs.pages[ref.Path] != nil {
					continue
				}
				content, _ := res.File(ref.Path)
				rs.pages[ref.Path] = &sourcePage{path: ref.Path, url: url, content: content, from: cp}
			}
		}
	}
	return rs
}

// sourcePage shows a file of the repository that a diff or a quote names,
// with numbered lines that their captions link to.
func (bd *builder) sourcePage(sp *sourcePage) {
	code, err := bd.cache.Do("file\x00"+string(sp.content), func() (string, error) {
		return numberedText(bd.cache, string(sp.content))
	})
	if err != nil {
		bd.problem(sp.path, 0, "highlighting: %v", err)
		return
	}
	var body strings.Builder
	body.Grow(len(code) + 2*len(sp.content) + 4<<10)
	esc := template.HTMLEscapeString
	root := strings.Repeat("../", strings.Count(sp.url, "/"))
	fmt.Fprintf(&body, "<h1><code>%s</code></h1>\n", esc(sp.path))
	fmt.Fprintf(&body, "<p>リポジトリのファイルです。%s が差分や引用で示しています。</p>\n",
		`<a href="`+root+esc(sp.from.url)+`">`+esc(sp.from.page.Title)+`</a>`)
	fmt.Fprintf(&body, "<div class=\"code lang-go file\">\n<button type=\"button\" class=\"copy\" data-copy=\"%s\">コピー</button>\n", esc(string(sp.content)))
	body.WriteString(code)
	body.WriteString("\n</div>\n")
	bd.execute(&page{
		Path:    sp.url,
		Root:    root,
		Kind:    "file",
		Title:   sp.path,
		Book:    bd.title,
		Nav:     bd.nav(sp.from),
		Content: template.HTML(body.String()),
		Chapter: &navLink{URL: sp.from.url, Title: sp.from.page.Title},
	})
}
