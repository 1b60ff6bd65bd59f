package site

import (
	"fmt"
	"html/template"
	"path"
	"slices"
	"strconv"
	"strings"

	"tcpbook/internal/chapter"
	"tcpbook/internal/extract"
	"tcpbook/internal/godecl"
	"tcpbook/internal/render"
)

// Programs that grow from another chapter's (base=): their listings link
// to their place in the whole program, and the program's page says, for
// each declaration, which chapter last changed it and where that chapter
// explains it, and marks what its own chapter changed.

// programLines finds where each listing, and each diff that defines a
// declaration, is in its chapter's program: the URL of the program's page
// at the first line of the block's code. A listing of a program that
// grows may put its declarations in several places: its first
// declaration's is taken.
func programLines(pages []*chapterPage) map[*chapter.Block]string {
	type at struct{ md, line int }
	urls := map[*chapter.Block]string{}
	for _, cp := range pages {
		for _, f := range cp.files {
			found := map[*chapter.Block]at{}
			line := 1
			for _, p := range f.Parts() {
				if p.Block != nil && p.Chapter == f.Chapter {
					if a, ok := found[p.Block]; !ok || p.Line < a.md {
						found[p.Block] = at{p.Line, line}
					}
				}
				line += strings.Count(p.Text, "\n")
			}
			for b, a := range found {
				urls[b] = fileURL(f) + "#L" + strconv.Itoa(a.line)
			}
		}
	}
	return urls
}

// listingURL is where a listing's caption, or a diff's that defines a
// declaration, links: its program's page at its code.
func (bd *builder) listingURL(cp *chapterPage, b *chapter.Block) string {
	if u := bd.code[b]; u != "" {
		return u
	}
	name := b.File
	if b.Kind == chapter.Diff {
		name = b.Defines(cp.ch.Dir)
		if name == "" {
			return ""
		}
		// A diff to a program that does not grow shows a change that
		// the program's listings show in full: its declaration is
		// where the diff's caption links.
		if u := bd.refs.urls[b.To.String()]; u != "" {
			return u
		}
	}
	for _, f := range cp.files {
		if f.Name == name {
			return fileURL(f)
		}
	}
	return ""
}

// base says what the program of a listing grows from, for the listing's
// caption or line; nil when it grows from nothing.
func (bd *builder) base(cp *chapterPage, b *chapter.Block, print bool) *render.Base {
	if b.Kind != chapter.Listing {
		return nil
	}
	f := fileNamed(cp.files, b.File)
	if f == nil || f.Base == nil {
		return nil
	}
	bf := f.Base
	base := &render.Base{Chapter: chapterLabel(bf.Chapter), File: bf.Name, URL: bd.programURL(bf)}
	if print {
		if bcp := bd.pageOf(bf.Chapter); bcp != nil {
			base.ChapterURL = "#" + bcp.print + "-" + bcp.ids[bf.Blocks[0]]
		}
	} else {
		base.ChapterURL = bd.blockURL(bf.Chapter, bf.Blocks[0])
	}
	return base
}

func fileNamed(files []*extract.File, name string) *extract.File {
	for _, f := range files {
		if f.Name == name {
			return f
		}
	}
	return nil
}

// pageOf is the page of a chapter of the book, or nil for a chapter that
// is not in the book (a base read from the disk).
func (bd *builder) pageOf(ch *chapter.Chapter) *chapterPage {
	if cp := bd.byDir[ch.Dir]; cp != nil && cp.ch == ch {
		return cp
	}
	return nil
}

// programURL is the page of a program, from the site's root, or "" when
// it has none: its chapter is not in the book, and no diff names it.
func (bd *builder) programURL(f *extract.File) string {
	if bd.pageOf(f.Chapter) != nil {
		return fileURL(f)
	}
	if sp := bd.refs.pages[f.Path()]; sp != nil {
		return sp.url
	}
	return ""
}

// blockURL is where a chapter's page shows a block, from the site's root,
// or "" when the chapter is not in the book.
func (bd *builder) blockURL(ch *chapter.Chapter, b *chapter.Block) string {
	cp := bd.pageOf(ch)
	if cp == nil {
		return ""
	}
	if id := cp.ids[b]; id != "" {
		return cp.url + "#" + id
	}
	return cp.url
}

// chapterLabel is how a program's page names a chapter: 第4章 for
// chapters/04.
func chapterLabel(ch *chapter.Chapter) string {
	dir := path.Base(ch.Dir)
	if n, err := strconv.Atoi(dir); err == nil {
		return "第" + strconv.Itoa(n) + "章"
	}
	return dir
}

// A decl is a declaration of a program that grows, and where it comes
// from.
type decl struct {
	first, last int // its lines in the file
	name        string
	from        extract.Part // the first part of it that a chapter shows
	own         bool         // its chapter is the program's: changed there
	added       bool         // new there (new=)
}

// decls splits a program that grows into its declarations, each with the
// chapter that last changed it. It returns nil for a file that does not
// parse (checking reports why).
func decls(f *extract.File) []decl {
	body, first := extract.Listings(f.Content)
	ds, err := godecl.Parse(f.Path(), body)
	if err != nil {
		return nil
	}
	// owner[i] is the part that line i+1 of the file comes from.
	var owner []int
	for i, p := range f.Parts() {
		for range strings.Count(p.Text, "\n") {
			owner = append(owner, i)
		}
	}
	var added []string
	for _, b := range f.Blocks {
		added = append(added, b.New...)
	}
	parts := f.Parts()
	var out []decl
	for _, d := range ds {
		if d.Kind == godecl.Package {
			d.First = 1 // with the comments above it, as extract takes it
		}
		dc := decl{first: first + d.First - 1, last: first + d.Last - 1, name: d.Name()}
		for l := dc.first; l <= dc.last && l <= len(owner); l++ {
			if p := parts[owner[l-1]]; p.Block != nil {
				dc.from = p
				break
			}
		}
		if dc.from.Block == nil {
			continue
		}
		dc.own = dc.from.Chapter == f.Chapter
		dc.added = dc.own && slices.ContainsFunc(added, d.Has)
		out = append(out, dc)
	}
	return out
}

// grownCode marks the lines of a program's highlighted code (numbered)
// by the declarations they belong to: a column on the left names, on a
// declaration's first line, the chapter that last changed it, linking to
// where that chapter shows it; the lines of a declaration that the
// program's own chapter changed are marked "changed", and their label
// says この章.
func (bd *builder) grownCode(code string, f *extract.File, ds []decl, root string) string {
	esc := template.HTMLEscapeString
	labels := map[int]string{}
	changed := make([]bool, strings.Count(string(f.Content), "\n")+2)
	for _, d := range ds {
		text := chapterLabel(d.from.Chapter)
		class := "from-label"
		what := d.name + " を説明しているところ"
		if d.own {
			text, class = "この章", "from-label this"
			what = d.name + " を変えたところ"
			if d.added {
				what = d.name + " を加えたところ"
			}
			for l := d.first; l <= d.last && l < len(changed); l++ {
				changed[l] = true
			}
		}
		hidden := `<span class="visually-hidden">: ` + esc(what) + `</span>`
		if u := bd.blockURL(d.from.Chapter, d.from.Block); u != "" {
			labels[d.first] = `<a class="` + class + `" href="` + esc(root+u) + `">` + text + hidden + `</a>`
		} else {
			labels[d.first] = `<span class="` + class + `">` + text + `</span>`
		}
	}
	const line = `<span class="line">`
	var out strings.Builder
	out.Grow(len(code) + len(changed)*32 + len(labels)*200)
	n := 0
	for {
		i := strings.Index(code, line)
		if i < 0 {
			out.WriteString(code)
			break
		}
		n++
		out.WriteString(code[:i])
		if n < len(changed) && changed[n] {
			out.WriteString(`<span class="line changed">`)
		} else {
			out.WriteString(line)
		}
		out.WriteString(`<span class="from">` + labels[n] + `</span>`)
		code = code[i+len(line):]
	}
	return out.String()
}

// legend is what a grown program's page says above its code: what it
// starts as, how its lines are marked, and what its chapter changed.
func (bd *builder) legend(f *extract.File, ds []decl, root string) string {
	esc := template.HTMLEscapeString
	link := func(u, text string) string {
		if u == "" {
			return text
		}
		return `<a href="` + esc(root+u) + `">` + text + `</a>`
	}
	bf := f.Base
	var b strings.Builder
	b.WriteString(`<div class="program-legend">` + "\n")
	fmt.Fprintf(&b, "<p>このプログラムは、%sの %s をもとにしています。宣言ごとに、最後に変えた章を左に示しています。この章で変えた宣言には <span class=\"from-label this\">この章</span> の印を付け、背景の色を変えています。章の名前を押すと、その宣言を説明しているところへ移ります。</p>\n",
		link(bd.blockURL(bf.Chapter, bf.Blocks[0]), esc(chapterLabel(bf.Chapter))),
		link(bd.programURL(bf), "<code>"+esc(bf.Name)+"</code>"))
	var own []string
	for _, d := range ds {
		if d.own {
			s := `<a href="#L` + strconv.Itoa(d.first) + `"><code>` + esc(d.name) + `</code></a>`
			if d.added {
				s += "（新しい宣言）"
			}
			own = append(own, s)
		}
	}
	var removed []string
	for _, blk := range f.Blocks {
		for _, n := range blk.Remove {
			removed = append(removed, "<code>"+esc(n)+"</code>")
		}
	}
	b.WriteString("<p>")
	if len(own) > 0 {
		b.WriteString("この章で変えた宣言: " + strings.Join(own, "、") + "。")
	} else {
		b.WriteString("この章では、どの宣言も変えていません。")
	}
	if len(removed) > 0 {
		b.WriteString("除いた宣言: " + strings.Join(removed, "、") + "。")
	}
	b.WriteString("</p>\n</div>\n")
	return b.String()
}

// use says where the declaration that a listing with use= stands for is
// shown: its chapter, at the block that shows it, and its program's page,
// at its line.
func (bd *builder) use(b *chapter.Block, print bool) *render.Base {
	if b.Use == nil || bd.set == nil {
		return nil
	}
	f := bd.set.File(b.Use.Path)
	if f == nil {
		return nil
	}
	u := &render.Base{Chapter: chapterLabel(f.Chapter), File: f.Name, URL: bd.programURL(f)}
	_, line, err := f.Decl(b.Use.Name)
	if err != nil {
		return u
	}
	if u.URL != "" {
		u.URL += "#L" + strconv.Itoa(line)
	}
	// The part of the file that holds the declaration says which block
	// of which chapter shows it.
	n := 1
	for _, p := range f.Parts() {
		lines := strings.Count(p.Text, "\n")
		if line >= n && line < n+lines && p.Block != nil {
			if print {
				if cp := bd.pageOf(p.Chapter); cp != nil {
					u.ChapterURL = "#" + cp.print + "-" + cp.ids[p.Block]
				}
			} else {
				u.ChapterURL = bd.blockURL(p.Chapter, p.Block)
			}
			break
		}
		n += lines
	}
	return u
}
