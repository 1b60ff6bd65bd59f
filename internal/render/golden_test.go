package render

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/diff"
	"github.com/rogpeppe/go-internal/txtar"

	"tcpbook/internal/chapter"
)

var update = flag.Bool("update", false, "rewrite the want sections of testdata/*.txtar with what the renderer makes")

// TestGolden renders the chapter.md of each testdata/*.txtar and compares
// the page with the archive's page.html, its table of contents and search
// sections with toc.txt, and the problems reported with errors.txt. The
// archive's comment may set options, one a line: "prefix: ID-PREFIX".
//
// Run with -update to rewrite those sections, then read the diff.
func TestGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/*.txtar")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no testdata/*.txtar")
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txtar"), func(t *testing.T) {
			ar, err := txtar.ParseFile(file)
			if err != nil {
				t.Fatal(err)
			}
			src := section(ar, "chapter.md")
			if src == nil {
				t.Fatalf("%s has no chapter.md", file)
			}
			ch, errs := chapter.Parse("chapters/01/README.md", src)
			if len(errs) > 0 {
				t.Fatalf("chapter.md does not parse:\n%v", errs)
			}
			page, errs := Chapter(ch, testOptions(string(ar.Comment)))
			got := map[string]string{
				"page.html":  string(page.HTML),
				"toc.txt":    describe(page),
				"errors.txt": errs.Error() + "\n",
			}
			if *update {
				for _, name := range []string{"page.html", "toc.txt", "errors.txt"} {
					setSection(ar, name, got[name])
				}
				if err := os.WriteFile(file, txtar.Format(ar), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			for _, name := range []string{"page.html", "toc.txt", "errors.txt"} {
				want := section(ar, name)
				if want == nil {
					t.Errorf("%s has no %s; run go test -update", file, name)
					continue
				}
				if got[name] != string(want) {
					t.Errorf("%s: %s differs (-want +got):\n%s\nrun go test ./internal/render -update to accept.", file, name, diff.Diff("want", want, "got", []byte(got[name])))
				}
			}
		})
	}
}

// testOptions are the options of the golden tests: links to other
// chapters' README.md become NN.html, a link to missing.md is rejected, a
// listing (and a diff that defines a declaration) links to its file's
// page at the block's markdown line, a diff or a quote to its file's page
// at line 10 (unless its path holds "nopage"), a diff copies the new side
// of its hunks, and the files under grow/ and nopage/ grow from chapter
// 4's of the same name, which has a page only for grow/.
func testOptions(comment string) Options {
	opts := Options{
		Taken: []string{"content"},
		Link: func(dest string) (string, error) {
			if strings.Contains(dest, "missing") {
				return dest, errors.New("not in the book")
			}
			if dir, ok := strings.CutSuffix(dest, "/README.md"); ok {
				return strings.TrimPrefix(dir, "../") + ".html", nil
			}
			return dest, nil
		},
		ListingURL: func(b *chapter.Block) string {
			file := b.File
			if b.Kind == chapter.Diff {
				file = b.Defines("chapters/01")
			}
			if strings.Contains(file, "nopage") {
				return ""
			}
			return fmt.Sprintf("chapters/01/%s.html#L%d", file, b.BodyLine)
		},
		Base: func(b *chapter.Block) *Base {
			switch {
			case strings.HasPrefix(b.File, "grow/"):
				return &Base{Chapter: "第4章", ChapterURL: "04.html#listing-" + b.File + "-1", File: b.File, URL: "chapters/04/" + b.File + ".html"}
			case strings.HasPrefix(b.File, "nopage/"):
				return &Base{Chapter: "第4章", File: b.File}
			}
			return nil
		},
		RefURL: func(r *chapter.Ref) string {
			if strings.Contains(r.Path, "nopage") {
				return ""
			}
			return r.Path + ".html#L10"
		},
		Script: func(id string) string {
			if id == "ch01-run" {
				return "testdata/scripts/ch01.txtar"
			}
			return ""
		},
	}
	for _, line := range strings.Split(comment, "\n") {
		if v, ok := strings.CutPrefix(line, "prefix: "); ok {
			opts.IDPrefix = v
		}
	}
	return opts
}

func describe(p *Page) string {
	var b strings.Builder
	fmt.Fprintf(&b, "title: %s\n", p.Title)
	for _, h := range p.Headings {
		fmt.Fprintf(&b, "h%d #%s %s\n", h.Level, h.ID, h.Text)
	}
	for _, s := range p.Sections {
		fmt.Fprintf(&b, "section #%s %s: %q\n", s.ID, s.Title, s.Text)
	}
	return b.String()
}

func section(ar *txtar.Archive, name string) []byte {
	for _, f := range ar.Files {
		if f.Name == name {
			return f.Data
		}
	}
	return nil
}

func setSection(ar *txtar.Archive, name, data string) {
	for i, f := range ar.Files {
		if f.Name == name {
			ar.Files[i].Data = []byte(data)
			return
		}
	}
	ar.Files = append(ar.Files, txtar.File{Name: name, Data: []byte(data)})
}
