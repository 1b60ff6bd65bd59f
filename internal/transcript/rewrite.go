package transcript

import (
	"slices"

	"tcpbook/internal/chapter"
)

// Rewrite returns the chapter's source with the bodies of the transcripts
// named in bodies (by id) replaced. Everything else is kept byte for byte.
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
		src = slices.Concat(src[:b.BodyStart], []byte(withNewline(bodies[b.ID])), src[b.BodyEnd:])
	}
	return src
}
