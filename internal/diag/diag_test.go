package diag

import "testing"

func TestList(t *testing.T) {
	var l List
	l.Add("chapters/02/README.md", 3, "b %d", 1)
	l.Add("chapters/01/README.md", 9, "late")
	l.Add("chapters/01/README.md", 2, "first at 2")
	var other List
	other.Add("chapters/01/README.md", 2, "second at 2")
	other.Add("chapters/01/README.md", 0, "whole file")
	l.Append(other)
	l.Sort()
	want := "chapters/01/README.md: whole file\n" +
		"chapters/01/README.md:2: first at 2\n" +
		"chapters/01/README.md:2: second at 2\n" +
		"chapters/01/README.md:9: late\n" +
		"chapters/02/README.md:3: b 1"
	if got := l.Error(); got != want {
		t.Errorf("Error() =\n%s\nwant\n%s", got, want)
	}
	if len(l) != 5 {
		t.Errorf("len %d", len(l))
	}
}
