package netlab

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// StreamResults is what netlab stream writes: a body the server produces
// over time, fetched across a bandwidth-limited, delayed link, streamed
// (chunked, or delimited by the close for HTTP/1.0) or buffered whole
// first (Content-Length): when the response's first byte, the body's
// first byte and its last byte arrived.
type StreamResults struct {
	LinkRun               // kind "stream", meta, rate, burst, drops, rtt_ms, n
	Fetches []StreamFetch `json:"fetches"`
}

// StreamCase is one way of asking for the body.
type StreamCase struct {
	Name           string `json:"name"`
	Path           string `json:"path"`
	Proto          string `json:"proto"`           // HTTP/1.1 or HTTP/1.0
	AcceptEncoding string `json:"accept_encoding"` // empty: none sent
}

// StreamCases are the cases netlab stream measures by default, for chapter
// 7's server: GET / streams, GET /buffered produces the whole body first.
var StreamCases = []StreamCase{
	{Name: "chunked", Path: "/", Proto: "HTTP/1.1"},
	{Name: "chunked, gzip", Path: "/", Proto: "HTTP/1.1", AcceptEncoding: "gzip"},
	{Name: "HTTP/1.0, close", Path: "/", Proto: "HTTP/1.0"},
	{Name: "buffered", Path: "/buffered", Proto: "HTTP/1.1"},
	{Name: "buffered, gzip", Path: "/buffered", Proto: "HTTP/1.1", AcceptEncoding: "gzip"},
}

// StreamFetch is n requests of one case. Times run from dialling.
type StreamFetch struct {
	Case             StreamCase `json:"case"`
	TransferEncoding string     `json:"transfer_encoding"`
	ContentEncoding  string     `json:"content_encoding"`
	ContentLength    int64      `json:"content_length"` // -1: not sent
	DecodedBytes     int        `json:"decoded_bytes"`
	HeaderMS         []float64  `json:"header_ms"`     // the response's first byte
	FirstByteMS      []float64  `json:"first_byte_ms"` // the body's first byte
	LastByteMS       []float64  `json:"last_byte_ms"`  // the body's end
	HeaderMedianMS   float64    `json:"header_median_ms"`
	FirstMedianMS    float64    `json:"first_byte_median_ms"`
	LastMedianMS     float64    `json:"last_byte_median_ms"`
	// WireBytes and Packets are what the link carried per request, both
	// directions, the handshake and the close included (IP packets).
	WireBytes float64 `json:"wire_bytes_per_request"`
	Packets   float64 `json:"packets_per_request"`
}

// LinkPlan is what netlab stream and netlab compress share: requests,
// each on a new connection, to one server behind a link at one RTT.
type LinkPlan struct {
	Exe      string // the server, such as chapter 6's or 7's
	Args     []string
	RTT      time.Duration
	Rate     float64 // bytes per second
	Burst    int     // the bucket's size in bytes; 0: DefaultBurst(Rate)
	N        int     // requests per case
	Port     uint16
	Log      io.Writer
	Metadata *Metadata
	Drops    Drops // what the link loses: none by default
}

// LinkRun is what the results of a LinkPlan say of the run and the link.
type LinkRun struct {
	Head
	Rate  string  `json:"rate"`            // such as "1mbit"
	Burst int     `json:"burst,omitempty"` // -burst, if given
	Drops         // the link's loss and queue limit, if any
	RTTMS float64 `json:"rtt_ms"`
	N     int     `json:"n"` // requests per case, a new connection each
}

// fetcher is a LinkPlan's link with its server started behind it.
type fetcher struct {
	l          *Link
	srv        *Server
	addr, host string
}

// start creates the link, records it in the metadata and starts the
// server behind it; close undoes both.
func (p LinkPlan) start(kind string) (*fetcher, LinkRun, error) {
	run := LinkRun{Head: Head{Kind: kind}, Rate: FormatRate(p.Rate), Burst: p.Burst, Drops: p.Drops, RTTMS: ms(p.RTT), N: p.N}
	l, err := NewLink(Config{RTT: p.RTT, Rate: p.Rate, Burst: p.Burst, Drops: p.Drops})
	if err != nil {
		return nil, run, err
	}
	if p.Metadata.AddLink(l); p.Metadata != nil {
		run.Meta = *p.Metadata
	}
	srv, err := StartServer(l, p.Port, p.Exe, p.Args...)
	if err != nil {
		l.Close()
		return nil, run, err
	}
	port := strconv.Itoa(int(p.Port))
	return &fetcher{l: l, srv: srv, addr: net.JoinHostPort(ServerIP, port), host: "localhost:" + port}, run, nil
}

func (f *fetcher) close() {
	f.srv.Stop()
	f.l.Close()
}

// fetch makes n requests of case c (streamOnce), passes each to got, and
// returns what the link carried per request, both directions, the
// handshake and the close included.
func (f *fetcher) fetch(c StreamCase, n int, got func(t [3]time.Duration, resp *http.Response, body []byte) error) (wireBytes, packets float64, err error) {
	f.l.Quiet()
	before := f.l.Stats()
	for range n {
		t, resp, body, err := streamOnce(f.l, f.addr, f.host, c)
		if err == nil {
			err = got(t, resp, body)
		}
		if err != nil {
			return 0, 0, err
		}
	}
	carried := f.l.Quiet().Sub(before)
	return round(float64(carried.Bytes)/float64(n), 1), round(float64(carried.Packets)/float64(n), 1), nil
}

// MeasureStream measures cases. Every case must give the same decoded body.
func MeasureStream(p LinkPlan, cases []StreamCase) (*StreamResults, error) {
	f, run, err := p.start(KindStream)
	if err != nil {
		return nil, err
	}
	defer f.close()
	r := &StreamResults{LinkRun: run}
	var body []byte
	for _, c := range cases {
		logf(p.Log, "stream: %s %s %s, Accept-Encoding %q\n", c.Name, c.Path, c.Proto, c.AcceptEncoding)
		sf := StreamFetch{Case: c}
		var header, first, last []time.Duration
		sf.WireBytes, sf.Packets, err = f.fetch(c, p.N, func(t [3]time.Duration, resp *http.Response, got []byte) error {
			header, first, last = append(header, t[0]), append(first, t[1]), append(last, t[2])
			sf.TransferEncoding = strings.Join(resp.TransferEncoding, ", ")
			sf.ContentEncoding, sf.ContentLength = resp.Header.Get("Content-Encoding"), resp.ContentLength
			if body != nil && !bytes.Equal(got, body) {
				return errors.New("a different body")
			}
			body, sf.DecodedBytes = got, len(got)
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("%s: %w", c.Name, err)
		}
		sf.HeaderMS, sf.HeaderMedianMS = msOf(header)
		sf.FirstByteMS, sf.FirstMedianMS = msOf(first)
		sf.LastByteMS, sf.LastMedianMS = msOf(last)
		r.Fetches = append(r.Fetches, sf)
	}
	return r, nil
}

// firstByte records when the first byte is read from a connection.
type firstByte struct {
	net.Conn
	at time.Time
}

func (c *firstByte) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if n > 0 && c.at.IsZero() {
		c.at = time.Now()
	}
	return n, err
}

// streamOnce sends one request of case c on a new connection (with
// Connection: close on HTTP/1.1) and reads the response to the end of its
// body. It returns the times of the response's first byte, the body's
// first byte and the body's end, from dialling, and the decoded body.
func streamOnce(l *Link, addr, host string, c StreamCase) ([3]time.Duration, *http.Response, []byte, error) {
	var t [3]time.Duration
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	start := time.Now()
	raw, err := l.Dial(ctx, "tcp", addr)
	if err != nil {
		return t, nil, nil, err
	}
	defer raw.Close()
	raw.SetDeadline(time.Now().Add(time.Minute))
	conn := &firstByte{Conn: raw}
	req := "GET " + c.Path + " " + c.Proto + "\r\nHost: " + host + "\r\n"
	if c.Proto != "HTTP/1.0" {
		req += "Connection: close\r\n"
	}
	if c.AcceptEncoding != "" {
		req += "Accept-Encoding: " + c.AcceptEncoding + "\r\n"
	}
	if _, err := io.WriteString(conn, req+"\r\n"); err != nil {
		return t, nil, nil, err
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		return t, nil, nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return t, nil, nil, fmt.Errorf("unexpected response %s", resp.Status)
	}
	t[0] = conn.at.Sub(start)
	one := make([]byte, 1)
	if _, err := io.ReadFull(resp.Body, one); err != nil {
		return t, nil, nil, err
	}
	t[1] = time.Since(start)
	rest, err := io.ReadAll(resp.Body)
	if err != nil {
		return t, nil, nil, err
	}
	t[2] = time.Since(start)
	body := append(one, rest...)
	if resp.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			return t, nil, nil, err
		}
		if body, err = io.ReadAll(zr); err != nil {
			return t, nil, nil, err
		}
	}
	return t, resp, body, nil
}

func (r *StreamResults) PrintTable(w io.Writer) {
	fmt.Fprintf(w, "時間をかけて作るボディの GET、リンク（帯域 %s、RTT %g ms）越し、それぞれ %d 回、リクエストごとに新しいコネクション。時間は接続を始めてからの中央値\n\n", r.Rate, r.RTTMS, r.N)
	t := mdTable{head: []string{"場合", "レスポンスの最初のバイト（ms）", "ボディの最初のバイト（ms）", "ボディの最後のバイト（ms）",
		"リクエスト", "Transfer-Encoding", "Content-Encoding", "Content-Length（バイト）", "展開後（バイト）",
		"リンクのバイト / リクエスト", "パケット / リクエスト"}, align: "lrrrlllrrrr"}
	for _, f := range r.Fetches {
		cl := "–"
		if f.ContentLength >= 0 {
			cl = fmt.Sprint(f.ContentLength)
		}
		req := "GET " + f.Case.Path + " " + f.Case.Proto
		if f.Case.AcceptEncoding != "" {
			req += ", Accept-Encoding: " + f.Case.AcceptEncoding
		}
		t.rows = append(t.rows, []string{f.Case.Name,
			fmt.Sprintf("%.1f", f.HeaderMedianMS), fmt.Sprintf("%.1f", f.FirstMedianMS), fmt.Sprintf("%.1f", f.LastMedianMS),
			req, orNone(f.TransferEncoding), orNone(f.ContentEncoding), cl, fmt.Sprint(f.DecodedBytes),
			fmt.Sprintf("%.0f", f.WireBytes), fmt.Sprintf("%.1f", f.Packets)})
	}
	t.write(w)
}
