// Tests for the chapter's HTTP/2 client (not part of the book's text).
// The well-behaved servers are net/http's (HTTP/1.1, h2c and h2 over
// TLS), an implementation independent of the chapter's; the misbehaving
// ones are written here with x/net's Framer, which is independent of the
// chapter's frame package too, so that a bug shared by the client and its
// frame layer cannot pass unnoticed.
package main

import (
	"bufio"
	"bytes"
	"encoding/pem"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
)

// handler answers as chapter 8's server does: Hello World, and /slow
// after a wait; /big is big enough to need WINDOW_UPDATEs, /huge bigger
// than the client reads.
func handler(slow time.Duration) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/slow":
			time.Sleep(slow)
			io.WriteString(w, "Slept\n")
		case "/big":
			w.Write(bytes.Repeat([]byte("x"), 300_000))
		case "/huge":
			w.Write(bytes.Repeat([]byte("x"), maxBodyBytes+1))
		case "/close":
			w.Header().Set("Connection", "close")
			io.WriteString(w, "Hello World\n")
		default:
			io.WriteString(w, "Hello World\n")
		}
	})
}

// newServer starts net/http's server with the given protocols and
// counts the connections it accepts.
func newServer(t *testing.T, h http.Handler, h1, h2c bool) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	srv := httptest.NewUnstartedServer(h)
	var p http.Protocols
	p.SetHTTP1(h1)
	p.SetUnencryptedHTTP2(h2c)
	srv.Config.Protocols = &p
	var conns atomic.Int64
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	return srv, &conns
}

func urls(base string, paths ...string) []string {
	var u []string
	for _, p := range paths {
		u = append(u, base+p)
	}
	return u
}

func fetch(t *testing.T, o options, targets []string) (string, error) {
	t.Helper()
	if o.conns == 0 {
		o.conns = 1
	}
	if o.timeout == 0 {
		o.timeout = 10 * time.Second
	}
	var out bytes.Buffer
	err := run(&out, o, targets)
	return out.String(), err
}

// TestH2 fetches four URLs from net/http's h2c server: one connection,
// streams 1, 3, 5, 7 opened before any response, the slow response not
// holding back the others, a body that needs WINDOW_UPDATEs, and a
// GOAWAY when done.
func TestH2(t *testing.T) {
	srv, conns := newServer(t, handler(300*time.Millisecond), false, true)
	out, err := fetch(t, options{}, urls(srv.URL, "/slow", "/1", "/2", "/big"))
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if n := conns.Load(); n != 1 {
		t.Errorf("%d connections, want 1", n)
	}
	for _, want := range []string{
		"→ プリフェイス",
		"→ SETTINGS stream=0 len=12 ENABLE_PUSH=0 MAX_HEADER_LIST_SIZE=65536\n",
		"→ HEADERS stream=1 flags=END_STREAM|END_HEADERS",
		"    :path: /slow\n",
		"→ HEADERS stream=7 flags=END_STREAM|END_HEADERS",
		"← SETTINGS stream=0 len=",
		"→ SETTINGS stream=0 flags=ACK len=0\n",
		"    :status: 200\n",
		"→ WINDOW_UPDATE stream=0 len=4 increment=",
		"→ WINDOW_UPDATE stream=7 len=4 increment=",
		`受け取る GET /1 → 200 OK "Hello World\n"（0s、ストリーム 3）`,
		`受け取る GET /big → 200 OK "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"…（全部で 300000 バイト）`,
		`受け取る GET /slow → 200 OK "Slept\n"（0s、ストリーム 1）`,
		"→ GOAWAY stream=0 len=8 last_stream=0 code=NO_ERROR\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in\n%s", want, out)
		}
	}
	// every request is sent before the first response arrives
	if i, j := strings.Index(out, "→ HEADERS stream=7"), strings.Index(out, "← HEADERS"); i < 0 || j < i {
		t.Errorf("the fourth request was not sent before the first response came:\n%s", out)
	}
	if i, j := strings.Index(out, "受け取る GET /1 "), strings.Index(out, "受け取る GET /slow "); j < i {
		t.Errorf("/1 waited for /slow:\n%s", out)
	}
}

// TestQuiet: -q prints no frames, and the time on the netlab-time line
// leaves /slow's response out.
func TestQuiet(t *testing.T) {
	srv, _ := newServer(t, handler(time.Second), true, true)
	for _, o := range []options{{quiet: true}, {quiet: true, h1: true, conns: 2}} {
		out, err := fetch(t, o, urls(srv.URL, "/slow", "/1", "/2"))
		if err != nil {
			t.Fatalf("%+v: %v\n%s", o, err, out)
		}
		if regexp.MustCompile(`(?m)^[→←] `).MatchString(out) {
			t.Errorf("%+v: frames printed:\n%s", o, out)
		}
		m := regexp.MustCompile(`(?m)^netlab-time: ([0-9.]+)ms$`).FindStringSubmatch(out)
		if m == nil {
			t.Fatalf("%+v: no netlab-time line:\n%s", o, out)
		}
		if d, _ := time.ParseDuration(m[1] + "ms"); d <= 0 || d >= time.Second {
			t.Errorf("%+v: netlab-time %v, want the small responses' time, under /slow's 1s", o, d)
		}
	}
}

// TestTLS speaks h2 over TLS, chosen by ALPN, and HTTP/1.1 over TLS with
// -h1; a server that does not offer h2 is refused in words.
func TestTLS(t *testing.T) {
	for _, h2 := range []bool{true, false} {
		srv := httptest.NewUnstartedServer(handler(0))
		srv.EnableHTTP2 = h2
		srv.StartTLS()
		t.Cleanup(srv.Close)
		ca := filepath.Join(t.TempDir(), "ca.pem")
		if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o644); err != nil {
			t.Fatal(err)
		}
		out, err := fetch(t, options{cacert: ca}, urls(srv.URL, "/1"))
		if h2 {
			if err != nil || !strings.Contains(out, "（TLS、ALPN で h2）") || !strings.Contains(out, "受け取る GET /1 → 200 OK") {
				t.Errorf("h2 over TLS: %v\n%s", err, out)
			}
		} else if err == nil || !strings.Contains(err.Error(), "ALPN で h2 を受け入れませんでした") {
			t.Errorf("a server without h2: got %v, want ALPN refused\n%s", err, out)
		}
		out, err = fetch(t, options{cacert: ca, h1: true}, urls(srv.URL, "/1"))
		if err != nil || !strings.Contains(out, "受け取る GET /1 → 200 OK") {
			t.Errorf("HTTP/1.1 over TLS (server h2 %t): %v\n%s", h2, err, out)
		}
	}
}

// TestNotHTTP2: a server that speaks only HTTP/1.1 answers the preface
// as a request; the client says so.
func TestNotHTTP2(t *testing.T) {
	srv, _ := newServer(t, handler(0), true, false)
	_, err := fetch(t, options{}, urls(srv.URL, "/1"))
	if err == nil || !strings.Contains(err.Error(), "サーバーは HTTP/2 を話しません。HTTP/1 のレスポンスが返りました: \"HTTP/1.1 ") {
		t.Errorf("got %v", err)
	}
}

// TestH2Errors: a stream the server resets, one bigger than the client
// reads (the client resets it) and one that needs no retry, on one
// connection; the others still get their responses.
func TestH2Errors(t *testing.T) {
	srv, _ := newServer(t, handler(0), false, true)
	out, err := fetch(t, options{}, urls(srv.URL, "/huge", "/1"))
	if err == nil || !strings.Contains(err.Error(), "GET /huge: ストリーム 1 を RST_STREAM（CANCEL）で終えました") ||
		!strings.Contains(out, "→ RST_STREAM stream=1 len=4 code=CANCEL") || !strings.Contains(out, "受け取る GET /1 → 200 OK") {
		t.Errorf("got %v\n%s", err, out)
	}
}

// h2Server accepts connections and hands each, after the client's
// preface, to serve with an x/net Framer that decodes header blocks.
func h2Server(t *testing.T, serve func(t *testing.T, s *rawConn)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer conn.Close()
				conn.SetDeadline(time.Now().Add(10 * time.Second))
				preface := make([]byte, len(http2.ClientPreface))
				if _, err := io.ReadFull(conn, preface); err != nil || string(preface) != http2.ClientPreface {
					t.Errorf("preface %q, %v", preface, err)
					return
				}
				fr := http2.NewFramer(conn, conn)
				fr.ReadMetaHeaders = hpack.NewDecoder(4096, nil)
				s := &rawConn{conn: conn, fr: fr}
				s.enc = hpack.NewEncoder(&s.buf)
				serve(t, s)
			}()
		}
	}()
	return "http://" + ln.Addr().String()
}

type rawConn struct {
	conn net.Conn
	fr   *http2.Framer
	enc  *hpack.Encoder
	buf  bytes.Buffer
}

// requests reads frames until n requests have come, and returns their streams.
func (s *rawConn) requests(t *testing.T, n int) []uint32 {
	var ids []uint32
	for len(ids) < n {
		f, err := s.fr.ReadFrame()
		if err != nil {
			t.Errorf("reading the requests: %v", err)
			return ids
		}
		if h, ok := f.(*http2.MetaHeadersFrame); ok {
			ids = append(ids, h.StreamID)
		}
	}
	return ids
}

// block encodes header fields, name and value in turn.
func (s *rawConn) block(kv ...string) []byte {
	s.buf.Reset()
	for i := 0; i < len(kv); i += 2 {
		s.enc.WriteField(hpack.HeaderField{Name: kv[i], Value: kv[i+1]})
	}
	return bytes.Clone(s.buf.Bytes())
}

func (s *rawConn) respond(id uint32, body string) {
	s.fr.WriteHeaders(http2.HeadersFrameParam{StreamID: id, EndHeaders: true, BlockFragment: s.block(":status", "200")})
	s.fr.WriteData(id, true, []byte(body))
}

// goAway reads frames until the client's GOAWAY, and returns it.
func (s *rawConn) goAway() *http2.GoAwayFrame {
	for {
		f, err := s.fr.ReadFrame()
		if err != nil {
			return nil
		}
		if g, ok := f.(*http2.GoAwayFrame); ok {
			return g
		}
	}
}

// TestGoAway: the server's GOAWAY says which streams it will still answer.
func TestGoAway(t *testing.T) {
	for _, tc := range []struct {
		name string
		code http2.ErrCode
		ok   string // the response that still comes
		err  string
	}{
		{"graceful", http2.ErrCodeNo, "受け取る GET /1 → 200 OK", "GET /2: サーバーが GOAWAY（NO_ERROR、最後に処理するストリーム 1）を送ったので、ストリーム 3 のレスポンスは届きません"},
		{"error", http2.ErrCodeProtocol, "", "GET /1: サーバーが GOAWAY（PROTOCOL_ERROR、最後に処理するストリーム 1）を送ったので、ストリーム 1 のレスポンスは届きません"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			base := h2Server(t, func(t *testing.T, s *rawConn) {
				s.fr.WriteSettings()
				s.requests(t, 2)
				s.fr.WriteGoAway(1, tc.code, []byte("bye"))
				if tc.code == http2.ErrCodeNo {
					s.respond(1, "Hello World\n")
				}
			})
			out, err := fetch(t, options{}, urls(base, "/1", "/2"))
			if err == nil || !strings.Contains(err.Error(), tc.err) || !strings.Contains(out, "サーバーが GOAWAY を送りました") ||
				(tc.ok != "" && !strings.Contains(out, tc.ok)) {
				t.Errorf("got %v\n%s", err, out)
			}
		})
	}
}

// TestRefused: streams the server refuses (it allows one at a time) are
// opened again, once each, one at a time; a stream reset for another
// reason is reported.
func TestRefused(t *testing.T) {
	base := h2Server(t, func(t *testing.T, s *rawConn) {
		s.fr.WriteSettings(http2.Setting{ID: http2.SettingMaxConcurrentStreams, Val: 1})
		ids := s.requests(t, 3) // sent before the client knew the limit
		s.fr.WriteRSTStream(ids[1], http2.ErrCodeRefusedStream)
		s.fr.WriteRSTStream(ids[2], http2.ErrCodeRefusedStream)
		s.respond(ids[0], "one\n")
		// from now on, one stream at a time: answer each before the next comes
		id := s.requests(t, 1)[0]
		s.respond(id, "two\n")
		id = s.requests(t, 1)[0]
		s.fr.WriteRSTStream(id, http2.ErrCodeRefusedStream) // refused twice: not again
	})
	out, err := fetch(t, options{}, urls(base, "/1", "/2", "/3"))
	for _, want := range []string{
		"ストリーム 3 は断られたので、新しいストリームで送り直します",
		"受け取る GET /1 → 200 OK \"one\\n\"（0s、ストリーム 1）",
		"受け取る GET /2 → 200 OK \"two\\n\"（0s、ストリーム 7）", // refused streams are sent again in the order they were first sent
	} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in\n%s", want, out)
		}
	}
	if err == nil || !strings.Contains(err.Error(), "GET /3: サーバーがストリーム 9 を RST_STREAM（REFUSED_STREAM）で終えました") {
		t.Errorf("got %v", err)
	}
}

// TestPing: the client answers a PING with the same data.
func TestPing(t *testing.T) {
	got := make(chan [8]byte, 1)
	base := h2Server(t, func(t *testing.T, s *rawConn) {
		s.fr.WriteSettings()
		id := s.requests(t, 1)[0]
		s.fr.WritePing(false, [8]byte{'t', 'c', 'p', 'b', 'o', 'o', 'k', '!'})
		for {
			f, err := s.fr.ReadFrame()
			if err != nil {
				t.Error(err)
				return
			}
			if p, ok := f.(*http2.PingFrame); ok && p.IsAck() {
				got <- p.Data
				break
			}
		}
		s.respond(id, "pong\n")
	})
	out, err := fetch(t, options{}, urls(base, "/"))
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if d := <-got; string(d[:]) != "tcpbook!" {
		t.Errorf("PING ACK data %q", d)
	}
}

// TestViolations: a server that breaks RFC 9113 gets a GOAWAY with the
// right code, and the client says what went wrong.
func TestViolations(t *testing.T) {
	for _, tc := range []struct {
		name  string
		serve func(s *rawConn, id uint32)
		code  http2.ErrCode
		why   string
	}{
		{"PING first", nil, http2.ErrCodeProtocol, "最初のフレームが SETTINGS ではなく PING です"},
		{"push", func(s *rawConn, id uint32) {
			s.fr.WritePushPromise(http2.PushPromiseParam{StreamID: id, PromiseID: 2, EndHeaders: true, BlockFragment: s.block(":method", "GET")})
		}, http2.ErrCodeProtocol, "PUSH_PROMISE"},
		{"DATA on an idle stream", func(s *rawConn, id uint32) {
			s.fr.WriteData(id+2, true, []byte("x"))
		}, http2.ErrCodeProtocol, "開いていないストリーム 3 に DATA"},
		{"CONTINUATION flood", func(s *rawConn, id uint32) {
			s.fr.WriteHeaders(http2.HeadersFrameParam{StreamID: id, BlockFragment: s.block(":status", "200")})
			for range 2 * maxHeaderFrames {
				if s.fr.WriteContinuation(id, false, nil) != nil {
					return
				}
			}
		}, http2.ErrCodeEnhanceYourCalm, "フィールドブロックが大きすぎます"},
		{"frame between HEADERS and CONTINUATION", func(s *rawConn, id uint32) {
			s.fr.WriteHeaders(http2.HeadersFrameParam{StreamID: id, BlockFragment: s.block(":status", "200")})
			s.fr.WritePing(false, [8]byte{})
		}, http2.ErrCodeProtocol, "CONTINUATION を待っているところに PING"},
		{"bad HPACK", func(s *rawConn, id uint32) {
			s.fr.WriteHeaders(http2.HeadersFrameParam{StreamID: id, EndHeaders: true, BlockFragment: []byte{0xff, 0xff, 0xff, 0xff}})
		}, http2.ErrCodeCompression, "COMPRESSION_ERROR"},
		{"frame too long", func(s *rawConn, id uint32) {
			s.fr.WriteRawFrame(http2.FrameData, 0, id, make([]byte, 20000))
		}, http2.ErrCodeFrameSize, "FRAME_SIZE_ERROR"},
		{"push enabled", func(s *rawConn, id uint32) {
			s.fr.WriteSettings(http2.Setting{ID: http2.SettingEnablePush, Val: 1})
		}, http2.ErrCodeProtocol, "SETTINGS_ENABLE_PUSH"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := make(chan *http2.GoAwayFrame, 1)
			base := h2Server(t, func(t *testing.T, s *rawConn) {
				s.fr.AllowIllegalWrites = true
				if tc.serve == nil {
					s.fr.WritePing(false, [8]byte{})
					got <- s.goAway()
					return
				}
				s.fr.WriteSettings()
				id := s.requests(t, 1)[0]
				tc.serve(s, id)
				got <- s.goAway()
			})
			out, err := fetch(t, options{}, urls(base, "/"))
			if err == nil || !strings.Contains(err.Error(), "GOAWAY（"+tc.code.String()+"）を送って閉じました") || !strings.Contains(err.Error(), tc.why) {
				t.Errorf("got %v\n%s", err, out)
			}
			g := <-got
			if g == nil || g.ErrCode != tc.code {
				t.Errorf("the client's GOAWAY: %v, want %v", g, tc.code)
			}
		})
	}
}

// TestTimeout: a server that never answers does not keep the client
// waiting past -timeout.
func TestTimeout(t *testing.T) {
	base := h2Server(t, func(t *testing.T, s *rawConn) {
		s.fr.WriteSettings()
		s.goAway() // read until the client goes
	})
	start := time.Now()
	_, err := fetch(t, options{timeout: 300 * time.Millisecond}, urls(base, "/"))
	if err == nil || !strings.Contains(err.Error(), "300ms 待ってもレスポンスがそろいません") {
		t.Errorf("got %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %v", d)
	}
}

// TestH1 counts the connections of each HTTP/1.1 mode, and follows a
// server that closes after each response.
func TestH1(t *testing.T) {
	srv, conns := newServer(t, handler(0), true, false)
	for _, tc := range []struct {
		o     options
		paths []string
		conns int64
	}{
		{options{h1: true}, []string{"/1", "/2", "/3", "/4", "/5", "/6"}, 1},
		{options{h1: true, pipeline: true}, []string{"/1", "/2", "/3", "/4", "/5", "/6"}, 1},
		{options{h1: true, conns: 3}, []string{"/1", "/2", "/3", "/4", "/5", "/6"}, 3},
		{options{h1: true, conns: 6}, []string{"/1", "/2"}, 2},
		{options{h1: true}, []string{"/close", "/close", "/1"}, 3},
	} {
		before := conns.Load()
		out, err := fetch(t, tc.o, urls(srv.URL, tc.paths...))
		if err != nil {
			t.Errorf("%+v: %v\n%s", tc.o, err, out)
			continue
		}
		if n := conns.Load() - before; n != tc.conns {
			t.Errorf("%+v: %d connections, want %d", tc.o, n, tc.conns)
		}
		if n := strings.Count(out, "受け取る GET"); n != len(tc.paths) {
			t.Errorf("%+v: %d responses, want %d:\n%s", tc.o, n, len(tc.paths), out)
		}
	}
}

// TestPipeline: a server that answers only once three requests have come
// gets them from -pipeline; one request at a time waits in vain.
func TestPipeline(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer conn.Close()
				r := bufio.NewReader(conn)
				for range 3 {
					if _, err := http.ReadRequest(r); err != nil {
						return
					}
				}
				for range 3 {
					io.WriteString(conn, "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nok\n")
				}
			}()
		}
	}()
	base := "http://" + ln.Addr().String()
	if out, err := fetch(t, options{h1: true, pipeline: true}, urls(base, "/1", "/2", "/3")); err != nil {
		t.Errorf("pipelined: %v\n%s", err, out)
	}
	if _, err := fetch(t, options{h1: true, timeout: 300 * time.Millisecond}, urls(base, "/1", "/2", "/3")); err == nil {
		t.Error("one at a time: the server answered before three requests came")
	}
}

// TestUsage: flags that do not go together, and URLs one connection
// cannot serve.
func TestUsage(t *testing.T) {
	for _, tc := range []struct {
		o       options
		targets []string
		want    string
	}{
		{options{conns: 6}, nil, "-conns と -pipeline は -h1 と使います"},
		{options{h1: true, pipeline: true, conns: 2}, nil, "-pipeline は 1 本のコネクション"},
		{options{}, []string{"http://localhost:8888/", "http://localhost:8889/"}, "URL はどれも同じホストにします"},
		{options{}, []string{"https://localhost:8443/"}, "https:// の URL には -cacert を付けます"},
		{options{cacert: "/nonexistent/ca.pem"}, nil, "CA の証明書を読めません"},
	} {
		if _, err := fetch(t, tc.o, tc.targets); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v %q: got %v, want %q", tc.o, tc.targets, err, tc.want)
		}
	}
}

// TestClose: after its GOAWAY the client half-closes and reads the
// server's GOAWAY, instead of closing at once (which would make the
// kernel answer the server's GOAWAY with a RST).
func TestClose(t *testing.T) {
	got := make(chan error, 1)
	base := h2Server(t, func(t *testing.T, s *rawConn) {
		s.fr.WriteSettings()
		s.respond(s.requests(t, 1)[0], "bye\n")
		if s.goAway() == nil {
			got <- errors.New("no GOAWAY from the client")
			return
		}
		s.fr.WriteGoAway(1, http2.ErrCodeNo, nil)
		_, err := s.fr.ReadFrame() // the client's FIN
		got <- err
	})
	out, err := fetch(t, options{}, urls(base, "/"))
	if err != nil || !strings.Contains(out, "← GOAWAY stream=0 len=8 last_stream=1 code=NO_ERROR\n") {
		t.Errorf("%v\n%s", err, out)
	}
	if err := <-got; err != io.EOF {
		t.Errorf("the server read %v after its GOAWAY, want EOF", err)
	}
}
