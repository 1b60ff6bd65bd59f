package transcript

import (
	"reflect"
	"strings"
	"testing"
)

// Each table takes the paragraph before it as its caption; text before
// that paragraph and after the last table are parts of their own; a
// cell's \| is a |.
func TestTables(t *testing.T) {
	out := "machine\n" +
		"\n" +
		"Linux, 2 CPUs\n" +
		"what the table shows\n" +
		"\n" +
		"| 系列 | k [95% 区間] | a\\|b |\n" +
		"|:--|--:|:-:|\n" +
		"| x | 2.00 [1.99, 2.01] | 1 |\n" +
		"| y | – | 2 |\n" +
		"second\n" +
		"| p | q |\n" +
		"|---|---|\n" +
		"\n" +
		"the end\n"
	parts, err := Tables(out)
	if err != nil {
		t.Fatal(err)
	}
	want := []OutputPart{
		{Text: []string{"machine"}},
		{Caption: []string{"Linux, 2 CPUs", "what the table shows"}, Table: &Table{
			Head:  []string{"系列", "k [95% 区間]", "a|b"},
			Align: []string{"left", "right", "center"},
			Rows:  [][]string{{"x", "2.00 [1.99, 2.01]", "1"}, {"y", "–", "2"}},
		}},
		{Caption: []string{"second"}, Table: &Table{Head: []string{"p", "q"}, Align: []string{"", ""}}},
		{Text: []string{"the end"}},
	}
	if !reflect.DeepEqual(parts, want) {
		t.Errorf("Tables:\n%#v\nwant\n%#v", parts, want)
	}
}

// An output the book cannot show as a table is an error, saying where.
func TestTablesErrors(t *testing.T) {
	for _, c := range []struct{ out, want string }{
		{"Linux\nno table here\n", "no markdown table"},
		{"| a | b |\n| 1 | 2 |\n", "no markdown table"}, // no delimiter row
		{"| a | b |\n|--|--|--|\n", "output line 1: the table's header has 2 cells, its delimiter row 3"},
		{"cap\n| a | b |\n|--|--|\n| 1 |\n", "output line 4: a row of 1 cells in a table of 2 columns"},
	} {
		_, err := Tables(c.out)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Tables(%q) = %v, want an error containing %q", c.out, err, c.want)
		}
	}
}

func TestTableProblem(t *testing.T) {
	ok := "$ netlab table r.json\nLinux\n| a |\n|--:|\n| 1 |\n"
	if p := TableProblem(ok); p != "" {
		t.Errorf("TableProblem of a table: %s", p)
	}
	for body, want := range map[string]string{
		"$ netlab table r.json\n":               "its output is empty",
		ok + "$ netlab table s.json\n| a |\n":   "runs one command; this one runs 2",
		"$ netlab table r.json\nLinux\n":        "no markdown table",
		"$ netlab table r.json\n| a |\n| 1 |\n": "no markdown table",
	} {
		if p := TableProblem(body); !strings.Contains(p, want) {
			t.Errorf("TableProblem(%q) = %q, want %q", body, p, want)
		}
	}
}
