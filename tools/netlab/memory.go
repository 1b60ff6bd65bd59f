package netlab

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"strconv"
	"time"
)

// MemoryTarget is a server whose memory per idle connection is measured.
type MemoryTarget struct {
	Name string `json:"name"`
	// Request, if true, sends one request on each connection and reads the
	// response before the connection idles (waiting for the next request);
	// otherwise the connection idles before its first request.
	Request bool     `json:"request"`
	Exe     string   `json:"-"`
	Args    []string `json:"-"`
}

// MemoryPlan says what netlab memory measures.
type MemoryPlan struct {
	Targets []MemoryTarget
	Counts  []int    // idle connections, rising, such as 0, 1000, 2000
	Env     []string // added to each server's environment, such as GOGC=1
	Port    uint16
	Log     io.Writer
}

// MemoryLevel is one server with Conns idle connections.
type MemoryLevel struct {
	Conns    int      `json:"conns"`
	RSS      int64    `json:"rss"`      // the server's VmRSS, bytes
	Sockstat Sockstat `json:"sockstat"` // /proc/net/sockstat's TCP line then
	// SlabTCP is the kernel's TCP socket cache, machine-wide, in bytes
	// (both ends of each connection are on this machine); 0 if unread.
	SlabTCP int64 `json:"slab_tcp"`
}

// MemorySeries is one server at each count, with the slopes fitted.
type MemorySeries struct {
	Target MemoryTarget  `json:"target"`
	Levels []MemoryLevel `json:"levels"`
	// RSSPerConn is the slope of the server's RSS over the counts, in
	// bytes per connection; RSSBase its intercept (the server with none).
	RSSPerConn float64 `json:"rss_per_conn"`
	RSSBase    float64 `json:"rss_base"`
	// SlabPerConn is the slope of the kernel's TCP socket cache, in bytes
	// per connection (two sockets: the client's and the server's).
	SlabPerConn float64 `json:"slab_tcp_per_conn"`
	// SockMemPerConn is the slope of sockstat's mem (queued data), in bytes.
	SockMemPerConn float64 `json:"sockstat_mem_per_conn"`
}

// MemoryResults is what netlab memory writes.
type MemoryResults struct {
	Head                     // "memory"
	Network   string         `json:"network"`
	ServerEnv []string       `json:"server_env"`
	Note      string         `json:"note"`
	Series    []MemorySeries `json:"series"`
}

// MemoryNote says what the memory figures are.
const MemoryNote = "RSS is the server process's VmRSS with GOGC=1 in its environment, so that the garbage collector " +
	"runs whenever the heap grows by 1% and the RSS holds little garbage; per connection is the slope fitted over the counts. " +
	"The kernel's memory is separate: its TCP socket cache (slabinfo, both ends) and the queued data (sockstat mem)."

// MeasureMemory runs the plan on this machine's loopback.
func MeasureMemory(p MemoryPlan) ([]MemorySeries, error) {
	var out []MemorySeries
	for _, t := range p.Targets {
		logf(p.Log, "memory: %s\n", t.Name)
		s, err := memorySeries(p, t)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", t.Name, err)
		}
		out = append(out, s)
	}
	return out, nil
}

func memorySeries(p MemoryPlan, t MemoryTarget) (MemorySeries, error) {
	s := MemorySeries{Target: t}
	srv, err := StartLocalServer(p.Port, nil, p.Env, t.Exe, t.Args...)
	if err != nil {
		return s, err
	}
	defer srv.Stop()
	base, err := ProcFDs(srv.Pid())
	if err != nil {
		return s, err
	}
	var conns []net.Conn
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(int(p.Port)))
	req := loadRequest(p.Port, false)
	start := time.Now()
	for _, n := range p.Counts {
		for len(conns) < n {
			c, err := net.DialTimeout("tcp", addr, 10*time.Second)
			if err != nil {
				return s, err
			}
			conns = append(conns, c)
			if t.Request {
				c.SetDeadline(time.Now().Add(10 * time.Second))
				if _, err := c.Write(req); err != nil {
					return s, err
				}
				if err := readHello(bufio.NewReader(c)); err != nil {
					return s, err
				}
			}
		}
		if err := srv.WaitFDs(base + n); err != nil {
			return s, err
		}
		lv := MemoryLevel{Conns: n}
		if lv.RSS, err = ProcRSS(srv.Pid()); err != nil {
			return s, err
		}
		if lv.Sockstat, err = ReadSockstat(); err != nil {
			return s, err
		}
		lv.SlabTCP, _ = SlabTCP()
		s.Levels = append(s.Levels, lv)
	}
	// The servers close connections idle for 5 seconds: all must still be open.
	if k, err := ProcFDs(srv.Pid()); err != nil || k < base+len(conns) {
		return s, fmt.Errorf("the server holds %d files after %v, want %d: did it close idle connections? %v",
			k, time.Since(start).Round(time.Millisecond), base+len(conns), err)
	}
	s.fit()
	return s, nil
}

func (s *MemorySeries) fit() {
	var x, rss, slab, mem []float64
	for _, l := range s.Levels {
		x = append(x, float64(l.Conns))
		rss = append(rss, float64(l.RSS))
		slab = append(slab, float64(l.SlabTCP))
		mem = append(mem, float64(l.Sockstat.MemPages)*4096)
	}
	if a, k, err := Fit(x, rss); err == nil {
		s.RSSPerConn, s.RSSBase = round(k, 0), round(a, 0)
	}
	if _, k, err := Fit(x, slab); err == nil {
		s.SlabPerConn = round(k, 0)
	}
	if _, k, err := Fit(x, mem); err == nil {
		s.SockMemPerConn = round(k, 0)
	}
}

func (r *MemoryResults) PrintTable(w io.Writer) {
	if len(r.Series) == 0 {
		return
	}
	t := mdTable{head: []string{"サーバー", "アイドルのコネクション", "1 本あたりの RSS（KiB）", "1 本あたりのカーネルのソケット（KiB、両端）"}, align: "llrr"}
	var labels []string
	for _, l := range r.Series[0].Levels {
		labels = append(labels, fmt.Sprintf("%d 本", l.Conns))
	}
	t.cols("RSS（MiB）", labels...)
	for _, s := range r.Series {
		state := "最初のリクエストの前"
		if s.Target.Request {
			state = "リクエスト 1 つのあと"
		}
		row := []string{s.Target.Name, state, fmt.Sprintf("%.1f", s.RSSPerConn/1024), fmt.Sprintf("%.1f", s.SlabPerConn/1024)}
		for _, l := range s.Levels {
			row = append(row, fmt.Sprintf("%.1f", float64(l.RSS)/(1<<20)))
		}
		t.rows = append(t.rows, row)
	}
	t.write(w)
}
