package netlab

import (
	"encoding/binary"
	"slices"
	"testing"
	"time"
)

// seqPacket is segment i of a connection: a TCP packet with sequence
// number seq, flags and payload bytes, numbered i in its IP ID field.
func seqPacket(i int, toClient bool, seq uint32, flags byte, payload int) []byte {
	p := tcpPacket(!toClient, 40000, flags, payload)
	binary.BigEndian.PutUint16(p[4:], uint16(i))
	binary.BigEndian.PutUint32(p[24:], seq)
	return p
}

// through sends packets through a forwarder with d's picks for one
// direction (stream 1 to the server, 2 to the client) and returns the
// numbers of those it dropped.
func through(t *testing.T, d Drops, stream uint64, packets [][]byte) []int {
	t.Helper()
	f := &forwarder{stats: new(linkStats)}
	f.setDrops(d, stream)
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
		stream    uint64
		wantDrops []int
	}{
		{"the client's SYN", []Pick{{Seq: 0}}, false, 1, []int{0}},
		{"the SYN+ACK", []Pick{{ToClient: true, Seq: 0}}, true, 2, []int{0}},
		{"a middle segment", []Pick{{ToClient: true, Seq: 2897}}, true, 2, []int{4}},
		{"its last byte", []Pick{{ToClient: true, Seq: 4344}}, true, 2, []int{4}},
		{"the last data segment", []Pick{{ToClient: true, Seq: 3*mss + 100}}, true, 2, []int{5}},
		{"two at once", []Pick{{Seq: 0}, {Seq: 1}}, false, 1, []int{0, 2}},
		{"the other direction's pick", []Pick{{ToClient: true, Seq: 1}}, false, 1, nil},
		{"beyond the data", []Pick{{ToClient: true, Seq: 5000}}, true, 2, nil},
	} {
		got := through(t, Drops{Picks: c.picks}, c.stream, flow(c.toClient))
		if !slices.Equal(got, c.wantDrops) {
			t.Errorf("%s: dropped packets %v, want %v", c.name, got, c.wantDrops)
		}
	}
}
