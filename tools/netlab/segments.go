package netlab

import (
	"time"

	"tcpbook/internal/pcap"
)

// TCPSegment is one TCP segment of a capture, as the client saw it.
type TCPSegment struct {
	Time       time.Time
	FromClient bool   // sent by the client (ClientIP) rather than the server
	ClientPort uint16 // names the connection
	Flags      byte   // FIN 0x01, SYN 0x02, RST 0x04, PSH 0x08, ACK 0x10
	Payload    int    // bytes of data
}

// TCPSegments returns the TCP segments between ClientIP and ServerIP among
// a link's captured packets, skipping anything else.
func TCPSegments(packets []pcap.Packet) []TCPSegment {
	var segs []TCPSegment
	client := [4]byte{10, 77, 0, 1}
	for _, p := range packets {
		g, ok := pcap.Decode(p.Data, p.OrigLen)
		if !ok || g.Proto != pcap.TCP {
			continue
		}
		s := TCPSegment{Time: p.Time, Flags: g.Flags, Payload: g.Length}
		switch {
		case g.Src == client && g.Dst == server4:
			s.FromClient, s.ClientPort = true, g.SrcPort
		case g.Src == server4 && g.Dst == client:
			s.ClientPort = g.DstPort
		default:
			continue
		}
		segs = append(segs, s)
	}
	return segs
}

// Exchange is one request and its response on a connection, counted in
// TCP segments.
type Exchange struct {
	Connection int `json:"connection"` // 1 for the first connection in the capture
	Request    int `json:"request"`    // 1 for the connection's first request
	// Segments is how many segments carried the response's bytes (the
	// server's data segments until the client's next request), and Bytes
	// how many bytes they carried.
	Segments int `json:"segments"`
	Bytes    int `json:"bytes"`
	// SpreadMS is the time from the response's first segment to its last,
	// as the client received them: about 0 when the response came in one
	// flight, about an RTT per extra flight when it waited for ACKs.
	SpreadMS float64 `json:"spread_ms"`
	// TimeMS is from the request's segment to the response's last one.
	TimeMS float64 `json:"time_ms"`
}

// Exchanges splits segments into requests and responses: on each
// connection, a data segment from the client starts a request (the timing
// loop writes each request in one segment) and the server's data segments
// after it, up to the next request, are its response.
func Exchanges(segs []TCPSegment) []Exchange {
	var out []Exchange
	conns := map[uint16]int{} // client port → connection number
	type state struct {
		i           int // index in out of the current exchange, -1 for none
		req         time.Time
		first, last time.Time
		requests    int
	}
	st := map[uint16]*state{}
	for _, s := range segs {
		c, ok := st[s.ClientPort]
		if !ok {
			conns[s.ClientPort] = len(conns) + 1
			c = &state{i: -1}
			st[s.ClientPort] = c
		}
		if s.Payload == 0 {
			continue
		}
		if s.FromClient {
			c.requests++
			c.i, c.req = len(out), s.Time
			out = append(out, Exchange{Connection: conns[s.ClientPort], Request: c.requests})
			continue
		}
		if c.i < 0 {
			continue // data before any request: not the timing loop's
		}
		e := &out[c.i]
		if e.Segments == 0 {
			c.first = s.Time
		}
		c.last = s.Time
		e.Segments++
		e.Bytes += s.Payload
		e.SpreadMS = round(ms(c.last.Sub(c.first)), 3)
		e.TimeMS = round(ms(c.last.Sub(c.req)), 3)
	}
	return out
}
