// Tests of the HTTP/2 server (not part of the book's text): net/http's
// client as the oracle over both listeners, several streams on one
// connection with /slow not holding the others back, flow control both
// ways with bodies larger than the windows, and the graceful shutdown,
// seen in raw frames (rawclient_test.go).
package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/net/http2/hpack"

	"tcpbook/chapters/10/frame"
	"tcpbook/internal/booktest"
)

// h2Client returns net/http's client speaking HTTP/2 only, to the plain
// listener (h2c with prior knowledge) or the TLS one, and a count of the
// TCP connections it dialed.
func (ts *testServer) h2Client(t *testing.T, overTLS bool) (*http.Client, *atomic.Int32) {
	t.Helper()
	var protocols http.Protocols
	tr := &http.Transport{Protocols: &protocols}
	dials := new(atomic.Int32)
	dialer := &net.Dialer{}
	tr.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		dials.Add(1)
		return dialer.DialContext(ctx, network, addr)
	}
	if overTLS {
		protocols.SetHTTP2(true)
		pem, err := os.ReadFile(caFile(ts.certDir))
		if err != nil {
			t.Fatal(err)
		}
		pool := x509.NewCertPool()
		pool.AppendCertsFromPEM(pem)
		tr.TLSClientConfig = &tls.Config{RootCAs: pool, ServerName: "localhost"}
	} else {
		protocols.SetUnencryptedHTTP2(true)
	}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: 10 * time.Second}, dials
}

func (ts *testServer) url(overTLS bool, path string) string {
	if overTLS {
		return "https://" + ts.tls + path
	}
	return "http://" + ts.plain + path
}

// TestH2Documents: the documents of the earlier chapters, over HTTP/2 on
// both listeners.
func TestH2Documents(t *testing.T) {
	t.Parallel()
	ts := startServer(t)
	for _, overTLS := range []bool{false, true} {
		client, _ := ts.h2Client(t, overTLS)
		for _, c := range []struct {
			method, path, body string
			status             int
			want               string
		}{
			{"GET", "/", "", 200, "Hello World\n"},
			{"GET", "/42", "", 200, "Hello World\n"},
			{"GET", "/slow", "", 200, "Slept 1s\n"},
			{"GET", "/slwo", "", 404, "Not Found\n"},
			{"HEAD", "/", "", 200, ""},
			{"POST", "/", "abc", 200, "Hello abc\n"},
			{"OPTIONS", "*", "", 200, "Hello World\n"},
		} {
			path := c.path
			if path == "*" {
				path = "/"
			}
			req, err := http.NewRequest(c.method, ts.url(overTLS, path), strings.NewReader(c.body))
			if err != nil {
				t.Fatal(err)
			}
			if c.path == "*" {
				req.URL.Opaque = "*" // sent as :path *
			}
			resp, err := client.Do(req)
			if err != nil {
				t.Fatalf("%s %s (TLS %v): %v", c.method, c.path, overTLS, err)
			}
			body, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil || resp.ProtoMajor != 2 || resp.StatusCode != c.status || string(body) != c.want {
				t.Errorf("%s %s (TLS %v): %s %s %q, %v; want HTTP/2.0 %d %q", c.method, c.path, overTLS,
					resp.Proto, resp.Status, body, err, c.status, c.want)
			}
			if c.method == "HEAD" && resp.ContentLength != int64(len("Hello World\n")) {
				t.Errorf("HEAD: Content-Length %d, want the GET's", resp.ContentLength)
			}
		}
	}
}

// TestH2Multiplexing: on one connection, /slow first and ten small
// documents after it; the small ones are answered before /slow is.
func TestH2Multiplexing(t *testing.T) {
	t.Parallel()
	ts := startServer(t)
	for _, overTLS := range []bool{false, true} {
		client, _ := ts.h2Client(t, overTLS)
		// The connections the requests went out on, by the client's
		// address: net/http may dial more than it uses when requests
		// wait for a connection at once (a CI run counted 11 dials while
		// the server saw every stream on one connection), so the test
		// asks which connection carried each request.
		var mu sync.Mutex
		conns := map[string]bool{}
		trace := &httptrace.ClientTrace{GotConn: func(info httptrace.GotConnInfo) {
			mu.Lock()
			conns[info.Conn.LocalAddr().String()] = true
			mu.Unlock()
		}}
		get := func(path string) {
			req, err := http.NewRequestWithContext(httptrace.WithClientTrace(context.Background(), trace), "GET", ts.url(overTLS, path), nil)
			if err != nil {
				t.Error(err)
				return
			}
			resp, err := client.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
		get("/") // one connection, open before the others ask for it
		start := time.Now()
		var wg sync.WaitGroup
		var slow time.Duration
		wg.Go(func() { get("/slow"); slow = time.Since(start) })
		var small sync.WaitGroup
		for i := range 10 {
			small.Go(func() { get(fmt.Sprintf("/%d", i+1)) })
		}
		small.Wait()
		smallDone := time.Since(start)
		wg.Wait()
		if smallDone > slowDelay/2 || slow < slowDelay {
			t.Errorf("TLS %v: ten small documents took %v and /slow %v; want the small ones well before %v", overTLS, smallDone, slow, slowDelay)
		}
		if len(conns) != 1 {
			t.Errorf("TLS %v: the requests went out on %d connections, want 1: %v", overTLS, len(conns), conns)
		}
	}
}

// TestH2FlowControl: a body of maxBodyBytes, sixteen times the initial
// stream window, goes up and comes back (as "Hello " + body), so both
// directions wait for WINDOW_UPDATEs; one byte more is refused with 413.
func TestH2FlowControl(t *testing.T) {
	t.Parallel()
	ts := startServer(t)
	client, _ := ts.h2Client(t, false)
	body := strings.Repeat("x", maxBodyBytes)
	resp, err := client.Post(ts.url(false, "/"), "text/plain", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != 200 || string(got) != "Hello "+body+"\n" {
		t.Errorf("POST of %d bytes: %s, %d bytes back, %v", len(body), resp.Status, len(got), err)
	}
	for _, known := range []bool{true, false} {
		r := io.Reader(strings.NewReader(body + "x"))
		if !known {
			r = io.MultiReader(r) // no Content-Length: the server counts
		}
		resp, err := client.Post(ts.url(false, "/"), "text/plain", r)
		if err != nil {
			t.Fatalf("POST of %d bytes (length known: %v): %v", len(body)+1, known, err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusRequestEntityTooLarge {
			t.Errorf("POST of %d bytes (length known: %v): %s, want 413", len(body)+1, known, resp.Status)
		}
	}
}

// TestH2Shutdown: with /slow in flight, the shutdown sends GOAWAY with the
// last stream, answers /slow, and then closes; a stream opened after the
// GOAWAY is not answered.
func TestH2Shutdown(t *testing.T) {
	t.Parallel()
	ts := startServer(t)
	c := dialRaw(t, ts.plain)
	c.request(1, "GET", "/slow", true)
	c.sync(t)
	done := make(chan error)
	go func() { done <- ts.s.shutdown(shutdownTimeout) }()
	g := c.until(t, func(f frame.Frame) bool { return f.Type == frame.TypeGoAway })
	if ga, _ := frame.ParseGoAway(g); ga.LastStreamID != 1 || ga.Code != frame.ErrCodeNo {
		t.Errorf("GOAWAY %+v, want last stream 1, NO_ERROR", ga)
	}
	c.request(3, "GET", "/", true) // after the GOAWAY: ignored
	resp := c.response(t, 1)
	if resp.status != "200" || resp.body != "Slept 1s\n" {
		t.Errorf("/slow after GOAWAY: %+v, want 200 Slept 1s", resp)
	}
	for f := range c.frames {
		if f.StreamID == 3 {
			t.Errorf("stream 3, opened after GOAWAY, got %v", f)
		}
	}
	if err := <-done; err != nil {
		t.Errorf("shutdown: %v", err)
	}
}

// TestH2Idle: a connection without streams gets GOAWAY (NO_ERROR) after
// idleTimeout and is closed. The clock starts before the dial: the server
// can start its own while dialRaw is still writing the preface.
func TestH2Idle(t *testing.T) {
	t.Parallel()
	ts := startServer(t)
	start := time.Now()
	c := dialRaw(t, ts.plain)
	g := c.until(t, func(f frame.Frame) bool { return f.Type == frame.TypeGoAway })
	if ga, _ := frame.ParseGoAway(g); ga.Code != frame.ErrCodeNo || time.Since(start) < idleTimeout {
		t.Errorf("GOAWAY %+v after %v, want NO_ERROR after %v", ga, time.Since(start), idleTimeout)
	}
	c.closed(t)
}

// TestH2UnfinishedBlock: a HEADERS without END_HEADERS and then silence
// closes the connection when the field block's readTimeout runs out, with
// the field block as the reason; before that, idleTimeout closed it 5 s
// early as a connection without streams.
func TestH2UnfinishedBlock(t *testing.T) {
	t.Parallel()
	ts := startServer(t)
	c := dialRaw(t, ts.plain)
	start := time.Now()
	block := c.block("GET", "/")
	if err := c.write(frame.Headers{StreamID: 1, EndStream: true, Block: block[:1]}.Frame()); err != nil {
		t.Fatal(err)
	}
	g := c.until(t, func(f frame.Frame) bool { return f.Type == frame.TypeGoAway })
	ga, _ := frame.ParseGoAway(g)
	if ga.Code != frame.ErrCodeNo || !strings.Contains(string(ga.Debug), "フィールドブロック") || time.Since(start) < readTimeout {
		t.Errorf("GOAWAY %v %q after %v, want NO_ERROR for the field block after %v", ga.Code, ga.Debug, time.Since(start), readTimeout)
	}
	c.closed(t)
}

// TestH2Errors: a stream error resets one stream and the connection goes
// on; a connection error ends it with GOAWAY.
func TestH2Errors(t *testing.T) {
	t.Parallel()
	ts := startServer(t)
	c := dialRaw(t, ts.plain)
	c.request(1, "GET", "/", true, hpack.HeaderField{Name: "Upper", Value: "x"})
	r := c.until(t, func(f frame.Frame) bool { return f.Type == frame.TypeRSTStream })
	if rst, _ := frame.ParseRSTStream(r); rst.StreamID != 1 || rst.Code != frame.ErrCodeProtocol {
		t.Errorf("got %v, want RST_STREAM PROTOCOL_ERROR on stream 1", r)
	}
	c.request(3, "GET", "/", true)
	if resp := c.response(t, 3); resp.status != "200" {
		t.Errorf("after the stream error: %+v, want 200", resp)
	}
	c.write(frame.Frame{Header: frame.Header{Type: frame.TypeData, StreamID: 2}, Payload: []byte("x")})
	g := c.until(t, func(f frame.Frame) bool { return f.Type == frame.TypeGoAway })
	if ga, _ := frame.ParseGoAway(g); ga.Code != frame.ErrCodeProtocol || ga.LastStreamID != 3 {
		t.Errorf("got %v, want GOAWAY PROTOCOL_ERROR, last stream 3", g)
	}
	c.closed(t)
}

// TestH2TLS12: over TLS 1.2, HTTP/2 with an AEAD cipher suite works, and
// with a CBC one (which Go's client and server still allow) the server
// sends GOAWAY INADEQUATE_SECURITY (RFC 9113 §9.2.2).
func TestH2TLS12(t *testing.T) {
	t.Parallel()
	ts := startServer(t)
	pem, err := os.ReadFile(caFile(ts.certDir))
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem)
	for _, c := range []struct {
		suite uint16
		want  string
	}{
		{tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, "PING"},
		{tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA, "INADEQUATE_SECURITY"},
	} {
		conn, err := tls.Dial("tcp", ts.tls, &tls.Config{RootCAs: pool, ServerName: "localhost", NextProtos: []string{"h2"},
			MaxVersion: tls.VersionTLS12, CipherSuites: []uint16{c.suite}})
		if err != nil {
			t.Fatalf("%s: %v", tls.CipherSuiteName(c.suite), err)
		}
		defer conn.Close()
		conn.Write([]byte(frame.ClientPreface))
		frame.Write(conn, frame.Settings{}.Frame())
		frame.Write(conn, frame.Ping{}.Frame())
		conn.SetReadDeadline(time.Now().Add(10 * time.Second))
		got := "" // the answer to the PING, or the GOAWAY's code
		for got == "" {
			f, err := frame.Read(conn, frame.MaxFrameSizeLimit)
			if err != nil {
				t.Fatalf("%s: %v", tls.CipherSuiteName(c.suite), err)
			}
			if p, err := frame.ParsePing(f); f.Type == frame.TypePing && err == nil && p.Ack {
				got = "PING"
			}
			if g, err := frame.ParseGoAway(f); f.Type == frame.TypeGoAway && err == nil {
				got = g.Code.String()
			}
		}
		if got != c.want {
			t.Errorf("TLS 1.2 with %s: %s, want %s", tls.CipherSuiteName(c.suite), got, c.want)
		}
	}
}

// writeCounter counts the server's writes to its connection: each Write
// of a flushed bufio.Writer is one send, one segment or more.
type writeCounter struct {
	net.Conn
	writes atomic.Int32
}

func (w *writeCounter) Write(p []byte) (int, error) {
	w.writes.Add(1)
	return w.Conn.Write(p)
}

// countingListener hands the server its connections as writeCounters,
// and the test each of them too.
type countingListener struct {
	net.Listener
	conns chan *writeCounter
}

func (l *countingListener) Accept() (net.Conn, error) {
	conn, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	w := &writeCounter{Conn: conn}
	l.conns <- w
	return w, nil
}

// TestH2CoalescedWrites: the answers to requests that arrive together go
// out together (writeLocked waits for the handlers still answering), so
// ten small answers do not overflow a new connection's initial window of
// ten segments. Flushing each frame takes a write per HEADERS and per
// DATA, 20 for the answers alone. With /slow among them, the other
// answers wait coalesceDelay at most, not for /slow.
func TestH2CoalescedWrites(t *testing.T) {
	booktest.Quiet(t)
	cl := &countingListener{conns: make(chan *writeCounter, 2)}
	ts := startServerWith(t, func(l net.Listener) net.Listener {
		cl.Listener = l
		return cl
	})
	counted := cl.conns
	for _, slow := range []bool{false, true} {
		c := dialRaw(t, ts.plain)
		w := <-counted
		c.sync(t) // the server's preface, and its ACK of ours, are out
		before := w.writes.Load()
		var fs []frame.Frame
		first := uint32(1)
		if slow {
			fs = append(fs, frame.Headers{StreamID: 1, EndStream: true, EndHeaders: true, Block: c.block("GET", "/slow")}.Frame())
			first = 3
		}
		for i := range uint32(10) {
			id := first + 2*i
			fs = append(fs, frame.Headers{StreamID: id, EndStream: true, EndHeaders: true, Block: c.block("GET", fmt.Sprintf("/%d", i+1))}.Frame())
		}
		start := time.Now()
		c.write(fs...) // all the requests in one write
		// the answers come in whatever order the handlers finished
		for i := range uint32(10) {
			id := first + 2*i
			if r := c.response(t, id); r.status != "200" || r.body != "Hello World\n" {
				t.Fatalf("stream %d: %+v", id, r)
			}
		}
		took := time.Since(start)
		// Here they take one or two writes; on a busy machine the
		// coalesceDelay timer may send some early. Flushing each frame
		// takes 20.
		if n := w.writes.Load() - before; n >= 10 {
			t.Errorf("slow=%v: ten answers took %d writes, want fewer than the 10 segments of an initial window", slow, n)
		}
		if took > slowDelay/2 {
			t.Errorf("slow=%v: ten answers took %v, want them before /slow's", slow, took)
		}
	}
}
