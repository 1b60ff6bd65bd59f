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
// its "> " on every line.
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
	var prefix string
	// The source already has the prefix of the body's first line, before
	// BodyStart; an empty body has no first line.
	skip := b.BodyEnd > b.BodyStart
	if skip {
		prefix = string(src[bytes.LastIndexByte(src[:b.BodyStart], '\n')+1 : b.BodyStart])
	} else {
		// The opening fence's indentation, on the line before BodyStart.
		fence := src[:max(b.BodyStart-1, 0)]
		fence = fence[bytes.LastIndexByte(fence, '\n')+1:]
		prefix = string(fence[:len(fence)-len(bytes.TrimLeft(fence, " \t>"))])
	}
	if prefix == "" {
		return body
	}
	var out strings.Builder
	for i, line := range strings.SplitAfter(body, "\n") {
		if line == "" {
			continue
		}
		if i > 0 || !skip {
			out.WriteString(prefix)
		}
		out.WriteString(line)
	}
	return out.String()
}
