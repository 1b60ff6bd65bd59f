package netlab

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// The ways netlab pipeline sends a batch of GETs.
const (
	PipeSequential = "sequential" // one kept-alive connection, one request at a time
	PipePipelined  = "pipelined"  // one connection, every request written before any response is read
	PipeParallel   = "parallel"   // a connection per request, all at once
	PipeH2C        = "h2c"        // HTTP/2 without TLS to the h2c server (net/http on both sides): one connection, a stream per request
)

// PipeModes are the ways measured, in the order of the table.
var PipeModes = []string{PipeSequential, PipePipelined, PipeParallel, PipeH2C}

// PipelineResults is what netlab pipeline writes: a batch of N small GETs
// across the link at each RTT, sent each way, without and with one slow
// request first. Every batch starts with no connection open, so its time
// includes connecting.
type PipelineResults struct {
	Head                    // "pipeline"
	N      int              `json:"n"`       // small GETs per batch
	SlowMS float64          `json:"slow_ms"` // how long the server waits before answering /slow
	Repeat int              `json:"repeat"`  // batches per series and RTT
	Drops                   // the link's loss and queue limit, if any
	Series []PipelineSeries `json:"series"`
}

// PipelineSeries is one way of sending, without or with /slow first, at
// several RTTs, with time = a + k·RTT fitted to every batch's SmallMS at
// RTT > 0 (RTTFit).
type PipelineSeries struct {
	Name string `json:"name"` // such as "pipelined" or "pipelined+slow"
	Mode string `json:"mode"`
	Slow bool   `json:"slow"`
	// ModelRTT is k as the model predicts it: how many RTTs the N small
	// GETs take, connecting included.
	ModelRTT float64         `json:"model_rtt"`
	Points   []PipelinePoint `json:"points"`
	RTTFit
}

// PipelinePoint is one series at one RTT.
type PipelinePoint struct {
	RTTMS float64 `json:"rtt_ms"`
	// SmallMS is, per batch, the time until the N small GETs had their
	// responses; AllMS until every response had arrived, /slow's included.
	SmallMS       []float64 `json:"small_ms"`
	AllMS         []float64 `json:"all_ms"`
	SmallMedianMS float64   `json:"small_median_ms"`
	AllMedianMS   float64   `json:"all_median_ms"`
	Conns         float64   `json:"conns"`   // TCP connections per batch (for h2c, those the Transport dialled)
	Packets       float64   `json:"packets"` // IP packets the link carried per batch, both ways, closing included
}

// PipelinePlan says what netlab pipeline measures.
type PipelinePlan struct {
	Exe  string // the HTTP/1.1 server, chapter 8's, which answers /slow after Slow
	Args []string
	// H2C is the HTTP/2 server without TLS (chapter 8's h2cserver), with
	// the same answers as Exe; it runs for the h2c series, as Exe does for
	// the others, in a process of its own.
	H2C    string
	RTTs   []time.Duration
	N      int
	Repeat int
	Slow   time.Duration // how long both servers wait on /slow, as recorded in the results
	Port   uint16        // where both servers listen (each batch starts one of them)
	Seed   uint64        // orders the batches (MeasureOrder)
	Log    io.Writer
	Drops  Drops // what the link loses: none by default
	// Series names the series to measure, such as "h2c" or
	// "pipelined+slow"; none: every one.
	Series []string
	// Pcap, if not nil, receives every packet of every batch.
	Pcap *PcapWriter
}

// ModelRTT is how many RTTs the N small GETs take in the model: one RTT
// to connect, then one per request in turn (sequential, and the slow
// request before them) or one for all of them at once.
func ModelRTT(mode string, n int, slow bool) float64 {
	if mode != PipeSequential {
		return 2
	}
	if slow {
		return float64(n + 2)
	}
	return float64(n + 1)
}

// MeasurePipeline runs the plan: every series (or those p.Series names)
// at every RTT, Repeat batches each, in the random order MeasureOrder
// gives for p.Seed; each batch gets a link of its own and a fresh server
// behind it (Exe, or H2C for h2c).
func MeasurePipeline(p PipelinePlan, meta *Metadata) (*PipelineResults, error) {
	if p.N < 1 || p.Repeat < 1 {
		return nil, errors.New("need at least one request and one batch")
	}
	r := &PipelineResults{Drops: p.Drops, N: p.N, SlowMS: ms(p.Slow), Repeat: p.Repeat}
	for _, mode := range PipeModes {
		for _, slow := range []bool{false, true} {
			name := mode
			if slow {
				name += "+slow"
			}
			if len(p.Series) > 0 && !slices.Contains(p.Series, name) {
				continue
			}
			if mode == PipeH2C && p.H2C == "" {
				return nil, errors.New("the h2c series need the h2c server (chapter 8's h2cserver)")
			}
			r.Series = append(r.Series, PipelineSeries{Name: name, Mode: mode, Slow: slow, ModelRTT: ModelRTT(mode, p.N, slow)})
		}
	}
	if len(p.Series) > 0 && len(r.Series) != len(p.Series) {
		return nil, fmt.Errorf("series %q: want some of %s, each with or without +slow", p.Series, strings.Join(PipeModes, ", "))
	}
	type sum struct {
		small, all     []time.Duration
		conns, packets int64
	}
	sums := make([][]sum, len(r.Series)) // by series, then RTT
	for i := range sums {
		sums[i] = make([]sum, len(p.RTTs))
	}
	var names []string
	for _, s := range r.Series {
		names = append(names, s.Name)
	}
	err := eachCell(Config{Drops: p.Drops, Pcap: p.Pcap}, p.RTTs, names, p.Repeat, p.Seed, meta, p.Log, "pipeline: ", "batch", func(l *Link, c Cell) error {
		res, packets, err := measureBatch(l, p, r.Series[c.Series])
		if err != nil {
			return fmt.Errorf("%s: %w", names[c.Series], err)
		}
		t := &sums[c.Series][c.RTT]
		t.small, t.all = append(t.small, res.small), append(t.all, res.all)
		t.conns += int64(res.conns)
		t.packets += packets
		return nil
	})
	if err != nil {
		return nil, err
	}
	for i := range r.Series {
		s := &r.Series[i]
		var x, y []float64
		for j, rtt := range p.RTTs {
			t := sums[i][j]
			pt := PipelinePoint{RTTMS: ms(rtt), Conns: round(float64(t.conns)/float64(p.Repeat), 2), Packets: round(float64(t.packets)/float64(p.Repeat), 1)}
			pt.SmallMS, pt.SmallMedianMS = msOf(t.small)
			pt.AllMS, pt.AllMedianMS = msOf(t.all)
			s.Points = append(s.Points, pt)
			for _, v := range pt.SmallMS {
				x, y = append(x, pt.RTTMS), append(y, v)
			}
		}
		s.RTTFit.fit(x, y)
	}
	r.Head = head(KindPipeline, meta)
	r.Meta.Fit = FitMethod
	return r, nil
}

// measureBatch sends one batch of series s across l to a fresh server,
// and returns the batch's times and the packets the link carried, closing
// included.
func measureBatch(l *Link, p PipelinePlan, s PipelineSeries) (batchResult, int64, error) {
	b := &batch{l: l, port: p.Port}
	exe, args := p.Exe, p.Args
	if s.Mode == PipeH2C {
		exe, args = p.H2C, nil
	}
	srv, err := StartServer(l, p.Port, exe, args...)
	if err != nil {
		return batchResult{}, 0, err
	}
	defer srv.Stop()
	paths := make([]string, 0, p.N+1)
	if s.Slow {
		paths = append(paths, "/slow")
	}
	for range p.N {
		paths = append(paths, "/")
	}
	before := l.Quiet()
	res, err := b.run(s.Mode, paths)
	if err != nil {
		return batchResult{}, 0, err
	}
	return res, l.Quiet().Sub(before).Packets, nil // the closing packets too
}

// h2cTransport returns a Transport that speaks HTTP/2 without TLS to
// http:// URLs, dialling with dial.
func h2cTransport(dial func(ctx context.Context, network, addr string) (net.Conn, error)) *http.Transport {
	var protocols http.Protocols
	protocols.SetUnencryptedHTTP2(true)
	return &http.Transport{Protocols: &protocols, DialContext: dial}
}

// batch sends one batch of GETs one way to the server on port behind l.
type batch struct {
	l    *Link
	port uint16
}

func (b *batch) dial(ctx context.Context) (net.Conn, error) {
	return b.l.Dial(ctx, "tcp", net.JoinHostPort(ServerIP, strconv.Itoa(int(b.port))))
}

type batchResult struct {
	small, all time.Duration
	conns      int
}

// run sends GETs for paths the way mode says, from no connection, and
// returns when the responses to the small ones (every path but /slow)
// and to all of them had arrived.
func (b *batch) run(mode string, paths []string) (batchResult, error) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	start := time.Now()
	done := make([]time.Duration, len(paths))
	var res batchResult
	var err error
	switch mode {
	case PipeSequential, PipePipelined:
		res.conns = 1
		err = b.oneConn(ctx, mode == PipePipelined, paths, start, done)
	case PipeParallel:
		res.conns = len(paths)
		err = b.parallel(ctx, paths, start, done)
	case PipeH2C:
		res.conns, err = b.h2c(ctx, paths, start, done)
	default:
		err = fmt.Errorf("unknown mode %q", mode)
	}
	if err != nil {
		return res, err
	}
	for i, d := range done {
		res.all = max(res.all, d)
		if paths[i] != "/slow" {
			res.small = max(res.small, d)
		}
	}
	return res, nil
}

func (b *batch) get(path string) string {
	return get(path, "localhost:"+strconv.Itoa(int(b.port)), false)
}

// oneConn sends the GETs on one connection: each after the previous
// response (sequential), or all in one write before reading any
// (pipelined).
func (b *batch) oneConn(ctx context.Context, pipelined bool, paths []string, start time.Time, done []time.Duration) error {
	conn, err := b.dial(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(time.Minute))
	r := bufio.NewReader(conn)
	if pipelined {
		var all strings.Builder
		for _, p := range paths {
			all.WriteString(b.get(p))
		}
		if _, err := io.WriteString(conn, all.String()); err != nil {
			return err
		}
	}
	for i, p := range paths {
		if !pipelined {
			if _, err := io.WriteString(conn, b.get(p)); err != nil {
				return err
			}
		}
		if err := readOK(r, p); err != nil {
			return err
		}
		done[i] = time.Since(start)
	}
	return nil
}

// parallel sends each GET on a connection of its own, all at once.
func (b *batch) parallel(ctx context.Context, paths []string, start time.Time, done []time.Duration) error {
	var wg sync.WaitGroup
	errs := make([]error, len(paths))
	for i, p := range paths {
		wg.Go(func() {
			conn, err := dialAsync(b.l, b.port)
			if err != nil {
				errs[i] = err
				return
			}
			defer conn.Close()
			conn.SetDeadline(time.Now().Add(time.Minute))
			if _, err := io.WriteString(conn, b.get(p)); err != nil {
				errs[i] = err
				return
			}
			errs[i] = readOK(bufio.NewReader(conn), p)
			done[i] = time.Since(start)
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// h2c sends each GET from a goroutine of its own through one new
// Transport that speaks HTTP/2 without TLS, so that the requests are
// streams on one connection, and returns how many connections the
// Transport dialled. The first request opens the connection; the others
// start as soon as it is there (the Transport would otherwise dial again
// for requests that start while it dials, or make them wait a round
// trip), as pipelined writes its requests once it has connected.
func (b *batch) h2c(ctx context.Context, paths []string, start time.Time, done []time.Duration) (conns int, err error) {
	var dials atomic.Int64
	tr := h2cTransport(func(ctx context.Context, _, _ string) (net.Conn, error) {
		dials.Add(1)
		return b.dial(ctx)
	})
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: time.Minute}
	url := "http://localhost:" + strconv.Itoa(int(b.port))
	connected := make(chan struct{})
	var once sync.Once
	trace := &httptrace.ClientTrace{WroteHeaders: func() { once.Do(func() { close(connected) }) }}
	var wg sync.WaitGroup
	errs := make([]error, len(paths))
	for i, p := range paths {
		if i == 1 {
			select {
			case <-connected:
			case <-ctx.Done():
				return int(dials.Load()), ctx.Err()
			}
		}
		wg.Go(func() {
			defer once.Do(func() { close(connected) }) // the first failed
			req, err := http.NewRequestWithContext(httptrace.WithClientTrace(ctx, trace), http.MethodGet, url+p, nil)
			if err != nil {
				errs[i] = err
				return
			}
			resp, err := client.Do(req)
			if err != nil {
				errs[i] = err
				return
			}
			defer resp.Body.Close()
			body, err := io.ReadAll(resp.Body)
			switch {
			case err != nil:
				errs[i] = err
			case resp.ProtoMajor != 2:
				errs[i] = fmt.Errorf("GET %s: %s, not HTTP/2", p, resp.Proto)
			default:
				errs[i] = checkBody(p, resp.StatusCode, body)
			}
			done[i] = time.Since(start)
		})
	}
	wg.Wait()
	return int(dials.Load()), errors.Join(errs...)
}

// readOK reads one response to GET path and checks it.
func readOK(r *bufio.Reader, path string) error {
	resp, err := http.ReadResponse(r, nil)
	if err != nil {
		return fmt.Errorf("GET %s: %w", path, err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return fmt.Errorf("GET %s: %w", path, err)
	}
	return checkBody(path, resp.StatusCode, body)
}

// checkBody checks that GET path got chapter 8's answer: a server that
// does not wait on /slow would make the slow series meaningless.
func checkBody(path string, status int, body []byte) error {
	want := "Hello World\n"
	if path == "/slow" {
		want = "Slept "
	}
	if status != http.StatusOK || !strings.HasPrefix(string(body), want) {
		return fmt.Errorf("GET %s: unexpected response %d %q (chapter 8's server answers /slow with Slept)", path, status, body)
	}
	return nil
}

func (r *PipelineResults) PrintTable(w io.Writer) {
	fmt.Fprintf(w, "バッチごとに小さな GET %d 個、コネクションのないところから。+slow: GET /slow（%s 後に答える）が先。%d バッチの中央値\n\n",
		r.N, fmtMS(r.SlowMS), r.Repeat)
	var rtts []float64
	if len(r.Series) > 0 {
		for _, p := range r.Series[0].Points {
			rtts = append(rtts, p.RTTMS)
		}
	}
	if len(rtts) == 0 {
		return
	}
	t := mdTable{head: []string{"系列", HeadK, "モデルの k", HeadA}, align: "lrrr"}
	t.cols("中央値（ms）", rttLabels(rtts)...)
	t.head = append(t.head, "すべての答え（ms）: RTT "+fmtMS(rtts[len(rtts)-1]), "コネクション", "パケット")
	t.align += "rrr"
	for _, s := range r.Series {
		last := s.Points[len(s.Points)-1]
		ka := s.KA("%.1f")
		row := []string{s.Name, ka[0], fmt.Sprintf("%g", s.ModelRTT), ka[1]}
		for _, p := range s.Points {
			row = append(row, fmt.Sprintf("%.1f", p.SmallMedianMS))
		}
		t.rows = append(t.rows, append(row, fmt.Sprintf("%.1f", last.AllMedianMS), fmt.Sprintf("%g", last.Conns), fmt.Sprintf("%g", last.Packets)))
	}
	t.write(w)
}
