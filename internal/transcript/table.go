package transcript

import (
	"fmt"
	"strings"
)

// An OutputPart is a piece of a command's output as a table transcript
// ({#id .table}) shows it: a markdown table with the lines of text just
// before it as its caption, or lines of text that no table follows.
type OutputPart struct {
	Caption []string // the table's caption: the paragraph before it
	Table   *Table   // nil for text
	Text    []string // the lines of a part that is not a table
}

// A Table is a GitHub-flavoured markdown pipe table of an output: a header
// row, a delimiter row (|:--|--:|) and the body rows, each with as many
// cells as the header.
type Table struct {
	Head  []string
	Align []string // per column: "left", "right", "center" or ""
	Rows  [][]string
}

// Tables splits a command's output into text and the markdown tables in
// it. Each table takes as its caption the last paragraph of text before
// it (its lines up to the blank line before them); the text before that,
// and after the last table, are parts of their own. It is an error for
// the output to hold no table, or for a table's row to have a number of
// cells other than its header's: what the book would show as a table
// would not be the output.
func Tables(output string) ([]OutputPart, error) {
	lines := strings.Split(strings.TrimSuffix(output, "\n"), "\n")
	var parts []OutputPart
	var text []string // the text since the last table
	tables := 0
	flush := func() {
		if t := trimBlank(text); len(t) > 0 {
			parts = append(parts, OutputPart{Text: t})
		}
		text = nil
	}
	for i := 0; i < len(lines); i++ {
		head, ok := tableRow(lines[i])
		if !ok || i+1 >= len(lines) {
			text = append(text, lines[i])
			continue
		}
		align, ok := delimiterRow(lines[i+1])
		if !ok {
			text = append(text, lines[i])
			continue
		}
		if len(align) != len(head) {
			return nil, fmt.Errorf("output line %d: the table's header has %d cells, its delimiter row %d", i+1, len(head), len(align))
		}
		t := &Table{Head: head, Align: align}
		j := i + 2
		for ; j < len(lines); j++ {
			row, ok := tableRow(lines[j])
			if !ok {
				break
			}
			if len(row) != len(head) {
				return nil, fmt.Errorf("output line %d: a row of %d cells in a table of %d columns", j+1, len(row), len(head))
			}
			t.Rows = append(t.Rows, row)
		}
		// The caption is the last paragraph before the table.
		text = trimBlank(text)
		c := len(text)
		for c > 0 && strings.TrimSpace(text[c-1]) != "" {
			c--
		}
		caption := text[c:]
		text = text[:c]
		flush()
		parts = append(parts, OutputPart{Caption: caption, Table: t})
		tables++
		i = j - 1
	}
	flush()
	if tables == 0 {
		return nil, fmt.Errorf("no markdown table in the output (a | header | row, then a |---| row)")
	}
	return parts, nil
}

// tableRow splits a line "| a | b |" into its trimmed cells, "\|" in a
// cell standing for "|".
func tableRow(line string) ([]string, bool) {
	line = strings.TrimSpace(line)
	if len(line) < 2 || line[0] != '|' || !strings.HasSuffix(line, "|") || strings.HasSuffix(line, `\|`) {
		return nil, false
	}
	var cells []string
	var cell strings.Builder
	body := line[1 : len(line)-1]
	for i := 0; i < len(body); i++ {
		switch {
		case body[i] == '\\' && i+1 < len(body) && body[i+1] == '|':
			cell.WriteByte('|')
			i++
		case body[i] == '|':
			cells = append(cells, strings.TrimSpace(cell.String()))
			cell.Reset()
		default:
			cell.WriteByte(body[i])
		}
	}
	return append(cells, strings.TrimSpace(cell.String())), true
}

// delimiterRow reads a table's delimiter row, |:--|--:|:-:|---|, into each
// column's alignment.
func delimiterRow(line string) ([]string, bool) {
	cells, ok := tableRow(line)
	if !ok {
		return nil, false
	}
	var align []string
	for _, c := range cells {
		left, right := strings.HasPrefix(c, ":"), strings.HasSuffix(c, ":")
		dashes := strings.Trim(c, ":")
		if dashes == "" || strings.Trim(dashes, "-") != "" {
			return nil, false
		}
		switch {
		case left && right:
			align = append(align, "center")
		case left:
			align = append(align, "left")
		case right:
			align = append(align, "right")
		default:
			align = append(align, "")
		}
	}
	return align, true
}

// trimBlank drops the blank lines at both ends of lines.
func trimBlank(lines []string) []string {
	for len(lines) > 0 && strings.TrimSpace(lines[0]) == "" {
		lines = lines[1:]
	}
	for len(lines) > 0 && strings.TrimSpace(lines[len(lines)-1]) == "" {
		lines = lines[:len(lines)-1]
	}
	return lines
}

// TableProblem says what is wrong with a table transcript's body, or ""
// when the book can show it: one command, whose output holds a markdown
// table (Tables).
func TableProblem(body string) string {
	cmds, err := Parse(body)
	if err != nil {
		return err.Error()
	}
	if len(cmds) != 1 {
		return fmt.Sprintf("a .table transcript runs one command; this one runs %d", len(cmds))
	}
	if strings.TrimSpace(cmds[0].Output) == "" {
		return "its output is empty: fill it from a real run (go test . -run TestTranscripts -update)"
	}
	if _, err := Tables(cmds[0].Output); err != nil {
		return err.Error()
	}
	return ""
}
