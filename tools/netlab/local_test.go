package netlab

import (
	"bufio"
	"math"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// freePort returns a loopback port nothing listens on now.
func freePort(t *testing.T) uint16 {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return uint16(ln.Addr().(*net.TCPAddr).Port)
}

// testExe returns this test binary, which is netlab serve when started
// with ServeOptions.Args (TestMain).
func testExe(t *testing.T) string {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return exe
}

func loopbackArgs(o ServeOptions, port uint16) []string {
	args := o.Args(port)
	args[2] = "127.0.0.1:" + strconv.Itoa(int(port)) // not localhost, which may be ::1 first
	return args
}

// readHello accepts chapter 4's response and nothing else.
func TestReadHello(t *testing.T) {
	good := "HTTP/1.1 200 OK\r\nContent-Length: 12\r\nContent-Type: text/plain\r\n\r\nHello World\n"
	for _, tc := range []struct {
		resp string
		ok   bool
	}{
		{good, true},
		{strings.Replace(good, "HTTP/1.1", "HTTP/1.0", 1), true},
		{strings.Replace(good, "Content-Length", "content-length", 1), true},
		{strings.Replace(good, "200 OK", "404 Not Found", 1), false},
		{strings.Replace(good, "12", "11", 1), false},
		{strings.Replace(good, "Content-Length: 12\r\n", "", 1), false},
		{strings.Replace(good, "Hello", "Howdy", 1), false},
		{good[:len(good)-3], false},
	} {
		err := readHello(bufio.NewReader(strings.NewReader(tc.resp)))
		if (err == nil) != tc.ok {
			t.Errorf("readHello(%q) = %v", tc.resp, err)
		}
	}
}

// A closed-loop run interleaves its repeats (every series at every count,
// then again), counts requests without errors, and takes CPU time per
// request from the server; the summary has one point per series and
// count, with the median between the lowest and the highest.
func TestMeasureLoad(t *testing.T) {
	port := freePort(t)
	exe := testExe(t)
	plan := LoadPlan{
		Targets: []LoadTarget{
			{Name: "a", Mode: ModeKeep, Exe: exe, Args: loopbackArgs(ServeOptions{}, port)},
			{Name: "b", Mode: ModeNew, Exe: exe, Args: loopbackArgs(ServeOptions{}, port)},
		},
		Conns: []int{1, 4}, Warmup: 50 * time.Millisecond, Duration: 300 * time.Millisecond, Repeats: 2, Port: port,
	}
	runs, err := MeasureLoad(plan)
	if err != nil {
		t.Fatal(err)
	}
	var order []string
	var cpu float64
	for _, r := range runs {
		order = append(order, r.Series+"/"+strconv.Itoa(r.Conns)+"/"+strconv.Itoa(r.Repeat))
		if r.Requests == 0 || r.Errors != 0 || r.P50MS <= 0 || r.P99MS < r.P50MS {
			t.Errorf("run %+v", r)
		}
		// LittleMS is rounded to 0.001 ms: at 22,000 requests/s that is 1%.
		if want := float64(r.Conns) / r.RPS * 1000; math.Abs(r.LittleMS-want) > max(want*0.01, 0.0005) {
			t.Errorf("run %+v: Little's law gives %.3f ms", r, want)
		}
		// The mean obeys Little's law. Not exactly: the last request of
		// each connection, cut off by the end, is not counted, and the
		// loop spends a little time between requests outside the timed
		// span. So within 25%, where the median is not required to be.
		if r.MeanMS <= 0 || r.MeanMS > r.LittleMS*1.25 || r.MeanMS < r.LittleMS*0.5 {
			t.Errorf("run %+v: mean %.3f ms, Little's law %.3f ms", r, r.MeanMS, r.LittleMS)
		}
		cpu += r.ServerCPUUS
	}
	want := []string{"a-keep/1/1", "a-keep/4/1", "b-new/1/1", "b-new/4/1", "a-keep/1/2", "a-keep/4/2", "b-new/1/2", "b-new/4/2"}
	if !slices.Equal(order, want) {
		t.Errorf("runs in the order %v, want %v", order, want)
	}
	if cpu <= 0 {
		t.Error("no server CPU time recorded in any run")
	}
	points := SummariseLoad(runs)
	if len(points) != 4 || points[0].Series != "a-keep" || points[0].Conns != 1 || points[3].Series != "b-new" {
		t.Fatalf("points %+v", points)
	}
	for _, p := range points {
		if p.RPS.Min > p.RPS.Median || p.RPS.Median > p.RPS.Max || p.RPS.Min <= 0 {
			t.Errorf("point %+v", p)
		}
	}
}

// Memory per idle connection: the levels come in order, each read once
// the server holds all the connections, and the fitted RSS per connection
// is positive (a goroutine and buffers each).
func TestMeasureMemory(t *testing.T) {
	port := freePort(t)
	exe := testExe(t)
	series, err := MeasureMemory(MemoryPlan{
		Targets: []MemoryTarget{
			{Name: "idle", Exe: exe, Args: loopbackArgs(ServeOptions{}, port)},
			{Name: "after", Request: true, Exe: exe, Args: loopbackArgs(ServeOptions{}, port)},
		},
		Counts: []int{0, 100, 200}, Env: []string{"GOGC=1"}, Port: port,
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range series {
		if len(s.Levels) != 3 || s.Levels[2].Conns != 200 {
			t.Fatalf("%s: levels %+v", s.Target.Name, s.Levels)
		}
		t.Logf("%s: %.0f bytes RSS, %.0f bytes of kernel TCP sockets per connection", s.Target.Name, s.RSSPerConn, s.SlabPerConn)
		if s.RSSPerConn <= 1024 || s.Levels[0].RSS <= 0 {
			t.Errorf("%s: %.0f bytes per connection from %+v", s.Target.Name, s.RSSPerConn, s.Levels)
		}
	}
}

// The side that closes first keeps the TIME_WAIT socket: the server when
// the client asks it to close, the client when it closes itself.
func TestMeasureTimeWait(t *testing.T) {
	port := freePort(t)
	exe := testExe(t)
	args := loopbackArgs(ServeOptions{}, port)
	r, err := MeasureTimeWait([]TimeWaitCase{
		{Name: "server", Exe: exe, Args: args},
		{Name: "client", ClientCloses: true, Exe: exe, Args: args},
	}, 20, port, nil)
	if err != nil {
		t.Fatal(err)
	}
	if a := r.Runs[0]; a.ClosedFirst != "server" || a.ServerSide != 20 || a.ClientSide != 0 {
		t.Errorf("server closing first: %+v", a)
	}
	if b := r.Runs[1]; b.ClosedFirst != "client" || b.ServerSide != 0 || b.ClientSide != 20 {
		t.Errorf("client closing first: %+v", b)
	}
}

// The /proc readers read this process: CPU time, RSS, open files, and the
// socket tables, in which a listener shows.
func TestProc(t *testing.T) {
	pid := os.Getpid()
	for start := time.Now(); time.Since(start) < 30*time.Millisecond; {
	}
	if cpu, err := ProcCPU(pid); err != nil || cpu <= 0 {
		t.Errorf("ProcCPU = %v, %v", cpu, err)
	}
	if rss, err := ProcRSS(pid); err != nil || rss < 1<<20 {
		t.Errorf("ProcRSS = %v, %v", rss, err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	port := uint16(ln.Addr().(*net.TCPAddr).Port)
	if n, err := ProcFDs(pid); err != nil || n < 4 {
		t.Errorf("ProcFDs = %v, %v", n, err)
	}
	states, err := ReadTCPStates()
	if err != nil || !slices.Contains(states, TCPState{LocalPort: port, State: 0x0A}) {
		t.Errorf("ReadTCPStates has no listener on %d: %v", port, err)
	}
	if s, err := ReadSockstat(); err != nil || s.InUse < 1 {
		t.Errorf("ReadSockstat = %+v, %v", s, err)
	}
}
