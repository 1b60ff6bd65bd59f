package render

import (
	"html/template"
	"strings"

	"github.com/yuin/goldmark/util"

	"tcpbook/internal/chapter"
)

// The pieces of a chapter's page that belong to programs that grow from
// another chapter's (base=): a listing says what its file starts as, and
// what it takes away; a listing with nothing in it, which takes its file
// whole, is one line; a listing and a diff that defines a declaration
// link to the whole program, at their code.

// id is the block's id on the page, with the prefix: its own {#id}, or
// the one BlockIDs gives it.
func (r *codeRenderer) id(b *chapter.Block) string {
	id := b.ID
	if id == "" {
		id = r.ids[b]
	}
	if id == "" {
		return ""
	}
	return r.opts.IDPrefix + id
}

// base is what the program of a listing grows from, or nil.
func (r *codeRenderer) base(b *chapter.Block) *Base {
	if b.Kind != chapter.Listing {
		return nil
	}
	if r.opts.Base != nil {
		if base := r.opts.Base(b); base != nil {
			return base
		}
	}
	if b.Base != nil {
		return &Base{File: b.Base.Written}
	}
	return nil
}

// baseName is the base's file in a sentence: 第4章の server/main.go, each
// linked to its page.
func baseName(base *Base) string {
	esc := template.HTMLEscapeString
	link := func(url, text string) string {
		if url == "" {
			return text
		}
		return `<a href="` + esc(url) + `">` + text + `</a>`
	}
	file := link(base.URL, "<code>"+esc(base.File)+"</code>")
	if base.Chapter == "" {
		return file
	}
	return link(base.ChapterURL, esc(base.Chapter)) + "の " + file
}

// wholeURL is where a listing, or a diff that defines a declaration,
// links to the whole program: the program's page at the block's code, or
// "".
func (r *codeRenderer) wholeURL(b *chapter.Block) string {
	if r.opts.ListingURL == nil || b.Kind == chapter.Diff && b.Defines(r.ch.Dir) == "" {
		return ""
	}
	return r.opts.ListingURL(b)
}

// withWhole is a caption with a link to the whole program at its end.
// The caption is one piece (a span), so that the caption's flexible box
// wraps its words as text and puts the link at the right.
func (r *codeRenderer) withWhole(b *chapter.Block, caption string) string {
	url := r.wholeURL(b)
	if url == "" {
		return caption
	}
	return `<span>` + caption + `</span> <a class="whole" href="` + template.HTMLEscapeString(url) + `">プログラム全体</a>`
}

// baseNote follows the file's name in the caption of the listing that
// says what the file starts as (base=).
func (r *codeRenderer) baseNote(b *chapter.Block) string {
	base := r.base(b)
	if base == nil || b.Base == nil {
		return ""
	}
	return `<span class="note">（` + baseName(base) + ` をもとに）</span>`
}

// removeNote says which of the base's declarations a listing takes away
// (remove=), or "".
func (r *codeRenderer) removeNote(b *chapter.Block) string {
	if len(b.Remove) == 0 {
		return ""
	}
	from := "もとのファイル"
	if base := r.base(b); base != nil {
		from = baseName(base)
	}
	return from + " から、次の宣言を除きます: " + codeList(b.Remove) + "。"
}

func codeList(names []string) string {
	var b strings.Builder
	for i, n := range names {
		if i > 0 {
			b.WriteString("、")
		}
		b.WriteString("<code>" + template.HTMLEscapeString(n) + "</code>")
	}
	return b.String()
}

// inherits reports whether b is a listing with nothing in it, of a
// program that grows from another: it takes that program's file, all or
// but what it removes, and is shown as one line.
func (r *codeRenderer) inherits(b *chapter.Block) bool {
	return b.Kind == chapter.Listing && strings.TrimSpace(b.Body) == "" && (r.base(b) != nil || b.Use != nil)
}

// writeUse writes a listing that stands for another program's
// declaration (use=) as one line naming it, linked to where it is shown.
func (r *codeRenderer) writeUse(w util.BufWriter, b *chapter.Block) {
	esc := template.HTMLEscapeString
	var where *Base
	if r.opts.Use != nil {
		where = r.opts.Use(b)
	}
	if where == nil {
		where = &Base{File: strings.TrimSuffix(b.Use.Written, "#"+b.Use.Name)}
	}
	w.WriteString(`<p class="inherited"`)
	if id := r.id(b); id != "" {
		w.WriteString(` id="` + esc(id) + `"`)
	}
	w.WriteString(`><span class="badge">使う</span> <span>`)
	w.WriteString("<code>" + esc(b.File) + "</code> の <code>" + esc(b.Use.Name) + "</code> は、" + baseName(where) + " の <code>" + esc(b.Use.Name) + "</code> をそのまま使います。")
	w.WriteString("</span>")
	if url := r.wholeURL(b); url != "" {
		w.WriteString(` <a class="whole" href="` + esc(url) + `">プログラム全体</a>`)
	}
	w.WriteString("</p>\n")
}

// writeInherited writes a listing that takes its file from the base as
// one line, which links to the base and to the whole program.
func (r *codeRenderer) writeInherited(w util.BufWriter, b *chapter.Block) {
	if b.Use != nil {
		r.writeUse(w, b)
		return
	}
	esc := template.HTMLEscapeString
	base := r.base(b)
	file := "<code>" + esc(b.File) + "</code>"
	w.WriteString(`<p class="inherited"`)
	if id := r.id(b); id != "" {
		w.WriteString(` id="` + esc(id) + `"`)
	}
	w.WriteString(`><span class="badge">受け継ぐ</span> <span>`)
	if b.Base == nil {
		// A listing after the first, with nothing in it: it only
		// removes.
		w.WriteString(file + " からは、" + baseName(base) + " にあった次の宣言を除きます: " + codeList(b.Remove) + "。")
	} else {
		// Does the chapter change the file after this line?
		changed := false
		for _, o := range r.ch.Blocks {
			if o != b && (o.Kind == chapter.Listing && o.File == b.File || o.Defines(r.ch.Dir) == b.File) {
				changed = true
			}
		}
		if changed || len(b.Remove) > 0 {
			w.WriteString(file + " は、" + baseName(base) + " をもとにします。")
		} else {
			w.WriteString(file + " は、" + baseName(base) + " をそのまま使います。")
		}
		if len(b.Remove) > 0 {
			w.WriteString("次の宣言は除きます: " + codeList(b.Remove) + "。")
		}
		if changed {
			w.WriteString("変えるところは、このあとで示します。")
		}
	}
	w.WriteString("</span>")
	if url := r.wholeURL(b); url != "" {
		w.WriteString(` <a class="whole" href="` + esc(url) + `">プログラム全体</a>`)
	}
	w.WriteString("</p>\n")
}
