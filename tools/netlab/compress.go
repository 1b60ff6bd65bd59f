package netlab

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"time"
	"unicode/utf8"
)

// CompressResults is what netlab compress writes: GET / from a server
// across a bandwidth-limited, delayed link with and without Accept-Encoding:
// gzip, and the gzip size and CPU time of the document's prefixes at each
// compression level, measured in netlab's own process.
type CompressResults struct {
	LinkRun                 // kind "compress", meta, rate, burst, drops, rtt_ms, n (requests per Accept-Encoding)
	Fetches []CompressFetch `json:"fetches"`
	Sizes   []CompressSize  `json:"sizes"`
	// BreakEven is, per level, the smallest body size from which every
	// larger prefix of the document compresses to a gzip body that, with
	// the "Content-Encoding: gzip\r\n" header line, is smaller than the body.
	BreakEven map[string]int `json:"break_even"`
}

// CompressFetch is n requests with one Accept-Encoding.
type CompressFetch struct {
	AcceptEncoding  string    `json:"accept_encoding"` // empty: none sent
	ContentEncoding string    `json:"content_encoding"`
	ContentLength   int64     `json:"content_length"`
	DecodedBytes    int       `json:"decoded_bytes"`
	TimesMS         []float64 `json:"times_ms"` // from dialling to the end of the body
	MedianMS        float64   `json:"median_ms"`
	MinMS           float64   `json:"min_ms"`
	// WireBytes and Packets are what the link carried per request, both
	// directions, the handshake and the close included (IP packets).
	WireBytes float64 `json:"wire_bytes_per_request"`
	Packets   float64 `json:"packets_per_request"`
}

// CompressSize is the document's first Size bytes compressed at each level.
type CompressSize struct {
	Size   int             `json:"size"`
	Levels []CompressLevel `json:"levels"`
}

// CompressLevel is one body compressed at one level: the gzip size and the
// CPU time (user and system, of netlab's process) per body, with a
// gzip.Writer reused by Reset as a server's pool would.
type CompressLevel struct {
	Level string  `json:"level"`
	Bytes int     `json:"bytes"`
	CPUUS float64 `json:"cpu_us"`
}

// CompressLevels are the levels measured, by name.
var CompressLevels = []struct {
	Name  string
	Level int
}{{"BestSpeed", gzip.BestSpeed}, {"DefaultCompression", gzip.DefaultCompression}}

// CompressPlan says what netlab compress measures.
type CompressPlan struct {
	LinkPlan
	Accepts []string // Accept-Encoding values; "" sends none
	Sizes   []int    // prefix sizes of the document; 0 means the whole document
	CPUFor  time.Duration
}

// contentEncodingLine is what a gzip response adds to the header.
const contentEncodingLine = "Content-Encoding: gzip\r\n"

// MeasureCompress runs the plan.
func MeasureCompress(p CompressPlan) (*CompressResults, error) {
	f, run, err := p.start(KindCompress)
	if err != nil {
		return nil, err
	}
	defer f.close()
	r := &CompressResults{LinkRun: run, BreakEven: map[string]int{}}
	var document []byte
	for _, ae := range p.Accepts {
		logf(p.Log, "compress: GET / with Accept-Encoding %q\n", ae)
		cf := CompressFetch{AcceptEncoding: ae}
		var times []time.Duration
		c := StreamCase{Path: "/", Proto: "HTTP/1.1", AcceptEncoding: ae}
		cf.WireBytes, cf.Packets, err = f.fetch(c, p.N, func(t [3]time.Duration, resp *http.Response, body []byte) error {
			times = append(times, t[2])
			cf.ContentEncoding, cf.ContentLength = resp.Header.Get("Content-Encoding"), resp.ContentLength
			if document != nil && !bytes.Equal(body, document) {
				return errors.New("a different document")
			}
			document, cf.DecodedBytes = body, len(body)
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("Accept-Encoding %q: %w", ae, err)
		}
		cf.TimesMS, cf.MedianMS = msOf(times)
		cf.MinMS = round(ms(slices.Min(times)), 3)
		r.Fetches = append(r.Fetches, cf)
	}
	logf(p.Log, "compress: gzip sizes and CPU time of the document's prefixes\n")
	for _, n := range p.Sizes {
		if n == 0 || n > len(document) {
			n = len(document)
		}
		body := prefix(document, n)
		s := CompressSize{Size: len(body)}
		for _, lv := range CompressLevels {
			size, cpu := compressCost(body, lv.Level, p.CPUFor)
			s.Levels = append(s.Levels, CompressLevel{Level: lv.Name, Bytes: size, CPUUS: round(cpu, 2)})
		}
		r.Sizes = append(r.Sizes, s)
	}
	for _, lv := range CompressLevels {
		r.BreakEven[lv.Name] = breakEven(document, lv.Level)
	}
	return r, nil
}

// prefix returns b's first n bytes or fewer, cut at a character boundary.
func prefix(b []byte, n int) []byte {
	b = b[:min(n, len(b))]
	for len(b) > 0 && !utf8.Valid(b) {
		b = b[:len(b)-1]
	}
	return b
}

// gzipSize compresses b with zw, reset, and returns the size.
func gzipSize(zw *gzip.Writer, b []byte) int {
	var buf bytes.Buffer
	zw.Reset(&buf)
	zw.Write(b)
	zw.Close()
	return buf.Len()
}

// compressCost returns b's gzip size at level and the CPU time per body in
// µs: compressed again and again with one reused Writer for at least d.
func compressCost(b []byte, level int, d time.Duration) (int, float64) {
	zw, err := gzip.NewWriterLevel(nil, level)
	if err != nil {
		panic(err)
	}
	size := gzipSize(zw, b)
	start, n := selfCPU(), 0
	for begin := time.Now(); time.Since(begin) < d || n < 10; n++ {
		gzipSize(zw, b)
	}
	return size, float64(selfCPU()-start) / float64(time.Microsecond) / float64(n)
}

// breakEven scans the document's prefixes in steps of 8 bytes and returns
// the smallest size from which every larger prefix, gzipped at level, is
// smaller than itself by more than the Content-Encoding line.
func breakEven(document []byte, level int) int {
	zw, err := gzip.NewWriterLevel(nil, level)
	if err != nil {
		panic(err)
	}
	from := len(document) + 1
	for n := len(document); n > 0; n -= 8 {
		b := prefix(document, n)
		if gzipSize(zw, b)+len(contentEncodingLine) >= len(b) {
			break
		}
		from = len(b)
	}
	return from
}

func (r *CompressResults) PrintTable(w io.Writer) {
	fmt.Fprintf(w, "リンク（帯域 %s、RTT %g ms）越しの GET /、それぞれ %d 回、リクエストごとに新しいコネクション\n\n", r.Rate, r.RTTMS, r.N)
	t := mdTable{head: []string{"Accept-Encoding", "Content-Encoding", "時間の中央値（ms）", "最速（ms）",
		"リンクのバイト / リクエスト", "パケット / リクエスト", "Content-Length（バイト）", "展開後（バイト）"}, align: "llrrrrrr"}
	for _, f := range r.Fetches {
		t.rows = append(t.rows, []string{orNone(f.AcceptEncoding), orNone(f.ContentEncoding),
			fmt.Sprintf("%.1f", f.MedianMS), fmt.Sprintf("%.1f", f.MinMS), fmt.Sprintf("%.0f", f.WireBytes),
			fmt.Sprintf("%.1f", f.Packets), fmt.Sprint(f.ContentLength), fmt.Sprint(f.DecodedBytes)})
	}
	t.write(w)
	fmt.Fprintln(w)
	fmt.Fprintln(w, "文書の先頭を netlab のプロセスで gzip にしたもの（gzip.Writer を使い回す）: ボディごとの大きさと CPU 時間")
	fmt.Fprintln(w)
	t = mdTable{head: []string{"ボディ（バイト）"}, align: "r"}
	for _, lv := range CompressLevels {
		t.head = append(t.head, lv.Name+"（バイト、元との比）", "CPU（µs）")
		t.align += "rr"
	}
	for _, s := range r.Sizes {
		row := []string{fmt.Sprint(s.Size)}
		for _, lv := range s.Levels {
			row = append(row, fmt.Sprintf("%d (%.0f%%)", lv.Bytes, 100*float64(lv.Bytes)/float64(s.Size)), fmt.Sprintf("%.1f", lv.CPUUS))
		}
		t.rows = append(t.rows, row)
	}
	t.write(w)
	fmt.Fprintln(w)
	for _, lv := range CompressLevels {
		fmt.Fprintf(w, "%s: gzip のボディに %q を足しても元のボディより小さくなるのは、この文書の %d バイトから\n", lv.Name, contentEncodingLine, r.BreakEven[lv.Name])
	}
}

func orNone(s string) string {
	if s == "" {
		return "（なし）"
	}
	return s
}
