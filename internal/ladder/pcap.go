package ladder

import (
	"bytes"
	"fmt"

	"tcpbook/internal/pcap"
)

// A packet is one IPv4 TCP or UDP packet of a capture.
type packet struct {
	t        int64 // microseconds since the Unix epoch
	udp      bool
	src, dst uint16 // ports
	seq, ack uint32 // TCP only
	flags    byte   // TCP only: pcap.FIN, pcap.SYN, …
	length   int    // payload bytes on the wire
	payload  []byte // the payload bytes the capture kept (length or fewer)
	srcIP    [4]byte
	index    int // its place in its capture
}

// readPcap reads the IPv4 TCP and UDP packets of a pcap file (internal/pcap
// reads the format and decodes the headers); any other packet (IPv6, ICMP)
// is skipped.
func readPcap(data []byte) ([]*packet, error) {
	linktype, pkts, err := pcap.Read(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	if linktype != pcap.LinktypeRaw && linktype != pcap.LinktypeIPv4 {
		return nil, fmt.Errorf("link type %d: only bare IP packets (LINKTYPE_RAW, as netlab -pcap writes them) are read", linktype)
	}
	var out []*packet
	for _, p := range pkts {
		s, ok := pcap.Decode(p.Data, p.OrigLen)
		if !ok {
			continue
		}
		out = append(out, &packet{
			t: p.Time.UnixMicro(), udp: s.Proto == pcap.UDP,
			src: s.SrcPort, dst: s.DstPort, seq: s.Seq, ack: s.Ack, flags: s.Flags,
			length: s.Length, payload: s.Payload, srcIP: s.Src, index: len(out),
		})
	}
	return out, nil
}
