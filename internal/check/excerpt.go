package check

import (
	"fmt"
	"strings"
)

// omitted is the excerpt line that stands for any number of listing lines.
const omitted = "// ..."

// matchExcerpt reports how excerpt fails to appear in the listing lines
// file, or "" when it appears. The excerpt may be dedented as a whole:
// every line of a match carries the same extra indentation in the listing.
// Apart from "// ..." lines, its lines must appear in order and
// contiguously.
func matchExcerpt(file []string, excerpt string) string {
	lines := dedent(strings.Split(strings.TrimRight(excerpt, "\n"), "\n"))
	var segs [][]string
	cur := []string{}
	for _, l := range lines {
		if strings.TrimSpace(l) == omitted {
			segs = append(segs, cur)
			cur = []string{}
			continue
		}
		cur = append(cur, l)
	}
	segs = append(segs, cur)
	for start := range file {
		if prefix, ok := indentAt(file, start, segs); ok && matchFrom(file, start, segs, prefix) {
			return ""
		}
	}
	for _, l := range lines {
		if strings.TrimSpace(l) == omitted || strings.TrimSpace(l) == "" {
			continue
		}
		if !containsTrimmed(file, l) {
			return fmt.Sprintf("the listing has no line %q", strings.TrimSpace(l))
		}
	}
	return "its lines are in the listing, but not in this order, not contiguous, or not with this indentation (mark omitted lines with \"" + omitted + "\")"
}

// indentAt finds the indentation that the first non-empty excerpt line
// carries in the listing when the match starts at line start.
func indentAt(file []string, start int, segs [][]string) (string, bool) {
	// Skip empty leading segments ("// ..." first).
	for len(segs) > 0 && len(segs[0]) == 0 {
		segs = segs[1:]
	}
	if len(segs) == 0 {
		return "", false
	}
	for i, l := range segs[0] {
		if strings.TrimSpace(l) == "" {
			continue
		}
		if start+i >= len(file) {
			return "", false
		}
		prefix, ok := strings.CutSuffix(file[start+i], l)
		if !ok || strings.TrimLeft(prefix, " \t") != "" {
			return "", false
		}
		return prefix, true
	}
	return "", false
}

// matchFrom matches segs[0] exactly at start and each later segment at or
// after the end of the previous one.
func matchFrom(file []string, start int, segs [][]string, prefix string) bool {
	if len(segs) == 0 {
		return true
	}
	if !segAt(file, start, segs[0], prefix) {
		return false
	}
	next := start + len(segs[0])
	if len(segs) == 1 {
		return true
	}
	for j := next; j <= len(file); j++ {
		if matchFrom(file, j, segs[1:], prefix) {
			return true
		}
	}
	return false
}

func segAt(file []string, start int, seg []string, prefix string) bool {
	if start+len(seg) > len(file) {
		return false
	}
	for i, l := range seg {
		f := file[start+i]
		if strings.TrimSpace(l) == "" {
			if strings.TrimSpace(f) != "" {
				return false
			}
			continue
		}
		if f != prefix+l {
			return false
		}
	}
	return true
}

// dedent removes the indentation common to all non-empty lines.
func dedent(lines []string) []string {
	common := ""
	first := true
	for _, l := range lines {
		if strings.TrimSpace(l) == "" {
			continue
		}
		ind := l[:len(l)-len(strings.TrimLeft(l, " \t"))]
		if first {
			common, first = ind, false
			continue
		}
		for !strings.HasPrefix(ind, common) {
			common = common[:len(common)-1]
		}
	}
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = strings.TrimPrefix(l, common)
	}
	return out
}

func containsTrimmed(file []string, l string) bool {
	t := strings.TrimSpace(l)
	for _, f := range file {
		if strings.TrimSpace(f) == t {
			return true
		}
	}
	return false
}
