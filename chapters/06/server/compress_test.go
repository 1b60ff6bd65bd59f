// Tests for the chapter's compression (not part of the book's text): the
// negotiation of Accept-Encoding against RFC 9110's rules, and gzip, Vary,
// Content-Length, HEAD and the small-body rule against the real program.
package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"tcpbook/internal/booktest"
)

func TestNegotiate(t *testing.T) {
	big, small := len(document), minGzipSize-1
	for _, c := range []struct {
		name   string
		header []string // nil: no Accept-Encoding at all
		n      int
		want   string
	}{
		// RFC 9110 §12.5.3
		{"no header: any coding, but not unasked", nil, big, "identity"},
		{"empty value: no coding wanted", []string{""}, big, "identity"},
		{"gzip", []string{"gzip"}, big, "gzip"},
		{"names are case-insensitive", []string{"GZip"}, big, "gzip"},
		{"x-gzip is gzip (§8.4.1.3)", []string{"x-gzip"}, big, "gzip"},
		{"q=0 means not acceptable", []string{"gzip;q=0"}, big, "identity"},
		{"q=0.000 is 0 too", []string{"gzip;q=0.000"}, big, "identity"},
		{"Q is case-insensitive", []string{"gzip;Q=0"}, big, "identity"},
		{"whitespace around the semicolon", []string{"gzip ; q=0.5"}, big, "gzip"},
		{"higher q wins", []string{"gzip;q=0.5, identity"}, big, "identity"},
		{"unlisted identity comes last", []string{"gzip;q=0.001"}, big, "gzip"},
		{"a tie goes to gzip", []string{"gzip;q=0.5, identity;q=0.5"}, big, "gzip"},
		{"star covers gzip", []string{"*"}, big, "gzip"},
		{"star;q=0 refuses gzip and identity", []string{"*;q=0"}, big, ""},
		{"star;q=0 but identity listed", []string{"*;q=0, identity"}, big, "identity"},
		{"gzip listed beats star;q=0", []string{"gzip, *;q=0"}, big, "gzip"},
		{"identity;q=0 alone", []string{"identity;q=0"}, big, ""},
		{"identity;q=0 with gzip", []string{"identity;q=0, gzip;q=0.1"}, big, "gzip"},
		{"other codings only", []string{"br, zstd"}, big, "identity"},
		{"curl --compressed", []string{"deflate, gzip, br, zstd"}, big, "gzip"},
		{"a browser", []string{"gzip, deflate, br, zstd"}, big, "gzip"},
		{"several header lines (§5.3)", []string{"br", "gzip"}, big, "gzip"},
		{"the same name twice: the lower q", []string{"gzip, gzip;q=0"}, big, "identity"},
		{"empty list elements (§5.6.1)", []string{", ,gzip,,"}, big, "gzip"},
		// small bodies are not compressed, unless identity is refused
		{"small body", []string{"gzip"}, small, "identity"},
		{"at the threshold", []string{"gzip"}, minGzipSize, "gzip"},
		{"small body, identity refused", []string{"gzip, identity;q=0"}, small, "gzip"},
		{"small body, nothing acceptable", []string{"identity;q=0"}, small, ""},
		// malformed members are ignored, the rest read (§12.4.2)
		{"q over 1", []string{"gzip;q=2"}, big, "identity"},
		{"q with four decimals", []string{"gzip;q=0.1234"}, big, "identity"},
		{"q=1.5", []string{"gzip;q=1.5"}, big, "identity"},
		{"q=1.0 is fine", []string{"gzip;q=1.0"}, big, "gzip"},
		{"q=0. is fine", []string{"gzip;q=0."}, big, "identity"},
		{"q=.5", []string{"gzip;q=.5"}, big, "identity"},
		{"q=-1", []string{"gzip;q=-1"}, big, "identity"},
		{"q=NaN", []string{"gzip;q=NaN"}, big, "identity"},
		{"q=1e-3", []string{"gzip;q=1e-3"}, big, "identity"},
		{"q = 0.5 (no spaces allowed around =)", []string{"gzip;q = 0.5"}, big, "identity"},
		{"a parameter that is not q", []string{"gzip;level=9"}, big, "identity"},
		{"empty q", []string{"gzip;q="}, big, "identity"},
		{"not a token", []string{"\"gzip\""}, big, "identity"},
		{"a malformed refusal is ignored", []string{"identity;q=zero"}, big, "identity"},
		{"malformed member beside good ones", []string{"gzip;q=high, *;q=0, identity"}, big, "identity"},
		{"malformed star", []string{"*;q=x"}, big, "identity"},
	} {
		if got := chooseCoding(c.header, c.n); got != c.want {
			t.Errorf("%s: Accept-Encoding %q, %d bytes: got %q, want %q (%+v)", c.name, c.header, c.n, got, c.want, negotiate(c.header))
		}
	}
}

func TestParseQ(t *testing.T) {
	for in, want := range map[string]float64{"0": 0, "0.": 0, "0.5": 0.5, "0.001": 0.001, "0.999": 0.999, "1": 1, "1.": 1, "1.000": 1} {
		if q, ok := parseQ(in); !ok || q != want {
			t.Errorf("parseQ(%q) = %v, %v; want %v", in, q, ok, want)
		}
	}
	for _, in := range []string{"", "2", "-0", "+1", "00", "01", "0.1234", "1.001", "1.5", ".5", "0,5", "0.5 ", " 0.5", "NaN", "Inf", "1e0", "0x1", "0.5.5", "１"} {
		if q, ok := parseQ(in); ok {
			t.Errorf("parseQ(%q) = %v, ok; want malformed", in, q)
		}
	}
}

// FuzzNegotiate reads arbitrary Accept-Encoding values. Whatever they are,
// the weights are q-values, the names are case-insensitive, a malformed
// member added to the list changes nothing, and gzip is chosen only when
// its weight is above 0.
func FuzzNegotiate(f *testing.F) {
	for _, s := range []string{"", "gzip", "gzip;q=0.5, identity", "*;q=0", "identity;q=0, gzip;q=0.1", "gzip;q=2", "x-gzip;Q=1.000", ", ,", "gzip;level=9", "\"gzip\""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c := negotiate([]string{s})
		for _, q := range []float64{c.gzip, c.identity} {
			if q < 0 || q > 1 {
				t.Fatalf("%q: weights %+v, want 0 to 1", s, c)
			}
		}
		if up := negotiate([]string{strings.ToUpper(s)}); up != c && !strings.ContainsFunc(s, func(r rune) bool { return r > 0x7f }) {
			t.Fatalf("%q: %+v, but upper-cased %+v", s, c, up)
		}
		if more := negotiate([]string{s + ", gzip;q=bad, identity;q=2"}); more != c {
			t.Fatalf("%q: %+v, but with malformed members added %+v", s, c, more)
		}
		if split := negotiate(strings.Split(s, ",")); split != c {
			t.Fatalf("%q: %+v, but as several header lines %+v", s, c, split)
		}
		for _, n := range []int{0, minGzipSize, 1 << 20} {
			switch chooseCoding([]string{s}, n) {
			case "gzip":
				if c.gzip == 0 {
					t.Fatalf("%q: gzip chosen with weight 0", s)
				}
			case "identity":
				if c.identity == 0 {
					t.Fatalf("%q: identity chosen with weight 0", s)
				}
			case "":
				if c.gzip > 0 {
					t.Fatalf("%q: nothing chosen, gzip's weight %v", s, c.gzip)
				}
			}
		}
	})
}

// exchange sends req on a new connection and reads its response.
func exchange(t *testing.T, req string, head bool) (*http.Response, []byte) {
	t.Helper()
	conn := dial(t)
	write(t, conn, req)
	var r *http.Request
	if head {
		r = &http.Request{Method: http.MethodHead}
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), r)
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}

func gunzip(t *testing.T, b []byte) string {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

func TestCompression(t *testing.T) {
	t.Parallel()
	if !booktest.Isolate(t) {
		return
	}
	srv := booktest.Start(t, booktest.Build(t, "chapters/06/server"), addr)

	t.Run("gzip", func(t *testing.T) {
		resp, body := exchange(t, get("/", "Accept-Encoding: gzip\r\n"), false)
		if resp.Header.Get("Content-Encoding") != "gzip" || resp.Header.Get("Vary") != "Accept-Encoding" {
			t.Fatalf("headers %v, want Content-Encoding: gzip and Vary: Accept-Encoding", resp.Header)
		}
		if resp.ContentLength != int64(len(body)) || len(body) >= len(document) {
			t.Errorf("Content-Length %d, body %d bytes, document %d bytes", resp.ContentLength, len(body), len(document))
		}
		if got := gunzip(t, body); got != document {
			t.Errorf("the body decompresses to %.40q, not the document", got)
		}
	})
	t.Run("identity", func(t *testing.T) {
		for _, ae := range []string{"", "Accept-Encoding: \r\n", "Accept-Encoding: identity\r\n", "Accept-Encoding: br\r\n", "Accept-Encoding: gzip;q=0\r\n", "Accept-Encoding: gzip;q=bogus\r\n"} {
			resp, body := exchange(t, get("/", ae), false)
			if resp.StatusCode != 200 || resp.Header.Get("Content-Encoding") != "" || string(body) != document ||
				resp.ContentLength != int64(len(document)) || resp.Header.Get("Vary") != "Accept-Encoding" {
				t.Errorf("%q: got %s %v, %d bytes; want 200, the document as is, with Vary", ae, resp.Status, resp.Header, len(body))
			}
		}
	})
	t.Run("not-acceptable", func(t *testing.T) {
		// 406, and the connection stays open: the request was read whole.
		conn := dial(t)
		r := bufio.NewReader(conn)
		write(t, conn, get("/", "Accept-Encoding: identity;q=0\r\n")+get("/", "Accept-Encoding: gzip\r\n"))
		if resp, _ := read(t, r); resp.StatusCode != http.StatusNotAcceptable || resp.Close || resp.Header.Get("Vary") != "Accept-Encoding" {
			t.Fatalf("got %s close=%v %v, want 406 with Vary, kept alive", resp.Status, resp.Close, resp.Header)
		}
		if resp, body := read(t, r); resp.StatusCode != 200 || gunzip(t, []byte(body)) != document {
			t.Fatalf("the request after a 406 got %s", resp.Status)
		}
	})
	t.Run("small", func(t *testing.T) {
		resp, body := exchange(t, post("ASCII", "Accept-Encoding: gzip\r\n"), false)
		if resp.Header.Get("Content-Encoding") != "" || string(body) != "Hello ASCII\n" || resp.Header.Get("Vary") != "Accept-Encoding" {
			t.Errorf("a small body: %v %q, want it as is, with Vary", resp.Header, body)
		}
		long := strings.Repeat("compress me ", minGzipSize/10)
		resp, body = exchange(t, post(long, "Accept-Encoding: gzip\r\n"), false)
		if resp.Header.Get("Content-Encoding") != "gzip" || gunzip(t, body) != "Hello "+long+"\n" {
			t.Errorf("a body over %d bytes: %v, want gzip", minGzipSize, resp.Header)
		}
	})
	t.Run("head", func(t *testing.T) {
		// The same header fields as GET (RFC 9110 §9.3.2), no body.
		for _, ae := range []string{"Accept-Encoding: gzip\r\n", "Accept-Encoding: identity\r\n", ""} {
			g, gbody := exchange(t, get("/", ae), false)
			h, hbody := exchange(t, strings.Replace(get("/", ae), "GET", "HEAD", 1), true)
			g.Header.Del("Date")
			h.Header.Del("Date")
			if len(hbody) != 0 || h.ContentLength != int64(len(gbody)) || fmt.Sprint(g.Header) != fmt.Sprint(h.Header) {
				t.Errorf("%q: HEAD %v (%d, body %d bytes), GET %v (%d)", ae, h.Header, h.ContentLength, len(hbody), g.Header, g.ContentLength)
			}
		}
	})
	t.Run("kept-alive", func(t *testing.T) {
		// gzip and identity responses on one connection, in order.
		conn := dial(t)
		r := bufio.NewReader(conn)
		write(t, conn, get("/", "Accept-Encoding: gzip\r\n")+get("/")+get("/", "Accept-Encoding: gzip\r\n", "Connection: close\r\n"))
		for i, gz := range []bool{true, false, true} {
			_, body := read(t, r)
			if gz {
				body = gunzip(t, []byte(body))
			}
			if body != document {
				t.Fatalf("response %d: %.40q", i, body)
			}
		}
		closed(t, r)
	})
	served(t, srv)
}
