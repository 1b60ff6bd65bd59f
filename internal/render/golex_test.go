package render

import (
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/alecthomas/chroma/v2"
	"github.com/alecthomas/chroma/v2/lexers"

	"tcpbook/internal/chapter"
)

// chromaGo is what lexGo must make: chroma's Go lexer, coalesced.
func chromaGo(t testing.TB, text string) []chroma.Token {
	it, err := chroma.Coalesce(lexers.Get("go")).Tokenise(nil, text)
	if err != nil {
		t.Fatal(err)
	}
	return it.Tokens()
}

func sameTokens(t testing.TB, what, text string) bool {
	t.Helper()
	got, ok := lexGo(text)
	if !ok {
		return false
	}
	want := chromaGo(t, text)
	if !slices.Equal(got, want) {
		for i := range min(len(got), len(want)) {
			if got[i] != want[i] {
				t.Errorf("%s: token %d is %v %q, chroma's %v %q", what, i, got[i].Type, got[i].Value, want[i].Type, want[i].Value)
				return true
			}
		}
		t.Errorf("%s: %d tokens, chroma makes %d", what, len(got), len(want))
	}
	return true
}

// goTexts are the Go files of the repository and the Go blocks of its
// chapters, with their names.
func goTexts(t *testing.T) (texts, names []string) {
	t.Helper()
	root := "../.."
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "node_modules" || d.Name() == "site") {
			return fs.SkipDir
		}
		switch {
		case strings.HasSuffix(p, ".go"):
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			texts, names = append(texts, string(b)), append(names, p)
		case d.Name() == "README.md" && strings.Contains(p, "chapters"):
			src, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			ch, _ := chapter.Parse(filepath.ToSlash(p), src)
			for _, b := range ch.Blocks {
				if b.Lang == "go" {
					texts, names = append(texts, b.Body), append(names, p+":"+b.Kind.String())
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if raceEnabled {
		// Every seventh text, and so still every kind of file and block.
		var st, sn []string
		for i := 0; i < len(texts); i += 7 {
			st, sn = append(st, texts[i]), append(sn, names[i])
		}
		texts, names = st, sn
	}
	return texts, names
}

// TestLexGo: lexGo makes chroma's tokens for every Go file of the
// repository and every Go block of its chapters, or leaves the text to
// chroma; it takes nearly all of them.
func TestLexGo(t *testing.T) {
	texts, names := goTexts(t)
	taken := 0
	for i, text := range texts {
		if sameTokens(t, names[i], text) {
			taken++
		}
	}
	t.Logf("lexGo takes %d of %d texts", taken, len(texts))
	if taken < len(texts)*9/10 {
		t.Errorf("lexGo takes only %d of %d texts", taken, len(texts))
	}
}

// TestLexGoCases: the corners of chroma's rules.
func TestLexGoCases(t *testing.T) {
	for _, text := range []string{
		"package main\n\nimport \"fmt\"\n",
		"func main() {\n\tfmt.Println(\"a\\\"b\\\\\")\n}\n",
		"x := len(s) + len (s) + cap(s); y := string(b); z := string (b); var a any = any(1)\n",
		"if x := f(); x != nil { return } else if goto_ := 1; goto_ > 0 {}\n",
		"imports packages func_ nil2 true_ iota\n",
		"a := 1i + 1.5i + .5i + 1e3i + 1.5e+3 + 1. + .25 + 1e9 + 0755 + 0x1F_ab + 0b1010 + 0o17 + 1_000 + 0 + 08 + 1.e5\n",
		"c := 'a' + '\\n' + '\\x41' + '\\101' + '\\u00e9' + '\\U0001F600' + '\\'' + 'é' + '\\1' + '\\12'\n",
		"s := `raw\nstring {not a template} {`\n",
		"/* a\n * comment */ x /**/ y /*/ z */\n",
		"//go:build linux\n// +build linux\n//\n// text\n",
		"a <<= 1; b >>= 2; c &^= d; e := f &^ g; h <- i; j++; k--; l...; m |= n || o && p\n",
		"x[1:2] = y{a, b}; p.q ~ r ^ s | t\n",
		"func (s *Server) handle(conn net.Conn) error {\n\treturn nil\n}\n",
		"f\n(\n)\n",
		"f \t (1)\n",
		"\t\n\n  \n\tx\n",
		"// 日本語のコメント\nx := \"日本語の文字列\" // 行末\n",
		"x := 1 /* never closed\n",
		strings.Repeat("//"+strings.Repeat("x", 100)+"\n", 200),
		"s := `" + strings.Repeat("a{", 5000) + "`\n",
		"",
		"x",
		"0x",
		"1e",
		"1.5e+",
	} {
		if !sameTokens(t, "", text) {
			t.Errorf("lexGo leaves %q to chroma", text)
		}
	}
	// What it leaves to chroma.
	for _, text := range []string{
		"x := \"never closed\n",
		"s := `{{.Name}}`\n",
		"a\r\nb\n",
		"x := y \\\n z\n",
		"#include\n",
		"x := 'ab'\n",
		"変数 := 1\n",
		"x\u3000:= 1\n",
		"//\u3000comment\n",
		"\xff\n",
	} {
		if _, ok := lexGo(text); ok {
			t.Errorf("lexGo takes %q, which it cannot be sure of", text)
		}
	}
}

// FuzzLexGo: whatever lexGo takes, it makes chroma's tokens of.
func FuzzLexGo(f *testing.F) {
	for _, s := range []string{"package main\n", "x := 1.5e3i + 'a' + `b{` // c\n", "/* d */ f(g...)\n", "0x1p-2 0b1 0o7 \"\\\"\"\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		sameTokens(t, "", text)
	})
}
