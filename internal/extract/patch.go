package extract

import (
	"errors"
	"fmt"
	"go/scanner"
	"regexp"
	"strconv"
	"strings"

	"tcpbook/internal/chapter"
	"tcpbook/internal/godecl"
)

// applyDiff makes the declaration that a diff block defines: its body
// applied to the declaration its from side names, which must be in a
// file that a chapter's listings write. The hunks are found by their
// lines, not their line numbers, so that a diff still applies after its
// base changed elsewhere (mdrun update then renumbers it). An empty body
// returns "": the diff is for mdrun update to fill.
func (s *Set) applyDiff(b *chapter.Block) (string, error) {
	from := s.file(b.From.Path)
	if from == nil {
		return "", fmt.Errorf("a diff that defines a declaration changes one of a chapter's program files; %s is not one", b.From.Written)
	}
	if b.From.Name == "" {
		return "", errors.New("name the declaration on both sides (#Name)")
	}
	text, line, err := from.Decl(b.From.Name)
	if err != nil {
		return "", err
	}
	if strings.TrimSpace(b.Body) == "" {
		return "", nil
	}
	return Patch(text, line, b.Body)
}

// Decl returns the text of the file's top-level declaration name, with
// its doc comment, and the line of the file where it starts.
func (f *File) Decl(name string) (string, int, error) { return Decl(f.Path(), f.Content, name) }

// Decl returns the text of the top-level declaration name of the Go file
// p, whose content is given (a generated file or any other), with its
// doc comment, and the line of the file where it starts.
func Decl(p string, content []byte, name string) (string, int, error) {
	body, first := Listings(content)
	decls, err := godecl.Parse(p, body)
	if err != nil {
		return "", 0, fmt.Errorf("%s does not parse: %v", p, err)
	}
	lines := godecl.Lines(body)
	var found []godecl.Decl
	for _, d := range decls {
		if d.Kind != godecl.Package && d.Has(name) {
			found = append(found, d)
		}
	}
	switch len(found) {
	case 0:
		return "", 0, fmt.Errorf("%s has no top-level declaration %s", p, name)
	case 1:
	default:
		return "", 0, fmt.Errorf("%s declares %s %d times", p, name, len(found))
	}
	d := found[0]
	return godecl.Text(lines, d.First, d.Last), first + d.First - 1, nil
}

var hunkStart = regexp.MustCompile(`^@@ -(\d+)(?:,\d+)? \+\d+(?:,\d+)? @@`)

type hunk struct {
	header   string
	at       int // the old side's first line, as the header says
	old, new []string
	// kinds has a byte a line: ' ', '-' or '+'; lead and trail count
	// the context lines that start and end the hunk.
	kinds       string
	lead, trail int
}

// Patch applies a unified diff's hunks to text, whose first line is line
// number first of its file. Each hunk's old lines (context and removed)
// must appear in text, after the previous hunk's; where they appear more
// than once, the place nearest the line its header gives is taken.
func Patch(text string, first int, diff string) (string, error) {
	hunks, err := parseHunks(diff)
	if err != nil {
		return "", err
	}
	lines := strings.SplitAfter(strings.TrimSuffix(text, "\n"), "\n")
	for i := range lines {
		lines[i] = strings.TrimSuffix(lines[i], "\n")
	}
	var out []string
	cursor := 0
	for _, h := range hunks {
		at, old, new, ok := h.find(lines, cursor, h.at-first)
		if !ok {
			return "", fmt.Errorf("the hunk %s no longer applies: the lines it changes are not in the declaration any more (the base changed them); write the change again against the base", h.header)
		}
		out = append(out, lines[cursor:at]...)
		out = append(out, new...)
		cursor = at + len(old)
	}
	out = append(out, lines[cursor:]...)
	return strings.Join(out, "\n") + "\n", nil
}

// find places the hunk in lines, at or after cursor, nearest want. Its
// lines are looked for whole first; then, as patch(1) does with its fuzz
// factor, with fewer of the context lines at its ends, so that a base
// changed right next to the change still takes it. The lines it changes
// are always matched, and at least one line that is not blank.
func (h hunk) find(lines []string, cursor, want int) (at int, old, new []string, ok bool) {
	for fuzz := 0; fuzz <= h.lead+h.trail; fuzz++ {
		for lead := min(fuzz, h.lead); lead >= 0 && fuzz-lead <= h.trail; lead-- {
			trail := fuzz - lead
			old := h.old[lead : len(h.old)-trail]
			new := h.new[lead : len(h.new)-trail]
			if !hasText(old) {
				continue
			}
			best := -1
			for i := cursor; i+len(old) <= len(lines); i++ {
				if equalLines(lines[i:i+len(old)], old) && (best < 0 || abs(i-want-lead) < abs(best-want-lead)) {
					best = i
				}
			}
			if best >= 0 {
				return best, old, new, true
			}
		}
	}
	return 0, nil, nil, false
}

func hasText(lines []string) bool {
	for _, l := range lines {
		if strings.TrimSpace(l) != "" {
			return true
		}
	}
	return false
}

func parseHunks(diff string) ([]hunk, error) {
	var hunks []hunk
	for i, l := range strings.Split(strings.TrimSuffix(diff, "\n"), "\n") {
		if m := hunkStart.FindStringSubmatch(l); m != nil {
			at, _ := strconv.Atoi(m[1])
			hunks = append(hunks, hunk{header: m[0], at: at})
			continue
		}
		if len(hunks) == 0 {
			if strings.HasPrefix(l, "--- ") || strings.HasPrefix(l, "+++ ") {
				continue
			}
			return nil, fmt.Errorf("line %d of the diff: a diff starts with its --- and +++ lines, then a hunk (@@)", i+1)
		}
		h := &hunks[len(hunks)-1]
		switch {
		case l == "" || l[0] == ' ':
			if l != "" {
				l = l[1:]
			}
			h.old = append(h.old, l)
			h.new = append(h.new, l)
			h.kinds += " "
		case l[0] == '-':
			h.old = append(h.old, l[1:])
			h.kinds += "-"
		case l[0] == '+':
			h.new = append(h.new, l[1:])
			h.kinds += "+"
		case l[0] == '\\': // \ No newline at end of file
		default:
			return nil, fmt.Errorf("line %d of the diff: a line of a hunk starts with a space, - or +", i+1)
		}
	}
	if len(hunks) == 0 {
		return nil, errors.New("the diff has no hunk (@@)")
	}
	for i := range hunks {
		h := &hunks[i]
		h.lead = len(h.kinds) - len(strings.TrimLeft(h.kinds, " "))
		if h.lead < len(h.kinds) {
			h.trail = len(h.kinds) - len(strings.TrimRight(h.kinds, " "))
		}
	}
	return hunks, nil
}

func equalLines(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// errLine is the line a parser's error is at.
func errLine(err error) (int, bool) {
	var list scanner.ErrorList
	if errors.As(err, &list) && len(list) > 0 {
		return list[0].Pos.Line, true
	}
	var e *scanner.Error
	if errors.As(err, &e) {
		return e.Pos.Line, true
	}
	return 0, false
}
