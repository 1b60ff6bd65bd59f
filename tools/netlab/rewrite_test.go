// Tests of the link's address rewriting: the checksums it fixes
// incrementally must be the ones computed afresh.
package netlab

import (
	"encoding/binary"
	"math/rand/v2"
	"testing"
)

// checksum is the Internet checksum of b (RFC 1071), computed afresh.
func checksum(b []byte, initial uint32) uint16 {
	s := initial
	for i := 0; i+1 < len(b); i += 2 {
		s += uint32(binary.BigEndian.Uint16(b[i:]))
	}
	if len(b)%2 == 1 {
		s += uint32(b[len(b)-1]) << 8
	}
	for s>>16 != 0 {
		s = s&0xffff + s>>16
	}
	return ^uint16(s)
}

// transportSum is the sum of the pseudo-header of an IPv4 packet.
func transportSum(p []byte) uint32 {
	var s uint32
	for i := 12; i < 20; i += 2 {
		s += uint32(binary.BigEndian.Uint16(p[i:]))
	}
	return s + uint32(p[9]) + uint32(len(p)-20)
}

// packet4 builds an IPv4 packet with correct checksums.
func packet4(proto byte, src, dst [4]byte, payload []byte) []byte {
	hdr := 8
	if proto == 6 {
		hdr = 20
	}
	p := make([]byte, 20+hdr+len(payload))
	p[0], p[8], p[9] = 0x45, 64, proto
	binary.BigEndian.PutUint16(p[2:], uint16(len(p)))
	binary.BigEndian.PutUint16(p[6:], 0x4000) // don't fragment
	copy(p[12:], src[:])
	copy(p[16:], dst[:])
	binary.BigEndian.PutUint16(p[20:], 40000) // ports
	binary.BigEndian.PutUint16(p[22:], 8888)
	if proto == 6 {
		p[32] = 5 << 4 // data offset
	} else {
		binary.BigEndian.PutUint16(p[24:], uint16(8+len(payload)))
	}
	copy(p[20+hdr:], payload)
	binary.BigEndian.PutUint16(p[10:], checksum(p[:20], 0))
	at := 20 + 6
	if proto == 6 {
		at = 20 + 16
	}
	binary.BigEndian.PutUint16(p[at:], checksum(p[20:], transportSum(p)))
	return p
}

func TestRewriteAddr(t *testing.T) {
	client := [4]byte{10, 77, 0, 1}
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 200 {
		payload := make([]byte, rng.IntN(100))
		for j := range payload {
			payload[j] = byte(rng.Uint32())
		}
		for _, proto := range []byte{6, 17} {
			p := packet4(proto, client, server4, payload)
			if !toLoopback(p) {
				t.Fatal("toLoopback refused an IPv4 packet")
			}
			if got := [4]byte(p[16:20]); got != loopback4 {
				t.Fatalf("destination %v after toLoopback, want 127.0.0.1", got)
			}
			if checksum(p[:20], 0) != 0 {
				t.Errorf("packet %d proto %d: IPv4 header checksum wrong after toLoopback", i, proto)
			}
			if checksum(p[20:], transportSum(p)) != 0 {
				t.Errorf("packet %d proto %d: transport checksum wrong after toLoopback", i, proto)
			}
			// The reply comes from 127.0.0.1 and leaves as from the server.
			r := packet4(proto, loopback4, client, payload)
			fromLoopback(r)
			if got := [4]byte(r[12:16]); got != server4 || checksum(r[:20], 0) != 0 || checksum(r[20:], transportSum(r)) != 0 {
				t.Errorf("packet %d proto %d: after fromLoopback, source %v and checksums wrong", i, proto, got)
			}
		}
	}
	// Packets for other addresses pass unchanged.
	other := packet4(6, client, [4]byte{10, 77, 0, 9}, []byte("x"))
	keep := string(other)
	if !toLoopback(other) || string(other) != keep {
		t.Error("a packet to another address was changed or dropped")
	}
	// UDP without a checksum keeps none.
	udp := packet4(17, client, server4, []byte("abc"))
	binary.BigEndian.PutUint16(udp[26:], 0)
	toLoopback(udp)
	if binary.BigEndian.Uint16(udp[26:]) != 0 {
		t.Error("a UDP packet without a checksum got one")
	}
	// The link carries IPv4 only.
	if toLoopback([]byte{0x60, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}) || toLoopback([]byte{0x45}) {
		t.Error("toLoopback accepted something that is not an IPv4 packet")
	}
}
