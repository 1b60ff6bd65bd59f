package netlab

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

// IdleResults is what netlab idle writes: requests on one kept-alive
// connection, back to back and after an idle gap, for each congestion
// control, each tcp_slow_start_after_idle and each response.
type IdleResults struct {
	Head            // "idle"
	RTTMS float64   `json:"rtt_ms"`
	GapMS float64   `json:"gap_ms"` // the idle gap before each request of AfterIdle
	N     int       `json:"n"`      // requests back to back, and after a gap
	Drops           // the link's loss and queue limit, if any
	Runs  []IdleRun `json:"runs"`
}

// IdleResponse is a response the idle test asks for, by name.
type IdleResponse struct {
	Name   string       `json:"name"`
	Server ServeOptions `json:"server"`
}

// IdleRun is one connection: its first request (with the handshake), N
// requests back to back, then N requests each after the gap.
type IdleRun struct {
	CongestionControl  string       `json:"congestion_control"`
	SlowStartAfterIdle string       `json:"tcp_slow_start_after_idle"`
	Response           IdleResponse `json:"response"`
	// ServerNet is the server namespace's settings as read back.
	ServerNet  NetInfo   `json:"server_netns"`
	FirstMS    float64   `json:"first_ms"`
	BackToBack []float64 `json:"back_to_back_ms"`
	AfterIdle  []float64 `json:"after_idle_ms"`
	// The medians of the two, and each in RTTs.
	BackToBackMS   float64 `json:"back_to_back_median_ms"`
	AfterIdleMS    float64 `json:"after_idle_median_ms"`
	BackToBackRTTs float64 `json:"back_to_back_rtts"`
	AfterIdleRTTs  float64 `json:"after_idle_rtts"`
}

// IdlePlan says what netlab idle measures.
type IdlePlan struct {
	Exe       string // netlab, which serves each Response
	Responses []IdleResponse
	CCs       []string // congestion controls, such as reno, cubic, bbr
	SSAI      []string // values of tcp_slow_start_after_idle, such as 1 and 0
	RTT, Gap  time.Duration
	N         int
	Port      uint16
	Log       io.Writer
	Drops     Drops // what the link loses: none by default
}

// MeasureIdle runs the plan: a link per congestion control and
// tcp_slow_start_after_idle (both set in both namespaces), and on it one
// connection per response.
func MeasureIdle(p IdlePlan, meta *Metadata) (*IdleResults, error) {
	r := &IdleResults{Drops: p.Drops, RTTMS: ms(p.RTT), GapMS: ms(p.Gap), N: p.N}
	for _, cc := range p.CCs {
		for _, ssai := range p.SSAI {
			l, err := NewLink(Config{RTT: p.RTT, Drops: p.Drops, Sysctl: map[string]string{
				"net.ipv4.tcp_congestion_control":    cc,
				"net.ipv4.tcp_slow_start_after_idle": ssai,
			}})
			if err != nil {
				return nil, err
			}
			_, server := l.Net()
			for _, resp := range p.Responses {
				logf(p.Log, "idle: %s, tcp_slow_start_after_idle=%s, %s\n", cc, ssai, resp.Name)
				run, err := idleRun(l, p, resp)
				if err != nil {
					l.Close()
					return nil, fmt.Errorf("%s, tcp_slow_start_after_idle=%s, %s: %w", cc, ssai, resp.Name, err)
				}
				run.CongestionControl, run.SlowStartAfterIdle, run.ServerNet = cc, ssai, server
				r.Runs = append(r.Runs, run)
			}
			meta.AddLink(l)
			l.Close()
		}
	}
	r.Head = head(KindIdle, meta)
	return r, nil
}

func idleRun(l *Link, p IdlePlan, resp IdleResponse) (IdleRun, error) {
	srv, err := StartServer(l, p.Port, p.Exe, resp.Server.Args(p.Port)...)
	if err != nil {
		return IdleRun{}, err
	}
	defer srv.Stop()
	gaps := make([]time.Duration, 1+2*p.N)
	for i := 1 + p.N; i < len(gaps); i++ {
		gaps[i] = p.Gap
	}
	c := linkClient(l, p.Port)
	c.Check = wantBody(resp.Server.Body())
	c.Timeout = time.Duration(len(gaps))*(p.Gap+10*p.RTT) + time.Minute
	times, err := c.TimeAfter(gaps)
	if err != nil {
		return IdleRun{}, err
	}
	run := IdleRun{Response: resp, FirstMS: round(ms(times[0]), 3)}
	for i, t := range times[1:] {
		if i < p.N {
			run.BackToBack = append(run.BackToBack, round(ms(t), 3))
		} else {
			run.AfterIdle = append(run.AfterIdle, round(ms(t), 3))
		}
	}
	run.BackToBackMS = medianMS(run.BackToBack)
	run.AfterIdleMS = medianMS(run.AfterIdle)
	if p.RTT > 0 {
		run.BackToBackRTTs = round(run.BackToBackMS/ms(p.RTT), 2)
		run.AfterIdleRTTs = round(run.AfterIdleMS/ms(p.RTT), 2)
	}
	return run, nil
}

// TimeAfter sends len(gaps) requests on one kept-alive connection, request
// i after the connection has been idle for gaps[i] since the end of the
// previous response (gaps[0] is not used), and returns how long each
// took; the first includes the handshake.
func (c *Client) TimeAfter(gaps []time.Duration) ([]time.Duration, error) {
	var times []time.Duration
	var cc clientConn
	defer cc.close()
	for i := range gaps {
		if i > 0 && gaps[i] > 0 {
			time.Sleep(gaps[i]) // the idle gap is what is measured, not a wait for anything
		}
		_, t, err := c.next(&cc, true, time.Now())
		if err != nil {
			return nil, fmt.Errorf("request %d: %w", i+1, err)
		}
		times = append(times, t)
	}
	return times, nil
}

func (r *IdleResults) PrintTable(w io.Writer) {
	type key struct{ cc, ssai string }
	var keys []key
	var names []string
	runs := map[key]map[string]IdleRun{}
	for _, run := range r.Runs {
		k := key{run.CongestionControl, run.SlowStartAfterIdle}
		if runs[k] == nil {
			keys = append(keys, k)
			runs[k] = map[string]IdleRun{}
		}
		if !slices.Contains(names, run.Response.Name) {
			names = append(names, run.Response.Name)
		}
		runs[k][run.Response.Name] = run
	}
	t := mdTable{head: []string{"輻輳制御", "tcp_slow_start_after_idle"}, align: "lr"}
	for _, name := range names {
		t.cols(idleResponseName(name)+"（RTT）", "続けて", "間を空けて")
	}
	for _, k := range keys {
		row := []string{k.cc, k.ssai}
		for _, name := range names {
			run, ok := runs[k][name]
			if !ok {
				row = append(row, "–", "–")
				continue
			}
			row = append(row, fmt.Sprintf("%.2f", run.BackToBackRTTs), fmt.Sprintf("%.2f", run.AfterIdleRTTs))
		}
		t.rows = append(t.rows, row)
	}
	t.write(w)
}

// idleResponseName is a response's name as the Japanese table heads it;
// a name it does not know stays as the file has it.
func idleResponseName(name string) string {
	if name == "unbuffered Hello" {
		return "まとめずに書く Hello"
	}
	if size, ok := strings.CutSuffix(name, "-byte body"); ok {
		return size + " バイトのボディ"
	}
	return name
}
