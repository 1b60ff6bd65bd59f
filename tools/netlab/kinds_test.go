package netlab

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"io"
	"reflect"
	"strings"
	"testing"
	"time"

	"tcpbook/internal/transcript"
)

// sampleLoad is a load results file with two series at two counts.
func sampleLoad() *LoadResults {
	runs := []LoadRun{
		{Series: "ch04-keep", Conns: 1, Repeat: 1, Requests: 100, RPS: 50, ServerCPUUS: 20},
		{Series: "ch04-keep", Conns: 16, Repeat: 1, Requests: 300, RPS: 150, ServerCPUUS: 10},
		{Series: "http-keep", Conns: 1, Repeat: 1, Requests: 80, RPS: 40, ServerCPUUS: 25},
		{Series: "http-keep", Conns: 16, Repeat: 1, Requests: 200, RPS: 100, ServerCPUUS: 12},
		{Series: "ch04-keep", Conns: 1, Repeat: 2, Requests: 120, RPS: 60, ServerCPUUS: 18},
		{Series: "ch04-keep", Conns: 16, Repeat: 2, Requests: 320, RPS: 160, ServerCPUUS: 9},
		{Series: "http-keep", Conns: 1, Repeat: 2, Requests: 90, RPS: 45, ServerCPUUS: 24},
		{Series: "http-keep", Conns: 16, Repeat: 2, Requests: 210, RPS: 105, ServerCPUUS: 11},
	}
	return &LoadResults{Head: Head{Kind: KindLoad, Meta: Metadata{Kernel: "6.1", GoVersion: "go1.26", CPUs: 2, Start: time.Now()}},
		Load: ClosedLoop, ClientCPUs: []int{0}, ServerCPUs: []int{1}, DurationS: 2, WarmupS: 0.5, Repeats: 2,
		Points: SummariseLoad(runs), Runs: runs}
}

// Every kind of results prints the same table each time, from the file
// alone: no time of day, the rows in the file's order.
func TestTablesDeterministic(t *testing.T) {
	meta := Metadata{Kernel: "6.1", GoVersion: "go1.26", CPUs: 2, Start: time.Now(), Server: &NetInfo{CongestionControl: "reno", InitCwnd: 10}}
	tables := map[string]interface {
		PrintTable(io.Writer)
		Describe() string
	}{
		"trace": &TraceResults{Head: Head{Kind: KindTrace, Meta: meta}, RTTMS: 50, Server: ServeOptions{Unbuffered: true}, WritesKeep: 13, WritesClose: 14,
			Exchanges: []Exchange{{Connection: 1, Request: 1, Segments: 11, Bytes: 129, SpreadMS: 51, TimeMS: 103}, {Connection: 2, Request: 1, Segments: 11, Bytes: 148}}},
		"idle": &IdleResults{Head: Head{Kind: KindIdle, Meta: meta}, RTTMS: 50, GapMS: 1000, N: 5, Runs: []IdleRun{
			{CongestionControl: "reno", SlowStartAfterIdle: "1", Response: IdleResponse{Name: "unbuffered Hello"}, AfterIdleMS: 103, AfterIdleRTTs: 2.06}}},
		"load":   sampleLoad(),
		"memory": &MemoryResults{Head: Head{Kind: KindMemory, Meta: meta}, ServerEnv: []string{"GOGC=1"}, Series: []MemorySeries{{Target: MemoryTarget{Name: "ch04", Request: true}, Levels: []MemoryLevel{{Conns: 0, RSS: 1 << 22}, {Conns: 1000, RSS: 1 << 24}}, RSSPerConn: 12000, SlabPerConn: 4736}}},
		"timewait": &TimeWaitResults{Head: Head{Kind: KindTimeWait, Meta: meta}, PortRange: "32768-60999", Runs: []TimeWaitRun{
			{Case: TimeWaitCase{Name: "ch02"}, ClosedFirst: "server", Connections: 10, ClientPorts: 10, ServerSide: 10}}},
	}
	wants := map[string][]string{
		"trace":    {"| 1 | 1 | 2.06 | 103.0 | 51.0 | 11 | 129 | 13 | なし |", "| 2 | 1 | 0.00 | 0.0 | 0.0 | 11 | 148 | 14 | あり |", "まとめずに書く"},
		"idle":     {"| reno | 1 | 0.00 | 2.06 |", "まとめずに書く Hello（RTT）: 続けて | 間を空けて |", "RTT 50 ms、間は 1000 ms"},
		"load":     {"| 系列 | リクエスト / 秒: 1 本 | 16 本 | サーバーの CPU / リクエスト（µs）: 1 本 | 16 本 |", "| ch04-keep | 55 | 155 | 19.0 | 9.5 |", "| http-keep | 42 | 102 | 24.5 | 11.5 |", "閉ループ", "CPU 0", "CPU 1"},
		"memory":   {"| サーバー | アイドルのコネクション | 1 本あたりの RSS（KiB） |", "| ch04 | リクエスト 1 つのあと | 11.7 | 4.6 | 4.0 | 16.0 |", "GOGC=1"},
		"timewait": {"| ch02 | 10 | 10 | 0 | – | – |", "32768-60999"},
	}
	for kind, tab := range tables {
		// The same results read back from their JSON file, as netlab
		// table reads them.
		data, err := json.Marshal(tab)
		if err != nil {
			t.Fatal(err)
		}
		back := reflect.New(reflect.TypeOf(tab).Elem()).Interface().(interface {
			PrintTable(io.Writer)
			Describe() string
		})
		if err := json.Unmarshal(data, back); err != nil {
			t.Fatal(err)
		}
		var a, b bytes.Buffer
		tab.PrintTable(&a)
		back.PrintTable(&b)
		out := a.String() + tab.Describe()
		if again := b.String() + back.Describe(); again != out {
			t.Errorf("%s: the table and caption from the file differ:\n%s\n---\n%s", kind, out, again)
		}
		if strings.Contains(out, meta.Start.Format("2006-01-02")) || strings.Contains(out, meta.Start.Format(time.RFC3339)) {
			t.Errorf("%s: the table shows the run's date", kind)
		}
		// The book shows the output as a table (a .table transcript).
		if _, err := transcript.Tables(a.String()); err != nil {
			t.Errorf("%s: the book cannot show the table: %v\n%s", kind, err, a.String())
		}
		for _, w := range wants[kind] {
			if !strings.Contains(out, w) {
				t.Errorf("%s: the table lacks %q:\n%s", kind, w, out)
			}
		}
	}
}

// The throughput chart is well-formed SVG with a title and a description
// that states every point, a group per series in each of its two panels,
// and a bar from the lowest to the highest repeat per point and panel.
func TestThroughputSVG(t *testing.T) {
	r := sampleLoad()
	var b bytes.Buffer
	if err := r.SVG(&b, "Throughput"); err != nil {
		t.Fatal(err)
	}
	svg := b.String()
	d := xml.NewDecoder(strings.NewReader(svg))
	for {
		_, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("not well-formed: %v", err)
		}
	}
	for _, want := range []string{"<title id=\"title\">Throughput</title>", "ch04-keep、16 本: 1 秒あたり 155 リクエスト（150〜160）", "閉ループ", ">1 秒あたりのリクエスト<", ">同時に使うコネクション（本）<"} {
		if !strings.Contains(svg, want) {
			t.Errorf("the SVG lacks %q", want)
		}
	}
	if n := strings.Count(svg, `<g class="series"`); n != 2*2 {
		t.Errorf("%d series groups, want 2 series × 2 panels", n)
	}
	if n := strings.Count(svg, `class="range"`); n != len(r.Points)*2 {
		t.Errorf("%d range bars, want %d", n, len(r.Points)*2)
	}
}
