package ladder

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// The pcap file format (https://www.tcpdump.org/manpages/pcap-savefile.5.html):
// a 24-byte file header, then a 16-byte record header before each packet.
// The lab writes LINKTYPE_RAW (bare IP packets) with microsecond
// timestamps; nanosecond files (magic a1b23c4d) are read too.
const (
	magicMicro  = 0xa1b2c3d4
	magicNano   = 0xa1b23c4d
	linktypeRaw = 101 // LINKTYPE_RAW: each packet begins with its IP header
	linktypeV4  = 228 // LINKTYPE_IPV4
)

// A packet is one IPv4 TCP or UDP packet of a capture.
type packet struct {
	t        int64 // microseconds since the Unix epoch
	udp      bool
	src, dst uint16 // ports
	seq, ack uint32 // TCP only
	flags    byte   // TCP only: FIN 0x01, SYN 0x02, RST 0x04, PSH 0x08, ACK 0x10, URG 0x20, ECE 0x40, CWR 0x80
	length   int    // payload bytes on the wire
	payload  []byte // the payload bytes the capture kept (length or fewer)
	srcIP    [4]byte
	index    int // its place in its capture
}

// readPcap reads the IPv4 TCP and UDP packets of a pcap file; any other
// packet (IPv6, ICMP) is skipped.
func readPcap(data []byte) ([]*packet, error) {
	if len(data) < 24 {
		return nil, errors.New("not a pcap file: shorter than its 24-byte header")
	}
	var order binary.ByteOrder
	var nano bool
	switch {
	case binary.LittleEndian.Uint32(data) == magicMicro:
		order = binary.LittleEndian
	case binary.BigEndian.Uint32(data) == magicMicro:
		order = binary.BigEndian
	case binary.LittleEndian.Uint32(data) == magicNano:
		order, nano = binary.LittleEndian, true
	case binary.BigEndian.Uint32(data) == magicNano:
		order, nano = binary.BigEndian, true
	default:
		return nil, fmt.Errorf("not a pcap file (magic %x; a pcapng file? save it as pcap)", data[:4])
	}
	if lt := order.Uint32(data[20:]); lt != linktypeRaw && lt != linktypeV4 {
		return nil, fmt.Errorf("link type %d: only bare IP packets (LINKTYPE_RAW, as netlab -pcap writes them) are read", lt)
	}
	var out []*packet
	rest := data[24:]
	for n := 1; len(rest) > 0; n++ {
		if len(rest) < 16 {
			return nil, fmt.Errorf("packet %d: truncated record header", n)
		}
		sec, frac := int64(order.Uint32(rest)), int64(order.Uint32(rest[4:]))
		incl, orig := int(order.Uint32(rest[8:])), int(order.Uint32(rest[12:]))
		if nano {
			frac /= 1000
		}
		if frac >= 1e6 || incl > orig || incl > len(rest)-16 {
			return nil, fmt.Errorf("packet %d: bad or truncated record (kept %d of %d bytes, %d left in the file)", n, incl, orig, len(rest)-16)
		}
		p := parseIPv4(rest[16:16+incl], orig)
		rest = rest[16+incl:]
		if p == nil {
			continue
		}
		p.t = sec*1e6 + frac
		p.index = len(out)
		out = append(out, p)
	}
	return out, nil
}

// parseIPv4 reads an IPv4 packet (RFC 791 §3.1) carrying TCP (RFC 9293
// §3.1) or UDP (RFC 768), of which the capture kept d, orig bytes long on
// the wire. It returns nil for anything else.
func parseIPv4(d []byte, orig int) *packet {
	if len(d) < 20 || d[0]>>4 != 4 {
		return nil
	}
	ihl := int(d[0]&0x0f) * 4
	total := int(binary.BigEndian.Uint16(d[2:]))
	if ihl < 20 || total < ihl || len(d) < ihl {
		return nil
	}
	if total > orig {
		total = orig
	}
	if binary.BigEndian.Uint16(d[6:])&0x1fff != 0 { // a later fragment
		return nil
	}
	p := &packet{srcIP: [4]byte(d[12:16])}
	l4 := d[ihl:min(total, len(d))]
	l4len := total - ihl // on the wire
	switch d[9] {
	case 6:
		if len(l4) < 20 {
			return nil
		}
		off := int(l4[12]>>4) * 4
		if off < 20 || off > l4len {
			return nil
		}
		p.src, p.dst = binary.BigEndian.Uint16(l4), binary.BigEndian.Uint16(l4[2:])
		p.seq, p.ack = binary.BigEndian.Uint32(l4[4:]), binary.BigEndian.Uint32(l4[8:])
		p.flags = l4[13]
		p.length = l4len - off
		if off < len(l4) {
			p.payload = l4[off:]
		}
	case 17:
		if len(l4) < 8 {
			return nil
		}
		p.udp = true
		p.src, p.dst = binary.BigEndian.Uint16(l4), binary.BigEndian.Uint16(l4[2:])
		p.length = l4len - 8
		p.payload = l4[8:]
	default:
		return nil
	}
	if len(p.payload) > p.length {
		p.payload = p.payload[:p.length]
	}
	return p
}
