package netlab

import (
	"encoding/binary"
	"math"
	"testing"
	"time"
)

// numbered is a TCP packet from the client to the server of size bytes
// (at least 42) whose payload starts with i.
func numbered(i, size int) []byte {
	payload := make([]byte, size-40)
	binary.BigEndian.PutUint16(payload, uint16(i))
	return packet4(6, [4]byte{10, 77, 0, 1}, server4, payload)
}

// sendAll sends n numbered packets through f at once, waits until each is
// delivered or dropped, and returns the numbers of the delivered ones and
// the count of dropped ones.
func sendAll(t *testing.T, f *forwarder, n, size int) (delivered []int, dropped int64) {
	t.Helper()
	from, to := newFakeDevice(), newFakeDevice()
	f.from, f.to, f.done = from, to, make(chan struct{})
	if f.stats == nil {
		f.stats = new(linkStats)
	}
	for i := range n {
		from.in <- numbered(i, size) // all before the forwarder starts: a burst
	}
	stop := runForwarder(t, f, from)
	deadline := time.Now().Add(10 * time.Second)
	for f.stats.packets.Load()+f.stats.dropped.Load() < int64(n) && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	stop()
	out, _ := to.written()
	for _, p := range out {
		delivered = append(delivered, int(binary.BigEndian.Uint16(p[40:])))
	}
	if got := int64(len(out)) + f.stats.dropped.Load(); got != int64(n) {
		t.Fatalf("delivered %d and dropped %d of %d packets", len(out), f.stats.dropped.Load(), n)
	}
	return delivered, f.stats.dropped.Load()
}

// lost returns which of n packets a forwarder with d and stream lost.
func lost(t *testing.T, d Drops, stream uint64, n int) []bool {
	f := &forwarder{}
	f.setDrops(d, stream)
	delivered, dropped := sendAll(t, f, n, 60)
	lost := make([]bool, n)
	for i := range lost {
		lost[i] = true
	}
	for _, i := range delivered {
		lost[i] = false
	}
	if int(dropped) != n-len(delivered) {
		t.Fatalf("counted %d dropped, but %d of %d were not delivered", dropped, n-len(delivered), n)
	}
	return lost
}

// within fails the test unless count is within the 99.9% band of a
// binomial(n, p) count (3.29 standard deviations, normal approximation).
func within(t *testing.T, what string, count, n int, p float64) {
	t.Helper()
	mean, sd := float64(n)*p, math.Sqrt(float64(n)*p*(1-p))
	if math.Abs(float64(count)-mean) > 3.29*sd {
		t.Errorf("%s: %d of %d, outside the 99.9%% band %.0f ± %.0f", what, count, n, mean, 3.29*sd)
	}
}

// With Loss 0.1, the link loses about one packet in ten, the same ones
// for the same seed, others for another seed, and each direction
// independently of the other.
func TestForwarderLoss(t *testing.T) {
	const n, p = 10000, 0.1
	count := func(l []bool) (c int) {
		for _, x := range l {
			if x {
				c++
			}
		}
		return c
	}
	a := lost(t, Drops{Loss: p, Seed: 1}, 1, n)
	within(t, "lost with seed 1", count(a), n, p)
	if b := lost(t, Drops{Loss: p, Seed: 1}, 1, n); !equal(a, b) {
		t.Error("the same seed lost other packets: a run is not reproducible")
	}
	other := lost(t, Drops{Loss: p, Seed: 2}, 1, n)
	within(t, "lost with seed 2", count(other), n, p)
	if equal(a, other) {
		t.Error("seeds 1 and 2 lost the same packets")
	}
	back := lost(t, Drops{Loss: p, Seed: 1}, 2, n) // the other direction
	within(t, "lost on the way back", count(back), n, p)
	both := 0
	for i := range a {
		if a[i] && back[i] {
			both++
		}
	}
	// Independent directions lose the same (i-th) packet with p².
	within(t, "lost in both directions", both, n, p*p)
}

func equal(a, b []bool) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return len(a) == len(b)
}

// With Queue 10 and a slow rate, a burst of 100 packets delivers what the
// bucket lets through at once and the 10 that may wait, and drops the rest
// at the tail, counting them.
func TestForwarderQueue(t *testing.T) {
	const size, burst = 1000, 3000                        // three packets leave at once
	f := &forwarder{bucket: newTokenBucket(10000, burst)} // then one per 100 ms
	f.setDrops(Drops{Queue: 10}, 1)
	delivered, dropped := sendAll(t, f, 100, size)
	if want := burst/size + 10; len(delivered) != want || dropped != int64(100-want) {
		t.Fatalf("delivered %d and dropped %d, want %d and %d", len(delivered), dropped, want, 100-want)
	}
	for i, p := range delivered {
		if p != i {
			t.Fatalf("delivered packet %d in place %d: drop-tail keeps the first ones, in order", p, i)
		}
	}
}

// Without Drops, a burst of 100 packets is delivered whole at the same
// slow rate: the queue without a limit only makes them wait.
func TestForwarderNoQueueLimit(t *testing.T) {
	f := &forwarder{bucket: newTokenBucket(1e6, 3000)}
	f.setDrops(Drops{}, 1)
	if delivered, dropped := sendAll(t, f, 100, 1000); len(delivered) != 100 || dropped != 0 {
		t.Fatalf("delivered %d and dropped %d, want 100 and 0", len(delivered), dropped)
	}
}
