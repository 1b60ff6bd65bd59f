package netlab

import (
	"bufio"
	"cmp"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// ClosedLoop says what kind of load netlab load makes, for its results.
const ClosedLoop = "closed loop: each connection sends its next request only when the previous response has arrived, " +
	"so the offered load adapts to the server and the mean time per request is connections ÷ throughput (Little's law), " +
	"not a property of the server alone; compare servers by requests/s and server CPU per request"

// LoadTarget is a server and a way to connect to it.
type LoadTarget struct {
	Name string   `json:"name"`
	Mode string   `json:"mode"` // ModeNew or ModeKeep
	Exe  string   `json:"-"`
	Args []string `json:"-"`
}

// Series names the target as the latency results do: "ch04-keep".
func (t LoadTarget) Series() string { return t.Name + "-" + t.Mode }

// LoadPlan says what netlab load measures.
type LoadPlan struct {
	Targets          []LoadTarget
	Conns            []int // concurrent connections, one client goroutine each
	Warmup, Duration time.Duration
	Repeats          int
	Port             uint16
	// ClientCPUs and ServerCPUs, if set, pin the load generator (this
	// process) and each server to those CPUs.
	ClientCPUs, ServerCPUs []int
	Log                    io.Writer
}

// LoadRun is one run: one server process under one load for Duration.
type LoadRun struct {
	Series   string  `json:"series"`
	Conns    int     `json:"conns"`
	Repeat   int     `json:"repeat"` // 1, 2, ...: runs are interleaved, repeat by repeat
	Requests int     `json:"requests"`
	Errors   int     `json:"errors"`
	RPS      float64 `json:"rps"`
	P50MS    float64 `json:"p50_ms"`
	P99MS    float64 `json:"p99_ms"`
	// MeanMS is the mean time per request. Little's law relates means:
	// in a closed loop it is close to LittleMS whatever the server; the
	// median (P50MS) is not, since the times are skewed to the right.
	MeanMS float64 `json:"mean_ms"`
	// LittleMS is Conns ÷ RPS: what a closed loop's mean time per request
	// must be whatever the server.
	LittleMS float64 `json:"littles_law_ms"`
	// ServerCPUUS and ClientCPUUS are the CPU time (user and system) per
	// request of the server process (its rusage, read from /proc/PID/stat
	// at the start and end of the measured time) and of the load generator.
	ServerCPUUS float64 `json:"server_cpu_us_per_request"`
	ClientCPUUS float64 `json:"client_cpu_us_per_request"`
}

// LoadPoint summarises a series at a number of connections over the
// repeats: the median, lowest and highest.
type LoadPoint struct {
	Series         string  `json:"series"`
	Conns          int     `json:"conns"`
	RPS            Spread  `json:"rps"`
	ServerCPUUS    Spread  `json:"server_cpu_us_per_request"`
	MedianP50MS    float64 `json:"p50_ms"` // of the run with the median RPS
	MedianP99MS    float64 `json:"p99_ms"`
	MedianMeanMS   float64 `json:"mean_ms"`
	MedianLittleMS float64 `json:"littles_law_ms"`
	Errors         int     `json:"errors"` // over all repeats
}

// Spread is a median with the lowest and highest value around it.
type Spread struct {
	Median float64 `json:"median"`
	Min    float64 `json:"min"`
	Max    float64 `json:"max"`
}

// LoadResults is what netlab load writes.
type LoadResults struct {
	Head                   // "load"
	Load       string      `json:"load"` // ClosedLoop
	Network    string      `json:"network"`
	ClientCPUs []int       `json:"client_cpus,omitempty"`
	ServerCPUs []int       `json:"server_cpus,omitempty"`
	WarmupS    float64     `json:"warmup_s"`
	DurationS  float64     `json:"duration_s"`
	Repeats    int         `json:"repeats"`
	Order      string      `json:"order"`
	Points     []LoadPoint `json:"points"`
	Runs       []LoadRun   `json:"runs"` // in the order run
}

// MeasureLoad runs the plan on this machine's loopback: for each repeat,
// every target at every number of connections (ABAB…, not AA…BB…), each
// with a fresh server process.
func MeasureLoad(p LoadPlan) ([]LoadRun, error) {
	if len(p.ClientCPUs) > 0 {
		if err := PinProcess(p.ClientCPUs); err != nil {
			return nil, err
		}
	}
	var runs []LoadRun
	for rep := 1; rep <= max(p.Repeats, 1); rep++ {
		for _, t := range p.Targets {
			for _, c := range p.Conns {
				logf(p.Log, "load: repeat %d, %s, %d connections\n", rep, t.Series(), c)
				r, err := loadRun(p, t, c)
				if err != nil {
					return nil, fmt.Errorf("%s with %d connections: %w", t.Series(), c, err)
				}
				r.Repeat = rep
				runs = append(runs, r)
			}
		}
	}
	return runs, nil
}

func loadRun(p LoadPlan, t LoadTarget, conns int) (LoadRun, error) {
	srv, err := StartLocalServer(p.Port, p.ServerCPUs, nil, t.Exe, t.Args...)
	if err != nil {
		return LoadRun{}, err
	}
	defer srv.Stop()
	begin := time.Now().Add(p.Warmup)
	end := begin.Add(p.Duration)
	// The CPU times at the start and end of the measured time.
	type cpu struct {
		server, client time.Duration
		err            error
	}
	cpus := make(chan cpu, 2)
	go func() {
		for _, at := range []time.Time{begin, end} {
			time.Sleep(time.Until(at))
			var c cpu
			c.server, c.err = ProcCPU(srv.Pid())
			c.client = selfCPU()
			cpus <- c
		}
	}()
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(int(p.Port)))
	req := loadRequest(p.Port, t.Mode == ModeNew)
	latencies := make([][]time.Duration, conns)
	errs := make([]int, conns)
	var wg sync.WaitGroup
	for i := range conns {
		wg.Go(func() { latencies[i], errs[i] = loadWorker(addr, req, t.Mode == ModeKeep, begin, end) })
	}
	wg.Wait()
	c0, c1 := <-cpus, <-cpus
	if err := errors.Join(c0.err, c1.err, srv.Alive()); err != nil {
		return LoadRun{}, err
	}
	all := slices.Concat(latencies...)
	if len(all) == 0 {
		return LoadRun{}, errors.New("no response arrived")
	}
	slices.Sort(all)
	r := LoadRun{Series: t.Series(), Conns: conns, Requests: len(all)}
	for _, e := range errs {
		r.Errors += e
	}
	r.RPS = round(float64(r.Requests)/p.Duration.Seconds(), 1)
	r.P50MS = round(ms(percentile(all, 50)), 3)
	r.P99MS = round(ms(percentile(all, 99)), 3)
	var sum time.Duration
	for _, d := range all {
		sum += d
	}
	r.MeanMS = round(ms(sum/time.Duration(len(all))), 3)
	r.LittleMS = round(float64(conns)/r.RPS*1000, 3)
	r.ServerCPUUS = round(float64((c1.server-c0.server).Microseconds())/float64(r.Requests), 2)
	r.ClientCPUUS = round(float64((c1.client-c0.client).Microseconds())/float64(r.Requests), 2)
	return r, nil
}

// selfCPU returns the CPU time this process has used, user and system.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// loadWorker sends requests until end, each as soon as the previous
// response has arrived, and returns the time each request started at or
// after begin took; keep uses one connection for all, otherwise each
// request opens a connection (its time included) and asks the server to
// close it.
func loadWorker(addr string, req []byte, keep bool, begin, end time.Time) (latencies []time.Duration, errs int) {
	var conn net.Conn
	var r *bufio.Reader
	defer func() {
		if conn != nil {
			conn.Close()
		}
	}()
	for {
		start := time.Now()
		if !start.Before(end) {
			return latencies, errs
		}
		if conn == nil {
			c, err := net.DialTimeout("tcp", addr, end.Sub(start))
			if err != nil {
				if time.Now().Before(end) {
					errs++ // not those cut off by the end
				}
				continue
			}
			conn = c
			if r == nil {
				r = bufio.NewReaderSize(c, 4096)
			} else {
				r.Reset(c)
			}
			conn.SetDeadline(end) // at the end, stop whatever waits
		}
		_, err := conn.Write(req)
		if err == nil {
			err = readHello(r)
		}
		if err != nil || !keep {
			conn.Close()
			conn = nil
		}
		switch {
		case err != nil && time.Now().Before(end):
			errs++
		case err == nil && !start.Before(begin):
			latencies = append(latencies, time.Since(start))
		}
	}
}

// percentile returns the p-th percentile of sorted times (nearest rank).
func percentile(times []time.Duration, p float64) time.Duration {
	i := int(math.Ceil(p/100*float64(len(times)))) - 1
	return times[max(i, 0)]
}

// SummariseLoad returns a point per series and number of connections, in
// the order of the first repeat.
func SummariseLoad(runs []LoadRun) []LoadPoint {
	type key struct {
		series string
		conns  int
	}
	var order []key
	groups := map[key][]LoadRun{}
	for _, r := range runs {
		k := key{r.Series, r.Conns}
		if _, ok := groups[k]; !ok {
			order = append(order, k)
		}
		groups[k] = append(groups[k], r)
	}
	var points []LoadPoint
	for _, k := range order {
		g := slices.Clone(groups[k])
		slices.SortStableFunc(g, func(a, b LoadRun) int { return cmp.Compare(a.RPS, b.RPS) })
		mid := g[(len(g)-1)/2] // the run with the median RPS (the lower one of an even count)
		p := LoadPoint{Series: k.series, Conns: k.conns,
			MedianP50MS: mid.P50MS, MedianP99MS: mid.P99MS, MedianMeanMS: mid.MeanMS, MedianLittleMS: mid.LittleMS}
		var rps, cpu []float64
		for _, r := range g {
			rps = append(rps, r.RPS)
			cpu = append(cpu, r.ServerCPUUS)
			p.Errors += r.Errors
		}
		p.RPS, p.ServerCPUUS = spread(rps), spread(cpu)
		points = append(points, p)
	}
	return points
}

func spread(v []float64) Spread {
	return Spread{Median: medianMS(v), Min: slices.Min(v), Max: slices.Max(v)}
}

// PrintTable gives medians over the repeats: the chart shows their
// spread, and the file has the latencies.
func (r *LoadResults) PrintTable(w io.Writer) {
	series, conns := r.axes()
	var labels []string
	for _, c := range conns {
		labels = append(labels, fmt.Sprintf("%d 本", c))
	}
	t := mdTable{head: []string{"系列"}, align: "l"}
	t.cols("リクエスト / 秒", labels...)
	t.cols("サーバーの CPU / リクエスト（µs）", labels...)
	errs := 0
	for _, name := range series {
		rps, cpu := []string{name}, []string{}
		for _, c := range conns {
			i := slices.IndexFunc(r.Points, func(p LoadPoint) bool { return p.Series == name && p.Conns == c })
			if i < 0 {
				rps, cpu = append(rps, "–"), append(cpu, "–")
				continue
			}
			p := r.Points[i]
			rps = append(rps, fmt.Sprintf("%.0f", p.RPS.Median))
			cpu = append(cpu, fmt.Sprintf("%.1f", p.ServerCPUUS.Median))
			errs += p.Errors
		}
		t.rows = append(t.rows, append(rps, cpu...))
	}
	t.write(w)
	if errs > 0 {
		fmt.Fprintf(w, "\n%d 個のリクエストが失敗しました。\n", errs)
	}
}

// axes returns the series in the order of the points, and the numbers of
// connections in ascending order.
func (r *LoadResults) axes() (series []string, conns []int) {
	for _, p := range r.Points {
		if !slices.Contains(series, p.Series) {
			series = append(series, p.Series)
		}
		if !slices.Contains(conns, p.Conns) {
			conns = append(conns, p.Conns)
		}
	}
	slices.Sort(conns)
	return series, conns
}

func (r *LoadResults) pinning() string {
	if len(r.ClientCPUs) == 0 {
		return "クライアントとサーバーは CPU に固定しない"
	}
	return fmt.Sprintf("負荷をかける側は CPU %s、サーバーは CPU %s", cpuList(r.ClientCPUs), cpuList(r.ServerCPUs))
}

// cpuList writes CPUs as "0,1".
func cpuList(cpus []int) string {
	return strings.Trim(strings.ReplaceAll(fmt.Sprint(cpus), " ", ","), "[]")
}
