package chapter

import (
	"bytes"
	"strings"
	"testing"
)

// seeds are chapters the fuzzers start from: every kind of block, in a
// list item, in a quote and in an aside, with LF and CRLF line endings.
var seeds = []string{
	sample,
	"# 章\n\n1. 手順\n\n   ```console {#a}\n   $ echo a\n   a\n   ```\n\n> ```go\n> x := 1\n> ```\n",
	"> [!NOTE]\n> ```diff {from=\"../02/main.go#f\" to=\"main.go#f\"}\n> ```\n\n```go {quote=\"../../tools/x.go#F\"}\n// F.\nfunc F() {}\n```\n",
	"```go {file=main.go}\r\npackage main\r\n```\r\n\r\n```console {#b}\r\n$ go run ./chapters/01\r\n```\r\n",
	"````\n```go {file=main.go}\n````\n~~~console {#c}\n$ x\n~~~\n",
}

// FuzzParse: Parse never panics, and what it returns points into the
// source it was given.
func FuzzParse(f *testing.F) {
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		ch, _ := Parse("chapters/01/README.md", []byte(src))
		lines := strings.Count(src, "\n") + 1
		for _, b := range ch.Blocks {
			if b.Line < 1 || b.Line > lines || b.BodyLine != b.Line+1 {
				t.Fatalf("block at line %d (body %d) in a source of %d lines", b.Line, b.BodyLine, lines)
			}
			if b.BodyStart < 0 || b.BodyStart > b.BodyEnd || b.BodyEnd > len(src) {
				t.Fatalf("block at line %d: body [%d, %d) outside the source (%d bytes)", b.Line, b.BodyStart, b.BodyEnd, len(src))
			}
			if strings.Contains(b.Body, "\r\n") {
				t.Fatalf("block at line %d: body keeps a CRLF: %q", b.Line, b.Body)
			}
		}
	})
}

// FuzzReplace: rewriting one block's body changes that block only. The
// chapter parses again into the same blocks, the others with the same
// bodies, and the bytes before and after the block are the same.
func FuzzReplace(f *testing.F) {
	for _, s := range seeds {
		f.Add(s, uint(0), "$ echo new\nnew output\n")
		f.Add(s, uint(2), "")
	}
	f.Fuzz(func(t *testing.T, src string, which uint, body string) {
		ch, errs := Parse("chapters/01/README.md", []byte(src))
		if len(errs) > 0 || len(ch.Blocks) == 0 {
			return
		}
		// A new body is lines of text: no fence that would close the
		// block, no CR, nothing a parse would read differently.
		if strings.ContainsAny(body, "\r`~") || strings.Contains(body, "\x00") || !strings.HasSuffix(body, "\n") && body != "" {
			return
		}
		for _, l := range strings.Split(body, "\n") {
			if strings.TrimSpace(l) != l || strings.HasPrefix(l, ">") {
				return
			}
		}
		b := ch.Blocks[int(which%uint(len(ch.Blocks)))]
		if b.Kind == Transcript && !strings.HasPrefix(body, "$ ") {
			return // a console block starts with a command
		}
		out := Replace(ch, map[*Block]string{b: body})
		lineStart := bytes.LastIndexByte(ch.Source[:b.BodyStart], '\n') + 1
		if !bytes.HasPrefix(out, ch.Source[:lineStart]) || !bytes.HasSuffix(out, ch.Source[b.BodyEnd:]) {
			t.Fatalf("Replace changed bytes outside the block at line %d:\n%q\n→\n%q", b.Line, src, out)
		}
		again, errs := Parse(ch.Path, out)
		if len(errs) > 0 {
			t.Fatalf("the rewritten chapter does not parse: %v\n%q", errs, out)
		}
		if len(again.Blocks) != len(ch.Blocks) {
			t.Fatalf("the rewritten chapter has %d blocks, not %d:\n%q", len(again.Blocks), len(ch.Blocks), out)
		}
		for i, a := range again.Blocks {
			o := ch.Blocks[i]
			want := o.Body
			if o == b {
				want = body
			}
			if a.Kind != o.Kind || a.Lang != o.Lang || a.Body != want {
				t.Fatalf("block %d (line %d) is %v %q %q after the rewrite, want %v %q %q\n%q", i, o.Line, a.Kind, a.Lang, a.Body, o.Kind, o.Lang, want, out)
			}
		}
	})
}
