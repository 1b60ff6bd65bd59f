package netlab

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// tokenBucket は、リンクの帯域を rate バイト/秒に抑えるトークンバケットです。
// バケツには 1 秒に rate 個のトークン（1 バイトに 1 個）がたまり、burst 個で
// あふれます。パケットはバイト数だけトークンを使って出ていきます。足りなければ
// 借りて（tokens が負になって）、借りた分がたまる時刻まで待ちます。後から来た
// パケットはその借りの後ろに並ぶので、パケットの順番も変わりません。
//
// 時刻は引数で受け取るので、計算だけを時計なしで試せます。
type tokenBucket struct {
	rate   float64   // 1 秒にたまるトークン（バイト）
	burst  float64   // バケツの大きさ（バイト）
	tokens float64   // last の時点のトークン。負なら借りている
	last   time.Time // tokens を最後に計算した時刻
}

// reserve は、時刻 now に届いた n バイトのパケットが出ていける時刻を返します。
func (b *tokenBucket) reserve(now time.Time, n int) time.Time {
	if b.last.IsZero() {
		b.tokens, b.last = b.burst, now // 最初はバケツが満杯
	}
	if now.After(b.last) {
		b.tokens = min(b.burst, b.tokens+b.rate*now.Sub(b.last).Seconds())
		b.last = now
	}
	b.tokens -= float64(n)
	if b.tokens >= 0 {
		return now
	}
	wait := time.Duration(math.Round(-b.tokens / b.rate * float64(time.Second)))
	return now.Add(wait)
}

// newTokenBucket returns a bucket for rate bytes per second; burst 0
// means DefaultBurst(rate).
func newTokenBucket(rate float64, burst int) *tokenBucket {
	if burst <= 0 {
		burst = DefaultBurst(rate)
	}
	return &tokenBucket{rate: rate, burst: float64(burst)}
}

// DefaultBurst is the bucket size the link uses unless told otherwise:
// what the rate carries in a millisecond, and never less than two full
// packets of the link's MTU (1500 bytes), so that a packet is never held
// only because the bucket is too small to hold it.
func DefaultBurst(rate float64) int {
	return max(2*1500, int(rate/1000))
}

// ParseRate reads a bandwidth as tc(8) writes it and returns bytes per
// second: "10mbit" (10,000,000 bits/s), "500kbit", "1gbit", "8000bit",
// or in bytes per second "1mbps" (1,000,000 bytes/s), "100kbps", "bps".
// The prefixes are decimal (k = 1000). The empty string and "0" mean no
// limit and return 0.
func ParseRate(s string) (float64, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" || s == "0" {
		return 0, nil
	}
	units := []struct {
		suffix string
		bytes  float64 // bytes per second per unit
	}{
		{"gbit", 1e9 / 8}, {"mbit", 1e6 / 8}, {"kbit", 1e3 / 8}, {"bit", 1.0 / 8},
		{"gbps", 1e9}, {"mbps", 1e6}, {"kbps", 1e3}, {"bps", 1},
	}
	for _, u := range units {
		num, ok := strings.CutSuffix(s, u.suffix)
		if !ok {
			continue
		}
		v, err := strconv.ParseFloat(num, 64)
		if err != nil || v <= 0 {
			break
		}
		return v * u.bytes, nil
	}
	return 0, fmt.Errorf("rate %q: want a number and a unit, such as 10mbit, 500kbit or 1mbps (bytes)", s)
}

// FormatRate writes bytes per second in bits, as ParseRate reads them:
// 1.25e6 is "10mbit".
func FormatRate(bytesPerSecond float64) string {
	bits := bytesPerSecond * 8
	for _, u := range []struct {
		name string
		v    float64
	}{{"gbit", 1e9}, {"mbit", 1e6}, {"kbit", 1e3}} {
		if bits >= u.v {
			return strconv.FormatFloat(bits/u.v, 'g', 6, 64) + u.name
		}
	}
	return strconv.FormatFloat(bits, 'g', 6, 64) + "bit"
}
