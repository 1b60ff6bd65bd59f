// Package chapter reads a chapter of the book (chapters/NN/README.md) into
// the blocks the authoring contract defines: listings, excerpts, fragments
// and transcripts, each with its line in the markdown.
//
// It is the one place that knows the authoring syntax; everything
// downstream (extraction, checks, transcripts, rendering) works on its model.
package chapter

import (
	"bytes"
	"fmt"
	"path"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"

	"tcpbook/internal/diag"
	"tcpbook/internal/ladder"
)

// Kind says what a fenced code block is for.
type Kind int

const (
	Other      Kind = iota // any other language: shown, not checked
	Listing                // ```go {file=F}: extracted to F
	Excerpt                // ```go {excerpt=F}: must appear in F
	Fragment               // ```go: type-checked on its own
	Transcript             // ```console {#id}: verified by a script
	Diff                   // ```diff {from=A to=B}: the diff of two files of the repository
	Quote                  // ```go {quote=F#Name}: a declaration of a file of the repository
	Ladder                 // ```ladder {pcap=F}: the packets of a capture, as a ladder diagram
)

func (k Kind) String() string {
	switch k {
	case Listing:
		return "listing"
	case Excerpt:
		return "excerpt"
	case Fragment:
		return "fragment"
	case Transcript:
		return "transcript"
	case Diff:
		return "diff"
	case Quote:
		return "quote"
	case Ladder:
		return "ladder"
	}
	return "block"
}

// A Block is one fenced code block of a chapter.
type Block struct {
	Kind Kind
	Lang string
	// Line is the line of the opening fence; BodyLine the line of the
	// body's first line (Line+1).
	Line, BodyLine int
	// File is the file a listing writes or an excerpt quotes: a clean,
	// slash-separated path relative to the chapter's directory.
	File string
	// ID is a transcript's id ({#id}); Unverified the reason given with
	// {unverified="..."} for a transcript no script can check.
	ID, Unverified string
	// Table marks a transcript whose output is a markdown table
	// ({#id .table}): the book shows the command, then the table as a
	// table (see transcript.Tables).
	Table bool
	// From and To are the two sides of a diff, and From alone the file a
	// quote quotes: each a file of the repository, maybe narrowed to one
	// declaration.
	From, To *Ref
	// Base is the file a listing's file starts as (base=), given on the
	// first listing of that file; New and Remove are the declarations a
	// listing of such a file adds (new=) and takes away from the base
	// (remove=).
	Base        *Ref
	New, Remove []string
	// Use is the declaration of another program file that an empty
	// listing puts in its place (use="../02/main.go#printable"): the
	// same code in two programs, printed once.
	Use *Ref
	// Ladder is what a ladder block's attributes ask for; From is its
	// capture (pcap=).
	Ladder *ladder.Spec
	// Body is the block's text, each line ending in a newline.
	Body string
	// BodyStart and BodyEnd delimit the body in the chapter's source,
	// for rewriting a transcript in place.
	BodyStart, BodyEnd int
}

// A Chapter is one parsed chapter.
type Chapter struct {
	Path   string // slash path from the book's root: chapters/01/README.md
	Dir    string // chapters/01
	Source []byte
	Doc    ast.Node
	Blocks []*Block
	// Incomplete is set when Parse reported a code block whose fence,
	// attributes or path are broken and did not take it for what it was
	// meant to be (a listing, say): what the chapter seems to lack may be
	// in that block.
	Incomplete bool
}

// Markdown is the goldmark configuration the book is written in. Parsing
// and rendering use the same one, so what is checked is what is shown.
func Markdown() goldmark.Markdown {
	return goldmark.New(goldmark.WithExtensions(extension.GFM, extension.CJK), withAsides())
}

// attributes a block of each language may carry.
var allowed = map[string][]string{
	"go":      {"file", "excerpt", "quote", "base", "new", "remove", "use"},
	"console": {"id", "unverified", "class"},
	"diff":    {"from", "to"},
	"ladder":  ladder.Attrs,
}

// Parse reads the chapter at path (slash-separated, relative to the book's
// root) from src. It returns the chapter and every problem found; the
// chapter is usable only when the list is empty.
func Parse(p string, src []byte) (*Chapter, diag.List) {
	ch := &Chapter{Path: p, Dir: path.Dir(p), Source: src}
	ch.Doc = Markdown().Parser().Parse(text.NewReader(src))
	lines := lineStarts(src)
	var errs diag.List
	err := func(line int, format string, args ...any) { errs.Add(p, line, format, args...) }

	ast.Walk(ch.Doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		fc, ok := n.(*ast.FencedCodeBlock)
		if !entering || !ok {
			return ast.WalkContinue, nil
		}
		b := &Block{Line: lineOf(lines, fc.Pos())}
		b.BodyLine = b.Line + 1
		openEnd := endOfLine(src, fc.Pos())
		b.BodyStart, b.BodyEnd = openEnd, openEnd
		segs := fc.Lines()
		b.Body = codeText(segs, src)
		if segs.Len() > 0 {
			b.BodyStart, b.BodyEnd = segs.At(0).Start, segs.At(segs.Len()-1).Stop
		}
		isClosed := closed(src, fc.Pos(), b.BodyEnd)
		if !isClosed {
			err(b.Line, "code fence is never closed")
		}
		info := ""
		if fc.Info != nil {
			info = string(fc.Info.Value(src))
		}
		lang, rest, _ := strings.Cut(strings.TrimSpace(info), " ")
		b.Lang = lang
		attrs, msg := parseAttrs(lang, strings.TrimSpace(rest))
		if msg != "" {
			err(b.Line, "%s", msg)
		}
		// A block whose fence or attributes are broken is reported once,
		// not again as whatever it was meant to be.
		known := isClosed && msg == ""
		if known {
			known = classify(b, ch.Dir, attrs, func(format string, args ...any) { err(b.Line, format, args...) })
		}
		if !known {
			ch.Incomplete = true
		}
		ch.Blocks = append(ch.Blocks, b)
		return ast.WalkSkipChildren, nil
	})

	// An excerpt must quote a file that one of the chapter's listings writes.
	files := ch.Files()
	for _, b := range ch.Blocks {
		if b.Kind == Excerpt && files[b.File] == nil {
			err(b.Line, "excerpt of %s, which no listing in this chapter writes", b.File)
		}
	}
	for _, name := range ch.FileNames() {
		blocks := files[name]
		for i, b := range blocks {
			switch {
			case i > 0 && b.Base != nil:
				err(b.Line, "base= goes on the first listing of %s (line %d), once", name, blocks[0].Line)
			case blocks[0].Base == nil && (b.New != nil || b.Remove != nil):
				err(b.Line, "new= and remove= name declarations of a base: give %s one with base= on its first listing (line %d)", name, blocks[0].Line)
			}
		}
	}
	ids := map[string]int{}
	for _, b := range ch.Blocks {
		if b.ID == "" {
			continue
		}
		if first, dup := ids[b.ID]; dup {
			err(b.Line, "duplicate id %q (first used at line %d)", b.ID, first)
			continue
		}
		ids[b.ID] = b.Line
	}
	// Two listings whose paths differ only in case would overwrite each
	// other on a case-insensitive file system.
	lower := map[string]string{}
	for _, f := range ch.FileNames() {
		if other, ok := lower[strings.ToLower(f)]; ok {
			err(files[f][0].Line, "listing %s conflicts with listing %s on a case-insensitive file system", f, other)
			continue
		}
		lower[strings.ToLower(f)] = f
	}
	// Nor can one listing write a file where another needs a directory
	// (a.go and a.go/main.go): extract would fail half-way through.
	for _, f := range ch.FileNames() {
		for d := path.Dir(f); d != "."; d = path.Dir(d) {
			if other, ok := lower[strings.ToLower(d)]; ok {
				err(files[f][0].Line, "listing %s needs a directory %s where listing %s writes a file", f, d, other)
				break
			}
		}
	}
	asideProblems(ch.Doc, src, err)
	errs.Sort()
	return ch, errs
}

// Files groups the chapter's listings by the file they write, in reading order.
func (ch *Chapter) Files() map[string][]*Block {
	m := map[string][]*Block{}
	for _, b := range ch.Blocks {
		if b.Kind == Listing {
			m[b.File] = append(m[b.File], b)
		}
	}
	return m
}

// FileNames lists the files the chapter's listings write, in the order of
// their first listing.
func (ch *Chapter) FileNames() []string {
	var names []string
	seen := map[string]bool{}
	for _, b := range ch.Blocks {
		if b.Kind == Listing && !seen[b.File] {
			seen[b.File] = true
			names = append(names, b.File)
		}
	}
	return names
}

// Block returns the block with the given id, or nil.
func (ch *Chapter) Block(id string) *Block {
	for _, b := range ch.Blocks {
		if b.ID == id {
			return b
		}
	}
	return nil
}

type attr struct{ name, value string }

// parseAttrs parses "{...}" after the language word with goldmark's own
// attribute parser and checks the names against what lang allows.
func parseAttrs(lang, s string) ([]attr, string) {
	if s == "" {
		return nil, ""
	}
	r := text.NewReader([]byte(s))
	parsed, ok := parser.ParseAttributes(r)
	if ok {
		r.SkipSpaces()
		_, pos := r.Position()
		ok = pos.Start >= len(s)
	}
	if !ok {
		return nil, fmt.Sprintf("malformed attributes %q (quote values that hold / or spaces: {file=\"server/main.go\"})", s)
	}
	var attrs []attr
	seen := map[string]bool{}
	for _, a := range parsed {
		name := string(a.Name)
		v, isText := a.Value.([]byte)
		if n, isNum := a.Value.(float64); isNum && lang == "ladder" {
			// A ladder's numbers: conn=2 as conn="2".
			v, isText = []byte(strconv.FormatFloat(n, 'f', -1, 64)), true
		}
		switch {
		case !slices.Contains(allowed[lang], name):
			return nil, unknownAttr(lang, name)
		case seen[name]:
			return nil, fmt.Sprintf("attribute %s given twice", name)
		case !isText || len(v) == 0:
			return nil, fmt.Sprintf("attribute %s needs a non-empty value", name)
		}
		seen[name] = true
		attrs = append(attrs, attr{name, string(v)})
	}
	return attrs, ""
}

func unknownAttr(lang, name string) string {
	if len(allowed[lang]) == 0 {
		return fmt.Sprintf("unknown attribute %s: a ```%s block takes no attributes", name, lang)
	}
	var forms []string
	for _, a := range allowed[lang] {
		switch a {
		case "id":
			forms = append(forms, "#id")
		case "class":
			forms = append(forms, ".table")
		default:
			forms = append(forms, a)
		}
	}
	return fmt.Sprintf("unknown attribute %s: a ```%s block takes %s", name, lang, strings.Join(forms, ", "))
}

// classify sets the block's kind and what its attributes say, reporting
// what is wrong with them. It returns false when it gave up on the block
// before telling what it is (a listing whose path is rejected, say).
func classify(b *Block, dir string, attrs []attr, err func(string, ...any)) bool {
	ladderAttrs := map[string]string{}
	for _, a := range attrs {
		if b.Lang == "ladder" {
			ladderAttrs[a.name] = a.value
			continue
		}
		switch a.name {
		case "file", "excerpt", "quote":
			if b.File != "" || b.From != nil {
				err("a block is a listing (file=), an excerpt (excerpt=) or a quote (quote=), only one of them")
				b.Kind, b.File, b.From = Other, "", nil
				return false
			}
			if a.name == "quote" {
				r, msg := parseRef(dir, a.value)
				if msg == "" && r.Name == "" {
					msg = "name the declaration to quote after #: quote=\"../02/main.go#respond\""
				}
				if msg != "" {
					err("quote %q: %s", a.value, msg)
					return false
				}
				b.From, b.Kind = r, Quote
				continue
			}
			f, msg := cleanFile(a.value)
			if msg != "" {
				err("%s %q: %s", a.name, a.value, msg)
				return false
			}
			b.File = f
			b.Kind = Listing
			if a.name == "excerpt" {
				b.Kind = Excerpt
			}
		case "from", "to":
			r, msg := parseRef(dir, a.value)
			if msg != "" {
				err("diff %s %q: %s", a.name, a.value, msg)
				return false
			}
			if a.name == "from" {
				b.From = r
			} else {
				b.To = r
			}
		case "base":
			r, msg := parseRef(dir, a.value)
			if msg == "" && r.Name != "" {
				msg = "a base is a whole file: drop #" + r.Name
			}
			if msg != "" {
				err("base %q: %s", a.value, msg)
				return false
			}
			b.Base = r
		case "use":
			r, msg := parseRef(dir, a.value)
			if msg == "" && r.Name == "" {
				msg = "name the declaration to use after #: use=\"../02/main.go#printable\""
			}
			if msg != "" {
				err("use %q: %s", a.value, msg)
				return false
			}
			b.Use = r
		case "new", "remove":
			names := strings.Fields(a.value)
			for _, n := range names {
				if !declName.MatchString(n) {
					err("%s=%q: %s is not a declaration's name: write respond, or Server.handle for a method", a.name, a.value, n)
					return false
				}
			}
			if a.name == "new" {
				b.New = names
			} else {
				b.Remove = names
			}
		case "id":
			b.ID = a.value
		case "unverified":
			b.Unverified = a.value
		case "class":
			if a.value != "table" {
				err("a console block's one class is .table, for an output that is a markdown table: {#an-id .table}, not .%s", strings.ReplaceAll(a.value, " ", " ."))
				return false
			}
			b.Table = true
		}
	}
	if (b.Base != nil || b.New != nil || b.Remove != nil || b.Use != nil) && b.Kind != Listing {
		err("base=, new=, remove= and use= go on a listing (file=)")
		return false
	}
	if b.Use != nil && strings.TrimSpace(b.Body) != "" {
		err("a listing with use= is empty: it stands for %s, which is printed where its own chapter shows it", b.Use.Written)
		return false
	}
	switch b.Lang {
	case "go":
		if b.Kind == Other {
			b.Kind = Fragment
		}
	case "console":
		b.Kind = Transcript
		if b.ID == "" && b.Unverified == "" {
			err("a console block needs an id verified by a script ({#an-id}) or a reason it cannot be ({unverified=\"reason\"})")
		}
		if !strings.HasPrefix(b.Body, "$ ") {
			err("a console block starts with the command line: \"$ command\"")
		}
	case "ladder":
		return classifyLadder(b, dir, ladderAttrs, err)
	case "diff":
		switch {
		case b.From == nil && b.To == nil:
			// A diff shown as it is, checked by nobody.
			return true
		case b.From == nil || b.To == nil:
			err("a diff block names both sides: {from=\"../02/main.go\" to=\"server/main.go\"}")
			return false
		case (b.From.Name == "") != (b.To.Name == ""):
			err("narrow both sides of a diff to a declaration (#Name), or neither")
			return false
		}
		b.Kind = Diff
	}
	return true
}

// classifyLadder reads a ladder block's attributes: pcap= names its
// capture and keylog= a TLS key log, files of the repository; the others
// are the ladder package's to read.
func classifyLadder(b *Block, dir string, attrs map[string]string, err func(string, ...any)) bool {
	v, ok := attrs["pcap"]
	if !ok {
		err("a ladder block names the capture it is drawn from: {pcap=\"results/keepalive.pcap\"}")
		return false
	}
	r, msg := parseRef(dir, v)
	if msg == "" && r.Name != "" {
		msg = "a capture is a whole file: drop #" + r.Name
	}
	if msg != "" {
		err("pcap %q: %s", v, msg)
		return false
	}
	spec, msg := ladder.ParseSpec(r.Path, attrs)
	if msg != "" {
		err("%s", msg)
		return false
	}
	if v, ok := attrs["keylog"]; ok {
		// A TLS key log, by the same path rules as pcap=.
		k, msg := parseRef(dir, v)
		if msg == "" && k.Name != "" {
			msg = "a key log is a whole file: drop #" + k.Name
		}
		if msg != "" {
			err("keylog %q: %s", v, msg)
			return false
		}
		spec.Keylog = k.Path
	}
	b.Kind, b.From, b.Ladder = Ladder, r, spec
	return true
}

// cleanFile checks that a listing path stays inside the chapter directory
// and names a Go file that the go command builds.
func cleanFile(f string) (string, string) {
	switch {
	case strings.Contains(f, `\`):
		return "", "use / to separate path elements"
	case path.IsAbs(f):
		return "", "path must be relative to the chapter directory"
	}
	c := path.Clean(f)
	if c == ".." || strings.HasPrefix(c, "../") {
		return "", "path leaves the chapter directory"
	}
	if !strings.HasSuffix(c, ".go") {
		return "", "a listing writes a .go file"
	}
	for _, elem := range strings.Split(c, "/") {
		if strings.HasPrefix(elem, ".") || strings.HasPrefix(elem, "_") || elem == "testdata" {
			return "", "the go command ignores files and directories named .*, _* and testdata"
		}
	}
	return c, ""
}

// codeText is the text of a code block's lines, each ending in "\n": a
// chapter saved with CRLF line endings (an editor on Windows, git's
// core.autocrlf) has the same code as one saved with LF.
func codeText(segs *text.Segments, src []byte) string {
	var body strings.Builder
	for i := 0; i < segs.Len(); i++ {
		seg := segs.At(i)
		body.Write(seg.Value(src))
	}
	return crlf.ReplaceAllString(body.String(), "\n")
}

// crlf is a line's end with CRs before its LF.
var crlf = regexp.MustCompile(`\r+\n`)

// CodeText is the text of a fenced code block n of src, with LF line
// endings, as a Block's Body has it.
func CodeText(n ast.Node, src []byte) string { return codeText(n.Lines(), src) }

func lineStarts(src []byte) []int {
	starts := []int{0}
	for i, c := range src {
		if c == '\n' {
			starts = append(starts, i+1)
		}
	}
	return starts
}

// lineOf returns the 1-based line holding byte offset off.
func lineOf(starts []int, off int) int {
	return sort.Search(len(starts), func(i int) bool { return starts[i] > off })
}

// LineOf returns the 1-based line of byte offset off in src.
func LineOf(src []byte, off int) int { return lineOf(lineStarts(src), off) }

func endOfLine(src []byte, off int) int {
	if i := bytes.IndexByte(src[off:], '\n'); i >= 0 {
		return off + i + 1
	}
	return len(src)
}

// closed reports whether the fence opened at open has a closing fence on
// the line after the body, which ends at bodyEnd. CommonMark lets an
// unclosed fence run to the end of the document; in a book that is always
// a mistake, and it swallows everything after it.
func closed(src []byte, open, bodyEnd int) bool {
	fence := bytes.TrimLeft(src[open:endOfLine(src, open)], " \t>")
	n := 0
	for n < len(fence) && fence[n] == fence[0] {
		n++
	}
	if bodyEnd >= len(src) {
		return false
	}
	next := bytes.TrimSpace(bytes.TrimLeft(src[bodyEnd:endOfLine(src, bodyEnd)], " \t>"))
	m := 0
	for m < len(next) && next[m] == fence[0] {
		m++
	}
	return m >= n && m == len(next)
}
