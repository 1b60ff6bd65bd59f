// Conformance tests (not part of the book's text): h2spec, the HTTP/2
// conformance tool (go.mod's tool), against the server's two listeners,
// h2c with prior knowledge on the plaintext one and h2 over TLS (ALPN)
// on the other, run in this process on free ports.
package main

import (
	"crypto/tls"
	"net"
	"os/exec"
	"path/filepath"
	"regexp"
	"sync"
	"testing"
)

// testServer is the chapter's server run in this process: what main does,
// on free ports of 127.0.0.1.
type testServer struct {
	s          *server
	plain, tls string // the listeners' addresses
	cert       tls.Certificate
	certDir    string
}

// startServer starts the server; the test's cleanup shuts it down as
// Ctrl-C does and fails the test if a connection was still open.
func startServer(t *testing.T) *testServer {
	t.Helper()
	return startServerWith(t, nil)
}

// startServerWith is startServer with the plain listener wrapped by wrap
// (if not nil), for a test that watches the server's connections.
func startServerWith(t *testing.T, wrap func(net.Listener) net.Listener) *testServer {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "certs")
	cert, _, err := loadCert(dir)
	if err != nil {
		t.Fatal(err)
	}
	plain, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	tl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ts := &testServer{s: &server{conns: map[net.Conn]bool{}}, plain: plain.Addr().String(), tls: tl.Addr().String(), cert: cert, certDir: dir}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var served net.Listener = plain
	if wrap != nil {
		served = wrap(plain)
	}
	for _, l := range []net.Listener{served, tls.NewListener(tl, tlsConfig(cert))} {
		wg.Go(func() { ts.s.serve(l, maxConns, stop) })
	}
	t.Cleanup(func() {
		close(stop)
		plain.Close()
		tl.Close()
		wg.Wait()
		if err := ts.s.shutdown(shutdownTimeout); err != nil {
			t.Errorf("shutdown: %v", err)
		}
	})
	return ts
}

func port(t *testing.T, addr string) string {
	_, p, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// h2specSummary is the line h2spec ends with when every test passed.
var h2specSummary = regexp.MustCompile(`(?m)^(\d+) tests, (\d+) passed, (\d+) skipped, (\d+) failed$`)

// runH2spec runs h2spec with args and returns its summary line. Each test
// waits up to 10 s for the server's answer instead of h2spec's 2 s: a
// passing test ends as soon as the answer comes, and under -race on a busy
// machine an answer took longer than 2 s (6.9.2/1 timed out once).
func runH2spec(t *testing.T, args ...string) (summary string, out []byte) {
	t.Helper()
	cmd := exec.Command("go", append([]string{"tool", "h2spec", "-o", "10"}, args...)...)
	out, _ = cmd.CombinedOutput() // h2spec exits 1 when a test fails
	m := h2specSummary.FindSubmatch(out)
	if m == nil {
		t.Fatalf("no summary in h2spec's output:\n%s", out)
	}
	return string(m[0]), out
}

const h2specAll = "145 tests, 145 passed, 0 skipped, 0 failed"

func TestH2specPlain(t *testing.T) {
	t.Parallel()
	ts := startServer(t)
	got, out := runH2spec(t, "-h", "127.0.0.1", "-p", port(t, ts.plain))
	t.Logf("h2spec -p %s: %s", port(t, ts.plain), got)
	if got != h2specAll {
		t.Errorf("h2spec -p (h2c): %s, want %s\n%s", got, h2specAll, failures(out))
	}
}

func TestH2specTLS(t *testing.T) {
	t.Parallel()
	ts := startServer(t)
	got, out := runH2spec(t, "-h", "127.0.0.1", "-t", "-k", "-p", port(t, ts.tls))
	t.Logf("h2spec -t -k -p %s: %s", port(t, ts.tls), got)
	if got != h2specAll {
		t.Errorf("h2spec -t -k -p (TLS): %s, want %s\n%s", got, h2specAll, failures(out))
	}
}

// failures returns h2spec's list of failed tests, which follows "Failures:".
func failures(out []byte) string {
	if i := regexp.MustCompile(`(?m)^Failures:`).FindIndex(out); i != nil {
		return string(out[i[0]:])
	}
	return string(out)
}
