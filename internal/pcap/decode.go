package pcap

import "encoding/binary"

// IP protocol numbers (the IPv4 header's Protocol field).
const (
	TCP = 6
	UDP = 17
)

// TCP header flags (RFC 9293 §3.1).
const (
	FIN = 0x01
	SYN = 0x02
	RST = 0x04
	PSH = 0x08
	ACK = 0x10
	URG = 0x20
	ECE = 0x40
	CWR = 0x80
)

// A Segment is what Decode reads from an IPv4 packet that carries TCP or
// UDP.
type Segment struct {
	Src, Dst         [4]byte // IPv4 addresses
	Proto            byte    // TCP or UDP
	SrcPort, DstPort uint16
	Seq, Ack         uint32 // TCP only
	Flags            byte   // TCP only: FIN, SYN, RST, ...
	// Length is the payload's length on the wire, and Payload the bytes
	// of it the capture kept (Length or fewer).
	Length  int
	Payload []byte
}

// Decode reads an IPv4 packet (RFC 791 §3.1) carrying TCP (RFC 9293
// §3.1) or UDP (RFC 768) of which d was kept, orig bytes long on the wire
// (orig < len(d) is taken as len(d)). ok is false for anything else (IPv6,
// ICMP, a later fragment) or for headers the capture cut short. Payload
// aliases d.
func Decode(d []byte, orig int) (s Segment, ok bool) {
	if len(d) < 20 || d[0]>>4 != 4 {
		return s, false
	}
	ihl, total := int(d[0]&0x0f)*4, int(binary.BigEndian.Uint16(d[2:]))
	if ihl < 20 || total < ihl || len(d) < ihl || binary.BigEndian.Uint16(d[6:])&0x1fff != 0 {
		return s, false
	}
	total = min(total, max(orig, len(d)))
	s.Src, s.Dst, s.Proto = [4]byte(d[12:16]), [4]byte(d[16:20]), d[9]
	l4 := d[ihl:min(total, len(d))]
	wire := total - ihl
	var off int
	switch s.Proto {
	case TCP:
		if len(l4) < 20 {
			return s, false
		}
		off = int(l4[12]>>4) * 4
		if off < 20 || off > wire {
			return s, false
		}
		s.Seq, s.Ack, s.Flags = binary.BigEndian.Uint32(l4[4:]), binary.BigEndian.Uint32(l4[8:]), l4[13]
	case UDP:
		if len(l4) < 8 {
			return s, false
		}
		off = 8
	default:
		return s, false
	}
	s.SrcPort, s.DstPort = binary.BigEndian.Uint16(l4), binary.BigEndian.Uint16(l4[2:])
	s.Length = wire - off
	if off < len(l4) {
		s.Payload = l4[off:]
	}
	return s, true
}
