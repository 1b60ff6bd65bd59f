package servertest

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httputil"
	"strings"
	"sync"
	"testing"
	"time"

	"tcpbook/internal/booktest"
)

// An Outcome is what a server did with one connection's input, as its
// client sees it: the statuses of its final responses in order (1xx
// skipped), and whether the last one said Connection: close. The input
// ends after the requests (the client half-closes), so every server ends
// the connection; a request it did not answer is one it refused or
// closed on.
type Outcome struct {
	Statuses []int
	Close    bool
	// Err says what of the output did not parse as responses.
	Err string
}

// String writes the outcome as the tables do: "200 200", "400 close",
// "none" for a close without any response.
func (o Outcome) String() string {
	var b strings.Builder
	for i, s := range o.Statuses {
		if i > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprint(&b, s)
	}
	if len(o.Statuses) == 0 {
		b.WriteString("none")
	}
	if o.Close {
		b.WriteString(" close")
	}
	if o.Err != "" {
		b.WriteString(" (" + o.Err + ")")
	}
	return b.String()
}

// Answered is how many requests the server answered (a status under
// 400) before it refused one or closed.
func (o Outcome) Answered() int {
	n := 0
	for _, s := range o.Statuses {
		if s >= 400 {
			break
		}
		n++
	}
	return n
}

// Refused reports whether the server's last response refused a request
// (a status of 400 or more).
func (o Outcome) Refused() bool {
	return len(o.Statuses) > 0 && o.Statuses[len(o.Statuses)-1] >= 400
}

// Class is the outcome as the differential fuzz test compares it: how
// many requests were answered, and whether the server then refused one
// ("refused") or just closed ("closed").
func (o Outcome) Class() string {
	how := "closed"
	if o.Refused() {
		how = "refused"
	}
	return fmt.Sprintf("answered %d, %s", o.Answered(), how)
}

// parseOutcome reads the responses in out. A response's body is read by
// its framing, except that a response followed at once by the next
// status line, or by nothing, has none: it answered a HEAD request. (The
// book's servers and the oracle's handler never start a body with
// "HTTP/1.".)
func parseOutcome(out []byte) Outcome {
	var o Outcome
	r := bufio.NewReader(bytes.NewReader(out))
	for {
		if _, err := r.Peek(1); err == io.EOF {
			return o
		}
		resp, err := http.ReadResponse(r, &http.Request{Method: http.MethodHead})
		if err != nil {
			o.Err = fmt.Sprintf("response %d: %v", len(o.Statuses)+1, err)
			return o
		}
		if resp.StatusCode < 200 {
			continue // 100 Continue: no body, and a final response follows
		}
		o.Statuses = append(o.Statuses, resp.StatusCode)
		o.Close = resp.Close
		if next, _ := r.Peek(len("HTTP/1.")); len(next) == 0 || string(next) == "HTTP/1." {
			continue
		}
		var body io.Reader = r
		switch {
		case len(resp.TransferEncoding) > 0:
			body = httputil.NewChunkedReader(r)
		case resp.ContentLength >= 0:
			body = io.LimitReader(r, resp.ContentLength)
		}
		n, err := io.Copy(io.Discard, body)
		if err == nil && len(resp.TransferEncoding) > 0 {
			err = skipTrailer(r)
		}
		if err != nil || resp.ContentLength >= 0 && n != resp.ContentLength {
			o.Err = fmt.Sprintf("response %d: body of %d bytes: %v", len(o.Statuses), n, err)
			return o
		}
	}
}

// skipTrailer reads a chunked body's trailer section, up to its empty line.
func skipTrailer(r *bufio.Reader) error {
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return err
		}
		if line == "\r\n" || line == "\n" {
			return nil
		}
	}
}

// runTimeout is how long a server may take over one input: chapter 7's
// server takes a second to stream its document, so several of them.
const runTimeout = 20 * time.Second

// runBook gives in to handle, a chapter's request loop, on a
// booktest.Conn, and returns what it wrote.
func runBook(t testing.TB, handle func(net.Conn), in []byte) []byte {
	t.Helper()
	c := &booktest.Conn{In: bytes.NewReader(in)}
	done := make(chan struct{})
	go func() {
		defer close(done)
		handle(c)
	}()
	select {
	case <-done:
	case <-time.After(runTimeout):
		t.Fatalf("input %q: the book's server did not return in %v", in, runTimeout)
	}
	return c.Out.Bytes()
}

// A StdServer is a net/http.Server in memory, with a handler that answers
// as chapter 4's server does: "Hello World", or "Hello " and the body;
// 413 for a body over the limit, 400 for a body that does not arrive
// whole, each with Connection: close. Its outcomes are the oracle's.
type StdServer struct {
	srv   *http.Server
	conns chan net.Conn
	done  chan struct{}
}

// NewStdServer starts a net/http.Server in memory, with maxBodyBytes as
// its handler's limit, until the end of the test.
func NewStdServer(t testing.TB, maxBodyBytes int) *StdServer {
	s := &StdServer{conns: make(chan net.Conn), done: make(chan struct{})}
	s.srv = &http.Server{
		Handler:  helloHandler(int64(maxBodyBytes)),
		ErrorLog: log.New(io.Discard, "", 0),
	}
	served := make(chan struct{})
	go func() {
		defer close(served)
		s.srv.Serve(s)
	}()
	t.Cleanup(func() {
		s.srv.Close()
		<-served
	})
	return s
}

// helloHandler is the oracle's handler: chapter 4's answers.
func helloHandler(maxBodyBytes int64) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		refuse := func(status int) {
			w.Header().Set("Connection", "close")
			http.Error(w, http.StatusText(status), status)
		}
		if r.ContentLength > maxBodyBytes {
			refuse(http.StatusRequestEntityTooLarge)
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBodyBytes))
		var tooLarge *http.MaxBytesError
		switch {
		case errors.As(err, &tooLarge):
			refuse(http.StatusRequestEntityTooLarge)
			return
		case err != nil:
			refuse(http.StatusBadRequest)
			return
		}
		text := "Hello World\n"
		if len(body) > 0 {
			text = "Hello " + string(body) + "\n"
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		io.WriteString(w, text)
	})
}

// Accept, Close and Addr make the StdServer the net.Listener its
// http.Server serves: Run hands it one connection at a time.
func (s *StdServer) Accept() (net.Conn, error) {
	select {
	case c := <-s.conns:
		return c, nil
	case <-s.done:
		return nil, net.ErrClosed
	}
}

func (s *StdServer) Close() error {
	select {
	case <-s.done:
	default:
		close(s.done)
	}
	return nil
}

func (s *StdServer) Addr() net.Addr { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 8888} }

// Run gives in to the server on a connection of its own and returns what
// it wrote, once it has closed the connection or its sending side.
// (After a refusal net/http half-closes, then waits half a second before
// it closes: the half-close is its last word.)
func (s *StdServer) Run(t testing.TB, in []byte) []byte {
	t.Helper()
	c := &memConn{in: in, done: make(chan struct{})}
	select {
	case s.conns <- c:
	case <-time.After(runTimeout):
		t.Fatalf("input %q: net/http.Server did not accept", in)
	}
	select {
	case <-c.done:
	case <-time.After(runTimeout):
		t.Fatalf("input %q: net/http.Server did not close in %v", in, runTimeout)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return bytes.Clone(c.out.Bytes())
}

// A memConn is a net.Conn in memory for the net/http.Server: reads come
// from in, then io.EOF (the client has half-closed); writes are kept
// until the server closes it or its sending side. Deadlines are accepted
// and ignored: a read never blocks. The addresses and deadlines are
// booktest.Conn's, the in-memory connection the chapters' own request
// loops run on; Read, Write and Close are memConn's own.
type memConn struct {
	booktest.Conn
	mu     sync.Mutex
	in     []byte
	out    bytes.Buffer
	closed bool // the sending side, or the whole connection
	done   chan struct{}
}

func (c *memConn) Read(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.in) == 0 {
		return 0, io.EOF
	}
	n := copy(p, c.in)
	c.in = c.in[n:]
	return n, nil
}

func (c *memConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return 0, net.ErrClosed
	}
	return c.out.Write(p)
}

// CloseWrite ends what the server sends, as Close does.
func (c *memConn) CloseWrite() error { return c.Close() }

func (c *memConn) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.closed {
		c.closed = true
		close(c.done)
	}
	return nil
}

// explain returns the rule that allows the book's outcome b and net/http's
// s to differ on the input in, or "" if they do not differ in Class; an
// error if they differ and no rule allows it. The rule is looked for on
// the request where they part, as net/http framed the input.
func explain(in []byte, b, s Outcome) (string, error) {
	if b.Class() == s.Class() {
		return "", nil
	}
	heads := splitRequests(in)
	find := func(side who, i int, after bool) string {
		if i < 0 || i >= len(heads) {
			return ""
		}
		for _, r := range rules {
			if (r.stricter == side || r.stricter == eitherStricter) && r.after == after && r.match(heads[i]) {
				return r.name
			}
		}
		return ""
	}
	nb, ns := b.Answered(), s.Answered()
	var name string
	switch {
	case nb < ns || nb == ns && b.Refused():
		// The book refused request nb, or closed on it, where net/http
		// answered it or closed without a word; or the book closed after
		// answering the one before.
		name = find(bookStricter, nb, false)
		if name == "" && !b.Refused() {
			name = find(bookStricter, nb-1, true)
		}
		if name == "" && nb == ns && !s.Refused() {
			// Or net/http closed after the last request both answered,
			// and never read the one the book refused.
			name = find(stdStricter, ns-1, true)
		}
	case nb == ns:
		// The book closed where net/http refused: after the last request
		// both answered.
		name = find(bookStricter, nb-1, true)
	default:
		// net/http refused request ns, or closed on it, and the book
		// answered it.
		name = find(stdStricter, ns, false)
		if name == "" && !s.Refused() {
			name = find(stdStricter, ns-1, true)
		}
	}
	if name == "" {
		return "", fmt.Errorf("the book's server %s, net/http.Server %s, and no rule allows the difference", b.Class(), s.Class())
	}
	return name, nil
}

// FuzzOracle compares handle, a chapter's request loop, with
// net/http.Server (the oracle), both in memory, on arbitrary input: each
// must answer as many requests as the other and then refuse or close
// alike (Outcome.Class), except where a rule allows the difference (see
// rules), and both must write responses that parse. The seed corpus is
// the RFC tables' inputs and FuzzHandle's seeds.
func FuzzOracle(f *testing.F, handle func(net.Conn), s Server) {
	booktest.Quiet(f) // the server's log
	for _, table := range rfcTables {
		for _, row := range table.rows {
			f.Add([]byte(row.in + nextRequest))
		}
	}
	for _, in := range seeds {
		f.Add([]byte(in))
	}
	std := NewStdServer(f, s.MaxBodyBytes)
	f.Fuzz(func(t *testing.T, in []byte) {
		bookOut := runBook(t, handle, in)
		stdOut := std.Run(t, in)
		b, o := parseOutcome(bookOut), parseOutcome(stdOut)
		if b.Err != "" || o.Err != "" {
			t.Fatalf("input %q: output that does not parse:\nthe book's server: %s\n%q\nnet/http.Server: %s\n%q", in, b, bookOut, o, stdOut)
		}
		if _, err := explain(in, b, o); err != nil {
			t.Fatalf("input %q:\n%v\nthe book's server wrote %q\nnet/http.Server wrote %q", in, err, bookOut, stdOut)
		}
	})
}
