package netlab

import (
	"io"
	"sync"
	"testing"
	"time"
)

// fakeDevice stands for a TUN device: each Read returns one packet that
// the test sent, each Write records one packet and when it came.
type fakeDevice struct {
	in     chan []byte
	mu     sync.Mutex
	out    [][]byte
	outAt  []time.Time
	closed chan struct{}
	once   sync.Once
}

func newFakeDevice() *fakeDevice {
	return &fakeDevice{in: make(chan []byte, 100000), closed: make(chan struct{})}
}

func (d *fakeDevice) Read(b []byte) (int, error) {
	select {
	case p := <-d.in:
		return copy(b, p), nil
	case <-d.closed:
		return 0, io.EOF
	}
}

func (d *fakeDevice) Write(b []byte) (int, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.out = append(d.out, append([]byte(nil), b...))
	d.outAt = append(d.outAt, time.Now())
	return len(b), nil
}

func (d *fakeDevice) Close() { d.once.Do(func() { close(d.closed) }) }

func (d *fakeDevice) written() ([][]byte, []time.Time) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([][]byte(nil), d.out...), append([]time.Time(nil), d.outAt...)
}

// runForwarder starts f and returns a function that closes its source and
// waits for it to end, failing the test if that takes ten seconds.
func runForwarder(t *testing.T, f *forwarder, from *fakeDevice) (stop func()) {
	t.Helper()
	ended := make(chan struct{})
	go func() { defer close(ended); f.forward() }()
	return func() {
		from.Close()
		select {
		case <-ended:
		case <-time.After(10 * time.Second):
			t.Fatal("the forwarder did not end within 10 s of its device closing")
		}
	}
}

// The forwarder delays each packet by at least its delay, keeps the order,
// rewrites, drops what is not IPv4, counts, and captures the packets as
// the client's side sees them.
func TestForwarderDelay(t *testing.T) {
	const delay = 20 * time.Millisecond
	from, to := newFakeDevice(), newFakeDevice()
	var stats linkStats
	var mu sync.Mutex
	var readCaptured, writeCaptured [][]byte
	f := &forwarder{
		from: from, to: to, delay: delay, rewrite: toLoopback, stats: &stats, done: make(chan struct{}),
		onRead: func(_ time.Time, p []byte) {
			mu.Lock()
			readCaptured = append(readCaptured, append([]byte(nil), p...))
			mu.Unlock()
		},
		onWrite: func(_ time.Time, p []byte) {
			mu.Lock()
			writeCaptured = append(writeCaptured, append([]byte(nil), p...))
			mu.Unlock()
		},
	}
	stop := runForwarder(t, f, from)
	client := [4]byte{10, 77, 0, 1}
	var sent []time.Time
	const n = 20
	for i := range n {
		if i == 5 {
			from.in <- []byte{0x60, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0} // IPv6: dropped
		}
		sent = append(sent, time.Now())
		from.in <- packet4(6, client, server4, []byte{byte(i)})
		time.Sleep(time.Millisecond)
	}
	deadline := time.Now().Add(10 * time.Second)
	for stats.packets.Load() < n && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	stop()
	out, at := to.written()
	if len(out) != n {
		t.Fatalf("delivered %d packets, want %d", len(out), n)
	}
	for i, p := range out {
		if int(p[len(p)-1]) != i {
			t.Fatalf("packet %d delivered in place %d: the order changed", p[len(p)-1], i)
		}
		if [4]byte(p[16:20]) != loopback4 {
			t.Errorf("packet %d delivered to %v, want 127.0.0.1", i, p[16:20])
		}
		if d := at[i].Sub(sent[i]); d < delay {
			t.Errorf("packet %d delivered %v after it was sent, less than the delay %v", i, d, delay)
		}
	}
	if stats.packets.Load() != n || stats.bytes.Load() != int64(n*len(out[0])) {
		t.Errorf("counted %d packets, %d bytes; want %d, %d", stats.packets.Load(), stats.bytes.Load(), n, n*len(out[0]))
	}
	if len(readCaptured) != n || len(writeCaptured) != n {
		t.Fatalf("captured %d read and %d written packets, want %d each (the IPv6 one is not carried, so not captured)", len(readCaptured), len(writeCaptured), n)
	}
	if [4]byte(readCaptured[0][16:20]) != server4 || [4]byte(writeCaptured[0][16:20]) != loopback4 {
		t.Error("onRead must see the packet before the rewrite, onWrite after it")
	}
}

// With a rate, N bytes take about N/rate: never much less (the bucket
// holds them back), and not wildly more on a busy machine.
func TestForwarderRate(t *testing.T) {
	const rate = 2e6 // bytes per second
	const total = 400_000
	from, to := newFakeDevice(), newFakeDevice()
	var stats linkStats
	f := &forwarder{from: from, to: to, bucket: newTokenBucket(rate, 0), stats: &stats, done: make(chan struct{})}
	stop := runForwarder(t, f, from)
	payload := make([]byte, 1500-28)
	start := time.Now()
	for range total / 1500 {
		from.in <- packet4(17, [4]byte{10, 77, 0, 1}, server4, payload)
	}
	deadline := start.Add(30 * time.Second)
	for stats.packets.Load() < total/1500 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	elapsed := time.Since(start)
	stop()
	sent := float64(stats.bytes.Load())
	ideal := time.Duration((sent - float64(DefaultBurst(rate))) / rate * float64(time.Second))
	t.Logf("%.0f bytes at %s took %v; the bucket's arithmetic says %v", sent, FormatRate(rate), elapsed.Round(time.Millisecond), ideal)
	if sent != total/1500*1500 {
		t.Fatalf("carried %.0f bytes, want %d", sent, total/1500*1500)
	}
	if elapsed < ideal-5*time.Millisecond {
		t.Errorf("%.0f bytes went through in %v, faster than %s allows (%v)", sent, elapsed, FormatRate(rate), ideal)
	}
	if elapsed > 4*ideal+2*time.Second {
		t.Errorf("%.0f bytes took %v at %s, more than four times the %v it should", sent, elapsed, FormatRate(rate), ideal)
	}
}

// Closing the link drops what waits in the queue instead of waiting it
// out: a forwarder holding packets for an hour still ends at once.
func TestForwarderCloseDropsQueue(t *testing.T) {
	from, to := newFakeDevice(), newFakeDevice()
	done := make(chan struct{})
	var stats linkStats
	f := &forwarder{from: from, to: to, delay: time.Hour, stats: &stats, done: done}
	stop := runForwarder(t, f, from)
	for range 10 {
		from.in <- packet4(6, [4]byte{10, 77, 0, 1}, server4, nil)
	}
	close(done)
	stop() // fails the test if forward takes 10 s
	if out, _ := to.written(); len(out) != 0 {
		t.Errorf("%d packets delivered an hour early", len(out))
	}
}
