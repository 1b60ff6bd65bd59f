// Hostile datagrams against the server in this process: garbage, a flood
// of Initial packets from many source ports, and clients that stop in the
// middle of the handshake. After each, the server must hold no more state
// than its limits allow, let it go by the handshake timeout, and answer a
// new client. Run with -v to see the figures.
package main

import (
	"context"
	"crypto/tls"
	"encoding/binary"
	"math/rand/v2"
	"net"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/quic-go/quic-go"
	"github.com/quic-go/quic-go/http3"
)

// heap returns the bytes of the heap in use after a GC.
func heap() int64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.HeapAlloc)
}

// alive checks that the server answers a new client, and closes the
// client's connection.
func alive(t *testing.T, ts *testServer) {
	t.Helper()
	c := ts.client(t)
	if status, body := get(t, c, ts.url("/")); status != 200 || body != "Hello World\n" {
		t.Errorf("after the attack: %d %q", status, body)
	}
	c.Transport.(*http3.Transport).Close()
}

// drained waits until the server holds no connection, for at most twice
// the handshake timeout (quic-go's limit for a handshake) and a second.
func drained(t *testing.T, ts *testServer) time.Duration {
	t.Helper()
	start := time.Now()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for ts.conns.Load() > 0 {
		if time.Since(start) > 2*handshakeTimeout+time.Second {
			t.Fatalf("%d connections still open %v after the attack", ts.conns.Load(), time.Since(start))
		}
		<-tick.C
	}
	return time.Since(start)
}

// TestGarbageDatagrams sends datagrams that are not QUIC, or look like
// QUIC and are not, and checks that the server sends back no more than
// three times what it received (RFC 9000 §8.1), keeps no state, and still
// answers.
func TestGarbageDatagrams(t *testing.T) {
	ts := startServer(t)
	conn, err := net.Dial("udp", ts.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var received atomic.Int64
	readDone := make(chan struct{})
	go func() { // count what the server sends back until the socket is closed
		defer close(readDone)
		buf := make([]byte, 2048)
		for {
			n, err := conn.Read(buf)
			if err != nil {
				return
			}
			received.Add(int64(n))
		}
	}()
	rng := rand.New(rand.NewPCG(11, 1))
	before := heap()
	var sent int64
	send := func(b []byte) {
		if _, err := conn.Write(b); err == nil {
			sent += int64(len(b))
		}
	}
	for i := range 3000 {
		b := make([]byte, 1+rng.IntN(1400))
		for j := range b {
			b[j] = byte(rng.Uint32())
		}
		switch i % 4 {
		case 1: // a long header with QUIC version 1: an Initial whose payload does not decrypt
			b = append(b, make([]byte, 1200)...)
			b[0] = 0xc0 | b[0]&0x0f
			binary.BigEndian.PutUint32(b[1:], 1)
			b[5] = 8 // the destination connection ID's length
		case 2: // a long header with a version nobody speaks: Version Negotiation (RFC 9000 §6)
			b = append(b, make([]byte, 1200)...)
			b[0] |= 0x80
			binary.BigEndian.PutUint32(b[1:], 0x1a2a3a4a)
		case 3: // a short header: a packet for a connection that does not exist
			b[0] = 0x40 | b[0]&0x3f
		}
		send(b)
	}
	alive(t, ts)
	conn.Close()
	<-readDone
	grew := heap() - before
	t.Logf("3000 datagrams, %d bytes: the server sent back %d bytes; heap %+d KiB", sent, received.Load(), grew>>10)
	if received.Load() > 3*sent {
		t.Errorf("the server sent %d bytes to an unvalidated address that sent %d", received.Load(), sent)
	}
	drained(t, ts)
}

// muted is a client's socket that passes its first flight (the Initial
// packets that carry the ClientHello) and then drops whatever the client
// sends: a client that stops in the middle of the handshake.
type muted struct {
	net.PacketConn
	left int32         // datagrams still to pass
	sent chan struct{} // closed when they have gone
	once sync.Once
}

func (m *muted) WriteTo(b []byte, addr net.Addr) (int, error) {
	if atomic.AddInt32(&m.left, -1) < 0 {
		return len(b), nil
	}
	n, err := m.PacketConn.WriteTo(b, addr)
	if atomic.LoadInt32(&m.left) == 0 {
		m.once.Do(func() { close(m.sent) })
	}
	return n, err
}

// stall starts a handshake from a new UDP port, sends the first flight
// (the ClientHello fills two Initial packets with the post-quantum key
// share Go offers by default), and leaves.
func stall(t *testing.T, addr *net.UDPAddr, conf *tls.Config) {
	udp, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Error(err)
		return
	}
	defer udp.Close()
	m := &muted{PacketConn: udp, left: 2, sent: make(chan struct{})}
	tr := &quic.Transport{Conn: m}
	defer tr.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	go tr.Dial(ctx, addr, conf, nil)
	select {
	case <-m.sent:
	case <-ctx.Done():
		t.Error("the client's first flight was not sent")
	}
}

// flood runs n stalled handshakes, workers at a time, and returns the most
// connections the server held at once.
func flood(t *testing.T, ts *testServer, n, workers int) int64 {
	addr, err := net.ResolveUDPAddr("udp", ts.addr)
	if err != nil {
		t.Fatal(err)
	}
	conf := &tls.Config{RootCAs: ts.roots, ServerName: "localhost", NextProtos: []string{http3.NextProtoH3}}
	var most atomic.Int64
	jobs := make(chan struct{})
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for range jobs {
				stall(t, addr, conf)
				for c := ts.conns.Load(); c > most.Load(); c = ts.conns.Load() {
					most.CompareAndSwap(most.Load(), c)
				}
			}
		})
	}
	for range n {
		jobs <- struct{}{}
	}
	close(jobs)
	wg.Wait()
	// The last first flights may still be on their way to the server, or
	// in its queue: look a little longer (a sample after each stall can
	// come before the server has taken the Initial in).
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for deadline := time.Now().Add(time.Second); ts.conns.Load() < int64(n) && time.Now().Before(deadline); <-tick.C {
	}
	if c := ts.conns.Load(); c > most.Load() {
		most.Store(c)
	}
	return most.Load()
}

// TestStalledHandshakes leaves a few handshakes half done and checks that
// the server lets them go by its handshake timeout.
func TestStalledHandshakes(t *testing.T) {
	ts := startServer(t)
	const n = 20
	before := heap()
	most := flood(t, ts, n, 4)
	held := heap() - before
	if most < n/2 {
		t.Errorf("the server held at most %d of %d stalled handshakes; the test does not stall them", most, n)
	}
	took := drained(t, ts)
	t.Logf("%d stalled handshakes: the server held %d at once, %d KiB, and let them go after %v",
		n, most, held>>10, took.Round(100*time.Millisecond))
	alive(t, ts)
}

// TestInitialFlood sends the first flight of 1000 handshakes, each from a
// new UDP port, and checks that the server keeps no more than maxUnverified
// of them (the rest are sent a Retry and cost it nothing), answers a new
// client during the flood's aftermath (after a Retry), and lets the stalled
// handshakes go.
func TestInitialFlood(t *testing.T) {
	if testing.Short() {
		t.Skip("1000 handshakes")
	}
	ts := startServer(t)
	const n = 1000
	before := heap()
	start := time.Now()
	most := flood(t, ts, n, 16)
	took := time.Since(start)
	held := heap() - before
	t.Logf("%d Initial flights in %v: the server held %d handshakes at once, heap %+d KiB",
		n, took.Round(time.Millisecond), most, held>>10)
	if most > maxUnverified+2 {
		t.Errorf("the server held %d handshakes at once, more than maxUnverified (%d)", most, maxUnverified)
	}
	if held > 64<<20 {
		t.Errorf("the flood left %d MiB on the heap", held>>20)
	}
	alive(t, ts) // over maxUnverified: the client is sent a Retry first
	drained(t, ts)
}
