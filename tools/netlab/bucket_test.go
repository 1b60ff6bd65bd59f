package netlab

import (
	"math"
	"testing"
	"time"
)

func TestParseRate(t *testing.T) {
	for _, c := range []struct {
		in   string
		want float64 // bytes per second
	}{
		{"10mbit", 1.25e6},
		{"10Mbit", 1.25e6},
		{"1.5mbit", 187500},
		{"500kbit", 62500},
		{"1gbit", 1.25e8},
		{"8000bit", 1000},
		{"1mbps", 1e6},
		{"100kbps", 1e5},
		{"64bps", 64},
		{"", 0},
		{"0", 0},
	} {
		got, err := ParseRate(c.in)
		if err != nil || got != c.want {
			t.Errorf("ParseRate(%q) = %v, %v; want %v", c.in, got, err, c.want)
		}
	}
	for _, bad := range []string{"10", "mbit", "-1mbit", "10 furlongs", "0mbit", "tenmbit"} {
		if got, err := ParseRate(bad); err == nil {
			t.Errorf("ParseRate(%q) = %v, want an error", bad, got)
		}
	}
	for _, s := range []string{"10mbit", "500kbit", "1gbit", "800bit", "2.5mbit"} {
		r, _ := ParseRate(s)
		if got := FormatRate(r); got != s {
			t.Errorf("FormatRate(ParseRate(%q)) = %q", s, got)
		}
	}
}

// The token bucket's arithmetic, on a clock the test moves by hand.
func TestTokenBucket(t *testing.T) {
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	const rate = 1e6 // bytes per second: 1000 bytes take 1 ms
	at := func(d time.Duration) time.Time { return t0.Add(d) }

	b := newTokenBucket(rate, 3000)
	// A full bucket lets 3000 bytes through at once.
	for i := range 3 {
		if got := b.reserve(t0, 1000); !got.Equal(t0) {
			t.Fatalf("packet %d of the first burst leaves at +%v, want at once", i, got.Sub(t0))
		}
	}
	// Then each 1000-byte packet waits for its 1000 tokens: 1 ms apart,
	// behind the ones before it, even though all arrive at t0.
	for i := 1; i <= 5; i++ {
		if got, want := b.reserve(t0, 1000), at(time.Duration(i)*time.Millisecond); !got.Equal(want) {
			t.Fatalf("queued packet %d leaves at +%v, want +%v", i, got.Sub(t0), want.Sub(t0))
		}
	}
	// The queue has drained by +5 ms; at +5.5 ms the bucket holds 500 tokens:
	// a 1500-byte packet borrows 1000 and leaves 1 ms later.
	if got, want := b.reserve(at(5500*time.Microsecond), 1500), at(6500*time.Microsecond); !got.Equal(want) {
		t.Errorf("at +5.5ms a 1500-byte packet leaves at +%v, want +6.5ms", got.Sub(t0))
	}
	// A long idle time fills the bucket to its size and no further.
	later := at(time.Hour)
	for range 3 {
		if got := b.reserve(later, 1000); !got.Equal(later) {
			t.Errorf("after an idle hour a packet waits until +%v", got.Sub(later))
		}
	}
	if got, want := b.reserve(later, 1000), later.Add(time.Millisecond); !got.Equal(want) {
		t.Errorf("the bucket held more than its size after an idle hour: the fourth packet leaves at +%v, want +1ms", got.Sub(later))
	}
	// A packet larger than the bucket still passes: it borrows.
	big := newTokenBucket(rate, 3000)
	if got, want := big.reserve(t0, 65535), at(62535*time.Microsecond); !got.Equal(want) {
		t.Errorf("a 65535-byte packet leaves at +%v, want +62.535ms", got.Sub(t0))
	}
	// A clock that steps back does not mint tokens.
	back := newTokenBucket(rate, 1000)
	back.reserve(at(time.Second), 1000)
	if got := back.reserve(t0, 1000); !got.After(t0) {
		t.Error("a packet stamped before the last one left at once from an empty bucket")
	}
}

// Sending N bytes through the bucket takes (N - burst)/rate, whatever
// the packet sizes: the bandwidth is exact on the bucket's own clock.
func TestTokenBucketThroughput(t *testing.T) {
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		rate   float64
		packet int
	}{{1.25e6, 1500}, {1.25e6, 40}, {125e3, 1500}, {1.25e8, 1500}} {
		b := newTokenBucket(c.rate, 0)
		const total = 10_000_000
		var last time.Time
		// Packets arrive faster than the rate: 1 µs apart.
		for i := range total / c.packet {
			leave := b.reserve(t0.Add(time.Duration(i)*time.Microsecond), c.packet)
			if leave.Before(last) {
				t.Fatalf("rate %v: packet %d leaves before the one ahead of it", c.rate, i)
			}
			last = leave
		}
		sent := float64(total / c.packet * c.packet)
		// The last packet leaves once the tokens of all the bytes but the
		// first burst have come in.
		want := (sent - float64(DefaultBurst(c.rate))) / c.rate
		got := last.Sub(t0).Seconds()
		if math.Abs(got-want) > want*1e-6+2e-6 {
			t.Errorf("rate %s, %d-byte packets: the last of %.0f bytes leaves at %.6f s, want %.6f s", FormatRate(c.rate), c.packet, sent, got, want)
		}
	}
}
