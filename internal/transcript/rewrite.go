package transcript

import (
	"bytes"
	"slices"
	"strings"

	"tcpbook/internal/chapter"
)

// Rewrite returns the chapter's source with the bodies of the transcripts
// named in bodies (by id) replaced. Everything else is kept byte for byte.
// A transcript in a list item or a block quote keeps its indentation or
// its "> " on every line, as its first line has them: such a transcript
// must not be empty, and none is in a chapter that parsed without problems.
func Rewrite(ch *chapter.Chapter, bodies map[string]string) []byte {
	var blocks []*chapter.Block
	for _, b := range ch.Blocks {
		if _, ok := bodies[b.ID]; ok && b.Kind == chapter.Transcript {
			blocks = append(blocks, b)
		}
	}
	// Replace from the end, so earlier offsets stay valid.
	slices.SortFunc(blocks, func(a, b *chapter.Block) int { return b.BodyStart - a.BodyStart })
	src := slices.Clone(ch.Source)
	for _, b := range blocks {
		src = slices.Concat(src[:b.BodyStart], []byte(indent(ch.Source, b, withNewline(bodies[b.ID]))), src[b.BodyEnd:])
	}
	return src
}

// indent puts before each line of body what comes before the block's
// lines in src: nothing for a block at the top level of the chapter.
func indent(src []byte, b *chapter.Block, body string) string {
	// The source already has the prefix of the body's first line, before
	// BodyStart.
	prefix := string(src[bytes.LastIndexByte(src[:b.BodyStart], '\n')+1 : b.BodyStart])
	if prefix == "" {
		return body
	}
	var out strings.Builder
	for i, line := range splitLines(body) {
		if i > 0 {
			out.WriteString(prefix)
		}
		out.WriteString(line)
	}
	return out.String()
}
