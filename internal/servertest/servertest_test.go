// Tests of the shared tests' fuzz oracle (not part of the book's text):
// it passes what a correct request loop writes, and fails each mistake
// it is there to catch.
package servertest

import (
	"fmt"
	"runtime"
	"testing"
)

// recorder is a testing.TB that records a failure instead of failing.
type recorder struct {
	testing.TB
	failed bool
	msg    string
}

func (r *recorder) Helper() {}

func (r *recorder) Errorf(format string, args ...any) {
	r.failed, r.msg = true, fmt.Sprintf(format, args...)
}

func (r *recorder) Fatalf(format string, args ...any) {
	r.Errorf(format, args...)
	runtime.Goexit()
}

// check runs checkExchange on in and out, and returns its failure, or "".
func check(t *testing.T, in, out string) string {
	r := &recorder{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		checkExchange(r, []byte(in), []byte(out))
	}()
	<-done
	if !r.failed {
		return ""
	}
	if r.msg == "" {
		return "(failed)"
	}
	return r.msg
}

func response(status, headers, body string) string {
	return fmt.Sprintf("HTTP/1.1 %s\r\nDate: Sun, 06 Dec 2026 14:09:20 GMT\r\nContent-Length: %d\r\n%s\r\n%s", status, len(body), headers, body)
}

func TestCheckExchange(t *testing.T) {
	const (
		get      = "GET / HTTP/1.1\r\nHost: x\r\n\r\n"
		expect   = "POST / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\nhello"
		noHost   = "POST / HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\nhello"
		cont     = "HTTP/1.1 100 Continue\r\n\r\n"
		garbage  = "\x00\xff garbage\r\n\r\n"
		closeHdr = "Connection: close\r\n"
	)
	ok := response("200 OK", "", "Hello World\n")
	bad := response("400 Bad Request", closeHdr, "Bad Request\n")
	for _, c := range []struct {
		name, in, out string
		pass          bool
	}{
		{"nothing written", garbage, "", true},
		{"one response", get, ok, true},
		{"two pipelined", get + get, ok + ok, true},
		{"400 after a good one", get + garbage, ok + bad, true},
		{"100 Continue, then 200", expect, cont + response("200 OK", "", "Hello hello\n"), true},
		{"refused before the body, without 100 Continue", noHost, bad, true},
		{"100 Continue, then 400", expect, cont + bad, true},
		{"100 Continue unasked", get, cont + ok, false},
		{"100 Continue twice", expect, cont + cont + ok, false},
		{"200 without the 100 Continue asked for", expect, response("200 OK", "", "Hello hello\n"), false},
		{"more after Connection: close", get + get, response("200 OK", closeHdr, "Hello World\n") + ok, false},
		{"more responses than requests", get, ok + ok + ok, false},
		{"a bad request answered 200", garbage, response("200 OK", closeHdr, "x"), false},
		{"a bad request kept open", garbage, response("400 Bad Request", "", "Bad Request\n"), false},
		{"no Date", get, "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx", false},
		{"HTTP/1.0", get, "HTTP/1.0 200 OK\r\nDate: x\r\nContent-Length: 1\r\n\r\nx", false},
		{"body shorter than Content-Length", get, "HTTP/1.1 200 OK\r\nDate: x\r\nContent-Length: 5\r\n\r\nx", false},
		{"not a response", get, "hello\r\n\r\n", false},
	} {
		got := check(t, c.in, c.out)
		if c.pass && got != "" {
			t.Errorf("%s: failed: %s", c.name, got)
		}
		if !c.pass && got == "" {
			t.Errorf("%s: passed, want a failure\n%q", c.name, c.out)
		}
	}
}
