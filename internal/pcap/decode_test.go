package pcap

import (
	"encoding/binary"
	"testing"
)

func TestDecode(t *testing.T) {
	p := packet4(TCP, client, server, []byte("GET / HTTP/1.1\r\n\r\n"))
	binary.BigEndian.PutUint32(p[24:], 1000) // seq
	binary.BigEndian.PutUint32(p[28:], 2000) // ack
	p[33] = PSH | ACK
	s, ok := Decode(p, len(p))
	if !ok || s.Proto != TCP || s.Src != client || s.Dst != server || s.SrcPort != 40000 || s.DstPort != 8888 ||
		s.Seq != 1000 || s.Ack != 2000 || s.Flags != PSH|ACK || s.Length != 18 || string(s.Payload) != "GET / HTTP/1.1\r\n\r\n" {
		t.Errorf("TCP packet decoded as %+v, %v", s, ok)
	}
	// A capture cut after the headers (a snap length of 40) still gives
	// the payload's length on the wire.
	if s, ok := Decode(p[:40], len(p)); !ok || s.Length != 18 || len(s.Payload) != 0 {
		t.Errorf("a cut packet decoded as %+v, %v; want length 18 and no payload", s, ok)
	}
	u := packet4(UDP, server, client, []byte("quic"))
	if s, ok := Decode(u, len(u)); !ok || s.Proto != UDP || s.Length != 4 || string(s.Payload) != "quic" || s.Src != server {
		t.Errorf("UDP packet decoded as %+v, %v", s, ok)
	}
	frag := append([]byte(nil), p...)
	binary.BigEndian.PutUint16(frag[6:], 10) // a later fragment
	icmp := append([]byte(nil), p...)
	icmp[9] = 1
	badOff := append([]byte(nil), p...)
	badOff[32] = 15 << 4 // a TCP header longer than the packet
	for name, d := range map[string][]byte{
		"empty": nil, "IPv6": {0x60, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0},
		"a later fragment": frag, "ICMP": icmp, "TCP cut in its header": p[:30],
		"a bad data offset": badOff, "an IP header length under 20": append([]byte{0x44}, p[1:]...),
	} {
		if s, ok := Decode(d, len(d)); ok {
			t.Errorf("%s decoded as %+v", name, s)
		}
	}
}

func FuzzDecode(f *testing.F) {
	f.Add(packet4(TCP, client, server, []byte("x")), 41)
	f.Add(packet4(UDP, client, server, nil), 28)
	f.Fuzz(func(t *testing.T, d []byte, orig int) {
		if s, ok := Decode(d, orig); ok && (len(s.Payload) > s.Length || s.Length < 0) {
			t.Errorf("Decode(% x, %d) = %+v: more payload kept than on the wire", d, orig, s)
		}
	})
}
