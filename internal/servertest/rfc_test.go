// Tests of the RFC tables and the differential fuzz test's oracle (not
// part of the book's text): the tables agree with the rules, the rules
// with RFC 3986, and the oracle reads outputs and allows only what the
// rules name.
package servertest

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
)

// outcomeOf reads an outcome as Outcome.String writes it.
func outcomeOf(t *testing.T, s string) Outcome {
	t.Helper()
	var o Outcome
	for _, w := range strings.Fields(s) {
		switch w {
		case "none":
		case "close":
			o.Close = true
		default:
			n, err := strconv.Atoi(w)
			if err != nil {
				t.Fatalf("outcome %q: %v", s, err)
			}
			o.Statuses = append(o.Statuses, n)
		}
	}
	if o.String() != s {
		t.Fatalf("outcome %q reads back as %q", s, o)
	}
	return o
}

// TestRFCTables checks the tables against the rules, as FuzzOracle
// applies them: where a row's outcome for the book and net/http's
// differ, the row names the rule that allows it, and it is the one the
// fuzz test finds; a row that names a rule has an outcome that needs it.
func TestRFCTables(t *testing.T) {
	names := map[string]bool{}
	n := 0
	for _, table := range rfcTables {
		for _, row := range table.rows {
			n++
			name := table.name + "/" + row.name
			if names[name] {
				t.Errorf("%s: two rows of that name", name)
			}
			names[name] = true
			if row.why == "" {
				t.Errorf("%s: no why", name)
			}
			if row.rule != "" {
				if _, ok := ruleNamed(row.rule); !ok {
					t.Errorf("%s: no rule %q", name, row.rule)
				}
			}
			std := outcomeOf(t, row.std)
			needed := false
			for _, alt := range strings.Split(row.book, "|") {
				for _, coding := range []int{400, 501} {
					book := outcomeOf(t, strings.ReplaceAll(alt, "UC", strconv.Itoa(coding)))
					got, err := explain([]byte(row.in+nextRequest), book, std)
					switch {
					case err != nil:
						t.Errorf("%s: book %s, net/http %s: %v", name, book, std, err)
					case got != row.rule && got != "":
						t.Errorf("%s: book %s, net/http %s: the rule is %q, the table says %q", name, book, std, got, row.rule)
					}
					needed = needed || got != ""
				}
			}
			if row.rule != "" && !needed {
				t.Errorf("%s: rule %q, but the book's and net/http's outcomes do not differ", name, row.rule)
			}
		}
	}
	for _, r := range rules {
		if r.why == "" {
			t.Errorf("rule %s: no why", r.name)
		}
	}
	t.Logf("%d rows", n)
}

func TestValidHost(t *testing.T) {
	for _, c := range []struct {
		host string
		ok   bool
	}{
		{"", true},
		{"localhost", true},
		{"localhost:8888", true},
		{"a:", true},
		{"127.0.0.1", true},
		{"%41", true},
		{"a!$&'()*+,;=b", true},
		{"-._~", true},
		{"[::1]", true},
		{"[::1]:8888", true},
		{"[::ffff:1.2.3.4]", true},
		{"[v1.x:y]", true},
		{"[::1", false},
		{"::1", false},
		{"[::1]x", false},
		{"[::1]:x", false},
		{"[1.2.3.4]", false},
		{"[fe80::1%25eth0]", false},
		{"[v.x]", false},
		{"[v1.]", false},
		{"[vg.x]", false},
		{"a b", false},
		{"a/b", false},
		{"a:b", false},
		{"a:1:2", false},
		{"u@x", false},
		{"a\"b", false},
		{"a%zz", false},
		{"a%4", false},
		{"é", false},
	} {
		if got := validHost(c.host); got != c.ok {
			t.Errorf("validHost(%q) = %v, want %v", c.host, got, c.ok)
		}
	}
}

func TestParseOutcome(t *testing.T) {
	const date = "Date: Sun, 06 Dec 2026 14:09:20 GMT\r\n"
	ok := "HTTP/1.1 200 OK\r\n" + date + "Content-Length: 12\r\n\r\nHello World\n"
	head := "HTTP/1.1 200 OK\r\n" + date + "Content-Length: 12\r\n\r\n"
	chunked := "HTTP/1.1 200 OK\r\n" + date + "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\nX-T: 1\r\n\r\n"
	bad := "HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 12\r\n\r\nBad Request\n"
	toClose := "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nall of it"
	for _, c := range []struct{ out, want string }{
		{"", "none"},
		{ok, "200"},
		{ok + ok, "200 200"},
		{head + ok, "200 200"},
		{ok + head, "200 200"},
		{chunked + ok, "200 200"},
		{"HTTP/1.1 100 Continue\r\n\r\n" + ok, "200"},
		{ok + bad, "200 400 close"},
		{toClose, "200 close"},
		{"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nab", "200 (response 1: body of 2 bytes: <nil>)"},
		{"garbage", "none (response 1: malformed HTTP response \"garbage\")"},
	} {
		if got := parseOutcome([]byte(c.out)).String(); got != c.want {
			t.Errorf("parseOutcome(%q) = %s, want %s", c.out, got, c.want)
		}
	}
}

func TestSplitRequests(t *testing.T) {
	post := "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"
	for _, c := range []struct {
		in   string
		want []string // each head's request line, and the bytes skipped before it
	}{
		{"", nil},
		{"GET / HTTP/1.1\r\nHost: x\r\n\r\n", []string{"GET / HTTP/1.1 0"}},
		{post + "GET /2 HTTP/1.1\r\n\r\n", []string{"POST / HTTP/1.1 0", "GET /2 HTTP/1.1 0"}},
		{post + "\r\nGET /2 HTTP/1.1\r\n\r\n", []string{"POST / HTTP/1.1 0", "GET /2 HTTP/1.1 2"}},
		{post + "\r\n", []string{"POST / HTTP/1.1 0", " 2"}},
		{"GET / HTTP/1.1\r\n\r\n\r\nGET /2 HTTP/1.1\r\n\r\n", []string{"GET / HTTP/1.1 0", " 0"}},
		{"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /2 HTTP/1.1\r\n\r\n", []string{"POST / HTTP/1.1 0", "GET /2 HTTP/1.1 0"}},
		{"garbage\r\n\r\nGET / HTTP/1.1\r\n\r\n", []string{"garbage 0"}},
	} {
		var got []string
		for _, h := range splitRequests([]byte(c.in)) {
			got = append(got, fmt.Sprintf("%s %d", h.line, h.skipped))
		}
		if fmt.Sprint(got) != fmt.Sprint(c.want) {
			t.Errorf("splitRequests(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// TestExplain checks that the oracle fails differences no rule allows:
// the book answering what net/http refuses, or refusing what it answers,
// for no named reason.
func TestExplain(t *testing.T) {
	get := "GET / HTTP/1.1\r\nHost: x\r\n\r\n"
	for _, c := range []struct {
		in, book, std, rule string
		ok                  bool
	}{
		{get, "200", "200", "", true},
		{get, "200", "200 close", "", true}, // Close is not part of the class
		{get, "400 close", "501 close", "", true},
		{get, "400 close", "200", "", false},
		{get, "200", "400 close", "", false},
		{get, "none", "200", "", false},
		{get + get, "200 200", "200", "", false},
		{"GET / HTTP/1.1\r\nHost: [::1\r\n\r\n", "400 close", "200", "host-syntax", true},
		{"GET / HTTP/1.1\r\nHost: [::1\r\n\r\n", "200", "400 close", "", false},
		{get + "GET / HTTP/1.1\r\nHost: a:b\r\n\r\n", "200 400 close", "200 200", "host-syntax", true},
		{"GET / HTTP/1.1\r\nHost: a:b\r\n\r\n" + get, "400 close", "200 200", "host-syntax", true},
		// a rule of one request does not excuse another
		{"GET / HTTP/1.1\r\nHost: a:b\r\n\r\n" + get, "200 400 close", "200 200", "", false},
		{"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + get, "200 close", "200 200", "te-close", true},
		{"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + get, "200 400 close", "200 200", "", false},
		{"GET / HTTP/1.1\r\nHost: x\r\nExpect: foo\r\n\r\n", "200", "417 close", "expect", true},
		{"GET / HTTP/1.1\r\nHost: x\r\nExpect: foo\r\n\r\n", "417 close", "200", "", false},
		{"PRI * HTTP/2.0\r\n\r\n" + get, "200 200", "200 close", "h2-preface", true},
		{"OPTIONS * HTTP/1.0\r\nContent-Length: 1\r\n\r\n", "400 close", "200", "options-star", true},
		{"OPTIONS / HTTP/1.0\r\nContent-Length: 1\r\n\r\n", "400 close", "200", "", false},
		{"OPTIONS * HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n" + strings.Repeat("x", 5000) + get, "200 200", "200 close", "options-star-close", true},
		{"GET / HTTP/1.1\r\nHost: x\r\nConnection: 0 Close\r\n\r\n0000", "200 400 close", "200 close", "connection-close-word", true},
		{"GET / HTTP/1.1\r\nHost: x\r\nConnection: 0 Close\r\n\r\n" + get, "200 200", "200 close", "connection-close-word", true},
		{"GET / HTTP/1.1\r\nHost: x\r\nConnection: closed\r\n\r\n" + get, "200 200", "200 close", "", false},
		{"GET / HTTP/1.1\r\nHost: x\r\nConnection: a\r\nConnection: 0 close\r\n\r\n" + get, "200 200", "200 close", "", false},
		{"GET / HTTP/1.0\r\nConnection: keep-Alive 0\r\n\r\n" + get, "200 close", "200 200", "connection-token", true},
		{"PRI * HTTP/2.0\r\n\r\n" + get, "505 close", "200 close", "major-version", true},
	} {
		rule, err := explain([]byte(c.in), outcomeOf(t, c.book), outcomeOf(t, c.std))
		if (err == nil) != c.ok || rule != c.rule {
			t.Errorf("explain(%q, book %s, net/http %s) = %q, %v; want %q, ok=%v", c.in, c.book, c.std, rule, err, c.rule, c.ok)
		}
	}
}
