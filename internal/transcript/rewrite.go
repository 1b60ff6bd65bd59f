package transcript

import "tcpbook/internal/chapter"

// Rewrite returns the chapter's source with the bodies of the transcripts
// named in bodies (by id) replaced, as chapter.Replace does.
func Rewrite(ch *chapter.Chapter, bodies map[string]string) []byte {
	blocks := map[*chapter.Block]string{}
	for _, b := range ch.Blocks {
		if body, ok := bodies[b.ID]; ok && b.Kind == chapter.Transcript {
			blocks[b] = withNewline(body)
		}
	}
	return chapter.Replace(ch, blocks)
}
