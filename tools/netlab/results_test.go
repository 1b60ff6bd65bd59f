package netlab

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func ms2d(v float64) time.Duration { return time.Duration(v * float64(time.Millisecond)) }

// A series at three RTTs gets its line; the first request of a kept-alive
// connection (which includes the handshake) stays out of the summary, and
// RTT 0 (no timer, so 0.4 ms faster here) stays out of the fit.
func TestSeriesFit(t *testing.T) {
	s := Series{Name: "x-keep", Server: "x", Mode: ModeKeep}
	for _, rtt := range []float64{0, 10, 50} {
		samples := []Sample{{Dial: ms2d(rtt), Total: ms2d(2*rtt + 1)}} // handshake + request
		lateness := 0.5
		if rtt == 0 {
			lateness = 0.1
		}
		for i := range 5 {
			samples = append(samples, Sample{Total: ms2d(rtt + lateness + 0.1*float64(i-2))})
		}
		s.Points = append(s.Points, NewPoint(ms2d(rtt), ModeKeep, samples, Stats{Packets: 14}))
	}
	if p := s.Points[2]; p.MedianMS != 50.5 || p.MinMS != 50.3 || p.RTTMS != 50 {
		t.Errorf("at 50 ms: median %v, min %v, rtt %v; want 50.5, 50.3, 50 (first sample left out)", p.MedianMS, p.MinMS, p.RTTMS)
	}
	s.FitSeries()
	if s.SlopeRTT == nil || *s.SlopeRTT != 1 || *s.InterceptMS != 0.5 {
		t.Fatalf("fit: slope %v intercept %v, want 1 and 0.5", s.SlopeRTT, s.InterceptMS)
	}
	// Two RTTs above 0, five steady samples each, ±0.2 ms about the line:
	// Sxx = 10·20² = 4000, Σr² = 2·(0.04+0.01+0+0.01+0.04) = 0.2,
	// s = √(0.2/8) = 0.158, se(k) = 0.0025, t(0.975, 8) = 2.306.
	if s.FitSamples != 10 || s.SlopeRTTCI95 == nil || *s.SlopeRTTCI95 != [2]float64{0.994, 1.006} {
		t.Errorf("fit: %d samples, interval %v; want 10 and [0.994, 1.006]", s.FitSamples, s.SlopeRTTCI95)
	}
	// New connections: every sample counts.
	p := NewPoint(ms2d(10), ModeNew, []Sample{{Dial: ms2d(10), Total: ms2d(21)}, {Dial: ms2d(10), Total: ms2d(23)}}, Stats{})
	if p.MedianMS != 22 || p.MinMS != 21 {
		t.Errorf("new connections: median %v min %v, want 22 and 21", p.MedianMS, p.MinMS)
	}
	// Two runs on kept-alive connections: each run's first request, the
	// one that dialed, stays out.
	two := steadySamples(ModeKeep, []Sample{{Dial: 1, Total: 9}, {Total: 2}, {Dial: 1, Total: 8}, {Total: 3}})
	if len(two) != 2 || two[0].Total != 2 || two[1].Total != 3 {
		t.Errorf("steady samples of two kept-alive runs: %v", two)
	}
	// One RTT gives no line.
	one := Series{Points: s.Points[:1]}
	one.FitSeries()
	if one.SlopeRTT != nil {
		t.Error("a series at one RTT got a slope")
	}

	r := &Results{Head: Head{Meta: CollectMetadata([]string{"netlab", "time"})}, Link: LinkInfo{Port: 8888}, Series: []Series{s}}
	name := filepath.Join(t.TempDir(), "r.json")
	if err := WriteJSON(name, r); err != nil {
		t.Fatal(err)
	}
	tab, err := ReadFile(name)
	back, ok := tab.(*Results)
	if err != nil || !ok {
		t.Fatalf("ReadFile = %T, %v; want *Results", tab, err)
	}
	data, _ := json.Marshal(back)
	for _, key := range []string{`"slope_rtt":1`, `"slope_rtt_ci95":[0.994,1.006]`, `"intercept_ms":0.5`, `"median_ms":50.5`, `"kernel"`, `"congestion_control"`} {
		if !strings.Contains(string(data), key) {
			t.Errorf("results JSON lacks %s", key)
		}
	}
	var b strings.Builder
	back.PrintTable(&b)
	// The key columns first: the series, k with its interval, a; then
	// the medians at each RTT, the unit in the header, not the cells.
	for _, want := range []string{
		"| 系列 | k [95% 区間] | a（ms） | 中央値（ms）: RTT 0 | RTT 10 ms | RTT 50 ms | パケット / リクエスト |\n|:--|--:|--:|--:|--:|--:|--:|\n",
		"| x-keep | 1.00 [0.99, 1.01] | 0.50 | 0.10 | 10.50 | 50.50 | 2.3 |",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, b.String())
		}
	}
}

// Results of several runs join into one table, across the same link only,
// and a chart keeps the series it names, in its order. At one RTT the
// table has no k and a columns; on a link with a rate limit it gives the
// bytes per request beside the packets.
func TestJoinOnlyTable(t *testing.T) {
	point := func(rtt float64, ms ...float64) Point {
		var samples []Sample
		for _, v := range ms {
			samples = append(samples, Sample{Total: time.Duration(v * float64(time.Millisecond))})
		}
		p := NewPoint(time.Duration(rtt*float64(time.Millisecond)), "", samples, Stats{Packets: 20, Bytes: 3000})
		return p
	}
	one := func(name string, rtts ...float64) Series {
		s := Series{Name: name, Server: name}
		for _, rtt := range rtts {
			s.Points = append(s.Points, point(rtt, 1+2*rtt, 2+2*rtt))
		}
		s.FitSeries()
		return s
	}
	a := &Results{Link: LinkInfo{Rate: "1mbit"}, Series: []Series{one("identity", 50)}}
	b := &Results{Link: LinkInfo{Rate: "1mbit"}, Series: []Series{one("gzip", 50)}}
	if err := a.Join(b); err != nil || len(a.Series) != 2 || a.Series[1].Name != "gzip" {
		t.Fatalf("Join: %v, %+v", err, a.Series)
	}
	if err := a.Join(&Results{Link: LinkInfo{Rate: "10mbit"}}); err == nil {
		t.Error("joined results across different links")
	}
	var out strings.Builder
	a.PrintTable(&out)
	for _, want := range []string{"| 系列 | 中央値（ms）: RTT 50 ms | パケット / リクエスト | バイト / リクエスト |", "| gzip | 101.50 | 10.0 | 1500 |"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the table lacks %q:\n%s", want, out.String())
		}
	}
	c := &Results{Series: []Series{one("sequential", 10, 25), one("h2c", 10, 25), one("h2c+slow", 10, 25)}}
	if err := c.Only([]string{"h2c+slow", "sequential"}); err != nil || len(c.Series) != 2 || c.Series[0].Name != "h2c+slow" {
		t.Fatalf("Only: %v, %+v", err, c.Series)
	}
	if err := c.Only([]string{"parallel"}); err == nil {
		t.Error("Only kept a series the results do not have")
	}
	c.YLabel = "小さな GET 10 個の時間（ms）"
	out.Reset()
	if err := c.SVG(&out, ""); err != nil || !strings.Contains(out.String(), ">小さな GET 10 個の時間（ms）</text>") {
		t.Errorf("the chart does not label its time axis as told (%v)", err)
	}
	out.Reset()
	c.PrintTable(&out)
	if !strings.Contains(out.String(), "| h2c+slow | 2.00 [1.80, 2.20] | 1.50 | 21.50 | 51.50 | 10.0 |") || strings.Contains(out.String(), "バイト") {
		t.Errorf("the table of fitted series without a rate limit:\n%s", out.String())
	}
}
