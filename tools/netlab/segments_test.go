package netlab

import (
	"encoding/binary"
	"testing"
	"time"

	"tcpbook/internal/pcap"
)

// tcpPacket builds an IPv4 packet carrying a TCP segment with payload bytes
// of data, from the client or to it.
func tcpPacket(fromClient bool, clientPort uint16, flags byte, payload int) []byte {
	p := make([]byte, 20+20+payload)
	p[0] = 0x45
	binary.BigEndian.PutUint16(p[2:], uint16(len(p)))
	p[9] = 6
	client, server := [4]byte{10, 77, 0, 1}, server4
	src, dst, sport, dport := client, server, clientPort, uint16(8888)
	if !fromClient {
		src, dst, sport, dport = server, client, 8888, clientPort
	}
	copy(p[12:], src[:])
	copy(p[16:], dst[:])
	binary.BigEndian.PutUint16(p[20:], sport)
	binary.BigEndian.PutUint16(p[22:], dport)
	p[32] = 5 << 4 // data offset: 20 bytes
	p[33] = flags
	return p
}

// TCPSegments reads direction, connection, flags and payload, and skips
// what is not TCP between the link's two ends; Exchanges groups the
// server's data segments under the request before them, per connection,
// with the time the response spread over.
func TestExchanges(t *testing.T) {
	t0 := time.Unix(1000, 0)
	at := func(msec int) time.Time { return t0.Add(time.Duration(msec) * time.Millisecond) }
	udp := tcpPacket(true, 1, 0, 0)
	udp[9] = 17
	packets := []pcap.Packet{
		{Time: at(0), Data: tcpPacket(true, 40000, 0x02, 0)},   // SYN
		{Time: at(50), Data: tcpPacket(false, 40000, 0x12, 0)}, // SYN+ACK
		{Time: at(50), Data: udp},
		{Time: at(51), Data: tcpPacket(true, 40000, 0x18, 40)}, // request 1
		{Time: at(101), Data: tcpPacket(false, 40000, 0x18, 17)},
		{Time: at(102), Data: tcpPacket(false, 40000, 0x18, 16)},
		{Time: at(152), Data: tcpPacket(false, 40000, 0x18, 96)},
		{Time: at(152), Data: tcpPacket(true, 40001, 0x02, 0)},  // a second connection
		{Time: at(153), Data: tcpPacket(true, 40000, 0x18, 40)}, // request 2
		{Time: at(160), Data: tcpPacket(true, 40000, 0x10, 0)},  // a bare ACK
		{Time: at(203), Data: tcpPacket(false, 40000, 0x18, 129)},
		{Time: at(210), Data: tcpPacket(true, 40001, 0x18, 60)},
		{Time: at(260), Data: tcpPacket(false, 40001, 0x19, 148)},
	}
	segs := TCPSegments(packets)
	if len(segs) != len(packets)-1 {
		t.Fatalf("%d segments from %d packets with one UDP", len(segs), len(packets))
	}
	if s := segs[1]; s.FromClient || s.ClientPort != 40000 || s.Flags != 0x12 || s.Payload != 0 {
		t.Errorf("SYN+ACK read as %+v", s)
	}
	if s := segs[2]; !s.FromClient || s.Payload != 40 {
		t.Errorf("request read as %+v", s)
	}
	got := Exchanges(segs)
	want := []Exchange{
		{Connection: 1, Request: 1, Segments: 3, Bytes: 129, SpreadMS: 51, TimeMS: 101},
		{Connection: 1, Request: 2, Segments: 1, Bytes: 129, SpreadMS: 0, TimeMS: 50},
		{Connection: 2, Request: 1, Segments: 1, Bytes: 148, SpreadMS: 0, TimeMS: 50},
	}
	if len(got) != len(want) {
		t.Fatalf("Exchanges = %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("exchange %d = %+v, want %+v", i, got[i], want[i])
		}
	}
}
