package netlab

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"tcpbook/internal/pcap"
)

// seqPacket is segment i of a connection: a TCP packet with sequence
// number seq, flags and payload bytes, numbered i in its IP ID field.
func seqPacket(i int, toClient bool, seq uint32, flags byte, payload int) []byte {
	p := tcpPacket(!toClient, 40000, flags, payload)
	binary.BigEndian.PutUint16(p[4:], uint16(i))
	binary.BigEndian.PutUint32(p[24:], seq)
	return p
}

// through sends packets through a forwarder of one direction with picks
// and returns the numbers of those it dropped.
func through(t *testing.T, picks []Pick, toClient bool, packets [][]byte) []int {
	t.Helper()
	f := &forwarder{stats: new(linkStats)}
	f.setPicks(picks, toClient)
	from, to := newFakeDevice(), newFakeDevice()
	f.from, f.to, f.done = from, to, make(chan struct{})
	for _, p := range packets {
		from.in <- p
	}
	stop := runForwarder(t, f, from)
	deadline := time.Now().Add(10 * time.Second)
	for f.stats.packets.Load()+f.stats.dropped.Load() < int64(len(packets)) && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	stop()
	out, _ := to.written()
	var dropped []int
	for i := range packets {
		if !slices.ContainsFunc(out, func(p []byte) bool { return int(binary.BigEndian.Uint16(p[4:])) == i }) {
			dropped = append(dropped, i)
		}
	}
	if int64(len(dropped)) != f.stats.dropped.Load() {
		t.Errorf("counted %d dropped, but %d were not delivered", f.stats.dropped.Load(), len(dropped))
	}
	return dropped
}

// A pick drops exactly the segment that covers its relative sequence
// number, once: the SYN (0), or the data segment that carries the byte;
// its retransmission passes, and so does everything in the other
// direction. The initial sequence number is near the top of the 32-bit
// space, so that the relative numbers wrap.
func TestForwarderPicks(t *testing.T) {
	const isn, syn, ack, mss = 0xffff_f000, 0x02, 0x10, 1448
	seg := func(k int) uint32 { return isn + 1 + uint32(k*mss) } // data segment k, from 0
	flow := func(toClient bool) [][]byte {
		synFlags := byte(syn)
		if toClient {
			synFlags = syn | ack
		}
		return [][]byte{
			seqPacket(0, toClient, isn, synFlags, 0),
			seqPacket(1, toClient, isn, synFlags, 0), // the SYN again, as after a timeout
			seqPacket(2, toClient, seg(0), ack, mss),
			seqPacket(3, toClient, seg(1), ack, mss),
			seqPacket(4, toClient, seg(2), ack, mss), // bytes 2897 to 4344
			seqPacket(5, toClient, seg(3), ack, 100),
			seqPacket(6, toClient, seg(2), ack, mss), // segment 2 retransmitted
			seqPacket(7, toClient, seg(3)+100, ack, 0),
		}
	}
	for _, c := range []struct {
		name      string
		picks     []Pick
		toClient  bool
		wantDrops []int
	}{
		{"the client's SYN", []Pick{{Seq: 0}}, false, []int{0}},
		{"the SYN+ACK", []Pick{{ToClient: true, Seq: 0}}, true, []int{0}},
		{"a middle segment", []Pick{{ToClient: true, Seq: 2897}}, true, []int{4}},
		{"its last byte", []Pick{{ToClient: true, Seq: 4344}}, true, []int{4}},
		{"the last data segment", []Pick{{ToClient: true, Seq: 3*mss + 100}}, true, []int{5}},
		{"two at once", []Pick{{Seq: 0}, {Seq: 1}}, false, []int{0, 2}},
		{"the other direction's pick", []Pick{{ToClient: true, Seq: 1}}, false, nil},
		{"beyond the data", []Pick{{ToClient: true, Seq: 5000}}, true, nil},
	} {
		got := through(t, c.picks, c.toClient, flow(c.toClient))
		if !slices.Equal(got, c.wantDrops) {
			t.Errorf("%s: dropped packets %v, want %v", c.name, got, c.wantDrops)
		}
	}
}

// A writer with a short snaplen keeps each packet's first bytes and its
// whole length, which is what tcpdump prints.
func TestPcapSnaplen(t *testing.T) {
	var buf bytes.Buffer
	pw, err := NewPcapWriter(&buf, 96)
	if err != nil {
		t.Fatal(err)
	}
	long, short := seqPacket(1, true, 1, 0x10, 1448), seqPacket(2, true, 1, 0x10, 0)
	pw.WritePacket(time.Unix(1, 0), long)
	pw.WritePacket(time.Unix(2, 0), short)
	if err := pw.Flush(); err != nil {
		t.Fatal(err)
	}
	_, packets, err := pcap.Read(&buf)
	if err != nil || len(packets) != 2 {
		t.Fatalf("ReadPcap: %d packets, %v", len(packets), err)
	}
	for i, want := range [][]byte{long[:96], short} {
		if p := packets[i]; p.OrigLen != []int{len(long), len(short)}[i] || !bytes.Equal(p.Data, want) {
			t.Errorf("packet %d: length %d, %d bytes kept; want %d, %d", i, p.OrigLen, len(p.Data), []int{len(long), len(short)}[i], len(want))
		}
	}
}

// The loss table prints the cost of each drop against its baseline, in ms
// and RTTs, and the random-loss rows with the packets lost, from the file
// alone.
func TestLossTable(t *testing.T) {
	r := &LossResults{Head: Head{Kind: KindLoss}, RTTMS: 50, Repeat: 3,
		Cases: []LossCase{
			{Name: "hello-new", Label: "なし", Mode: ModeNew, MedianMS: 103, MinMS: 102, MaxMS: 104},
			{Name: "syn", Label: "SYN", Mode: ModeNew, Baseline: "hello-new", MedianMS: 1110, MinMS: 1105, MaxMS: 1130, ExtraMS: 1007, ExtraRTTs: 20.14},
		},
		Random: []LossRandom{{Loss: 0.01, Mode: ModeKeep, TimesMS: []float64{51, 52, 300}, P50MS: 52, P99MS: 300, MeanMS: 134.3, MaxMS: 300, Packets: 12, Dropped: 1}},
	}
	data, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var back LossResults
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	back.PrintTable(&b)
	for _, want := range []string{
		"| 落としたパケット | 増えた時間（ms） | RTT に換算 | 中央値（ms） |",
		"| なし | – | – | 103.0 | 102.0 | 104.0 | 新しい |",
		"| SYN | +1007.0 | +20.14 | 1110.0 | 1105.0 | 1130.0 | 新しい |",
		"\n損失率を決めて落とすリンクで、行ごとにリクエスト 3 個\n\n| 損失率 |",
		"| 1% | 使い続ける | 52.0 | 300.0 | 134.3 | 300.0 | 1 / 13 |",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, b.String())
		}
	}
	if d := back.Describe(); !strings.Contains(d, "RTT 50 ms") || !strings.Contains(d, "3 回") {
		t.Errorf("Describe = %q", d)
	}
}
