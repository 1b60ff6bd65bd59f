package netlab

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"time"
)

// LossResults is what netlab loss writes: what one lost packet costs a
// request (Cases, each packet picked and dropped on purpose, Repeat
// times), and the request times under random loss (Random).
type LossResults struct {
	Head          // "loss"
	RTTMS float64 `json:"rtt_ms"`
	// The responses' lengths on the wire (status line, header and body)
	// and the request's, which place the picks (Pick.Seq).
	HelloBytes   int          `json:"hello_bytes"`
	LargeBytes   int          `json:"large_bytes"`
	RequestBytes int          `json:"request_bytes"`
	Repeat       int          `json:"repeat"`
	Pcap         string       `json:"pcap,omitempty"`      // the capture of a case's first run, if any
	PcapCase     string       `json:"pcap_case,omitempty"` // which case
	Cases        []LossCase   `json:"cases"`
	Random       []LossRandom `json:"random"`
}

// LossCase is one request, timed Repeat times, each on a fresh link and a
// fresh server: the first request of a new connection, or the second of a
// kept-alive one (the first, which opens the connection, is not timed),
// with the packets Picks names dropped on purpose (none for a baseline).
type LossCase struct {
	Name     string    `json:"name"`               // such as "syn"
	Label    string    `json:"label"`              // what was dropped, in Japanese, for the table
	Response string    `json:"response"`           // "hello" (chapter 4's server) or "large" (netlab serve -size)
	Mode     string    `json:"mode"`               // ModeNew or ModeKeep
	Picks    []Pick    `json:"picks,omitempty"`    // the packets dropped on purpose
	Baseline string    `json:"baseline,omitempty"` // the case without the pick
	TimesMS  []float64 `json:"times_ms"`           // in the order measured
	MedianMS float64   `json:"median_ms"`
	MinMS    float64   `json:"min_ms"`
	MaxMS    float64   `json:"max_ms"`
	// Each run's recovery counters (TcpExt, nonzero only) on the client's
	// and the server's side: which mechanism repaired the loss.
	ClientCounters []map[string]int64 `json:"client_counters"`
	ServerCounters []map[string]int64 `json:"server_counters"`
	// ExtraMS is MedianMS minus the baseline's, and ExtraRTTs that in RTTs.
	ExtraMS   float64 `json:"extra_ms"`
	ExtraRTTs float64 `json:"extra_rtts"`
}

// LossRandom is N requests to chapter 4's server on a link that loses
// each packet with probability Loss, each direction on its own.
type LossRandom struct {
	Loss    float64   `json:"loss"`
	Seed    uint64    `json:"seed"`
	Mode    string    `json:"mode"`
	TimesMS []float64 `json:"times_ms"` // kept-alive: without the first request, which opens the connection
	P50MS   float64   `json:"p50_ms"`
	P99MS   float64   `json:"p99_ms"`
	MeanMS  float64   `json:"mean_ms"`
	MaxMS   float64   `json:"max_ms"`
	Packets int64     `json:"packets"` // carried, both directions
	Dropped int64     `json:"dropped"` // lost
	// The recovery counters (TcpExt, nonzero only) of each side.
	ClientCounters map[string]int64 `json:"client_counters"`
	ServerCounters map[string]int64 `json:"server_counters"`
	// Errors are the requests that failed, which are not timed.
	Errors    []string `json:"errors,omitempty"`
	ServerLog string   `json:"server_log,omitempty"` // the server's stderr, if a request failed
}

// LossPlan says what netlab loss measures.
type LossPlan struct {
	Hello     []string // chapter 4's server: its executable and arguments
	Large     []string // a server of a larger response (netlab serve -size N)
	LargeBody string   // the body Large answers with, to check it
	RTT       time.Duration
	Repeat    int
	N         int       // requests per random-loss run
	Losses    []float64 // random loss rates
	Seed      uint64    // the random losses' seed
	OrderSeed uint64    // orders the runs
	Port      uint16
	Sysctl    map[string]string
	Pcap      *PcapWriter // records the first run of case PcapCase, if not nil
	PcapCase  string
	Log       io.Writer
}

// MeasureLoss runs the plan: first it learns the lengths of the request
// and the responses on a link of its own; then it runs every case Repeat
// times and every random-loss run once, in a random order OrderSeed fixes.
func MeasureLoss(p LossPlan, meta *Metadata) (*LossResults, error) {
	res := &LossResults{RTTMS: ms(p.RTT), Repeat: p.Repeat}
	if p.Pcap != nil {
		res.PcapCase = p.PcapCase
	}
	var err error
	if res.HelloBytes, res.LargeBytes, err = p.lengths(); err != nil {
		return nil, err
	}
	res.RequestBytes = len(p.client(nil, nil).request(false))
	h, l, q := uint32(res.HelloBytes), uint32(res.LargeBytes), uint32(res.RequestBytes)
	server := func(s ...uint32) (picks []Pick) {
		for _, seq := range s {
			picks = append(picks, Pick{ToClient: true, Seq: seq})
		}
		return picks
	}
	client := func(seq uint32) []Pick { return []Pick{{Seq: seq}} }
	res.Cases = []LossCase{
		{Name: "hello-new", Label: "なし（Hello、新しいコネクション）", Response: "hello", Mode: ModeNew},
		{Name: "syn", Label: "クライアントの SYN", Response: "hello", Mode: ModeNew, Picks: client(0), Baseline: "hello-new"},
		{Name: "synack", Label: "サーバーの SYN+ACK", Response: "hello", Mode: ModeNew, Picks: server(0), Baseline: "hello-new"},
		{Name: "hello-keep", Label: "なし（Hello、使い続けるコネクション）", Response: "hello", Mode: ModeKeep},
		{Name: "request", Label: "リクエスト", Response: "hello", Mode: ModeKeep, Picks: client(q + 1), Baseline: "hello-keep"},
		{Name: "hello", Label: "Hello のレスポンス", Response: "hello", Mode: ModeKeep, Picks: server(h + 1), Baseline: "hello-keep"},
		{Name: "large-keep", Label: fmt.Sprintf("なし（%d バイト、使い続けるコネクション）", l), Response: "large", Mode: ModeKeep},
		{Name: "middle", Label: "まん中のセグメント", Response: "large", Mode: ModeKeep, Picks: server(l + l/2), Baseline: "large-keep"},
		{Name: "last", Label: "最後のセグメント", Response: "large", Mode: ModeKeep, Picks: server(2 * l), Baseline: "large-keep"},
		// The byte a full segment (1448 bytes on this link) before the
		// last is in the segment before the last.
		{Name: "last2", Label: "最後の 2 つのセグメント", Response: "large", Mode: ModeKeep, Picks: server(2*l-1448, 2*l), Baseline: "large-keep"},
	}
	if p.Pcap != nil && !slices.ContainsFunc(res.Cases, func(c LossCase) bool { return c.Name == p.PcapCase }) {
		return nil, fmt.Errorf("no case %q to capture", p.PcapCase)
	}
	for _, loss := range p.Losses {
		for _, mode := range []string{ModeNew, ModeKeep} {
			res.Random = append(res.Random, LossRandom{Loss: loss, Seed: p.Seed, Mode: mode})
		}
	}
	// Each run on a fresh link: a case's with its picks (and the capture,
	// on its first run), a random-loss run's losing packets at random.
	var runs []run
	for i := range res.Cases {
		c := &res.Cases[i]
		for rep := range p.Repeat {
			cfg := Config{RTT: p.RTT, Sysctl: p.Sysctl, Picks: c.Picks}
			if rep == 0 && c.Name == p.PcapCase {
				cfg.Pcap = p.Pcap
			}
			runs = append(runs, run{fmt.Sprintf("%s, repeat %d", c.Name, rep+1), cfg, func(l *Link) error { return p.timeCase(l, c) }})
		}
	}
	for i := range res.Random {
		r := &res.Random[i]
		cfg := Config{RTT: p.RTT, Sysctl: p.Sysctl, Drops: Drops{Loss: r.Loss, Seed: r.Seed}}
		runs = append(runs, run{fmt.Sprintf("random %g, %s, %d requests", r.Loss, r.Mode, p.N), cfg, func(l *Link) error { return p.timeRandom(l, r) }})
	}
	if meta != nil {
		meta.OrderSeed = &p.OrderSeed
	}
	if err := eachRun(shuffle(runs, p.OrderSeed), meta, p.Log, "loss: "); err != nil {
		return nil, err
	}
	medians := map[string]float64{}
	for i := range res.Cases {
		c := &res.Cases[i]
		c.MedianMS, c.MinMS, c.MaxMS = medianMS(c.TimesMS), slices.Min(c.TimesMS), slices.Max(c.TimesMS)
		medians[c.Name] = c.MedianMS
		if c.Baseline != "" {
			c.ExtraMS = round(c.MedianMS-medians[c.Baseline], 3)
			c.ExtraRTTs = round(c.ExtraMS/res.RTTMS, 2)
		}
	}
	res.Head = head(KindLoss, meta)
	return res, nil
}

// client returns a client of the plan's server across l, counting the
// bytes it reads into *read if read is not nil.
func (p LossPlan) client(l *Link, read *int) *Client {
	c := linkClient(l, p.Port)
	if dial := c.Dial; read != nil {
		c.Dial = func(ctx context.Context) (net.Conn, error) {
			conn, err := dial(ctx)
			if err != nil {
				return nil, err
			}
			return readCounter{conn, read}, nil
		}
	}
	return c
}

// readCounter counts the bytes read from a connection.
type readCounter struct {
	net.Conn
	n *int
}

func (c readCounter) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	*c.n += n
	return n, err
}

// lengths returns the length on the wire of each server's response, as
// one request on a link without loss reads them.
func (p LossPlan) lengths() (hello, large int, err error) {
	l, err := NewLink(Config{Sysctl: p.Sysctl})
	if err != nil {
		return 0, 0, err
	}
	defer l.Close()
	for _, s := range []struct {
		exe []string
		n   *int
	}{{p.Hello, &hello}, {p.Large, &large}} {
		srv, err := StartServer(l, p.Port, s.exe[0], s.exe[1:]...)
		if err != nil {
			return 0, 0, err
		}
		_, err = p.client(l, s.n).Time(1, true)
		srv.Stop()
		if err != nil {
			return 0, 0, err
		}
	}
	return hello, large, nil
}

// wantBody checks that a response's body is want.
func wantBody(want string) func(*http.Response, []byte) error {
	return func(_ *http.Response, b []byte) error {
		if string(b) != want {
			return fmt.Errorf("body of %d bytes, want %d", len(b), len(want))
		}
		return nil
	}
}

// timeCase times c's request once across l, a fresh link, to a fresh
// server, and checks that the link dropped the picked packet and nothing
// else.
func (p LossPlan) timeCase(l *Link, c *LossCase) error {
	exe := p.Hello
	cl := p.client(l, nil)
	if c.Response == "large" {
		exe = p.Large
		cl.Check = wantBody(p.LargeBody)
	}
	srv, err := StartServer(l, p.Port, exe[0], exe[1:]...)
	if err != nil {
		return err
	}
	defer srv.Stop()
	n := 1
	if c.Mode == ModeKeep {
		n = 2 // the first request opens the connection; the second is timed
	}
	samples, err := cl.Time(n, c.Mode == ModeKeep)
	if err != nil {
		return err
	}
	if got := l.Quiet().Dropped; got != int64(len(c.Picks)) {
		return fmt.Errorf("the link dropped %d packets, want %d: a pick of %+v missed", got, len(c.Picks), c.Picks)
	}
	c.TimesMS = append(c.TimesMS, round(ms(samples[n-1].Total), 3))
	client, server := l.recovery()
	c.ClientCounters, c.ServerCounters = append(c.ClientCounters, client), append(c.ServerCounters, server)
	return nil
}

// timeRandom times r's requests to chapter 4's server across l, a fresh
// link that loses packets at random.
func (p LossPlan) timeRandom(l *Link, r *LossRandom) error {
	srv, err := StartServer(l, p.Port, p.Hello[0], p.Hello[1:]...)
	if err != nil {
		return err
	}
	samples, errs := timeEach(p.client(l, nil), p.N, r.Mode == ModeKeep)
	stats := l.Quiet()
	r.Packets, r.Dropped = stats.Packets, stats.Dropped
	r.ClientCounters, r.ServerCounters = l.recovery()
	srv.Stop()
	r.Errors = errs
	if len(errs) > 0 { // what the server said, which may tell why
		r.ServerLog = srv.stderr.String()
	}
	if len(samples) == 0 {
		return fmt.Errorf("every request failed: %v", errs)
	}
	var times []time.Duration
	var sum time.Duration
	for _, t := range samples {
		r.TimesMS = append(r.TimesMS, round(ms(t), 3))
		times, sum = append(times, t), sum+t
	}
	slices.Sort(times)
	r.P50MS, r.P99MS = round(ms(percentile(times, 50)), 3), round(ms(percentile(times, 99)), 3)
	r.MeanMS, r.MaxMS = round(ms(sum)/float64(len(times)), 3), round(ms(times[len(times)-1]), 3)
	return nil
}

// timeEach sends n requests one after another and times each: on a new
// connection each, or, if keep, on one kept-alive connection, whose first
// request (which opens it) is sent but not timed. A request that fails is
// not timed; its error is returned, and the next request opens a new
// connection (untimed again if keep).
func timeEach(c *Client, n int, keep bool) (times []time.Duration, errs []string) {
	var cc clientConn
	defer cc.close()
	for len(times)+len(errs) < n {
		dialed, t, err := c.next(&cc, keep, time.Now())
		switch {
		case err != nil:
			errs = append(errs, err.Error())
		case !keep || dialed == 0:
			times = append(times, t)
		}
	}
	return times, errs
}

// PrintTable writes two tables: what each dropped packet cost, and the
// request times under random loss.
func (r *LossResults) PrintTable(w io.Writer) {
	t := mdTable{head: []string{"落としたパケット", "増えた時間（ms）", "RTT に換算", "中央値（ms）", "最小", "最大", "コネクション"}, align: "lrrrrrl"}
	for _, c := range r.Cases {
		extra, rtts := "–", "–"
		if c.Baseline != "" {
			extra, rtts = fmt.Sprintf("%+.1f", c.ExtraMS), fmt.Sprintf("%+.2f", c.ExtraRTTs)
		}
		t.rows = append(t.rows, []string{c.Label, extra, rtts,
			fmt.Sprintf("%.1f", c.MedianMS), fmt.Sprintf("%.1f", c.MinMS), fmt.Sprintf("%.1f", c.MaxMS), modeJa(c.Mode)})
	}
	t.write(w)
	if len(r.Random) == 0 {
		return
	}
	fmt.Fprintf(w, "\n損失率を決めて落とすリンクで、行ごとにリクエスト %d 個\n\n", len(r.Random[0].TimesMS))
	t = mdTable{head: []string{"損失率", "コネクション", "p50（ms）", "p99", "平均", "最大", "失ったパケット"}, align: "rlrrrrr"}
	for _, x := range r.Random {
		t.rows = append(t.rows, []string{fmt.Sprintf("%g%%", x.Loss*100), modeJa(x.Mode),
			fmt.Sprintf("%.1f", x.P50MS), fmt.Sprintf("%.1f", x.P99MS), fmt.Sprintf("%.1f", x.MeanMS), fmt.Sprintf("%.1f", x.MaxMS),
			fmt.Sprintf("%d / %d", x.Dropped, x.Packets+x.Dropped)})
	}
	t.write(w)
	for _, x := range r.Random {
		if len(x.Errors) > 0 {
			fmt.Fprintf(w, "\n損失率 %g%%、%sコネクションで失敗したリクエスト %d 個（時間に入れていません）: %s\n",
				x.Loss*100, modeJa(x.Mode), len(x.Errors), strings.Join(x.Errors, "; "))
		}
	}
}

// modeJa names a way of connecting in Japanese.
func modeJa(mode string) string {
	if mode == ModeKeep {
		return "使い続ける"
	}
	return "新しい"
}
