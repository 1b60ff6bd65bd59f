package render

import (
	"strings"
	"testing"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"

	"tcpbook/internal/chapter"
)

func TestSlug(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"ソケットとは", "ソケットとは"},
		{"UDP はコネクションを作らないが、双方向に送れる", "udp-はコネクションを作らないが-双方向に送れる"},
		{"Listen、Dial、Accept、Close の流れ", "listen-dial-accept-close-の流れ"},
		{"localhost と ポート 0", "localhost-と-ポート-0"},
		{"HTTP/1.1 のキープアライブ", "http-1-1-のキープアライブ"},
		{"  ‐‐ 「Accept」 ‐‐ ", "accept"},
		{"net_http", "net_http"},
		{"ＴＣＰ（全角）", "ＴＣＰ-全角"}, // only ASCII is lower-cased
		{"？！", ""},
	} {
		if got := Slug(tc.in); got != tc.want {
			t.Errorf("Slug(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestIDsUnique(t *testing.T) {
	ids := NewIDs("content")
	ids.Put([]byte("ch01-run"))
	var got []string
	for _, text := range []string{"ソケットとは", "ソケットとは", "content", "ch01-run", "ソケットとは", "？"} {
		got = append(got, string(ids.Generate([]byte(text), ast.KindHeading)))
	}
	want := []string{"ソケットとは", "ソケットとは-1", "content-1", "ch01-run-1", "ソケットとは-2", "section"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("ids = %q, want %q", got, want)
	}
	// A heading whose text is what a suffixed id was is suffixed in turn.
	if got := string(ids.Generate([]byte("ソケットとは-1"), ast.KindHeading)); got != "ソケットとは-1-1" {
		t.Errorf("id for %q = %q, want %q", "ソケットとは-1", got, "ソケットとは-1-1")
	}
}

func TestCommands(t *testing.T) {
	for _, tc := range []struct{ name, body, want string }{
		{"one", "$ go run ./chapters/01\nhello\n", "go run ./chapters/01"},
		{"output looks like a prompt", "$ echo '$ x'\n$ x\n", "echo '$ x'\nx"},
		{"two with output", "$ go run ./chapters/02 &\n[1] 42\n$ curl -s localhost:8888\nHello\n", "go run ./chapters/02 &\ncurl -s localhost:8888"},
		{"continued", "$ curl -s \\\n    -H 'A: b' \\\n    localhost:8888\nHello\n$ ls\n", "curl -s \\\n    -H 'A: b' \\\n    localhost:8888\nls"},
		{"dollar without space is output", "$ printf '$x\\n'\n$x\n", "printf '$x\\n'"},
		{"no command", "hello\n", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Commands(tc.body); got != tc.want {
				t.Errorf("Commands(%q) = %q, want %q", tc.body, got, tc.want)
			}
		})
	}
}

func TestCSS(t *testing.T) {
	css := string(CSS())
	for _, want := range []string{
		".chroma .k {",                           // light keyword
		`:root[data-theme="dark"] .chroma .k {`,  // dark, chosen by the reader
		"@media (prefers-color-scheme: dark) {",  // dark, by the system
		`:root:not([data-theme]) .chroma .k {`,   // ... before a script sets the theme
		`:root[data-theme="dark"] .chroma .ln {`, // every rule is scoped
		"DO NOT EDIT",
		// A token the light style colours and the dark one does not
		// (Name.Other) has the dark text colour.
		`:root[data-theme="dark"] .chroma .nx,`,
	} {
		if !strings.Contains(css, want) {
			t.Errorf("CSS lacks %q", want)
		}
	}
	for _, line := range strings.Split(css, "\n") {
		if strings.HasPrefix(line, ".bg ") || strings.HasPrefix(line, ".chroma {") || strings.Contains(line, "] .chroma {") {
			t.Errorf("CSS sets the code block's own colours, which book.css owns: %s", line)
		}
	}
	// The dark keyword colour differs from the light one.
	light, dark := ruleFor(css, ".chroma .k {"), ruleFor(css, `:root[data-theme="dark"] .chroma .k {`)
	if light == "" || light == dark {
		t.Errorf("light and dark keyword rules are %q and %q", light, dark)
	}
}

func ruleFor(css, selector string) string {
	for _, line := range strings.Split(css, "\n") {
		if strings.HasPrefix(line, selector) {
			return strings.TrimPrefix(line, selector)
		}
	}
	return ""
}

// TestIDsInGoldmark: IDs is a parser.IDs, so goldmark's own automatic
// heading ids keep Japanese with it, where its default drops it.
func TestIDsInGoldmark(t *testing.T) {
	src := []byte("## ソケットとは\n\n## ソケットとは\n")
	for _, tc := range []struct {
		name string
		ids  parser.IDs
		want []string
	}{
		{"default", nil, []string{"heading", "heading-1"}},
		{"IDs", NewIDs(), []string{"ソケットとは", "ソケットとは-1"}},
	} {
		md := goldmark.New(goldmark.WithParserOptions(parser.WithAutoHeadingID()))
		var opts []parser.ContextOption
		if tc.ids != nil {
			opts = append(opts, parser.WithIDs(tc.ids))
		}
		doc := md.Parser().Parse(text.NewReader(src), parser.WithContext(parser.NewContext(opts...)))
		var got []string
		for n := doc.FirstChild(); n != nil; n = n.NextSibling() {
			id, _ := n.AttributeString("id")
			got = append(got, string(id.([]byte)))
		}
		if strings.Join(got, " ") != strings.Join(tc.want, " ") {
			t.Errorf("%s: ids %q, want %q", tc.name, got, tc.want)
		}
	}
}

// TestRenderTwice: rendering a chapter leaves its tree as it was, so that
// the print page, which renders it again, shows the same.
func TestRenderTwice(t *testing.T) {
	src := "# 表\n\n| a | b |\n|:--|--:|\n| 1 | 2 |\n\n```go\nx := 1\n```\n\n## 節\n"
	ch, errs := chapter.Parse("chapters/01/README.md", []byte(src))
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	first, _ := Chapter(ch, Options{})
	second, _ := Chapter(ch, Options{})
	if first.HTML != second.HTML {
		t.Errorf("the second rendering differs:\n%s\n---\n%s", first.HTML, second.HTML)
	}
	if !strings.Contains(string(first.HTML), `<th style="text-align:left">a</th>`) {
		t.Errorf("no aligned header cell in:\n%s", first.HTML)
	}
}
