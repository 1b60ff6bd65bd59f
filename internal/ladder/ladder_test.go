package ladder

import (
	"errors"
	"io/fs"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	lt "tcpbook/internal/ladder/laddertest"
)

func files(c, s []byte) func(string) ([]byte, error) {
	return func(p string) ([]byte, error) {
		switch {
		case p == "c.pcap" && c != nil:
			return c, nil
		case p == "c.server.pcap" && s != nil:
			return s, nil
		}
		return nil, &fs.PathError{Op: "open", Path: p, Err: fs.ErrNotExist}
	}
}

// TestTwoSides draws the fixture's exchange from both captures: each
// packet has its send time at one end and its receive time a one-way
// delay later at the other, and the response's first segment, which the
// link lost, has no receive time.
func TestTwoSides(t *testing.T) {
	c, s := lt.HTTP(0)
	d, err := Load(files(c, s), &Spec{Pcap: "c.pcap"})
	if err != nil {
		t.Fatal(err)
	}
	if d.Side != "" || len(d.Rows) != 12 {
		t.Fatalf("side %q, %d rows, want both sides, 12 rows", d.Side, len(d.Rows))
	}
	for _, r := range d.Rows {
		if r.Lost {
			continue
		}
		if delay := r.Received() - r.Sent(); delay < 24.9 || delay > 25.1 {
			t.Errorf("packet %d (%s) crossed in %.1f ms, want 25", r.N, r.Flags, delay)
		}
	}
	lost := d.Rows[4]
	if !lost.Lost || lost.FromClient || lost.Summary != "HTTP/1.1 200 OK" || lost.Client != Missing {
		t.Errorf("row 5 = %+v, want the lost response head", lost)
	}
	again := d.Rows[7]
	if again.Lost || again.Summary != "HTTP/1.1 200 OK" || again.Seq != "1" {
		t.Errorf("row 8 = %+v, want the head sent again and received", again)
	}
	if d.Rows[0].Flags != "SYN" || d.Rows[1].Flags != "SYN ACK" || d.Rows[1].Ack != "1" {
		t.Errorf("handshake rows %+v %+v", d.Rows[0], d.Rows[1])
	}
	// The text form reads back as the diagram it was written from.
	back, err := Parse(d.Text())
	if err != nil {
		t.Fatal(err)
	}
	for i := range d.Rows {
		d.Rows[i].order = 0
	}
	if !reflect.DeepEqual(back, d) {
		t.Errorf("Parse(Text()) = %+v\nwant %+v", back, d)
	}
}

// TestOneSide draws from the client's capture alone: one time per
// packet, the client's, and nothing lost, for nothing can be known lost.
func TestOneSide(t *testing.T) {
	c, s := lt.HTTP(0)
	for _, side := range []string{"", "client", "server"} {
		read := files(c, s)
		if side == "" {
			read = files(c, nil) // an older capture
		}
		d, err := Load(read, &Spec{Pcap: "c.pcap", Side: side})
		if err != nil {
			t.Fatal(err)
		}
		want := side
		if side == "" {
			want = "client"
		}
		back, err := Parse(d.Text())
		if err != nil {
			t.Fatal(err)
		}
		if d.Side != want || back.Side != want {
			t.Errorf("side %q: diagram's side %q, its text form's %q", side, d.Side, back.Side)
		}
		for _, r := range d.Rows {
			if r.Lost || (want == "client") != (r.Server == Missing) || (want == "server") != (r.Client == Missing) {
				t.Errorf("side %q: row %+v", side, r)
			}
		}
		// The server saw the lost head; the client did not.
		if n := strings.Count(d.Text(), "200 OK"); n != map[string]int{"client": 1, "server": 2}[want] {
			t.Errorf("side %q: the head appears %d times", side, n)
		}
	}
	if _, err := Load(files(c, nil), &Spec{Pcap: "c.pcap", Side: "server"}); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("side=server without the server's capture: %v", err)
	}
}

// TestDuplicates matches packets sent twice alike (a duplicate ACK, a
// retransmission whose first copy was lost) with the copy that arrived a
// one-way delay after each.
func TestDuplicates(t *testing.T) {
	ms := time.Millisecond
	c, s := lt.Link(25*ms, []lt.Seg{
		{At: 0, ToServer: true, Flags: lt.SYN},
		{At: 25 * ms, Flags: lt.SYN | lt.ACK, Ack: 1},
		{At: 50 * ms, ToServer: true, Flags: lt.ACK, Seq: 1, Ack: 1},
		{At: 60 * ms, ToServer: true, Flags: lt.ACK, Seq: 1, Ack: 1},                                         // a duplicate, 10 ms later
		{At: 70 * ms, ToServer: true, Flags: lt.PSH | lt.ACK, Seq: 1, Ack: 1, Data: []byte("x"), Lost: true}, // lost
		{At: 270 * ms, ToServer: true, Flags: lt.PSH | lt.ACK, Seq: 1, Ack: 1, Data: []byte("x")},            // and sent again
	})
	d, err := Load(files(c, s), &Spec{Pcap: "c.pcap"})
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		sent, recv float64
		lost       bool
	}{{0, 25, false}, {25, 50, false}, {50, 75, false}, {60, 85, false}, {70, Missing, true}, {270, 295, false}}
	if len(d.Rows) != len(want) {
		t.Fatalf("%d rows, want %d:\n%s", len(d.Rows), len(want), d.Text())
	}
	for i, w := range want {
		r := d.Rows[i]
		if r.Sent() != w.sent || r.Received() != w.recv || r.Lost != w.lost {
			t.Errorf("row %d: sent %.1f received %.1f lost %t, want %.1f %.1f %t", i+1, r.Sent(), r.Received(), r.Lost, w.sent, w.recv, w.lost)
		}
	}
}

// TestSelect narrows a diagram by connection, packet numbers, time and
// pure ACKs, numbering packets as in the whole connection.
func TestSelect(t *testing.T) {
	c, s := lt.HTTP(0)
	for _, tc := range []struct {
		attrs map[string]string
		want  []int // packet numbers
	}{
		{map[string]string{"packets": "3-5"}, []int{3, 4, 5}},
		{map[string]string{"packets": "11-"}, []int{11, 12}},
		{map[string]string{"time": "0-50"}, []int{1, 2, 3}},
		{map[string]string{"acks": "hide"}, []int{1, 2, 4, 5, 6, 8, 10, 11}},
		{map[string]string{"conn": "1", "packets": "1-4", "acks": "hide"}, []int{1, 2, 4}},
	} {
		spec, msg := ParseSpec("c.pcap", tc.attrs)
		if msg != "" {
			t.Fatalf("%v: %s", tc.attrs, msg)
		}
		d, err := Load(files(c, s), spec)
		if err != nil {
			t.Fatalf("%v: %v", tc.attrs, err)
		}
		var got []int
		for _, r := range d.Rows {
			got = append(got, r.N)
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%v: packets %v, want %v", tc.attrs, got, tc.want)
		}
	}
}

// TestParseRejects says what is not a text form.
func TestParseRejects(t *testing.T) {
	c, s := lt.HTTP(0)
	d, _ := Load(files(c, s), &Spec{Pcap: "c.pcap"})
	text := d.Text()
	lines := strings.Split(text, "\n")
	for name, bad := range map[string]string{
		"empty":          "",
		"no heading":     strings.Join(lines[1:], "\n"),
		"no direction":   strings.Replace(text, "--->", "-->", 1),
		"a time not ms":  strings.Replace(text, "25.0", "25.0x", 1),
		"a line cut":     lines[0] + "\n   1  0.0\n",
		"no time at all": lines[0] + "\n   1  -  --->  -  SYN  0  -  0\n",
	} {
		if _, err := Parse(bad); err == nil {
			t.Errorf("%s: parsed", name)
		}
	}
}

// TestConns numbers connections by their first packet and shows the
// chosen ones, with a column for the connection when there are several.
func TestConns(t *testing.T) {
	ms := time.Millisecond
	var segs []lt.Seg
	for i, port := range []uint16{40002, 40001, 40003} { // opened in this order
		at := time.Duration(i) * 10 * ms
		segs = append(segs,
			lt.Seg{At: at, ToServer: true, Flags: lt.SYN, Port: port},
			lt.Seg{At: at + 25*ms, Flags: lt.SYN | lt.ACK, Ack: 1, Port: port},
			lt.Seg{At: at + 50*ms, ToServer: true, Flags: lt.ACK, Seq: 1, Ack: 1, Port: port})
	}
	c, s := lt.Link(25*ms, segs)
	for _, tc := range []struct {
		conn  string
		rows  int
		first float64 // the first packet's time
		multi bool
	}{
		{"", 9, 0, true},
		{"1", 3, 0, false},
		{"2", 3, 0, false}, // times from the connection's own first packet
		{"2-3", 6, 0, true},
	} {
		attrs := map[string]string{}
		if tc.conn != "" {
			attrs["conn"] = tc.conn
		}
		spec, msg := ParseSpec("c.pcap", attrs)
		if msg != "" {
			t.Fatal(msg)
		}
		d, err := Load(files(c, s), spec)
		if err != nil {
			t.Fatal(err)
		}
		if len(d.Rows) != tc.rows || d.Conns != tc.multi || d.Rows[0].Sent() != tc.first {
			t.Errorf("conn=%q: %d rows (multi %t), first at %.1f; want %d (%t), %.1f", tc.conn, len(d.Rows), d.Conns, d.Rows[0].Sent(), tc.rows, tc.multi, tc.first)
		}
		text := d.Text()
		if strings.HasPrefix(text, "番号  接続") != tc.multi {
			t.Errorf("conn=%q: heading %q", tc.conn, strings.SplitN(text, "\n", 2)[0])
		}
		back, err := Parse(text)
		if err != nil || back.Conns != tc.multi || len(back.Rows) != tc.rows {
			t.Errorf("conn=%q: read back %v, %v", tc.conn, back, err)
		}
		if tc.multi && !regexp.MustCompile(`>\d+ 接続 2  SYN<`).MatchString(d.SVG("x", "t")) {
			t.Errorf("conn=%q: the drawing does not name the connections", tc.conn)
		}
	}
	if d, _ := Load(files(c, s), &Spec{Pcap: "c.pcap", Conns: []int{2}}); d.Rows[0].FromClient != true {
		t.Errorf("conn 2 starts with %+v", d.Rows[0])
	}
}

// TestParseLostOnly reads a two-sided diagram whose packets were all lost
// as two-sided: 失われた is no missing capture.
func TestParseLostOnly(t *testing.T) {
	c, s := lt.HTTP(0)
	d, err := Load(files(c, s), &Spec{Pcap: "c.pcap", First: 5, Last: 5})
	if err != nil {
		t.Fatal(err)
	}
	back, err := Parse(d.Text())
	if err != nil || back.Side != "" || !back.Rows[0].Lost {
		t.Errorf("Parse = %+v, %v; want a two-sided diagram of a lost packet", back, err)
	}
}
