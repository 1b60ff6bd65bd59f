package check

import (
	"strings"

	"tcpbook/internal/chapter"
	"tcpbook/internal/diag"
	"tcpbook/internal/extract"
	"tcpbook/internal/ladder"
	"tcpbook/internal/source"
)

// UpdateCommand is what an author runs to rewrite the diffs and quotes
// from the files they name, from the repository's root.
const UpdateCommand = "go run ./cmd/mdrun update"

// refs checks that every diff and quote is what the files it names make
// now.
func refs(res *source.Resolver, set *extract.Set, ch *chapter.Chapter) diag.List {
	var errs diag.List
	for _, b := range ch.Blocks {
		if b.Kind == chapter.Ladder {
			errs.Append(ladderBlock(res, ch, b))
			continue
		}
		if b.Kind != chapter.Diff && b.Kind != chapter.Quote || set.Failed(b) {
			continue
		}
		want, err := res.Body(b)
		if err != nil {
			errs.Add(ch.Path, b.Line, "%s: %v", b.Describe(), err)
			continue
		}
		switch have := b.Body; {
		case have == want:
		case have == "":
			errs.Add(ch.Path, b.Line, "%s is empty; run `%s` to fill it", b.Describe(), UpdateCommand)
		default:
			errs.Add(ch.Path, b.Line, "%s is stale: line %d is not what the files make now; run `%s`", b.Describe(), b.BodyLine+firstDiffLine(have, want)-1, UpdateCommand)
		}
	}
	return errs
}

// firstDiffLine is the first line of the body (1 for the line after the
// fence) that is not as want has it.
func firstDiffLine(have, want string) int {
	h, w := strings.SplitAfter(have, "\n"), strings.SplitAfter(want, "\n")
	for i := range h {
		if i >= len(w) || h[i] != w[i] {
			return i + 1
		}
	}
	return len(h) + 1
}

// LadderBody returns what a ladder block's body must be: the text form of
// the packets of the capture it names, read through res (never outside
// the repository).
func LadderBody(res *source.Resolver, b *chapter.Block) (string, error) {
	return ladder.Body(res.File, b.Ladder)
}

// ladderBlock checks that a ladder's body is what its capture gives,
// showing the first line that is not.
func ladderBlock(res *source.Resolver, ch *chapter.Chapter, b *chapter.Block) diag.List {
	var errs diag.List
	want, err := LadderBody(res, b)
	if err != nil {
		errs.Add(ch.Path, b.Line, "%s: %v", b.Describe(), err)
		return errs
	}
	switch have := b.Body; {
	case have == want:
	case have == "":
		errs.Add(ch.Path, b.Line, "%s is empty; run `%s` to fill it", b.Describe(), UpdateCommand)
	default:
		n := firstDiffLine(have, want)
		line := func(s string) string {
			lines := strings.SplitAfter(s, "\n")
			if n-1 < len(lines) && lines[n-1] != "" {
				return strings.TrimSuffix(lines[n-1], "\n")
			}
			return "(no line)"
		}
		errs.Add(ch.Path, b.Line, "%s is not what the capture gives (stale, or edited by hand): line %d; run `%s`\n\t- %s\n\t+ %s",
			b.Describe(), b.BodyLine+n-1, UpdateCommand, line(have), line(want))
	}
	return errs
}
