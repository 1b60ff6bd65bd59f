package netlab

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Results is what the timing command writes: the run's metadata and one
// series per server and way of connecting.
type Results struct {
	Kind string   `json:"kind,omitempty"` // "latency"
	Meta Metadata `json:"meta"`
	Link LinkInfo `json:"link"`
	// Series are in the order measured: for each server, new connections
	// before kept-alive ones.
	Series []Series `json:"series"`
}

// LinkInfo is the link's settings other than the RTT, which varies by Point.
type LinkInfo struct {
	Rate  string `json:"rate,omitempty"` // such as "10mbit"; empty for no limit
	Burst int    `json:"burst,omitempty"`
	Drops        // -loss, -seed, -queue, if set
	Pcap  string `json:"pcap,omitempty"` // the capture file, if any
	Port  uint16 `json:"port"`
}

// Series is one server measured one way at several RTTs, with the straight
// line time = InterceptMS + SlopeRTT·RTT fitted to the Points' medians.
type Series struct {
	Name   string  `json:"name"`   // Server and Mode: "ch04-keep"
	Server string  `json:"server"` // the name given on the command line
	Mode   string  `json:"mode"`   // "new" (a connection per request) or "keep"
	Points []Point `json:"points"`
	// SlopeRTT is k: how many RTTs a request costs. InterceptMS is a: the
	// time that does not grow with the RTT. Both are missing with fewer
	// than two RTTs.
	SlopeRTT    *float64 `json:"slope_rtt,omitempty"`
	InterceptMS *float64 `json:"intercept_ms,omitempty"`
}

// Point is a series measured at one RTT.
type Point struct {
	RTT     time.Duration `json:"rtt"`
	RTTMS   float64       `json:"rtt_ms"`
	Samples []Sample      `json:"samples"`
	// MedianMS and MinMS summarise the steady samples: all for new
	// connections; on a kept-alive connection all but the first, which
	// includes the handshake.
	MedianMS float64 `json:"median_ms"`
	MinMS    float64 `json:"min_ms"`
	Carried  Stats   `json:"carried"` // what the link carried for this point, closing included
}

// Modes are the ways the timing loop connects.
const (
	ModeNew  = "new"
	ModeKeep = "keep"
)

// NewPoint summarises samples measured at rtt.
func NewPoint(rtt time.Duration, mode string, samples []Sample, carried Stats) Point {
	steady := samples
	if mode == ModeKeep && len(samples) > 1 {
		steady = samples[1:]
	}
	var totals []time.Duration
	for _, s := range steady {
		totals = append(totals, s.Total)
	}
	p := Point{RTT: rtt, RTTMS: ms(rtt), Samples: samples, Carried: carried}
	if len(totals) > 0 {
		p.MedianMS = round(ms(Median(totals)), 3)
		p.MinMS = round(ms(slices.Min(totals)), 3)
	}
	return p
}

// FitSeries fits time = a + k·RTT to the series' medians and records
// k and a; with fewer than two RTTs it records neither.
func (s *Series) FitSeries() {
	var x, y []float64
	for _, p := range s.Points {
		x = append(x, p.RTTMS)
		y = append(y, p.MedianMS)
	}
	a, k, err := Fit(x, y)
	if err != nil {
		s.SlopeRTT, s.InterceptMS = nil, nil
		return
	}
	k, a = round(k, 3), round(a, 3)
	s.SlopeRTT, s.InterceptMS = &k, &a
}

// Median returns the median of times, 0 for none.
func Median(times []time.Duration) time.Duration {
	if len(times) == 0 {
		return 0
	}
	s := slices.Sorted(slices.Values(times))
	return (s[(len(s)-1)/2] + s[len(s)/2]) / 2
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// WriteFile writes r as indented JSON.
func (r *Results) WriteFile(name string) error {
	data, err := json.MarshalIndent(r, "", "\t")
	if err != nil {
		return err
	}
	return os.WriteFile(name, append(data, '\n'), 0o666)
}

// ReadResults reads a file WriteFile wrote.
func ReadResults(name string) (*Results, error) {
	data, err := os.ReadFile(name)
	if err != nil {
		return nil, err
	}
	var r Results
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if r.Kind != "" && r.Kind != KindLatency {
		return nil, fmt.Errorf("%s: a %s results file, not latency", name, r.Kind)
	}
	if len(r.Series) == 0 {
		return nil, errors.New(name + ": no series")
	}
	return &r, nil
}

// PrintTable writes the results as a markdown table, one row per series:
// the median time per request at each RTT, the fitted line's k and a, and
// the packets the link carried per request over all RTTs.
func (r *Results) PrintTable(w io.Writer) {
	var rtts []time.Duration
	for _, s := range r.Series {
		for _, p := range s.Points {
			if !slices.Contains(rtts, p.RTT) {
				rtts = append(rtts, p.RTT)
			}
		}
	}
	slices.Sort(rtts)
	fmt.Fprint(w, "| series |")
	for _, rtt := range rtts {
		fmt.Fprintf(w, " RTT %s |", fmtMS(ms(rtt)))
	}
	fmt.Fprintln(w, " k | a | packets / request |")
	fmt.Fprint(w, "|:--|")
	for range rtts {
		fmt.Fprint(w, "--:|")
	}
	fmt.Fprintln(w, "--:|--:|--:|")
	for _, s := range r.Series {
		fmt.Fprintf(w, "| %s |", s.Name)
		var packets, samples int
		for _, rtt := range rtts {
			i := slices.IndexFunc(s.Points, func(p Point) bool { return p.RTT == rtt })
			if i < 0 {
				fmt.Fprint(w, " – |")
				continue
			}
			p := s.Points[i]
			fmt.Fprintf(w, " %.2f ms |", p.MedianMS)
			packets += int(p.Carried.Packets)
			samples += len(p.Samples)
		}
		if s.SlopeRTT != nil {
			fmt.Fprintf(w, " %.2f | %.2f ms |", *s.SlopeRTT, *s.InterceptMS)
		} else {
			fmt.Fprint(w, " – | – |")
		}
		fmt.Fprintf(w, " %.1f |\n", float64(packets)/float64(max(1, samples)))
	}
}

// fmtMS writes a time in ms without trailing zeros: "0", "5 ms", "2.5 ms".
func fmtMS(v float64) string {
	if v == 0 {
		return "0"
	}
	return strconv.FormatFloat(v, 'f', -1, 64) + " ms"
}

// Describe says in one line how the run was made, for a table's caption.
func (r *Results) Describe() string {
	var b strings.Builder
	b.WriteString(r.Meta.describe())
	if r.Link.Rate != "" {
		fmt.Fprintf(&b, ", rate %s", r.Link.Rate)
	}
	return b.String()
}

// describe says in one line on what machine a run was made.
func (m Metadata) describe() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Linux %s, %s, %d CPUs", m.Kernel, m.GoVersion, m.CPUs)
	if m.Server != nil {
		fmt.Fprintf(&b, ", %s, initcwnd %d", m.Server.CongestionControl, m.Server.InitCwnd)
	}
	return b.String()
}
