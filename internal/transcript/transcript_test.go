package transcript

import (
	"reflect"
	"strings"
	"testing"

	"tcpbook/internal/chapter"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name string
		body string
		want []Command
	}{
		{"empty", "", nil},
		{"one command, no output", "$ go run ./chapters/01\n", []Command{
			{Line: "go run ./chapters/01", Shown: "$ go run ./chapters/01\n"},
		}},
		{"output", "$ go run ./chapters/01\nhello\n\nworld\n", []Command{
			{Line: "go run ./chapters/01", Shown: "$ go run ./chapters/01\n", Output: "hello\n\nworld\n"},
		}},
		{"two commands", "$ echo a\na\n$ echo b\nb\n", []Command{
			{Line: "echo a", Shown: "$ echo a\n", Output: "a\n"},
			{Line: "echo b", Shown: "$ echo b\n", Output: "b\n"},
		}},
		{"continuation lines", "$ curl -sS \\\n    -H 'X: y' \\\n    localhost:8888\nok\n", []Command{
			{Line: "curl -sS  -H 'X: y'  localhost:8888", Shown: "$ curl -sS \\\n    -H 'X: y' \\\n    localhost:8888\n", Output: "ok\n"},
		}},
		{"continuation at the end", "$ echo \\\n", []Command{
			{Line: "echo \\", Shown: "$ echo \\\n"},
		}},
		{"no final newline", "$ echo a\na", []Command{
			{Line: "echo a", Shown: "$ echo a\n", Output: "a\n"},
		}},
		{"a dollar in the output", "$ echo '$'\n$\n$HOME\n", []Command{
			{Line: "echo '$'", Shown: "$ echo '$'\n", Output: "$\n$HOME\n"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse(tt.body)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.body, err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Parse(%q) =\n%#v\nwant\n%#v", tt.body, got, tt.want)
			}
			// Format is the inverse of Parse for a body of whole lines.
			if strings.HasSuffix(tt.body, "\n") || tt.body == "" {
				if f := Format(got); f != tt.body {
					t.Errorf("Format(Parse(%q)) = %q", tt.body, f)
				}
			}
		})
	}
}

func TestParseOutputFirst(t *testing.T) {
	for _, body := range []string{"hello\n$ echo\n", " $ echo\n", "$echo\n", "\n$ echo\n"} {
		cmds, err := Parse(body)
		if err == nil || !strings.Contains(err.Error(), `output before the first "$ " command line`) {
			t.Errorf("Parse(%q) = %v, %v; want an error about output before the first command", body, cmds, err)
		}
	}
}

func TestRules(t *testing.T) {
	tests := []struct {
		rule, in, want string
	}{
		// ephemeral-port: a port from the kernel's range after a loopback address.
		{"ephemeral-port", "accept 127.0.0.1:45678", "accept 127.0.0.1:PORT"},
		{"ephemeral-port", "127.0.0.1:32768 [::1]:60999 localhost:50000", "127.0.0.1:PORT [::1]:PORT localhost:PORT"},
		{"ephemeral-port", "from 127.0.0.1:37530\nto 127.0.0.1:41234\n", "from 127.0.0.1:PORT\nto 127.0.0.1:PORT\n"},
		{"ephemeral-port", "listening on 127.0.0.1:8888", "listening on 127.0.0.1:8888"},
		{"ephemeral-port", "127.0.0.1:1024 127.0.0.1:32767 127.0.0.1:32000", "127.0.0.1:1024 127.0.0.1:32767 127.0.0.1:32000"},
		{"ephemeral-port", "127.0.0.1:61000 127.0.0.1:65535", "127.0.0.1:61000 127.0.0.1:65535"},
		{"ephemeral-port", "127.0.0.1:456789", "127.0.0.1:456789"},
		{"ephemeral-port", "192.168.1.10:45678 example.com:45678", "192.168.1.10:45678 example.com:45678"},
		{"ephemeral-port", "pid 45678", "pid 45678"},

		// http-date: IMF-fixdate.
		{"http-date", "Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n", "Date: DATE\r\n"},
		{"http-date", "Last-Modified: Tue, 15 Apr 2025 23:59:59 GMT", "Last-Modified: DATE"},
		{"http-date", "Sunday, 06-Nov-94 08:49:37 GMT", "Sunday, 06-Nov-94 08:49:37 GMT"}, // RFC 850, obsolete
		{"http-date", "Sun Nov  6 08:49:37 1994", "Sun Nov  6 08:49:37 1994"},             // asctime
		{"http-date", "Sun, 06 Nov 1994 08:49:37 UTC", "Sun, 06 Nov 1994 08:49:37 UTC"},
		{"http-date", "2024-01-02T03:04:05Z", "2024-01-02T03:04:05Z"},

		// curl-version: curl's version.
		{"curl-version", "User-Agent: curl/7.88.1\r\n", "User-Agent: curl/VERSION\r\n"},
		{"curl-version", "> User-Agent: curl/8.12.0-DEV", "> User-Agent: curl/VERSION"},
		{"curl-version", "curl/8.5", "curl/8.5"},
		{"curl-version", "libcurl/8.5.0", "libcurl/8.5.0"},
		{"curl-version", "Go-http-client/1.1", "Go-http-client/1.1"},

		// curl-elapsed: the milliseconds in curl's connect error.
		{"curl-elapsed", "curl: (7) Failed to connect to localhost port 8888 after 0 ms: Couldn't connect to server",
			"curl: (7) Failed to connect to localhost port 8888 after N ms: Couldn't connect to server"},
		{"curl-elapsed", "after 12 ms", "after 12 ms"},

		// curl-pointer: an address in curl's verbose notes only.
		{"curl-pointer", "* Found bundle for host: 0x5581896e9200 [serially]", "* Found bundle for host: 0x? [serially]"},
		{"curl-pointer", "< X-Id: 0x5581896e9200", "< X-Id: 0x5581896e9200"},

		// go-trace: a panic's goroutine number, checkout directory and PC offsets.
		{"go-trace", "panic: EOF\n\ngoroutine 23 [running]:\nmain.main.func1()\n\t/work/main/chapters/02/naive/main.go:32 +0x4d1\ncreated by main.main in goroutine 1\n\t/tmp/x/chapters/02/naive/main.go:27 +0x85\n",
			"panic: EOF\n\ngoroutine N [running]:\nmain.main.func1()\n\t.../chapters/02/naive/main.go:32 +0x?\ncreated by main.main in goroutine 1\n\t.../chapters/02/naive/main.go:27 +0x?\n"},
		{"go-trace", "\t/usr/local/go/src/net/net.go:10 +0x1f\n", "\t/usr/local/go/src/net/net.go:10 +0x1f\n"},
		{"go-trace", "the goroutine 23 [running]", "the goroutine 23 [running]"},
	}
	for _, tt := range tests {
		rules, err := Lookup([]string{tt.rule})
		if err != nil {
			t.Fatal(err)
		}
		if got := normalize(tt.in, rules); got != tt.want {
			t.Errorf("%s: normalize(%q) = %q, want %q", tt.rule, tt.in, got, tt.want)
		}
	}
}

func TestRulesOnlyWhenNamed(t *testing.T) {
	in := "127.0.0.1:45678 Sun, 06 Nov 1994 08:49:37 GMT curl/7.88.1"
	if got := normalize(in, nil); got != in {
		t.Errorf("normalize with no rules = %q", got)
	}
	rules, _ := Lookup([]string{"curl-version"})
	if got, want := normalize(in, rules), "127.0.0.1:45678 Sun, 06 Nov 1994 08:49:37 GMT curl/VERSION"; got != want {
		t.Errorf("normalize with curl-version = %q, want %q", got, want)
	}
	all, _ := Lookup([]string{"curl-version", "ephemeral-port", "http-date"})
	if got, want := normalize(in, all), "127.0.0.1:PORT DATE curl/VERSION"; got != want {
		t.Errorf("normalize with all rules = %q, want %q", got, want)
	}
}

func TestLookup(t *testing.T) {
	rules, err := Lookup([]string{"http-date", "ephemeral-port"})
	if err != nil || len(rules) != 2 || rules[0].Name != "http-date" || rules[1].Name != "ephemeral-port" {
		t.Errorf("Lookup = %v, %v", rules, err)
	}
	_, err = Lookup([]string{"ephemeral-port", "ephemeral-ports"})
	if err == nil || !strings.Contains(err.Error(), `unknown normalisation rule "ephemeral-ports" (known: ephemeral-port, http-date, curl-version, curl-elapsed, curl-pointer, go-trace)`) {
		t.Errorf("Lookup of an unknown rule: %v", err)
	}
	for _, r := range Rules() {
		if r.Doc == "" {
			t.Errorf("rule %s has no Doc", r.Name)
		}
	}
}

// TestRulesCopy: what Rules returns is the caller's to change.
func TestRulesCopy(t *testing.T) {
	got := Rules()
	if len(got) != len(rules) {
		t.Fatalf("Rules returned %d rules, want %d", len(got), len(rules))
	}
	first, second := got[0].Name, got[1].Name
	got[0].Name, got[0].Doc = "changed", "changed"
	_ = append(got[:1], Rule{Name: "appended"}) // writes over got[1]
	if r := Rules(); r[0].Name != first || r[0].Doc == "changed" || r[1].Name != second {
		t.Errorf("changing what Rules returned changed the rules: %v", r[:2])
	}
	if _, err := Lookup([]string{first, second}); err != nil {
		t.Errorf("Lookup after changing a copy: %v", err)
	}
}

func TestEqual(t *testing.T) {
	ports, _ := Lookup([]string{"ephemeral-port"})
	tests := []struct {
		book, real string
		rules      []Rule
		want       bool
	}{
		{"hello\n", "hello\n", nil, true},
		{"hello\n", "hello", nil, true}, // the shell's prompt starts a new line
		{"hello\n", "hello\n\n", nil, false},
		{"hello\n", "Hello\n", nil, false},
		{"hello\n", "hello \n", nil, false},
		{"accept 127.0.0.1:37530\n", "accept 127.0.0.1:51234\n", nil, false},
		{"accept 127.0.0.1:37530\n", "accept 127.0.0.1:51234\n", ports, true},
		{"accept 127.0.0.1:8888\n", "accept 127.0.0.1:8889\n", ports, false},
		{"", "", nil, true},
	}
	for _, tt := range tests {
		if got := Equal(tt.book, tt.real, tt.rules); got != tt.want {
			t.Errorf("Equal(%q, %q, %v) = %v, want %v", tt.book, tt.real, tt.rules, got, tt.want)
		}
	}
}

func TestDiff(t *testing.T) {
	ports, _ := Lookup([]string{"ephemeral-port"})
	tests := []struct {
		book, real string
		rules      []Rule
		want       string
	}{
		{"a\nb\nc\n", "a\nx\nc\n", nil, "--- book\n+++ run\n@@ -1,3 +1,3 @@\n a\n-b\n+x\n c\n"},
		{"a\n", "a\nb", nil, "--- book\n+++ run\n@@ -1,1 +1,2 @@\n a\n+b\n"},
		{"a\nb\n", "a\n", nil, "--- book\n+++ run\n@@ -1,2 +1,1 @@\n a\n-b\n"},
		{"", "a\n", nil, "--- book\n+++ run\n@@ -0,0 +1,1 @@\n+a\n"},
		{"a\n", "a\n", nil, ""},
		{"from 127.0.0.1:37530\nbye\n", "from 127.0.0.1:51234\nbye!\n", ports,
			"--- book\n+++ run\n@@ -1,2 +1,2 @@\n from 127.0.0.1:PORT\n-bye\n+bye!\n"},
	}
	for _, tt := range tests {
		if got := Diff(tt.book, tt.real, tt.rules); got != tt.want {
			t.Errorf("Diff(%q, %q) =\n%s\nwant\n%s", tt.book, tt.real, got, tt.want)
		}
	}
}

func TestRewrite(t *testing.T) {
	src := "# 章\r\n" + // CRLF in the prose is kept as it is
		"\n" +
		"```console {#one}\n" +
		"$ echo one\n" +
		"old\n" +
		"```\n" +
		"\n" +
		"text   with  spaces \n" +
		"\n" +
		"```console {#two}\n" +
		"$ echo two\n" +
		"```\n" +
		"\n" +
		"```console {#three}\n" +
		"$ echo three\n" +
		"three\n" +
		"```\n" +
		"\n" +
		"```go\n" +
		"x := 1\n" +
		"```\n" +
		"tail without newline"
	ch, errs := chapter.Parse("chapters/01/README.md", []byte(src))
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	got := string(Rewrite(ch, map[string]string{
		"one":    "$ echo one\none\nline two\n",
		"two":    "$ echo two\ntwo", // a newline is added
		"nosuch": "$ echo\n",
	}))
	want := strings.Replace(src, "$ echo one\nold\n", "$ echo one\none\nline two\n", 1)
	want = strings.Replace(want, "$ echo two\n", "$ echo two\ntwo\n", 1)
	if got != want {
		t.Errorf("Rewrite =\n%s\nwant\n%s", got, want)
	}
	if string(Rewrite(ch, nil)) != src {
		t.Errorf("Rewrite with nothing to rewrite changed the source")
	}
	if string(ch.Source) != src {
		t.Errorf("Rewrite changed the chapter's Source")
	}
	// The result parses into the same blocks, with the new bodies.
	ch2, errs := chapter.Parse(ch.Path, []byte(got))
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	if b := ch2.Block("one"); b == nil || b.Body != "$ echo one\none\nline two\n" {
		t.Errorf("block one after Rewrite: %+v", b)
	}
}

func TestRewriteEmptyBlock(t *testing.T) {
	src := "```console {#e}\n```\n"
	ch, _ := chapter.Parse("chapters/01/README.md", []byte(src))
	got := string(Rewrite(ch, map[string]string{"e": "$ true\n"}))
	if want := "```console {#e}\n$ true\n```\n"; got != want {
		t.Errorf("Rewrite of an empty block = %q, want %q", got, want)
	}
}

func TestRewriteIndented(t *testing.T) {
	tests := []struct{ name, src, body, want string }{
		{
			"list item",
			"1. サーバーを起動します。\n\n   ```console {#e}\n   $ go run ./chapters/01\n   old\n   ```\n\n2. 次へ\n",
			"$ go run ./chapters/01\nnew\n\nlast\n",
			"1. サーバーを起動します。\n\n   ```console {#e}\n   $ go run ./chapters/01\n   new\n   \n   last\n   ```\n\n2. 次へ\n",
		},
		{
			"block quote",
			"> ```console {#e}\n> $ echo a\n> ```\n",
			"$ echo a\na\n",
			"> ```console {#e}\n> $ echo a\n> a\n> ```\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ch, errs := chapter.Parse("chapters/01/README.md", []byte(tt.src))
			if len(errs) > 0 {
				t.Fatal(errs)
			}
			got := string(Rewrite(ch, map[string]string{"e": tt.body}))
			if got != tt.want {
				t.Errorf("Rewrite =\n%s\nwant\n%s", got, tt.want)
			}
			// The rewritten block reads back as the new body.
			ch2, _ := chapter.Parse(ch.Path, []byte(got))
			if b := ch2.Block("e"); b == nil || b.Body != tt.body {
				t.Errorf("after Rewrite, the block is %+v, want the body %q", b, tt.body)
			}
		})
	}
}
