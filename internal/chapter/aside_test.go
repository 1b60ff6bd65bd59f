package chapter

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/yuin/goldmark/ast"

	"tcpbook/internal/diag"
)

// outline describes the blocks of a document, one a line, indented by
// depth: an aside as "Aside(kind)", a paragraph with its text.
func outline(doc ast.Node, src []byte) string {
	var b strings.Builder
	depth := 0
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if n.Type() != ast.TypeBlock || n == doc {
			return ast.WalkContinue, nil
		}
		if !entering {
			depth--
			return ast.WalkContinue, nil
		}
		b.WriteString(strings.Repeat("  ", depth))
		switch n := n.(type) {
		case *Aside:
			fmt.Fprintf(&b, "Aside(%s %s)", n.AsideKind, n.Label())
		case *ast.Paragraph:
			fmt.Fprintf(&b, "Paragraph %q", inlineOf(n, src))
		default:
			b.WriteString(n.Kind().String())
		}
		b.WriteByte('\n')
		depth++
		return ast.WalkContinue, nil
	})
	return b.String()
}

// inlineOf is the text of a paragraph, with its line breaks as \n.
func inlineOf(p ast.Node, src []byte) string {
	var b strings.Builder
	for c := p.FirstChild(); c != nil; c = c.NextSibling() {
		if t, ok := c.(*ast.Text); ok {
			b.Write(t.Segment.Value(src))
			if t.SoftLineBreak() || t.HardLineBreak() {
				b.WriteByte('\n')
			}
			continue
		}
		b.WriteString("<" + c.Kind().String() + ">")
	}
	return b.String()
}

func TestAside(t *testing.T) {
	tests := []struct {
		name, src, want string
	}{
		{"note", "> [!NOTE]\n> 本文\n",
			"Aside(note 注)\n  Paragraph \"本文\"\n"},
		{"all kinds, in any case", "> [!tip]\n> a\n\n> [!Important]\n> b\n\n> [!WARNING]\n> c\n\n> [!cAuTiOn]\n> d\n",
			"Aside(tip ヒント)\n  Paragraph \"a\"\n" +
				"Aside(important 重要)\n  Paragraph \"b\"\n" +
				"Aside(warning 警告)\n  Paragraph \"c\"\n" +
				"Aside(caution 注意)\n  Paragraph \"d\"\n"},
		{"two paragraphs", "> [!NOTE]\n> 一つ目\n> の続き\n>\n> 二つ目\n",
			"Aside(note 注)\n  Paragraph \"一つ目\\nの続き\"\n  Paragraph \"二つ目\"\n"},
		{"blank line after the marker", "> [!NOTE]\n>\n> 本文\n",
			"Aside(note 注)\n  Paragraph \"本文\"\n"},
		{"hard line break after the marker", "> [!NOTE]  \n> 本文\n",
			"Aside(note 注)\n  Paragraph \"本文\"\n"},
		{"spaces around the marker", ">   [!NOTE] \t\n> 本文\n",
			"Aside(note 注)\n  Paragraph \"本文\"\n"},
		{"code right after the marker", "> [!NOTE]\n> ```go\n> x\n> ```\n",
			"Aside(note 注)\n  FencedCodeBlock\n"},
		{"inline markup", "> [!NOTE]\n> `x` を**呼ぶ**\n",
			"Aside(note 注)\n  Paragraph \"<CodeSpan> を<Emphasis>\"\n"},
		{"lazy continuation", "> [!NOTE]\n本文\n",
			"Aside(note 注)\n  Paragraph \"本文\"\n"},
		{"text after the marker", "> [!NOTE] 本文\n",
			"Blockquote\n  Paragraph \"[!NOTE] 本文\"\n"},
		{"a plain quote", "> 引用\n", "Blockquote\n  Paragraph \"引用\"\n"},
		{"marker on the second line", "> 引用\n> [!NOTE]\n",
			"Blockquote\n  Paragraph \"引用\\n[!NOTE]\"\n"},
		{"no content", "> [!NOTE]\n", "Blockquote\n  Paragraph \"[!NOTE]\"\n"},
		{"unknown kind", "> [!NOTES]\n> 本文\n", "Blockquote\n  Paragraph \"[!NOTES]\\n本文\"\n"},
		{"in a list item", "- a\n\n  > [!NOTE]\n  > 本文\n",
			"List\n  ListItem\n    Paragraph \"a\"\n    Blockquote\n      Paragraph \"[!NOTE]\\n本文\"\n"},
		{"in an aside", "> [!NOTE]\n> 本文\n>\n> > [!TIP]\n> > 中\n",
			"Aside(note 注)\n  Paragraph \"本文\"\n  Blockquote\n    Paragraph \"[!TIP]\\n中\"\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ch, _ := Parse("chapters/01/README.md", []byte(tt.src))
			if got := outline(ch.Doc, ch.Source); got != tt.want {
				t.Errorf("got:\n%swant:\n%s", got, tt.want)
			}
		})
	}
}

func TestAsideLine(t *testing.T) {
	// An aside keeps the position of its quote, for problems reported in it.
	src := "# x\n\n> [!NOTE]\n> 本文\n"
	ch, _ := Parse("chapters/01/README.md", []byte(src))
	a, ok := ch.Doc.LastChild().(*Aside)
	if !ok {
		t.Fatalf("last block is %s, not an aside", ch.Doc.LastChild().Kind())
	}
	if got := LineOf(ch.Source, a.Pos()); got != 3 {
		t.Errorf("aside at line %d, want 3", got)
	}
}

func TestAsideProblems(t *testing.T) {
	const kinds = "use [!NOTE], [!TIP], [!IMPORTANT], [!WARNING] or [!CAUTION]"
	tests := []struct {
		name string
		src  string
		want []string // messages, each at chapters/01/README.md:LINE
	}{
		{"sound", "> [!NOTE]\n> a\n\n> [!tip]\n> b\n\n> 引用\n\n> [!NOTE] 同じ行\n\n> [!NOTE]:\n> 本文\n\n> [! NOTE]\n> 本文\n", nil},
		{"unknown kind", "# x\n\n> [!NOTES]\n> 本文\n",
			[]string{"3: unknown aside [!NOTES]: " + kinds}},
		{"unknown kind, keeping its case", "> [!Danger]\n> 本文\n",
			[]string{"1: unknown aside [!Danger]: " + kinds}},
		{"unknown kind alone", "> [!INFO]\n",
			[]string{"1: unknown aside [!INFO]: " + kinds}},
		{"no content", "text\n\n> [!WARNING]\n",
			[]string{"3: aside [!WARNING] has nothing in it: write its text on the lines after the marker, each starting with >"}},
		{"text in a quote of its own", "> [!NOTE]\n\n> 本文\n",
			[]string{"1: aside [!NOTE] has nothing in it: write its text on the lines after the marker, each starting with >"}},
		{"in a list item", "- a\n\n  > [!NOTE]\n  > 本文\n",
			[]string{"3: aside [!NOTE] is not at the top level: GitHub shows an aside in a list item or a quote as text; move it out"}},
		{"in a quote", "> 引用\n>\n> > [!tip]\n> > 本文\n",
			[]string{"3: aside [!tip] is not at the top level: GitHub shows an aside in a list item or a quote as text; move it out"}},
		{"in an aside", "> [!NOTE]\n> 本文\n>\n> > [!TIP]\n> > 中\n",
			[]string{"4: aside [!TIP] is not at the top level: GitHub shows an aside in a list item or a quote as text; move it out"}},
		{"all reported, in order", "> [!NOTE]\n\n> [!HINT]\n> a\n\n- > [!CAUTION]\n  > b\n",
			[]string{
				"1: aside [!NOTE] has nothing in it: write its text on the lines after the marker, each starting with >",
				"3: unknown aside [!HINT]: " + kinds,
				"6: aside [!CAUTION] is not at the top level: GitHub shows an aside in a list item or a quote as text; move it out",
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Called on its own, so that the test holds whether or not
			// Parse reports these problems too.
			ch, _ := Parse("chapters/01/README.md", []byte(tt.src))
			var errs diag.List
			asideProblems(ch.Doc, ch.Source, func(line int, format string, args ...any) {
				errs.Add(ch.Path, line, format, args...)
			})
			var want []string
			for _, w := range tt.want {
				want = append(want, "chapters/01/README.md:"+w)
			}
			if got := errs.Strings(); !slices.Equal(got, want) {
				t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
		})
	}
}
