package check

import (
	"strings"
	"testing"
)

const listing = `package main

import "net"

func main() {
	ln, err := net.Listen("tcp", "localhost:8888")
	if err != nil {
		panic(err)
	}

	for {
		conn, err := ln.Accept()
		if err != nil {
			continue
		}
		go handle(conn)
	}
}

func handle(c net.Conn) {
	c.Close()
}`

func TestMatchExcerpt(t *testing.T) {
	file := strings.Split(listing, "\n")
	tests := []struct {
		name    string
		excerpt string
		want    string // "" for a match, else a substring of the message
	}{
		{"whole function", "func handle(c net.Conn) {\n\tc.Close()\n}\n", ""},
		{"single line", "import \"net\"\n", ""},
		{"no trailing newline", "\tc.Close()", ""},
		{"dedented", "conn, err := ln.Accept()\nif err != nil {\n\tcontinue\n}\n", ""},
		{"dedented partly", "\tconn, err := ln.Accept()\n\tif err != nil {\n", ""},
		{"omitted in the middle", "for {\n\tconn, err := ln.Accept()\n\t// ...\n\tgo handle(conn)\n}\n", ""},
		{"omitted at the start", "// ...\n\tgo handle(conn)\n}\n", ""},
		{"omitted at the end", "func main() {\n\t// ...\n", ""},
		{"omitted at both ends", "// ...\nfor {\n// ...\n", ""},
		{"omission indented anyhow", "for {\n        // ...\n\tgo handle(conn)\n}\n", ""},
		{"omitting nothing", "if err != nil {\n\t// ...\n\tcontinue\n}\n", ""},
		{"two omissions", "func main() {\n\t// ...\n\tfor {\n\t\t// ...\n\t}\n}\n", ""},
		{"blank line", "}\n\nfor {\n", ""},
		{"blank line with spaces", "}\n   \nfor {\n", ""},
		{"trailing blank lines ignored", "\tpanic(err)\n}\n\n\n", ""},

		{"missing line", "\tlog.Fatal(err)\n", `the listing has no line "log.Fatal(err)"`},
		{"blank line missing", "\tpanic(err)\n}\nfor {\n", "not in this order"},
		{"blank line extra", "if err != nil {\n\n\tpanic(err)\n", "not in this order"},
		{"not contiguous", "for {\n\tgo handle(conn)\n}\n", "not contiguous"},
		{"order matters", "go handle(conn)\n// ...\nconn, err := ln.Accept()\n", "not in this order"},
		{"order matters without omission", "\tc.Close()\nfunc handle(c net.Conn) {\n", "not in this order"},
		{"indentation inconsistent", "for {\nconn, err := ln.Accept()\n", "not with this indentation"},
		{"indentation deeper", "for {\n\t\tconn, err := ln.Accept()\n", "not with this indentation"},
		{"indentation across an omission", "for {\n// ...\n\t\tgo handle(conn)\n", "not with this indentation"},
		{"indentation in spaces", "func main() {\n    ln, err := net.Listen(\"tcp\", \"localhost:8888\")\n", "not with this indentation"},
		{"line is only a suffix", "err := ln.Accept()\n", `the listing has no line "err := ln.Accept()"`},
		{"past the end", "\tc.Close()\n}\nfunc more() {}\n", `no line "func more() {}"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := matchExcerpt(file, tt.excerpt)
			switch {
			case tt.want == "" && got != "":
				t.Errorf("matchExcerpt(%q) = %q, want a match", tt.excerpt, got)
			case tt.want != "" && !strings.Contains(got, tt.want):
				t.Errorf("matchExcerpt(%q) = %q, want a message containing %q", tt.excerpt, got, tt.want)
			}
		})
	}
}

func TestDedent(t *testing.T) {
	tests := []struct{ in, want []string }{
		{[]string{"\t\ta", "\t\t\tb", "", "\t\tc"}, []string{"a", "\tb", "", "c"}},
		{[]string{"  a", "    b"}, []string{"a", "  b"}},
		{[]string{"\ta", "  b"}, []string{"\ta", "  b"}}, // nothing in common
		{[]string{"a", "\tb"}, []string{"a", "\tb"}},
		{[]string{"\t", "\ta"}, []string{"", "a"}},
	}
	for _, tt := range tests {
		got := dedent(tt.in)
		if strings.Join(got, "|") != strings.Join(tt.want, "|") {
			t.Errorf("dedent(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
