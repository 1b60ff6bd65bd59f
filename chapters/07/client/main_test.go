// Tests for the chapter's client (not part of the book's text): against
// fake servers on the book's address, it prints each chunk's size next to
// the lines it decodes to, plain and gzip, accepts the right
// Content-Digest, refuses broken chunked bodies and a wrong digest with a
// clear error, ends on its deadline, keeps its memory bounded against
// endless responses, and notices a server that does not send chunked.
//
// The client dials its constant address (localhost:8888), so every test
// runs in a network namespace of its own (booktest.Isolate), as chapter
// 4's client tests do.
package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/exec"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"tcpbook/internal/booktest"
)

// fake accepts connections on addr, reads one request on each, and
// answers it with respond; it records the requests it read.
type fake struct {
	mu   sync.Mutex
	reqs []*http.Request
}

func startFake(t *testing.T, respond func(c net.Conn)) *fake {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	f := &fake{}
	var wg sync.WaitGroup
	t.Cleanup(func() {
		ln.Close()
		wg.Wait()
	})
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Go(func() {
				defer c.Close()
				// No answer takes longer than this, whatever the client does.
				c.SetDeadline(time.Now().Add(timeout + 5*time.Second))
				req, err := http.ReadRequest(bufio.NewReader(c))
				if err != nil {
					return
				}
				f.mu.Lock()
				f.reqs = append(f.reqs, req)
				f.mu.Unlock()
				respond(c)
			})
		}
	})
	return f
}

// requests returns, under the lock, the requests read so far.
func (f *fake) requests() []*http.Request {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]*http.Request(nil), f.reqs...)
}

// result is what one run of the client did.
type result struct {
	stdout, stderr string
	err            error         // from Wait: nil, or the exit status
	took           time.Duration // from start to exit
}

// runClient runs the client built as bin.
func runClient(t *testing.T, bin string) result {
	t.Helper()
	return startClient(t, bin)()
}

// startClient starts the client built as bin; wait, called from the
// test's goroutine, waits for it to end, and kills it if it runs well past
// its own deadline.
func startClient(t *testing.T, bin string) (wait func() result) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(bin)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.WaitDelay = time.Second
	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill() }) // if the test ends before wait: ErrProcessDone after it
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	return func() result {
		t.Helper()
		var err error
		select {
		case err = <-done:
		case <-time.After(timeout + 5*time.Second - time.Since(start)):
			cmd.Process.Kill()
			<-done
			t.Fatalf("the client still runs after %v:\nstdout:\n%s\nstderr:\n%s", time.Since(start), stdout.String(), stderr.String())
		}
		return result{stdout: stdout.String(), stderr: stderr.String(), err: err, took: time.Since(start)}
	}
}

// failed reports, with t.Errorf, unless the client exited with status 1
// and printed want, one line or more, and nothing else to stderr.
func (r result) failed(t *testing.T, want string) {
	t.Helper()
	r.failedMatching(t, "^"+regexp.QuoteMeta(want)+"$")
}

// failedMatching is failed with a regular expression for stderr, without
// its final newline.
func (r result) failedMatching(t *testing.T, re string) {
	t.Helper()
	var exit *exec.ExitError
	if !errors.As(r.err, &exit) || exit.ExitCode() != 1 {
		t.Errorf("exit: %v, want status 1\nstdout:\n%s\nstderr:\n%s", r.err, r.stdout, r.stderr)
	}
	if got, ok := strings.CutSuffix(r.stderr, "\n"); !ok || !regexp.MustCompile(re).MatchString(got) {
		t.Errorf("stderr:\n%s\nwant it to match:\n%s", r.stderr, re)
	}
}

// digestOf is the Content-Digest of b, as the chapter's server sends it.
func digestOf(b []byte) string {
	sum := sha256.Sum256(b)
	return "sha-256=:" + base64.StdEncoding.EncodeToString(sum[:]) + ":"
}

// chunked is a chunked body of chunks (each with the size line given,
// or, when that is empty, the size in hex), the last chunk, the trailer
// fields, and the empty line.
func chunked(chunks [][2]string, trailer string) string {
	var b strings.Builder
	for _, c := range chunks {
		size, data := c[0], c[1]
		if size == "" {
			size = fmt.Sprintf("%x", len(data))
		}
		b.WriteString(size + "\r\n" + data + "\r\n")
	}
	return b.String() + "0\r\n" + trailer + "\r\n"
}

// head is the header section of a chunked response with a Content-Digest
// trailer, as the chapter's server sends it.
func head(coding string) string {
	h := "HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nTrailer: Content-Digest\r\nTransfer-Encoding: chunked\r\nVary: Accept-Encoding\r\n"
	if coding != "" {
		h += "Content-Encoding: " + coding + "\r\n"
	}
	return h + "\r\n"
}

// answer is a respond function that writes s and closes.
func answer(s string) func(c net.Conn) {
	return func(c net.Conn) { io.WriteString(c, s) }
}

// answerReset writes s and resets the connection: the client reads s, then
// gets "connection reset by peer", an error that is not io.EOF.
func answerReset(s string) func(c net.Conn) {
	return func(c net.Conn) {
		io.WriteString(c, s)
		c.(*net.TCPConn).SetLinger(0) // Close sends RST
	}
}

// TestGood: a plain chunked body whose lines and chunks do not line up,
// with a chunk extension and the right Content-Digest. The client prints
// each size when it reads the size line, and each line once its newline
// has come, so the two interleave as the book shows; and it sends the
// request the chapter describes.
func TestGood(t *testing.T) {
	t.Parallel()
	if !booktest.Isolate(t) {
		return
	}
	bin := booktest.Build(t, "chapters/07/client")
	body := "1 行目\n2 行目\n3 行目\n"
	resp := head("") + chunked([][2]string{
		{"", "1 行"},
		{"", "目\n2 行目\n3"},
		{fmt.Sprintf("%x;name=value", len(" 行目\n")), " 行目\n"},
	}, "Content-Digest: "+digestOf([]byte(body))+"\r\n")
	f := startFake(t, answer(resp))
	r := runClient(t, bin)
	if r.err != nil || r.stderr != "" {
		t.Fatalf("exit: %v\nstdout:\n%s\nstderr:\n%s", r.err, r.stdout, r.stderr)
	}
	want := "GET / → 200 OK、Transfer-Encoding: chunked、Content-Encoding: なし、Trailer: Content-Digest\n" +
		"チャンク 1: 5 バイト\n" +
		"チャンク 2: 14 バイト\n" +
		"    1 行目\n" +
		"    2 行目\n" +
		"チャンク 3: 8 バイト\n" +
		"    3 行目\n" +
		"チャンク 4: 0 バイト（最後のチャンク）\n" +
		"トレーラー: Content-Digest: " + digestOf([]byte(body)) + "\n" +
		"3 行を 3 個のチャンクで受け取りました。Content-Digest は受け取ったボディと合っています\n"
	if r.stdout != want {
		t.Errorf("stdout:\n%s\nwant:\n%s", r.stdout, want)
	}
	reqs := f.requests()
	if len(reqs) != 1 {
		t.Fatalf("the server read %d requests, want 1", len(reqs))
	}
	req := reqs[0]
	if req.Method != "GET" || req.RequestURI != "/" || req.Proto != "HTTP/1.1" || req.Host != addr || req.Header.Get("Accept-Encoding") != "gzip" {
		t.Errorf("the client sent %s %s %s, Host %q, Accept-Encoding %q; want GET / HTTP/1.1, Host %s, Accept-Encoding gzip",
			req.Method, req.RequestURI, req.Proto, req.Host, req.Header.Get("Accept-Encoding"), addr)
	}
}

// TestInterimResponses: 103 Early Hints and another 1xx before the 200.
// The client says it got each, reads past them (RFC 9110 §15.2), and
// reads the 200's chunked body as in TestGood.
func TestInterimResponses(t *testing.T) {
	t.Parallel()
	if !booktest.Isolate(t) {
		return
	}
	bin := booktest.Build(t, "chapters/07/client")
	body := "1 行目\n"
	startFake(t, answer("HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n"+
		"HTTP/1.1 102 Processing\r\n\r\n"+
		head("")+chunked([][2]string{{"", body}}, "Content-Digest: "+digestOf([]byte(body))+"\r\n")))
	r := runClient(t, bin)
	if r.err != nil || r.stderr != "" {
		t.Fatalf("exit: %v\nstdout:\n%s\nstderr:\n%s", r.err, r.stdout, r.stderr)
	}
	want := "途中経過のレスポンス 103 Early Hints を受け取りました。最終のレスポンスを待ちます\n" +
		"途中経過のレスポンス 102 Processing を受け取りました。最終のレスポンスを待ちます\n" +
		"GET / → 200 OK、Transfer-Encoding: chunked、Content-Encoding: なし、Trailer: Content-Digest\n" +
		"チャンク 1: 9 バイト\n" +
		"    1 行目\n" +
		"チャンク 2: 0 バイト（最後のチャンク）\n" +
		"トレーラー: Content-Digest: " + digestOf([]byte(body)) + "\n" +
		"1 行を 1 個のチャンクで受け取りました。Content-Digest は受け取ったボディと合っています\n"
	if r.stdout != want {
		t.Errorf("stdout:\n%s\nwant:\n%s", r.stdout, want)
	}
}

// TestGzip: the body compressed on the fly as the chapter's server does
// it, one chunk per flushed line and one for gzip's end. Each line comes
// out right after the chunk that carries it, and the digest, over the
// compressed bytes, is accepted.
func TestGzip(t *testing.T) {
	t.Parallel()
	if !booktest.Isolate(t) {
		return
	}
	bin := booktest.Build(t, "chapters/07/client")
	var (
		chunks [][2]string
		buf    bytes.Buffer // what zw has written since the last chunk
		wire   bytes.Buffer // every compressed byte, for the digest
		want   strings.Builder
	)
	zw := gzip.NewWriter(io.MultiWriter(&buf, &wire))
	chunk := func() {
		chunks = append(chunks, [2]string{"", buf.String()})
		fmt.Fprintf(&want, "チャンク %d: %d バイト\n", len(chunks), buf.Len())
		buf.Reset()
	}
	for i := 1; i <= 10; i++ {
		line := fmt.Sprintf("%d 行目: サーバーは、この行を作るとすぐに送り、次の行を作り始めます。\n", i)
		io.WriteString(zw, line)
		zw.Flush()
		chunk()
		want.WriteString("    " + line)
	}
	zw.Close()
	chunk()
	fmt.Fprintf(&want, "チャンク %d: 0 バイト（最後のチャンク）\n", len(chunks)+1)
	fmt.Fprintf(&want, "トレーラー: Content-Digest: %s\n", digestOf(wire.Bytes()))
	want.WriteString("10 行を 11 個のチャンクで受け取りました。Content-Digest は受け取ったボディと合っています\n")
	startFake(t, answer(head("gzip")+chunked(chunks, "Content-Digest: "+digestOf(wire.Bytes())+"\r\n")))
	r := runClient(t, bin)
	if r.err != nil || r.stderr != "" {
		t.Fatalf("exit: %v\nstdout:\n%s\nstderr:\n%s", r.err, r.stdout, r.stderr)
	}
	want2 := "GET / → 200 OK、Transfer-Encoding: chunked、Content-Encoding: gzip、Trailer: Content-Digest\n" + want.String()
	if r.stdout != want2 {
		t.Errorf("stdout:\n%s\nwant:\n%s", r.stdout, want2)
	}
}

// endless writes first, then s again and again, until the client stops
// reading and closes; it stops at 64 times the client's limit, should the
// client read on.
func endless(first, s string) func(c net.Conn) {
	return func(c net.Conn) {
		w := bufio.NewWriter(c)
		w.WriteString(first)
		for n := 0; n < 64*maxResponseBytes; n += len(s) {
			if _, err := w.WriteString(s); err != nil {
				return
			}
		}
		w.Flush()
	}
}

// Servers that never stop sending, and the client's errors for them.
var (
	endlessTrailer  = endless(head("")+"6\r\nhello\n\r\n0\r\n", "X-Pad: "+strings.Repeat("a", 100)+"\r\n")
	endlessSizeLine = endless(head("")+"6\r\nhello\n\r\n", strings.Repeat("0", 100))
	endlessLine     = endless(head("")+"7fffffff\r\n", strings.Repeat("a", 100))
	endlessHeader   = endless("HTTP/1.1 200 OK\r\n", "X-Pad: "+strings.Repeat("a", 100)+"\r\n")

	tooLarge = fmt.Sprintf("レスポンスが %d バイトを超えました", maxResponseBytes)
)

// TestBadResponses: broken or unexpected answers. For each the client
// exits with status 1 and an error that says what went wrong, well within
// its deadline, after printing what it had read. TestMemory checks the
// endless ones' memory.
func TestBadResponses(t *testing.T) {
	t.Parallel()
	if !booktest.Isolate(t) {
		return
	}
	bin := booktest.Build(t, "chapters/07/client")
	status := "GET / → 200 OK、Transfer-Encoding: chunked、Content-Encoding: なし、Trailer: Content-Digest\n"
	goodDigest := "Content-Digest: " + digestOf([]byte("hello\n")) + "\r\n"
	for _, c := range []struct {
		name    string
		respond func(c net.Conn)
		stdout  string // what the client prints before it fails
		stderr  string // the error, exactly, or
		re      string // a regular expression for it
	}{{
		name:    "size not hex",
		respond: answer(head("") + chunked([][2]string{{"", "hello\n"}, {"zz", "world\n"}}, goodDigest)),
		stdout:  status + "チャンク 1: 6 バイト\n    hello\n",
		stderr:  `ボディを読めません: チャンクのサイズ "zz" を読めません`,
	}, {
		name:    "size overflows",
		respond: answer(head("") + chunked([][2]string{{"ffffffffffffffffffff", "hello\n"}}, goodDigest)),
		stdout:  status,
		stderr:  `ボディを読めません: チャンクのサイズ "ffffffffffffffffffff" を読めません`,
	}, {
		name:    "no CRLF after the data",
		respond: answer(head("") + "6\r\nhello\nXX0\r\n\r\n"),
		stdout:  status + "チャンク 1: 6 バイト\n    hello\n",
		stderr:  "ボディを読めません: チャンクのデータのあとに CRLF がありません",
	}, {
		name:    "wrong Content-Digest",
		respond: answer(head("") + chunked([][2]string{{"", "hello\n"}}, "Content-Digest: "+digestOf([]byte("hello!\n"))+"\r\n")),
		stdout: status + "チャンク 1: 6 バイト\n    hello\nチャンク 2: 0 バイト（最後のチャンク）\n" +
			"トレーラー: Content-Digest: " + digestOf([]byte("hello!\n")) + "\n",
		stderr: "Content-Digest が、受け取ったボディ（" + digestOf([]byte("hello\n")) + "）と合いません",
	}, {
		name:    "no Content-Digest",
		respond: answer(head("") + chunked([][2]string{{"", "hello\n"}}, "")),
		stdout:  status + "チャンク 1: 6 バイト\n    hello\nチャンク 2: 0 バイト（最後のチャンク）\nトレーラー: Content-Digest: \n",
		stderr:  "Content-Digest が、受け取ったボディ（" + digestOf([]byte("hello\n")) + "）と合いません",
	}, {
		name:    "endless trailer",
		respond: endlessTrailer,
		stdout:  status + "チャンク 1: 6 バイト\n    hello\nチャンク 2: 0 バイト（最後のチャンク）\n",
		stderr:  "ボディを読めません: トレーラーを読めません: レスポンスが 1048576 バイトを超えました",
	}, {
		name:    "endless size line",
		respond: endlessSizeLine,
		stdout:  status + "チャンク 1: 6 バイト\n    hello\n",
		stderr:  "ボディを読めません: レスポンスが 1048576 バイトを超えました",
	}, {
		name:    "endless line",
		respond: endlessLine,
		stdout:  status + "チャンク 1: 2147483647 バイト\n",
		stderr:  "ボディを読めません: bufio.Scanner: token too long",
	}, {
		name:    "endless header",
		respond: endlessHeader,
		stdout:  "",
		stderr:  "レスポンスが 1048576 バイトを超えました",
	}, {
		// The client prints the part of the line that came: it shows what
		// arrived, and the error says the body is cut short.
		name:    "closed mid-chunk",
		respond: answer(head("") + "6\r\nhello\n\r\n1a\r\nhel"),
		stdout:  status + "チャンク 1: 6 バイト\n    hello\nチャンク 2: 26 バイト\n    hel\n",
		stderr:  "ボディを読めません: unexpected EOF",
	}, {
		name:    "closed before the CRLF after the data",
		respond: answer(head("") + "6\r\nhello\n"),
		stdout:  status + "チャンク 1: 6 バイト\n    hello\n",
		stderr:  "ボディを読めません: unexpected EOF",
	}, {
		name:    "closed within the CRLF after the data",
		respond: answer(head("") + "6\r\nhello\n\r"),
		stdout:  status + "チャンク 1: 6 バイト\n    hello\n",
		stderr:  "ボディを読めません: unexpected EOF",
	}, {
		name:    "closed before the last chunk",
		respond: answer(head("") + "6\r\nhello\n\r\n"),
		stdout:  status + "チャンク 1: 6 バイト\n    hello\n",
		stderr:  "ボディを読めません: unexpected EOF",
	}, {
		name:    "closed within the trailer",
		respond: answer(head("") + "6\r\nhello\n\r\n0\r\n" + goodDigest),
		stdout:  status + "チャンク 1: 6 バイト\n    hello\nチャンク 2: 0 バイト（最後のチャンク）\n",
		stderr:  "ボディを読めません: トレーラーを読めません: unexpected EOF",
	}, {
		// A reset is not the end of the body, nor a missing CRLF: the
		// client says what happened.
		name:    "reset before the CRLF after the data",
		respond: answerReset(head("") + "6\r\nhello\n"),
		stdout:  status + "チャンク 1: 6 バイト\n    hello\n",
		re:      "^ボディを読めません: read tcp .*: connection reset by peer$",
	}, {
		name:    "reset before the size line",
		respond: answerReset(head("") + "6\r\nhello\n\r\n"),
		stdout:  status + "チャンク 1: 6 バイト\n    hello\n",
		re:      "^ボディを読めません: read tcp .*: connection reset by peer$",
	}, {
		name:    "closed mid-chunk, gzip",
		respond: answer(head("gzip") + "a\r\n\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff\r\n1a\r\nhel"),
		stdout:  strings.Replace(status, "Content-Encoding: なし", "Content-Encoding: gzip", 1) + "チャンク 1: 10 バイト\nチャンク 2: 26 バイト\n",
		stderr:  "ボディを読めません: unexpected EOF",
	}, {
		name:    "HTTP/1.0, ended by close",
		respond: answer("HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nHello World\n"),
		stdout:  "GET / → 200 OK、Transfer-Encoding: なし、Content-Encoding: なし、Trailer: なし\n",
		stderr: "ボディが chunked で届きませんでした。\n" +
			"前の章のサーバーが動いていませんか。その端末で Ctrl-C を押して止め、\n" +
			"go run ./chapters/07/server でこの章のサーバーを起動してください。",
	}, {
		name:    "HTTP/1.0 with Transfer-Encoding",
		respond: answer("HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nhello\n\r\n0\r\n\r\n"),
		stdout:  "GET / → 200 OK、Transfer-Encoding: なし、Content-Encoding: なし、Trailer: なし\n",
		stderr: "ボディが chunked で届きませんでした。\n" +
			"前の章のサーバーが動いていませんか。その端末で Ctrl-C を押して止め、\n" +
			"go run ./chapters/07/server でこの章のサーバーを起動してください。",
	}, {
		name:    "101 not asked for",
		respond: answer("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n" + head("") + chunked(nil, "")),
		stdout:  "",
		stderr:  "頼んでいない 101 Switching Protocols が届きました（このクライアントはプロトコルを切り替えません）",
	}, {
		name:    "not 200",
		respond: answer("HTTP/1.1 404 Not Found\r\nContent-Length: 10\r\n\r\nNot Found\n"),
		stdout:  "GET / → 404 Not Found、Transfer-Encoding: なし、Content-Encoding: なし、Trailer: なし\n",
		stderr:  "200 OK ではありません: 404 Not Found",
	}} {
		t.Run(c.name, func(t *testing.T) {
			startFake(t, c.respond)
			r := runClient(t, bin)
			if c.re != "" {
				r.failedMatching(t, c.re)
			} else {
				r.failed(t, c.stderr)
			}
			if r.stdout != c.stdout {
				t.Errorf("stdout:\n%s\nwant:\n%s", r.stdout, c.stdout)
			}
			if r.took > timeout/2 {
				t.Errorf("the client took %v, want it to end as soon as the answer is broken", r.took)
			}
		})
	}
}

// TestMemory: against servers that never stop sending, run, called here
// in the test's process, reads up to maxResponseBytes and allocates about
// that much, not the 64 MiB the server would send. (The client run as a
// program, the other tests', prints the same errors; a child's peak
// memory is not measured there, as Linux counts in it the test binary's
// own, from before the child's exec.)
func TestMemory(t *testing.T) {
	t.Parallel()
	if !booktest.Isolate(t) {
		return
	}
	for _, c := range []struct {
		name    string
		respond func(c net.Conn)
		want    string
	}{
		{"endless trailer", endlessTrailer, "ボディを読めません: トレーラーを読めません: " + tooLarge},
		{"endless size line", endlessSizeLine, "ボディを読めません: " + tooLarge},
		{"endless line", endlessLine, "ボディを読めません: bufio.Scanner: token too long"},
		{"endless header", endlessHeader, tooLarge},
	} {
		t.Run(c.name, func(t *testing.T) {
			startFake(t, c.respond)
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			err := run()
			runtime.ReadMemStats(&after)
			if err == nil || err.Error() != c.want {
				t.Errorf("run: %v, want %s", err, c.want)
			}
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 16*maxResponseBytes {
				t.Errorf("run allocated %d MiB, want about %d MiB", alloc>>20, maxResponseBytes>>20)
			}
		})
	}
}

// TestDeadline: servers that keep the client waiting. It gives up at its
// deadline, not before and not much after, with the i/o timeout, and
// after printing what it had read:
//
//   - silent: the server reads the request and never answers;
//   - drip: it sends a chunk's data a byte at a time, slowly and forever, so
//     that each read gets something, and only a deadline on the whole
//     exchange, as the client sets, ends it;
//   - stall before the CRLF: it sends a chunk's data and then nothing, not
//     even the CRLF after it; the client says it ran out of time, not that
//     the CRLF is missing.
//
// The deadline, timeout (10 s), is a constant of the book's listing. The
// three clients run at once, against one fake that answers each
// connection, in the order the clients started, as one of the three; so
// the test takes the deadline once. -short skips it.
func TestDeadline(t *testing.T) {
	if testing.Short() {
		t.Skipf("waits for the client's deadline, %v, a constant of the book's listing", timeout)
	}
	t.Parallel()
	if !booktest.Isolate(t) {
		return
	}
	bin := booktest.Build(t, "chapters/07/client")
	status := "GET / → 200 OK、Transfer-Encoding: chunked、Content-Encoding: なし、Trailer: Content-Digest\n"
	cases := []struct {
		name    string
		respond func(c net.Conn)
		stdout  string // what the client prints first
		re      string // its error
	}{{
		name:    "silent",
		respond: func(c net.Conn) { io.Copy(io.Discard, c) },
		stdout:  "",
		re:      "^read tcp .*: i/o timeout$",
	}, {
		name: "drip",
		respond: func(c net.Conn) {
			if _, err := io.WriteString(c, head("")+"7fffffff\r\n"); err != nil {
				return
			}
			tick := time.NewTicker(100 * time.Millisecond)
			defer tick.Stop()
			for range tick.C {
				if _, err := io.WriteString(c, "a"); err != nil {
					return
				}
			}
		},
		stdout: status + "チャンク 1: 2147483647 バイト\n", // and the a's that came, as a line
		re:     "^ボディを読めません: read tcp .*: i/o timeout$",
	}, {
		name: "stall before the CRLF",
		respond: func(c net.Conn) {
			io.WriteString(c, head("")+"6\r\nhello\n")
			io.Copy(io.Discard, c)
		},
		stdout: status + "チャンク 1: 6 バイト\n    hello\n",
		re:     "^ボディを読めません: read tcp .*: i/o timeout$",
	}}
	turn, stop := make(chan func(c net.Conn)), make(chan struct{})
	startFake(t, func(c net.Conn) {
		select {
		case respond := <-turn:
			respond(c)
		case <-stop:
		}
	})
	t.Cleanup(func() { close(stop) }) // before the fake's cleanup waits for its goroutines
	var waits []func() result
	for _, c := range cases {
		waits = append(waits, startClient(t, bin))
		select {
		case turn <- c.respond: // taken by this client's connection, the only one waiting
		case <-time.After(timeout):
			t.Fatalf("%s: the client did not send its request", c.name)
		}
	}
	for i, c := range cases {
		r := waits[i]()
		t.Run(c.name, func(t *testing.T) {
			r.failedMatching(t, c.re)
			if !strings.HasPrefix(r.stdout, c.stdout) || c.stdout == "" && r.stdout != "" {
				t.Errorf("stdout:\n%s\nwant:\n%s", r.stdout, c.stdout)
			}
			if r.took < timeout || r.took > timeout+2*time.Second {
				t.Errorf("the client gave up after %v, want its deadline, %v", r.took, timeout)
			}
		})
	}
}

// TestOlderServer: chapter 6's server, left running, answers GET / with
// Content-Length, not chunked. The client says which server is probably
// running and what to do.
func TestOlderServer(t *testing.T) {
	t.Parallel()
	if !booktest.Isolate(t) {
		return
	}
	bin := booktest.Build(t, "chapters/07/client")
	booktest.Start(t, booktest.Build(t, "chapters/06/server"), addr)
	r := runClient(t, bin)
	r.failed(t, "ボディが chunked で届きませんでした。\n"+
		"前の章のサーバーが動いていませんか。その端末で Ctrl-C を押して止め、\n"+
		"go run ./chapters/07/server でこの章のサーバーを起動してください。")
	if want := "GET / → 200 OK、Transfer-Encoding: なし、Content-Encoding: gzip、Trailer: なし\n"; r.stdout != want {
		t.Errorf("stdout:\n%s\nwant:\n%s", r.stdout, want)
	}
}

func TestSanitize(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"200 OK\r\n", "200 OK\n"},
		{"\x1b[2J\r\xff\u202e", `\x1b[2J\r\xff\u202e`},
	} {
		if got := sanitize(c.in); got != c.want {
			t.Errorf("sanitize(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
