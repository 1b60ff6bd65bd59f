package netlab

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Join appends the series of the other results to r's, for one table or
// chart of several runs, such as against two servers; they must have been
// measured across the same link.
func (r *Results) Join(others ...*Results) error {
	for _, o := range others {
		if o.Link.Rate != r.Link.Rate || o.Link.Burst != r.Link.Burst || o.Link.Drops != r.Link.Drops {
			return fmt.Errorf("results across different links: %+v and %+v", r.Link, o.Link)
		}
		r.Series = append(r.Series, o.Series...)
	}
	return nil
}

// Only keeps the named series, in the order named.
func (r *Results) Only(names []string) error {
	var kept []Series
	for _, n := range names {
		i := slices.IndexFunc(r.Series, func(s Series) bool { return s.Name == n })
		if i < 0 {
			return fmt.Errorf("no series %q in the results", n)
		}
		kept = append(kept, r.Series[i])
	}
	r.Series = kept
	return nil
}

// Results is what the timing command writes: the run's metadata and one
// series per server and way of connecting.
type Results struct {
	Head          // "latency"
	Link LinkInfo `json:"link"`
	// Series are in the order measured: for each server, new connections
	// before kept-alive ones.
	Series []Series `json:"series"`
	// YLabel, if set, names what the chart's time axis shows (netlab
	// chart -y), such as the time of a client's whole run.
	YLabel string `json:"-"`
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
// line time = InterceptMS + SlopeRTT·RTT fitted to the Points' steady
// samples at RTT > 0 (see RTTFit).
type Series struct {
	Name   string  `json:"name"`   // Server and Mode: "ch04-keep"
	Server string  `json:"server"` // the name given on the command line
	Mode   string  `json:"mode"`   // "new" (a connection per request) or "keep"
	Points []Point `json:"points"`
	RTTFit
}

// FitMethod is how RTTFit fits, for a results file's meta.
const FitMethod = "least squares over every sample at RTTs above 0, 95% Student t intervals for k and a"

// RTTFit is the line time = a + k·RTT fitted to a series' samples, with
// 95% confidence intervals (FitCI).
//
// Only the points at RTT > 0 enter the fit. At RTT 0 the forwarder writes a
// packet as soon as it reads it; at every other RTT it waits on a timer,
// which fires late by a fraction of a millisecond each way. RTT 0 lacks
// that delay, sits below the line through the other points and tilts k up
// (chapter 5 measured 2.03 with it, 2.00 without). Regressing on the
// measured RTT instead would need the timer's lateness per packet, which
// netlab does not record; leaving RTT 0 out needs nothing more, and the
// constant lateness then goes into a, where it belongs. RTT 0 stays in
// the tables and charts as a measured point.
type RTTFit struct {
	// SlopeRTT is k: how many RTTs a request costs. InterceptMS is a: the
	// time that does not grow with the RTT. Both are missing with fewer
	// than two RTTs above 0.
	SlopeRTT      *float64    `json:"slope_rtt,omitempty"`
	SlopeRTTCI95  *[2]float64 `json:"slope_rtt_ci95,omitempty"` // [lo, hi]
	InterceptMS   *float64    `json:"intercept_ms,omitempty"`
	InterceptCI95 *[2]float64 `json:"intercept_ms_ci95,omitempty"`
	FitSamples    int         `json:"fit_samples,omitempty"` // the samples fitted
}

// fit fits y against x (RTTs in ms), leaving out x = 0; with fewer than
// two different RTTs above 0 it records no line.
func (f *RTTFit) fit(x, y []float64) {
	*f = RTTFit{}
	var fx, fy []float64
	for i := range x {
		if x[i] > 0 {
			fx, fy = append(fx, x[i]), append(fy, y[i])
		}
	}
	l, err := FitCI(fx, fy)
	if err != nil {
		return
	}
	k, a := round(l.K, 3), round(l.A, 3)
	kci := [2]float64{round(l.KCI95[0], 3), round(l.KCI95[1], 3)}
	aci := [2]float64{round(l.ACI95[0], 3), round(l.ACI95[1], 3)}
	*f = RTTFit{SlopeRTT: &k, SlopeRTTCI95: &kci, InterceptMS: &a, InterceptCI95: &aci, FitSamples: l.N}
}

// K formats k with its interval, "2.00 [1.98, 2.02]", or "–" for none.
func (f RTTFit) K() string {
	if f.SlopeRTT == nil {
		return "–"
	}
	if f.SlopeRTTCI95 == nil {
		return fmt.Sprintf("%.2f", *f.SlopeRTT)
	}
	return fmt.Sprintf("%.2f [%.2f, %.2f]", *f.SlopeRTT, f.SlopeRTTCI95[0], f.SlopeRTTCI95[1])
}

// Point is a series measured at one RTT.
type Point struct {
	RTT     time.Duration `json:"rtt"`
	RTTMS   float64       `json:"rtt_ms"`
	Samples []Sample      `json:"samples"`
	// MedianMS and MinMS summarise the steady samples: all for new
	// connections; on kept-alive connections all but each connection's
	// first, which includes the handshake.
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
	var totals []time.Duration
	for _, s := range steadySamples(mode, samples) {
		totals = append(totals, s.Total)
	}
	p := Point{RTT: rtt, RTTMS: ms(rtt), Samples: samples, Carried: carried}
	if len(totals) > 0 {
		p.MedianMS = round(ms(Median(totals)), 3)
		p.MinMS = round(ms(slices.Min(totals)), 3)
	}
	return p
}

// FitSeries fits time = a + k·RTT to the series' steady samples (as
// NewPoint chooses them) at RTT > 0 and records k and a with their
// intervals; with fewer than two RTTs above 0 it records neither.
func (s *Series) FitSeries() {
	var x, y []float64
	for _, p := range s.Points {
		for _, t := range steadySamples(s.Mode, p.Samples) {
			x = append(x, p.RTTMS)
			y = append(y, ms(t.Total))
		}
	}
	s.RTTFit.fit(x, y)
}

// steadySamples leaves out, on kept-alive connections, each connection's
// first request, which includes the handshake: the first sample, and any
// later one that dialed (a point measured in several runs has one per run).
func steadySamples(mode string, samples []Sample) []Sample {
	if mode != ModeKeep || len(samples) < 2 {
		return samples
	}
	var steady []Sample
	for i, s := range samples {
		if i > 0 && s.Dial == 0 {
			steady = append(steady, s)
		}
	}
	return steady
}

// Median returns the median of v, 0 for none.
func Median[T time.Duration | float64](v []T) T {
	if len(v) == 0 {
		return 0
	}
	s := slices.Sorted(slices.Values(v))
	return (s[(len(s)-1)/2] + s[len(s)/2]) / 2
}

func medianMS(v []float64) float64 { return round(Median(v), 3) }

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func (r *Results) PrintTable(w io.Writer) {
	var rtts []float64
	for _, s := range r.Series {
		for _, p := range s.Points {
			if !slices.Contains(rtts, p.RTTMS) {
				rtts = append(rtts, p.RTTMS)
			}
		}
	}
	slices.Sort(rtts)
	t := mdTable{head: []string{"系列", HeadK, HeadA}, align: "lrr"}
	// At one RTT no series has a line: no k and a columns.
	fitted := slices.ContainsFunc(r.Series, func(s Series) bool { return s.SlopeRTT != nil })
	if !fitted {
		t.head, t.align = t.head[:1], "l"
	}
	t.cols("中央値（ms）", rttLabels(rtts)...)
	t.head, t.align = append(t.head, "パケット / リクエスト"), t.align+"r"
	// On a link with a rate limit, the bytes each request puts on it cost
	// time too.
	if r.Link.Rate != "" {
		t.head, t.align = append(t.head, "バイト / リクエスト"), t.align+"r"
	}
	for _, s := range r.Series {
		row := []string{s.Name}
		if fitted {
			row = append(row, s.KA("%.2f")...)
		}
		var packets, bytes, samples int
		for _, rtt := range rtts {
			i := slices.IndexFunc(s.Points, func(p Point) bool { return p.RTTMS == rtt })
			if i < 0 {
				row = append(row, "–")
				continue
			}
			p := s.Points[i]
			row = append(row, fmt.Sprintf("%.2f", p.MedianMS))
			packets, bytes = packets+int(p.Carried.Packets), bytes+int(p.Carried.Bytes)
			samples += len(p.Samples)
		}
		row = append(row, fmt.Sprintf("%.1f", float64(packets)/float64(max(1, samples))))
		if r.Link.Rate != "" {
			row = append(row, fmt.Sprintf("%.0f", float64(bytes)/float64(max(1, samples))))
		}
		t.rows = append(t.rows, row)
	}
	t.write(w)
}

// The headers of the fitted line's columns, the same in every table that
// has them: k with its 95% interval, and a in ms.
const (
	HeadK = "k [95% 区間]"
	HeadA = "a（ms）"
)

// KA returns the cells of k (with its interval) and a, a in the given
// format, or dashes for a series with no line.
func (f RTTFit) KA(aFormat string) []string {
	if f.SlopeRTT == nil {
		return []string{"–", "–"}
	}
	return []string{f.K(), fmt.Sprintf(aFormat, *f.InterceptMS)}
}

// cols adds a group of right-aligned columns of one quantity, one per
// label: the first headed by the quantity and its label ("中央値（ms）:
// RTT 0"), the others by their label alone ("RTT 5 ms").
func (t *mdTable) cols(quantity string, labels ...string) {
	for i, l := range labels {
		if i == 0 {
			l = quantity + ": " + l
		}
		t.head = append(t.head, l)
		t.align += "r"
	}
}

// rttLabels labels columns by RTTs in ms: "RTT 0", "RTT 5 ms".
func rttLabels(rtts []float64) []string {
	var labels []string
	for _, rtt := range rtts {
		labels = append(labels, "RTT "+fmtMS(rtt))
	}
	return labels
}

// fmtMS writes a time in ms without trailing zeros: "0", "5 ms", "2.5 ms".
func fmtMS(v float64) string {
	if v == 0 {
		return "0"
	}
	return strconv.FormatFloat(v, 'f', -1, 64) + " ms"
}

// mdTable is a GitHub-flavoured markdown pipe table: the headers, each
// column's alignment ('l' or 'r', one letter per column) and the rows.
// Every table netlab prints goes through it, so that each is a valid
// table the book can render (internal/render).
type mdTable struct {
	head  []string
	align string
	rows  [][]string
}

// write writes the table, a | in a cell escaped as GFM wants.
func (t *mdTable) write(w io.Writer) {
	line := func(cells []string) {
		var b strings.Builder
		b.WriteString("|")
		for _, c := range cells {
			b.WriteString(" " + strings.ReplaceAll(c, "|", `\|`) + " |")
		}
		fmt.Fprintln(w, b.String())
	}
	line(t.head)
	delim := make([]string, len(t.head))
	for i := range delim {
		delim[i] = "--:"
		if i < len(t.align) && t.align[i] == 'l' {
			delim[i] = ":--"
		}
	}
	fmt.Fprintln(w, "|"+strings.Join(delim, "|")+"|")
	for _, r := range t.rows {
		line(r)
	}
}
