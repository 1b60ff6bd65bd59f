package site

import (
	"html"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/alecthomas/chroma/v2"
	chromahtml "github.com/alecthomas/chroma/v2/formatters/html"
	"github.com/alecthomas/chroma/v2/lexers"
	"github.com/alecthomas/chroma/v2/styles"

	"tcpbook/internal/chapter"
	"tcpbook/internal/extract"
	"tcpbook/internal/render"
)

// TestNumbered: a program's page, made from its listings' tokens, is
// what highlighting the whole file makes, for every program of the
// fixtures (one of whose programs grow from others') and of this
// repository's book.
func TestNumbered(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, dir := range []string{fixture, grownFixture, root} {
		b, _, errs := Load(dir)
		if len(errs) > 0 {
			t.Fatalf("%s: %v", dir, errs)
		}
		set, errs := extract.GenerateBook(b.Root, b.Chapters)
		if len(errs) > 0 {
			t.Fatalf("%s: %v", dir, errs)
		}
		for _, ch := range b.Chapters {
			for _, f := range set.Chapter(ch) {
				n++
				var joined strings.Builder
				for _, p := range f.Parts() {
					joined.WriteString(p.Text)
				}
				if joined.String() != string(f.Content) {
					t.Errorf("%s: its parts do not make up the file", f.Path())
					continue
				}
				got, err := numbered(render.NewCache(), f)
				if err != nil {
					t.Fatal(err)
				}
				if want := whole(t, f); got != want {
					t.Errorf("%s: made from the listings, the page differs from the whole file's:\n%s", f.Path(), firstDiff(got, want))
				}
				// Every line has its id, and the text is the file's.
				lines := strings.Count(string(f.Content), "\n")
				for _, id := range []int{1, lines} {
					if c := strings.Count(got, `id="L`+strconv.Itoa(id)+`"`); c != 1 {
						t.Errorf("%s: id L%d appears %d times", f.Path(), id, c)
					}
				}
				text := html.UnescapeString(tags.ReplaceAllString(lineNumberSpans.ReplaceAllString(got, ""), ""))
				if text != string(f.Content) {
					t.Errorf("%s: the page's text is not the file's:\n%s", f.Path(), firstDiff(text, string(f.Content)))
				}
			}
		}
	}
	if n < 2 {
		t.Fatalf("only %d programs", n)
	}
}

var (
	tags            = regexp.MustCompile(`<[^>]*>`)
	lineNumberSpans = regexp.MustCompile(`<span class="ln"[^>]*><a[^>]*>[ 0-9]*</a></span>`)
)

func whole(t *testing.T, f *extract.File) string {
	it, err := chroma.Coalesce(lexers.Get("go")).Tokenise(nil, string(f.Content))
	if err != nil {
		t.Fatal(err)
	}
	opts := append(render.FormatOptions(), chromahtml.WithLineNumbers(true), chromahtml.WithLinkableLineNumbers(true, "L"))
	var b strings.Builder
	if err := chromahtml.New(opts...).Format(&b, styles.Get(render.LightStyle), it); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func firstDiff(a, b string) string {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	from := max(0, i-80)
	return "got:  …" + a[from:min(len(a), i+80)] + "\nwant: …" + b[from:min(len(b), i+80)]
}

// TestHighlightAll: a chapter rendered from the cache that highlightAll
// fills is the chapter rendered on its own, block for block, and finds
// all its code there.
func TestHighlightAll(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	for _, dir := range []string{fixture, grownFixture, root} {
		b, _, errs := Load(dir)
		if len(errs) > 0 {
			t.Fatalf("%s: %v", dir, errs)
		}
		var pages []*chapterPage
		for _, ch := range append([]*chapter.Chapter{b.Front}, b.Chapters...) {
			pages = append(pages, &chapterPage{ch: ch})
		}
		cache := render.NewCache()
		cache.Next()
		highlightAll(cache, pages)
		ahead := cache.Tokenised()
		for _, cp := range pages {
			alone, _ := render.Chapter(cp.ch, render.Options{})
			cached, _ := render.Chapter(cp.ch, render.Options{Cache: cache})
			if alone.HTML != cached.HTML {
				t.Errorf("%s: from the cache, the page differs:\n%s", cp.ch.Path, firstDiff(string(cached.HTML), string(alone.HTML)))
			}
		}
		// The pages found all their code highlighted ahead.
		if n := cache.Tokenised() - ahead; n > 0 {
			t.Errorf("%s: rendering the chapters tokenised %d texts that highlightAll had not", dir, n)
		}
	}
}

// BenchmarkBuild builds this repository's book, as mdrun book does (with
// a cache of its own each time), without writing it.
func BenchmarkBuild(b *testing.B) {
	root, err := filepath.Abs("../..")
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, _, errs := BuildDir(root, Options{}); len(errs) > 0 {
			b.Fatal(errs)
		}
	}
}
