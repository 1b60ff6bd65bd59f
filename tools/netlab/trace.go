package netlab

import (
	"bytes"
	"fmt"
	"io"
	"time"

	"tcpbook/internal/pcap"
)

// TraceResults is what netlab trace writes: a few requests to netlab's own
// server across the link at one RTT, every packet captured, and each
// response counted in Write calls and in TCP segments.
type TraceResults struct {
	Head                // "trace"
	Link   LinkInfo     `json:"link"`
	RTTMS  float64      `json:"rtt_ms"`
	Server ServeOptions `json:"server"`
	// WritesKeep and WritesClose are the Write calls the server makes for a
	// response on a kept-alive connection and for one with Connection:
	// close (ResponseWrites); 1 for a buffered server.
	WritesKeep  int        `json:"writes_keep"`
	WritesClose int        `json:"writes_close"`
	Series      []Series   `json:"series"`
	Exchanges   []Exchange `json:"exchanges"`
}

// TracePlan says what netlab trace measures.
type TracePlan struct {
	Exe    string // netlab itself, which serves with Server's options
	Server ServeOptions
	RTT    time.Duration
	N      int // requests: on one kept-alive connection, then each on a new one
	Port   uint16
	Sysctl map[string]string
	Log    io.Writer
	Drops  Drops // what the link loses: none by default
}

// Trace measures p: its kept-alive series first, then its new connections,
// with every packet captured into capture (a pcap file's bytes).
func Trace(p TracePlan, meta *Metadata, capture io.Writer) (*TraceResults, error) {
	var buf bytes.Buffer
	pw, err := NewPcapWriter(io.MultiWriter(&buf, capture), 0)
	if err != nil {
		return nil, err
	}
	plan := Plan{
		Targets: []Target{{Name: "netlab-serve", Exe: p.Exe, Args: p.Server.Args(p.Port), Modes: []string{ModeKeep, ModeNew}}},
		RTTs:    []time.Duration{p.RTT},
		N:       p.N,
		Port:    p.Port,
		Link:    Config{Pcap: pw, Sysctl: p.Sysctl, Drops: p.Drops},
		Log:     p.Log,
	}
	series, err := Measure(plan, meta)
	if err != nil {
		return nil, err
	}
	if err := pw.Flush(); err != nil {
		return nil, err
	}
	_, packets, err := pcap.Read(&buf)
	if err != nil {
		return nil, err
	}
	r := &TraceResults{
		Head: head(KindTrace, meta), Link: LinkInfo{Port: p.Port, Drops: p.Drops}, RTTMS: ms(p.RTT),
		Server: p.Server, Series: series, Exchanges: Exchanges(TCPSegments(packets)),
	}
	r.WritesKeep, r.WritesClose = 1, 1
	if p.Server.Unbuffered {
		r.WritesKeep, r.WritesClose = ResponseWrites(p.Server)
	}
	return r, nil
}

func (r *TraceResults) PrintTable(w io.Writer) {
	fmt.Fprintf(w, "RTT %g ms、%s\n\n", r.RTTMS, r.Server.describe())
	t := mdTable{head: []string{"コネクション", "リクエスト", "リクエスト → 最後のセグメント（RTT）", "（ms）",
		"最初 → 最後のセグメント（ms）", "セグメント", "バイト", "Write の回数", "Connection: close"}, align: "rrrrrrrrl"}
	keepConn := 1 // Trace measures the kept-alive connection first
	for _, e := range r.Exchanges {
		closeHdr, writes := "なし", r.WritesKeep
		if e.Connection != keepConn {
			closeHdr, writes = "あり", r.WritesClose
		}
		t.rows = append(t.rows, []string{fmt.Sprint(e.Connection), fmt.Sprint(e.Request),
			fmt.Sprintf("%.2f", e.TimeMS/r.RTTMS), fmt.Sprintf("%.1f", e.TimeMS), fmt.Sprintf("%.1f", e.SpreadMS),
			fmt.Sprint(e.Segments), fmt.Sprint(e.Bytes), fmt.Sprint(writes), closeHdr})
	}
	t.write(w)
}

func (o ServeOptions) describe() string {
	s := "まとめて書く（レスポンスごとに Write 1 回）"
	if o.Unbuffered {
		s = "まとめずに書く（http.Response.Write でコネクションに直接）"
	}
	if o.Nagle {
		s += "、Nagle あり"
	} else {
		s += "、Nagle なし（Go の既定）"
	}
	if o.Size > 0 {
		s += fmt.Sprintf("、%d バイトのボディ", o.Size)
	}
	return s
}
