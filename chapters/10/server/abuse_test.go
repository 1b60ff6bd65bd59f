// Abuse tests (not part of the book's text): each attack from the
// chapter's list, in raw frames, against the server in this process; the
// server must end or survive the attack with its memory and goroutines
// bounded, and answer a new client afterwards. The tests are not
// parallel, so that what the process allocates and runs during one is
// that attack's (and the attacking client's, which reuses its buffers).
// Run with -v to see the figures.
package main

import (
	"bytes"
	"io"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/http2/hpack"

	"tcpbook/chapters/10/frame"
)

// cost is what an attack cost the process.
type cost struct {
	allocated  uint64 // bytes allocated during the attack (TotalAlloc)
	retained   int64  // heap in use after it, less before (both after a GC)
	goroutines int    // the most goroutines seen at once, less before
	after      int    // goroutines after it (5 s at most), less before
}

// measure runs attack, which calls sample now and then to record the
// number of goroutines, and returns its cost.
func measure(attack func(sample func())) cost {
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	g0 := runtime.NumGoroutine()
	most := g0
	attack(func() { most = max(most, runtime.NumGoroutine()) })
	// The handlers of a connection end just after the client sees it
	// close: give them 5 s to (a goroutine left after that is a leak).
	for deadline := time.Now().Add(5 * time.Second); runtime.NumGoroutine() > g0+4 && time.Now().Before(deadline); {
		time.Sleep(5 * time.Millisecond)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	return cost{
		allocated:  after.TotalAlloc - before.TotalAlloc,
		retained:   int64(after.HeapAlloc) - int64(before.HeapAlloc),
		goroutines: most - g0,
		after:      runtime.NumGoroutine() - g0,
	}
}

func (c cost) String() string {
	return "allocated " + kib(int64(c.allocated)) + ", retained " + kib(c.retained) +
		", goroutines at most +" + itoa(c.goroutines) + " (+" + itoa(c.after) + " after)"
}

func kib(n int64) string { return strconv.FormatInt(n>>10, 10) + " KiB" }
func itoa(n int) string  { return strconv.Itoa(n) }

// alive checks that the server still answers a new client, in HTTP/2 and
// in HTTP/1.1.
func alive(t *testing.T, ts *testServer) {
	t.Helper()
	client, _ := ts.h2Client(t, false)
	for _, c := range []*http.Client{client, {Timeout: 10 * time.Second}} {
		resp, err := c.Get(ts.url(false, "/"))
		if err != nil {
			t.Fatalf("after the attack: %v", err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || string(body) != "Hello World\n" {
			t.Errorf("after the attack: %s %s %q", resp.Proto, resp.Status, body)
		}
	}
}

// raw returns the bytes of frames, to write again and again without
// allocating.
func raw(fs ...frame.Frame) []byte {
	var b bytes.Buffer
	for _, f := range fs {
		frame.Write(&b, f)
	}
	return b.Bytes()
}

// goAwayOrClose reads the server's frames until it closes, and returns
// the GOAWAY's code if one came (or "closed").
func goAwayOrClose(t *testing.T, c *rawClient) string {
	t.Helper()
	code := "closed"
	timeout := time.After(20 * time.Second)
	for {
		select {
		case f, open := <-c.frames:
			if !open {
				return code
			}
			if g, err := frame.ParseGoAway(f); f.Type == frame.TypeGoAway && err == nil {
				code = g.Code.String()
			}
		case <-timeout:
			t.Fatal("the server did not close the connection in 20 s")
		}
	}
}

// TestAbuseRapidReset: HEADERS and RST_STREAM for /slow, again and again
// (CVE-2023-44487). Each reset ends its handler at once, and no more than
// maxConcurrentStreams handlers run; a client that opens streams faster
// than the handlers end is refused, and after maxResets refusals the
// connection is closed with ENHANCE_YOUR_CALM.
func TestAbuseRapidReset(t *testing.T) {
	ts := startServer(t)
	c := dialRaw(t, ts.plain)
	const n = 20000
	sent, responses, refused := 0, 0, 0
	var outcome string
	cst := measure(func(sample func()) {
		for i := range n {
			id := uint32(2*i + 1)
			pair := raw(frame.Headers{StreamID: id, EndStream: true, EndHeaders: true, Block: c.block("GET", "/slow")}.Frame(),
				frame.RSTStream{StreamID: id, Code: frame.ErrCodeCancel}.Frame())
			if _, err := c.conn.Write(pair); err != nil {
				break
			}
			sent++
			sample()
		}
		c.write(frame.GoAway{LastStreamID: 0}.Frame()) // then the server closes once idle
		timeout := time.After(20 * time.Second)
	read:
		for {
			select {
			case f, open := <-c.frames:
				if !open {
					break read
				}
				switch f.Type {
				case frame.TypeHeaders:
					responses++
				case frame.TypeRSTStream:
					if r, _ := frame.ParseRSTStream(f); r.Code == frame.ErrCodeRefusedStream {
						refused++
					}
				case frame.TypeGoAway:
					g, _ := frame.ParseGoAway(f)
					outcome = g.Code.String()
				}
				sample()
			case <-timeout:
				t.Fatal("the server did not close the connection in 20 s")
			}
		}
	})
	t.Logf("rapid reset: %d streams opened and reset, %d answered, %d refused, GOAWAY %s; %v", sent, responses, refused, outcome, cst)
	if cst.goroutines > maxConcurrentStreams+16 || cst.retained > 4<<20 || cst.after > 4 {
		t.Errorf("rapid reset cost %v; want at most %d more goroutines and 4 MiB retained", cst, maxConcurrentStreams+16)
	}
	alive(t, ts)
}

// TestAbuseContinuationFlood: a HEADERS without END_HEADERS, then
// CONTINUATION after CONTINUATION, full of bytes (CVE-2023-45288,
// CVE-2024-27316), or empty. The server keeps at most
// maxHeaderBlockBytes of the block, or maxHeaderBlockFrames frames, and
// then closes the connection with ENHANCE_YOUR_CALM.
func TestAbuseContinuationFlood(t *testing.T) {
	ts := startServer(t)
	for _, size := range []int{frame.DefaultMaxFrameSize, 0} {
		c := dialRaw(t, ts.plain)
		cont := raw(frame.Continuation{StreamID: 1, Block: bytes.Repeat([]byte{'a'}, size)}.Frame())
		sent := 0
		var outcome string
		cst := measure(func(sample func()) {
			c.write(frame.Headers{StreamID: 1, Block: c.block("GET", "/")}.Frame())
			for range 100000 {
				if _, err := c.conn.Write(cont); err != nil {
					break
				}
				sent++
				if sent > 2*maxHeaderBlockFrames && sent%1000 == 0 {
					sample()
				}
			}
			outcome = goAwayOrClose(t, c)
		})
		t.Logf("CONTINUATION flood of %d-byte frames: the socket took %d frames (%d KiB) before the server closed, GOAWAY %s; %v",
			size, sent, sent*(size+frame.HeaderLen)>>10, outcome, cst)
		if outcome != "ENHANCE_YOUR_CALM" || cst.allocated > 4<<20 {
			t.Errorf("CONTINUATION flood: GOAWAY %s, %v; want ENHANCE_YOUR_CALM and less than 4 MiB allocated", outcome, cst)
		}
	}
	alive(t, ts)
}

// TestAbuseControlFlood: PINGs, or SETTINGS, each of which the server
// must answer, sent without reading the answers (CVE-2019-9512,
// CVE-2019-9515). The server writes each answer before it reads the next
// frame, so it queues nothing, and after maxControlPerSecond in a second
// it closes the connection with ENHANCE_YOUR_CALM.
func TestAbuseControlFlood(t *testing.T) {
	ts := startServer(t)
	for _, f := range []frame.Frame{
		frame.Ping{Data: [8]byte{1}}.Frame(),
		frame.Settings{Params: []frame.Setting{{ID: frame.SettingInitialWindowSize, Value: 1 << 20}}}.Frame(),
	} {
		c := dialRawQuiet(t, ts.plain)
		flood := bytes.Repeat(raw(f), 100000)
		outcome, acks := "closed", 0
		cst := measure(func(sample func()) {
			c.conn.SetWriteDeadline(time.Now().Add(20 * time.Second))
			c.conn.Write(flood) // all of it: the server reads what it does not use, then closes
			sample()
			c.startReading()
			for f := range c.frames {
				switch {
				case f.Type == frame.TypeGoAway:
					g, _ := frame.ParseGoAway(f)
					outcome = g.Code.String()
				case f.Flags.Has(frame.FlagAck) && outcome == "closed":
					acks++
				}
			}
		})
		t.Logf("%v flood of %d frames: %d answered, then GOAWAY %s; %v", f.Type, len(flood)/len(raw(f)), acks, outcome, cst)
		if cst.allocated > 16<<20 || cst.after > 4 {
			t.Errorf("%v flood: %v; want less than 16 MiB allocated", f.Type, cst)
		}
		if outcome != "ENHANCE_YOUR_CALM" && outcome != "closed" {
			t.Errorf("%v flood: GOAWAY %s, want ENHANCE_YOUR_CALM or a close", f.Type, outcome)
		}
	}
	alive(t, ts)
}

// TestAbuseResetFlood: requests the server must refuse, each with a
// stream error, sent without reading the answers (CVE-2019-9514). Each
// costs the server a RST_STREAM and a line of log, so after maxResets
// stream errors it closes the connection with ENHANCE_YOUR_CALM.
func TestAbuseResetFlood(t *testing.T) {
	ts := startServer(t)
	c := dialRawQuiet(t, ts.plain)
	// A connection-specific field makes a request malformed (RFC 9113
	// §8.2.2): a stream error of type PROTOCOL_ERROR.
	block := c.block("GET", "/", hpack.HeaderField{Name: "connection", Value: "close"})
	const n = 100000
	var flood bytes.Buffer
	for i := range n {
		frame.Write(&flood, frame.Headers{StreamID: uint32(2*i + 1), EndStream: true, EndHeaders: true, Block: block}.Frame())
	}
	outcome, resets := "closed", 0
	cst := measure(func(sample func()) {
		c.conn.SetWriteDeadline(time.Now().Add(20 * time.Second))
		c.conn.Write(flood.Bytes()) // all of it: the server reads what it does not use, then closes
		sample()
		c.startReading()
		for f := range c.frames {
			switch f.Type {
			case frame.TypeGoAway:
				g, _ := frame.ParseGoAway(f)
				outcome = g.Code.String()
			case frame.TypeRSTStream:
				resets++
			}
		}
	})
	t.Logf("reset flood of %d malformed requests: %d reset, then GOAWAY %s; %v", n, resets, outcome, cst)
	if resets != maxResets || outcome != "ENHANCE_YOUR_CALM" {
		t.Errorf("reset flood: %d RST_STREAM, GOAWAY %s; want %d and ENHANCE_YOUR_CALM", resets, outcome, maxResets)
	}
	if cst.allocated > 16<<20 || cst.after > 4 {
		t.Errorf("reset flood: %v; want less than 16 MiB allocated", cst)
	}
	alive(t, ts)
}

// TestAbuseEmptyFrames: a request whose body never ends, kept open by
// empty DATA frames (CVE-2019-9518). The server keeps nothing for an
// empty frame: a million of them leave only garbage behind (the frame
// header, read into an array that escapes through io.ReadFull). The
// frames keep coming, but the request must still end at readTimeout
// after its HEADERS, with RST_STREAM CANCEL.
func TestAbuseEmptyFrames(t *testing.T) {
	ts := startServer(t)
	c := dialRaw(t, ts.plain)
	empty := raw(frame.Data{StreamID: 1}.Frame())
	n := 1000000
	flood, more := bytes.Repeat(empty, n), bytes.Repeat(empty, 1000)
	var written int
	var reset time.Duration
	cst := measure(func(sample func()) {
		start := time.Now()
		c.write(frame.Headers{StreamID: 1, EndHeaders: true, Block: c.block("POST", "/")}.Frame())
		c.conn.SetWriteDeadline(time.Now().Add(20 * time.Second))
		written, _ = c.conn.Write(flood)
		sample()
		for reset == 0 {
			select {
			case f := <-c.frames:
				if r, err := frame.ParseRSTStream(f); f.Type == frame.TypeRSTStream && err == nil && r.Code == frame.ErrCodeCancel {
					reset = time.Since(start)
				}
			case <-time.After(10 * time.Millisecond):
				if time.Since(start) > readTimeout+5*time.Second {
					t.Fatalf("the request was not cancelled in %v", readTimeout+5*time.Second)
				}
				k, _ := c.conn.Write(more)
				written += k
				n += len(more) / len(empty)
			}
		}
	})
	t.Logf("%d empty DATA frames on one stream: %d bytes read, RST_STREAM CANCEL after %v; %v", n, written, reset.Round(time.Millisecond), cst)
	if written != n*len(empty) || cst.allocated > uint64(n)*32 || cst.retained > 1<<20 {
		t.Errorf("empty frames: %d of %d bytes written, %v; want all, at most 32 bytes allocated per frame and 1 MiB retained",
			written, n*len(empty), cst)
	}
	if reset < readTimeout || reset > readTimeout+time.Second {
		t.Errorf("the request was cancelled %v after its HEADERS, want readTimeout (%v)", reset, readTimeout)
	}
	alive(t, ts)
}

// TestAbuseWindowNeverOpened: a client that sets its stream windows to 0
// and opens maxConcurrentStreams streams, then never sends WINDOW_UPDATE.
// Each handler waits for the window for writeTimeout at most and resets
// its stream (CANCEL); then, with no stream left, the connection is closed
// after idleTimeout. No goroutine stays behind.
func TestAbuseWindowNeverOpened(t *testing.T) {
	ts := startServer(t)
	c := dialRaw(t, ts.plain, frame.Setting{ID: frame.SettingInitialWindowSize, Value: 0})
	cancels := 0
	var outcome string
	start := time.Now()
	var took time.Duration
	cst := measure(func(sample func()) {
		for i := range maxConcurrentStreams {
			c.request(uint32(2*i+1), "POST", "/", false)
			c.write(frame.Data{StreamID: uint32(2*i + 1), EndStream: true, Data: bytes.Repeat([]byte{'x'}, 10000)}.Frame())
		}
		c.sync(t)
		sample()
		timeout := time.After(30 * time.Second)
	read:
		for {
			select {
			case f, open := <-c.frames:
				if !open {
					break read
				}
				if r, err := frame.ParseRSTStream(f); f.Type == frame.TypeRSTStream && err == nil && r.Code == frame.ErrCodeCancel {
					cancels++
				}
				if g, err := frame.ParseGoAway(f); f.Type == frame.TypeGoAway && err == nil {
					outcome = g.Code.String()
				}
				sample()
			case <-timeout:
				t.Fatal("the server did not close the connection in 30 s")
			}
		}
		took = time.Since(start)
	})
	t.Logf("window never opened: %d streams reset with CANCEL, GOAWAY %s, closed after %v; %v", cancels, outcome, took.Round(time.Millisecond), cst)
	if cancels != maxConcurrentStreams || outcome != "NO_ERROR" || cst.goroutines > maxConcurrentStreams+16 || cst.after > 4 {
		t.Errorf("window never opened: %d CANCELs, GOAWAY %s, %v; want %d, NO_ERROR, at most %d more goroutines, none after",
			cancels, outcome, cst, maxConcurrentStreams, maxConcurrentStreams+16)
	}
	alive(t, ts)
}

// TestAbuseHeaderList: header lists past SETTINGS_MAX_HEADER_LIST_SIZE.
// A large literal, and a small block that names a 4,000-byte entry of the
// dynamic table 16,000 times (64 MB once decoded, the "HPACK bomb"), are
// answered 431 without the server keeping the fields; a compressed block
// past maxHeaderBlockBytes closes the connection.
func TestAbuseHeaderList(t *testing.T) {
	ts := startServer(t)
	c := dialRaw(t, ts.plain)
	// send writes a block as HEADERS and CONTINUATIONs of 16 KiB.
	send := func(id uint32, block []byte) {
		n := min(len(block), frame.DefaultMaxFrameSize)
		c.write(frame.Headers{StreamID: id, EndStream: true, EndHeaders: n == len(block), Block: block[:n]}.Frame())
		for rest := block[n:]; len(rest) > 0; rest = rest[n:] {
			n = min(len(rest), frame.DefaultMaxFrameSize)
			c.write(frame.Continuation{StreamID: id, EndHeaders: n == len(rest), Block: rest[:n]}.Frame())
		}
	}
	var big strings.Builder
	for i := 0; big.Len() < maxHeaderListSize+1; i++ {
		big.WriteString(itoa(i * 7919 % 1000003)) // digits: Huffman can shrink them only a little
	}
	cst := measure(func(func()) {
		send(1, c.block("GET", "/", hpack.HeaderField{Name: "x-big", Value: big.String()}))
		if r := c.response(t, 1); r.status != "431" {
			t.Errorf("a %d-byte field: %+v, want 431", big.Len(), r)
		}
	})
	t.Logf("one field of %d bytes: 431; %v", big.Len(), cst)

	// The bomb: stream 3 puts a 4,000-byte entry into the dynamic table
	// (an ordinary request); stream 5's block is 16,000 references to it.
	send(3, c.block("GET", "/", hpack.HeaderField{Name: "x-bomb", Value: strings.Repeat("b", 4000)}))
	if r := c.response(t, 3); r.status != "200" {
		t.Fatalf("the request that fills the table: %+v, want 200", r)
	}
	bomb := append(c.block("GET", "/"), bytes.Repeat([]byte{0x80 | 62}, 16000)...)
	cst = measure(func(func()) {
		send(5, bomb)
		if r := c.response(t, 5); r.status != "431" {
			t.Errorf("the HPACK bomb: %+v, want 431", r)
		}
	})
	t.Logf("HPACK bomb (%d-byte block, %d MB decoded): 431; %v", len(bomb), 16000*(4000+6+32)/1000000, cst)
	if cst.allocated > 4<<20 {
		t.Errorf("the HPACK bomb: %v; want less than 4 MiB allocated", cst)
	}

	var huge []byte
	for len(huge) <= maxHeaderBlockBytes {
		// a literal field without indexing, name "h", a value of 256 bytes
		// (127 in the prefix, then 129 as a varint: RFC 7541 §5.1)
		huge = append(huge, 0x00, 1, 'h', 0x7f, 0x81, 0x01)
		huge = append(huge, bytes.Repeat([]byte{'v'}, 256)...)
	}
	send(7, huge)
	if got := goAwayOrClose(t, c); got != "ENHANCE_YOUR_CALM" {
		t.Errorf("a %d-byte block: GOAWAY %s, want ENHANCE_YOUR_CALM", len(huge), got)
	}
	alive(t, ts)
}
