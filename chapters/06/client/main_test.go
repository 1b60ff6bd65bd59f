// Tests for the chapter's client (not part of the book's text): it
// decompresses gzip, refuses a compression bomb with bounded memory,
// refuses codings it did not ask for and corrupt gzip, and notices a server
// that does not negotiate (chapter 4's).
package main

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

func gzipped(t testing.TB, b []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}

// zeroReader reads zero bytes, endlessly.
type zeroReader struct{}

func (zeroReader) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

func TestReadBody(t *testing.T) {
	doc := []byte(strings.Repeat("TCP と HTTP の話\n", 300))
	for _, c := range []struct {
		coding string
		body   []byte
	}{{"", doc}, {"identity", doc}, {"gzip", gzipped(t, doc)}, {"GZIP", gzipped(t, doc)}, {"x-gzip", gzipped(t, doc)}} {
		got, err := readBody(bytes.NewReader(c.body), c.coding)
		if err != nil || !bytes.Equal(got, doc) {
			t.Errorf("%q: %d bytes, %v", c.coding, len(got), err)
		}
	}
	exact := make([]byte, maxBodyBytes)
	if got, err := readBody(bytes.NewReader(gzipped(t, exact)), "gzip"); err != nil || len(got) != maxBodyBytes {
		t.Errorf("a body of exactly the limit: %d bytes, %v", len(got), err)
	}
	for name, c := range map[string]struct {
		coding string
		body   []byte
		want   string
	}{
		"br":          {"br", doc, "展開できません"},
		"not gzip":    {"gzip", doc, "gzip のボディを読めません"},
		"cut short":   {"gzip", gzipped(t, doc)[:100], "ボディを読めません"},
		"bad crc":     {"gzip", append(gzipped(t, doc)[:len(gzipped(t, doc))-8], 0, 0, 0, 0, 0, 0, 0, 0), "checksum"},
		"one too big": {"gzip", gzipped(t, make([]byte, maxBodyBytes+1)), "圧縮爆弾"},
		"identity":    {"", make([]byte, maxBodyBytes+1), "圧縮爆弾"},
	} {
		if _, err := readBody(bytes.NewReader(c.body), c.coding); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error with %q", name, err, c.want)
		}
	}
}

// TestBomb: a gzip body that decompresses to 256 MiB is refused after
// maxBodyBytes, and reading it allocates about that much, not gigabytes.
func TestBomb(t *testing.T) {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	io.Copy(zw, io.LimitReader(zeroReader{}, 256<<20))
	zw.Close()
	bomb := buf.Bytes()
	t.Logf("bomb: %d bytes of gzip, 256 MiB decompressed", len(bomb))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Encoding", "gzip")
		w.Header().Set("Vary", "Accept-Encoding")
		w.Write(bomb)
	}))
	defer srv.Close()
	client := srv.Client()
	req, _ := http.NewRequest(http.MethodGet, srv.URL, nil)
	req.Header.Set("Accept-Encoding", "gzip")
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.Uncompressed {
		t.Fatal("the Transport decompressed a response to a request that set its own Accept-Encoding")
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	_, err = readBody(resp.Body, resp.Header.Get("Content-Encoding"))
	runtime.ReadMemStats(&after)
	if err == nil || !strings.Contains(err.Error(), "圧縮爆弾") {
		t.Fatalf("got %v, want the bomb refused", err)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 16*maxBodyBytes {
		t.Errorf("reading the bomb allocated %d MiB, want about %d MiB", alloc>>20, maxBodyBytes>>20)
	}
}

func TestVaries(t *testing.T) {
	for v, want := range map[string]bool{"Accept-Encoding": true, "accept-encoding": true, "Origin, Accept-Encoding": true, "*": true, "": false, "Accept": false, "Accept-Encodings": false} {
		h := http.Header{}
		if v != "" {
			h.Set("Vary", v)
		}
		if got := varies(h); got != want {
			t.Errorf("Vary %q: %v, want %v", v, got, want)
		}
	}
}

// TestWrongServer: chapter 4's server answers Hello World without Vary,
// and so does chapter 2's, with HTTP/1.0 and a close. The client cannot
// tell which it is: it says what it saw and what to do, without naming
// a chapter it cannot know.
func TestWrongServer(t *testing.T) {
	for name, handler := range map[string]http.HandlerFunc{
		"chapter 4": func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, "Hello World\n")
		},
		"chapter 2": func(w http.ResponseWriter, r *http.Request) {
			c, _, err := http.NewResponseController(w).Hijack()
			if err != nil {
				t.Error(err)
				return
			}
			defer c.Close()
			io.WriteString(c, "HTTP/1.0 200 OK\r\nContent-Length: 12\r\n\r\nHello World\n")
		},
	} {
		t.Run(name, func(t *testing.T) {
			srv := httptest.NewServer(handler)
			defer srv.Close()
			_, err := get(srv.Client(), srv.URL, "gzip")
			if err == nil || !strings.Contains(err.Error(), "前の章のサーバーなど、ほかのサーバーが動いていませんか") ||
				strings.Contains(err.Error(), "第4章") {
				t.Fatalf("got %v, want the wrong server noticed without blaming chapter 4's", err)
			}
		})
	}
}

func TestShare(t *testing.T) {
	for _, c := range []struct {
		sent int64
		n    int
		want string
	}{
		{1949, 4776, "（受け取ったのはその 41%）"},
		{-1, 4776, ""}, // chunked: the length is not known
		{20, 0, ""},    // an empty body, gzipped
		{0, 0, ""},
	} {
		if got := share(c.sent, c.n); got != c.want {
			t.Errorf("share(%d, %d) = %q, want %q", c.sent, c.n, got, c.want)
		}
	}
}

// stdout runs f with os.Stdout sent to a file and returns what f wrote.
func stdout(t *testing.T, f func()) string {
	t.Helper()
	file, err := os.CreateTemp(t.TempDir(), "stdout")
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	saved := os.Stdout
	os.Stdout = file
	defer func() { os.Stdout = saved }()
	f()
	b, err := os.ReadFile(file.Name())
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestSizes: a gzip body sent chunked (no Content-Length) and an empty
// body gzipped. The client says "なし" for the missing length and gives
// no percentage it cannot compute: no -1, NaN or Inf.
func TestSizes(t *testing.T) {
	doc := []byte(strings.Repeat("TCP と HTTP の話\n", 300))
	for _, c := range []struct {
		name    string
		body    []byte
		chunked bool
		want    string
	}{
		{"chunked", gzipped(t, doc), true, "GET / Accept-Encoding: gzip → 200 OK、Content-Encoding: gzip、Content-Length: なし\n" +
			"展開すると 6000 バイトになりました\n"},
		{"empty", gzipped(t, nil), false, "GET / Accept-Encoding: gzip → 200 OK、Content-Encoding: gzip、Content-Length: 23\n" +
			"展開すると 0 バイトになりました\n"},
		{"sized", gzipped(t, doc), false, fmt.Sprintf("GET / Accept-Encoding: gzip → 200 OK、Content-Encoding: gzip、Content-Length: %d\n"+
			"展開すると 6000 バイトになりました（受け取ったのはその %.0f%%）\n", len(gzipped(t, doc)), 100*float64(len(gzipped(t, doc)))/6000)},
	} {
		t.Run(c.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Encoding", "gzip")
				w.Header().Set("Vary", "Accept-Encoding")
				if !c.chunked {
					w.Header().Set("Content-Length", strconv.Itoa(len(c.body)))
				}
				w.Write(c.body[:1])
				if c.chunked {
					http.NewResponseController(w).Flush()
				}
				w.Write(c.body[1:])
			}))
			defer srv.Close()
			var err error
			out := stdout(t, func() { _, err = get(srv.Client(), srv.URL, "gzip") })
			if err != nil {
				t.Fatal(err)
			}
			if out != c.want {
				t.Errorf("stdout:\n%s\nwant:\n%s", out, c.want)
			}
		})
	}
}
