package chapter

import (
	"bytes"
	"slices"
	"strings"
)

// Replace returns the chapter's source with the bodies of the given blocks
// replaced; everything else is kept byte for byte. A new body is written
// with the line ending of its block's opening fence (\n or \r\n), and a
// block in a list item or a block quote keeps its indentation or its "> "
// on every line, as its opening fence has them.
func Replace(ch *Chapter, bodies map[*Block]string) []byte {
	blocks := make([]*Block, 0, len(bodies))
	for b := range bodies {
		blocks = append(blocks, b)
	}
	// Replace from the end, so earlier offsets stay valid.
	slices.SortFunc(blocks, func(a, b *Block) int { return b.BodyStart - a.BodyStart })
	src := slices.Clone(ch.Source)
	for _, b := range blocks {
		body := bodies[b]
		if body != "" && !strings.HasSuffix(body, "\n") {
			body += "\n"
		}
		// The body's lines start at the start of the first one's line,
		// with what comes before the body on each (indentation, "> ").
		start := bytes.LastIndexByte(ch.Source[:b.BodyStart], '\n') + 1
		src = slices.Concat(src[:start], []byte(ch.indent(b, body)), src[b.BodyEnd:])
	}
	return src
}

// indent writes body as block b's lines: with the line ending of its
// fence, and each line with the prefix that the block's lines have.
func (ch *Chapter) indent(b *Block, body string) string {
	src := ch.Source
	fenceStart := ch.lineStart(b.Line)
	fence := src[fenceStart:endOfLine(src, fenceStart)]
	eol := "\n"
	if bytes.HasSuffix(fence, []byte("\r\n")) {
		eol = "\r\n"
	}
	// The prefix of the fence line: spaces for a list item's marker and
	// indentation, > for a block quote.
	var prefix []byte
	for _, c := range fence {
		if c == '`' || c == '~' {
			break
		}
		if c != '>' {
			c = ' '
		}
		prefix = append(prefix, c)
	}
	if b.Body != "" {
		// A body's own lines have the prefix as the source writes it.
		prefix = src[bytes.LastIndexByte(src[:b.BodyStart], '\n')+1 : b.BodyStart]
	}
	var out strings.Builder
	for _, line := range strings.SplitAfter(body, "\n") {
		if line == "" {
			break
		}
		out.Write(prefix)
		out.WriteString(strings.TrimSuffix(strings.TrimSuffix(line, "\n"), "\r"))
		out.WriteString(eol)
	}
	return out.String()
}

// lineStart is the offset of the first byte of the 1-based line n.
func (ch *Chapter) lineStart(n int) int {
	starts := lineStarts(ch.Source)
	if n-1 < len(starts) {
		return starts[n-1]
	}
	return len(ch.Source)
}
