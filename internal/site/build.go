package site

import (
	"bytes"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"maps"
	"net/url"
	"path"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"

	"tcpbook/internal/chapter"
	"tcpbook/internal/diag"
	"tcpbook/internal/extract"
	"tcpbook/internal/render"
)

// A Site is the built book: its files by slash path.
type Site struct {
	Files map[string][]byte
	// Sources are the files of the repository, outside the chapters, that
	// the chapters' diffs and quotes show: the site changes with them too.
	Sources []string
}

// Paths lists the site's files in order.
func (s *Site) Paths() []string {
	return slices.Sorted(maps.Keys(s.Files))
}

// templateID finds the ids that the page template gives its elements; a
// chapter's headings never take them.
var templateID = regexp.MustCompile(`\bid="([^"{}]+)"`)

// A page is what the template needs to make one page.
type page struct {
	Path    string // slash path in the site: 01.html
	Root    string // from the page to the site's root: "" or "../../"
	Kind    string // front, chapter, print or file
	Title   string
	Book    string // the book's title
	Nav     []navLink
	Prev    *navLink
	Next    *navLink
	TOC     []render.Heading
	Content template.HTML
	// On the front page, the chapters and their sections.
	Contents []contentsEntry
	// On a file's page, the chapter it comes from.
	Chapter *navLink
}

type navLink struct {
	URL     string // from the site's root
	Title   string
	Current bool
}

type contentsEntry struct {
	navLink
	Sections []render.Heading
}

// A chapterPage is a chapter (or the front page) and where it goes.
type chapterPage struct {
	ch    *chapter.Chapter
	url   string // 01.html
	print string // its id on the print page: ch-01
	files []*extract.File
	page  *render.Page
	// anchors are the ids of its page that a link may end in.
	anchors map[string]bool
	// ids are those of its listings and of its diffs that define a
	// declaration, which a program's page links back to.
	ids map[*chapter.Block]string
}

type builder struct {
	book *Book
	// refs are the files that diffs and quotes name: each has a page,
	// its own or (for a program of a chapter) the program's.
	refs  *refs
	pages []*chapterPage // the front page, then the chapters
	byDir map[string]*chapterPage
	tmpl  *template.Template
	taken []string // the template's own ids
	cache *render.Cache
	title string
	// set is the chapters' programs, made together (a program may grow
	// from another chapter's).
	set *extract.Set
	// code is where each listing, and each diff that defines a
	// declaration, is in its chapter's program: the URL of the
	// program's page at the line its code starts (see programLines).
	code map[*chapter.Block]string

	// The pages are made concurrently; mu guards what they add.
	mu   sync.Mutex
	site *Site
	errs diag.List
}

func (bd *builder) put(name string, data []byte) {
	bd.mu.Lock()
	defer bd.mu.Unlock()
	bd.site.Files[name] = data
}

func (bd *builder) problems(errs diag.List) {
	bd.mu.Lock()
	defer bd.mu.Unlock()
	bd.errs.Append(errs)
}

func (bd *builder) problem(file string, line int, format string, args ...any) {
	bd.mu.Lock()
	defer bd.mu.Unlock()
	bd.errs.Add(file, line, format, args...)
}

// Options say how to build a site.
type Options struct {
	// Cache keeps the highlighted code of one build for the next (see
	// render.Cache); nil for none.
	Cache *render.Cache
	// SearchIndex, when not nil, is given the making of the search
	// index (search-index.js), and the site lacks it: mdrun serve makes
	// it only when a page asks for it, as few do.
	SearchIndex func(makeIndex func() ([]byte, error))
}

// BuildDir loads the book at root and builds its site. It reports the
// problems of both, and Load's notes.
func BuildDir(root string, opts Options) (*Site, []string, diag.List) {
	b, notes, errs := Load(root)
	if b == nil {
		return nil, notes, errs
	}
	s, buildErrs := Build(b, opts)
	errs.Append(buildErrs)
	errs.Sort()
	return s, notes, errs
}

// start makes a builder of the book's site, with its pages, the files
// that diffs and quotes name, and the ids each page defines. It reports a
// book that has no pages to make (no front page, no template) by leaving
// its pages nil.
func start(b *Book, opts Options) *builder {
	cache := opts.Cache
	if cache == nil {
		cache = render.NewCache()
	}
	cache.Next()
	bd := &builder{book: b, byDir: map[string]*chapterPage{}, cache: cache, site: &Site{Files: map[string][]byte{}}}
	if b.Front == nil {
		bd.errs.Add(FrontPath, 0, "the book has no front page")
		return bd
	}
	src, err := fs.ReadFile(b.Theme, "page.html")
	if err == nil {
		bd.tmpl, err = template.New("page.html").Parse(string(src))
	}
	if err != nil {
		bd.errs.Add(ThemeDir+"/page.html", 0, "%v", err)
		return bd
	}
	for _, m := range templateID.FindAllStringSubmatch(string(src), -1) {
		bd.taken = append(bd.taken, m[1])
	}
	bd.pages = append(bd.pages, &chapterPage{ch: b.Front, url: "index.html", print: "front"})
	set, errs := extract.GenerateBook(b.Root, b.Chapters)
	bd.errs.Append(errs)
	bd.set = set
	for _, ch := range b.Chapters {
		name := path.Base(ch.Dir)
		files := set.Chapter(ch)
		cp := &chapterPage{ch: ch, url: name + ".html", print: "ch-" + name, files: files}
		bd.pages = append(bd.pages, cp)
		bd.byDir[ch.Dir] = cp
	}
	bd.refs = bd.resolveRefs()
	for p := range bd.refs.pages {
		bd.site.Sources = append(bd.site.Sources, p)
	}
	slices.Sort(bd.site.Sources)
	bd.code = programLines(bd.pages)
	for _, cp := range bd.pages {
		cp.anchors = render.Anchors(cp.ch, bd.options(cp, false))
		cp.ids = render.BlockIDs(cp.ch)
	}
	return bd
}

// Links reports what Build would report of the book's links and of its
// diffs and quotes, without making the site: each chapter is rendered
// with its code left out, which is most of a build's time. mdrun check
// reports these, so that check and book agree on what a problem is.
func Links(b *Book) diag.List {
	bd := start(b, Options{})
	if bd.pages == nil {
		return bd.errs
	}
	var wg sync.WaitGroup
	for _, cp := range bd.pages {
		wg.Go(func() {
			opts := bd.options(cp, false)
			opts.NoCode = true
			_, errs := render.Chapter(cp.ch, opts)
			bd.problems(errs)
		})
	}
	wg.Wait()
	bd.errs.Sort()
	return bd.errs
}

// Build makes the site of a book. It reports every problem it finds, each
// at its markdown line where it has one; the site is complete only when
// there are none.
func Build(b *Book, opts Options) (*Site, diag.List) {
	bd := start(b, opts)
	if bd.pages == nil {
		return nil, bd.errs
	}
	// Highlighting code takes most of the time: every block is
	// highlighted first, on every core, into the cache where the pages
	// find it; then the chapters, and the programs' pages, are made at
	// once.
	highlightAll(bd.cache, bd.pages)
	var wg sync.WaitGroup
	for _, cp := range bd.pages {
		wg.Go(func() {
			p, errs := render.Chapter(cp.ch, bd.options(cp, false))
			bd.problems(errs)
			cp.page = p
		})
	}
	wg.Wait()
	bd.title = bd.pages[0].page.Title
	// The search index is the longest of what is left: it is started
	// first, alongside the rest rather than after it.
	var idx []byte
	var idxErr error
	if opts.SearchIndex != nil {
		pages := bd.pages
		opts.SearchIndex(func() ([]byte, error) { return searchIndex(pages) })
	} else {
		wg.Go(func() { idx, idxErr = searchIndex(bd.pages) })
	}
	for _, cp := range bd.pages {
		for _, f := range cp.files {
			wg.Go(func() { bd.filePage(cp, f) })
		}
	}
	for _, p := range bd.refs.pages {
		wg.Go(func() { bd.sourcePage(p) })
	}
	wg.Go(bd.printPage)
	for i, cp := range bd.pages {
		bd.chapterPage(i, cp)
	}
	bd.assets()
	wg.Wait()
	if idxErr != nil {
		bd.problem("search-index.js", 0, "%v", idxErr)
	} else if opts.SearchIndex == nil {
		bd.put("search-index.js", idx)
	}
	bd.put(marker, []byte("This directory is made by mdrun book, which replaces it whole.\n"))
	bd.errs.Sort()
	return bd.site, bd.errs
}

// options says how a chapter's links, listings and transcripts render, on
// its own page or, with print, on the print page.
func (bd *builder) options(cp *chapterPage, print bool) render.Options {
	opts := render.Options{
		Taken:  bd.taken,
		Script: func(id string) string { return bd.book.Scripts[id] },
		Cache:  bd.cache,
		RefURL: func(r *chapter.Ref) string { return bd.refs.urls[r.String()] },
		NewText: func(b *chapter.Block) string {
			if b.To == nil {
				return ""
			}
			return bd.refs.texts[b.To.String()]
		},
		Link:       func(dest string) (string, error) { return bd.link(cp, dest, print) },
		ListingURL: func(b *chapter.Block) string { return bd.listingURL(cp, b) },
		Base:       func(b *chapter.Block) *render.Base { return bd.base(cp, b, print) },
		Use:        func(b *chapter.Block) *render.Base { return bd.use(b, print) },
	}
	if print {
		opts.IDPrefix = cp.print + "-"
	}
	return opts
}

func fileURL(f *extract.File) string { return f.Path() + ".html" }

// link resolves a link in a chapter (or the front page) to the page of
// the site it leads to. Every page rendered from markdown is at the site's
// root.
func (bd *builder) link(from *chapterPage, dest string, print bool) (string, error) {
	u, err := url.Parse(dest)
	if err != nil {
		return dest, err
	}
	if u.Scheme != "" || u.Host != "" {
		return dest, nil
	}
	target := path.Join(path.Dir(from.ch.Path), u.Path)
	dir := strings.TrimSuffix(target, "/README.md")
	var to *chapterPage
	switch {
	case target == FrontPath || target == "README.md":
		to = bd.pages[0]
	case bd.byDir[dir] != nil:
		to = bd.byDir[dir]
	case strings.HasPrefix(target, "chapters/") && path.Base(target) == "README.md":
		return dest, fmt.Errorf("%s is not in the book (%s)", path.Dir(target), OrderPath)
	}
	if to != nil {
		if u.Fragment != "" && !to.anchors[u.Fragment] {
			return dest, fmt.Errorf("%s has no heading or transcript with the id %q", to.ch.Path, u.Fragment)
		}
		switch {
		case !print && u.Fragment == "":
			return to.url, nil
		case !print:
			return to.url + "#" + u.Fragment, nil
		case u.Fragment == "":
			return "#" + to.print, nil
		default:
			return "#" + to.print + "-" + u.Fragment, nil
		}
	}
	for _, cp := range bd.pages {
		for _, f := range cp.files {
			if f.Path() == target {
				return fileURL(f), nil
			}
		}
	}
	if p := bd.refs.pages[target]; p != nil {
		return p.url, nil
	}
	// A file beside a chapter, such as a picture, is copied to the site.
	if strings.HasPrefix(target, "chapters/") || strings.HasPrefix(target, "book/") {
		if data, err := fs.ReadFile(bd.book.Files, target); err == nil && !strings.HasSuffix(target, ".go") {
			bd.put(target, data)
			return target, nil
		}
	}
	return dest, fmt.Errorf("%s is not part of the book: link to a chapter, a chapter's program, or a file beside a chapter", target)
}

// nav is the sidebar: the front page and the chapters, current marked.
func (bd *builder) nav(current *chapterPage) []navLink {
	var nav []navLink
	for _, cp := range bd.pages {
		title := cp.page.Title
		if cp == bd.pages[0] {
			title = "はじめに"
		}
		nav = append(nav, navLink{URL: cp.url, Title: title, Current: cp == current})
	}
	return nav
}

// chapterPage makes the page of the front matter (i = 0) or a chapter.
func (bd *builder) chapterPage(i int, cp *chapterPage) {
	p := &page{
		Path:    cp.url,
		Kind:    "chapter",
		Title:   cp.page.Title,
		Book:    bd.title,
		Nav:     bd.nav(cp),
		TOC:     cp.page.Headings,
		Content: cp.page.HTML,
	}
	if i > 0 {
		p.Prev = &p.Nav[i-1]
	}
	if i+1 < len(bd.pages) {
		p.Next = &p.Nav[i+1]
	}
	if i == 0 {
		p.Kind = "front"
		p.TOC = nil
		for _, c := range bd.pages[1:] {
			e := contentsEntry{navLink: navLink{URL: c.url, Title: c.page.Title}}
			for _, h := range c.page.Headings {
				if h.Level == 2 {
					e.Sections = append(e.Sections, h)
				}
			}
			p.Contents = append(p.Contents, e)
		}
	}
	bd.execute(p)
}

// printPage puts every chapter on one page, each in a section whose id
// prefixes the ids of its headings.
func (bd *builder) printPage() {
	var body strings.Builder
	size := 0
	for _, cp := range bd.pages {
		size += len(cp.page.HTML) + 100
	}
	body.Grow(size)
	p := &page{Path: "print.html", Kind: "print", Title: "すべての章（印刷用）", Book: bd.title, Nav: bd.nav(nil)}
	for i, cp := range bd.pages {
		// The problems are those of the chapter's own page, reported once.
		rp, _ := render.Chapter(cp.ch, bd.options(cp, true))
		body.WriteString(`<section class="print-chapter" id="` + cp.print + "\">\n")
		body.WriteString(string(rp.HTML))
		body.WriteString("</section>\n")
		p.TOC = append(p.TOC, render.Heading{Level: 2, ID: cp.print, Text: p.Nav[i].Title})
	}
	p.Content = template.HTML(body.String())
	bd.execute(p)
}

// filePage shows a program that a chapter's listings write, as extract
// writes it, with numbered lines that a listing's caption links to. A
// program that grows from another chapter's says so, and marks each
// declaration with the chapter that last changed it.
func (bd *builder) filePage(cp *chapterPage, f *extract.File) {
	code, err := bd.cache.Do("file\x00"+string(f.Content), func() (string, error) {
		return numbered(bd.cache, f)
	})
	if err != nil {
		bd.problem(f.Path(), 0, "highlighting: %v", err)
		return
	}
	root := strings.Repeat("../", strings.Count(fileURL(f), "/"))
	var ds []decl
	if f.Base != nil && !f.Broken {
		ds = decls(f)
	}
	var body strings.Builder
	body.Grow(len(code) + 2*len(f.Content) + 4<<10)
	esc := template.HTMLEscapeString
	fmt.Fprintf(&body, "<h1><code>%s</code></h1>\n", esc(f.Path()))
	how := "のリスティングをつなげて"
	if f.Base != nil {
		how = "のリスティングから"
	}
	fmt.Fprintf(&body, "<p>%s %s、<code>mdrun extract</code> が書き出したファイルです。<code>go run ./%s</code> で動かせます。</p>\n",
		`<a href="`+root+esc(cp.url)+`">`+esc(cp.page.Title)+`</a>`, how,
		esc(path.Dir(f.Path())))
	class := "code lang-go file"
	if ds != nil {
		body.WriteString(bd.legend(f, ds, root))
		code = bd.grownCode(code, f, ds, root)
		class += " grown"
	}
	fmt.Fprintf(&body, "<div class=\"%s\">\n<button type=\"button\" class=\"copy\" data-copy=\"%s\">コピー</button>\n", class, esc(string(f.Content)))
	body.WriteString(code)
	body.WriteString("\n</div>\n")
	p := &page{
		Path:    fileURL(f),
		Root:    root,
		Kind:    "file",
		Title:   f.Path(),
		Book:    bd.title,
		Nav:     bd.nav(cp),
		Content: template.HTML(body.String()),
		Chapter: &navLink{URL: cp.url, Title: cp.page.Title},
	}
	bd.execute(p)
}

func (bd *builder) execute(p *page) {
	// The template is run with a marker for the content, which is put
	// in its place after: the content, most of a page and megabytes on
	// the print page, is copied once, not through the template's fmt
	// and a growing buffer.
	content := p.Content
	p.Content = contentMarker
	var buf bytes.Buffer
	buf.Grow(16 << 10) // the template makes some 10 kB
	err := bd.tmpl.Execute(&buf, p)
	p.Content = content
	before, after, ok := bytes.Cut(buf.Bytes(), []byte(contentMarker))
	if err == nil && !ok {
		err = errors.New("the template does not show {{.Content}}")
	}
	if err != nil {
		bd.problem(ThemeDir+"/page.html", 0, "%s: %v", p.Path, err)
		return
	}
	bd.put(p.Path, slices.Concat(before, []byte(content), after))
}

// contentMarker stands for a page's content while its template runs.
const contentMarker template.HTML = "<!--mdrun:content-->"

// assets copies the theme's files other than the template to assets/,
// with the style sheet for highlighted code.
func (bd *builder) assets() {
	err := fs.WalkDir(bd.book.Theme, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || p == "page.html" {
			return err
		}
		data, err := fs.ReadFile(bd.book.Theme, p)
		if err != nil {
			return err
		}
		bd.put("assets/"+p, data)
		return nil
	})
	if err != nil {
		bd.problem(ThemeDir, 0, "%v", err)
	}
	bd.put("assets/chroma.css", render.CSS())
}

// highlightAll highlights the code blocks of every page into the cache,
// as many at once as there are cores, so that rendering the pages finds
// them there (render.Ahead).
func highlightAll(cache *render.Cache, pages []*chapterPage) {
	work := make(chan *chapter.Block)
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for b := range work {
				render.Ahead(cache, b)
			}
		})
	}
	for _, cp := range pages {
		for _, b := range cp.ch.Blocks {
			work <- b
		}
	}
	close(work)
	wg.Wait()
}
