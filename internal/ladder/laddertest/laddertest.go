// Package laddertest makes two-sided captures for the ladder's tests, as
// netlab -pcap NAME.pcap writes them (NAME.pcap the client's side, NAME.server.pcap
// the server's, on one clock, with netlab's own pcap writer): packets
// that cross a link with a fixed one-way delay, some of them lost.
package laddertest

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"fmt"
	"time"

	"tcpbook/tools/netlab"
)

// The link's addresses: the client's side sees the server as 10.77.0.2,
// the server's side sees itself as 127.0.0.1.
var (
	client    = [4]byte{10, 77, 0, 1}
	server    = [4]byte{10, 77, 0, 2}
	loopback  = [4]byte{127, 0, 0, 1}
	epoch     = time.Unix(1_700_000_000, 0)
	ClientISN = uint32(1000)
	ServerISN = uint32(5000)
)

// TCP flags.
const (
	FIN = 0x01
	SYN = 0x02
	RST = 0x04
	PSH = 0x08
	ACK = 0x10
)

// A Seg is one packet: sent At (from the capture's start) by the client
// (ToServer) or the server, with sequence numbers relative to each side's
// ISN (the SYN is 0, the first byte of data 1).
type Seg struct {
	At       time.Duration
	ToServer bool
	UDP      bool
	Flags    byte
	Seq, Ack uint32
	Data     []byte
	Lost     bool
	// Port is the client's port, 40000 if 0: another port, another
	// connection.
	Port uint16
}

// Link writes the two captures of segs crossing a link that delays each
// packet by delay; a Lost packet is only in its sender's capture.
// Ports are Seg.Port (the client's) and 8080.
func Link(delay time.Duration, segs []Seg) (clientPcap, serverPcap []byte) {
	var cb, sb bytes.Buffer
	cw, _ := netlab.NewPcapWriter(&cb)
	sw, _ := netlab.NewPcapWriter(&sb)
	type rec struct {
		t   time.Duration
		pkt []byte
	}
	var cr, sr []rec
	for _, s := range segs {
		if s.ToServer {
			cr = append(cr, rec{s.At, packet(s, client, server)})
			if !s.Lost {
				sr = append(sr, rec{s.At + delay, packet(s, client, loopback)})
			}
		} else {
			sr = append(sr, rec{s.At, packet(s, loopback, client)})
			if !s.Lost {
				cr = append(cr, rec{s.At + delay, packet(s, server, client)})
			}
		}
	}
	for _, side := range []struct {
		w    *netlab.PcapWriter
		recs []rec
	}{{cw, cr}, {sw, sr}} {
		recs := side.recs
		// In time order, as the link writes them.
		for i := 1; i < len(recs); i++ {
			for j := i; j > 0 && recs[j].t < recs[j-1].t; j-- {
				recs[j], recs[j-1] = recs[j-1], recs[j]
			}
		}
		for _, r := range recs {
			if err := side.w.WritePacket(epoch.Add(r.t), r.pkt); err != nil {
				panic(err)
			}
		}
		if err := side.w.Flush(); err != nil {
			panic(err)
		}
	}
	return cb.Bytes(), sb.Bytes()
}

// packet is s as an IPv4 packet from src to dst (RFC 791 §3.1), carrying
// a TCP segment (RFC 9293 §3.1) or a UDP datagram (RFC 768).
func packet(s Seg, src, dst [4]byte) []byte {
	cport, sport := cmp.Or(s.Port, 40000), uint16(8080)
	from, to := sport, cport
	if s.ToServer {
		from, to = cport, sport
	}
	var l4 []byte
	if s.UDP {
		l4 = make([]byte, 8, 8+len(s.Data))
		binary.BigEndian.PutUint16(l4[0:], from)
		binary.BigEndian.PutUint16(l4[2:], to)
		binary.BigEndian.PutUint16(l4[4:], uint16(8+len(s.Data)))
	} else {
		own, other := ServerISN, ClientISN
		if s.ToServer {
			own, other = ClientISN, ServerISN
		}
		l4 = make([]byte, 20, 20+len(s.Data))
		binary.BigEndian.PutUint16(l4[0:], from)
		binary.BigEndian.PutUint16(l4[2:], to)
		binary.BigEndian.PutUint32(l4[4:], own+s.Seq)
		if s.Flags&ACK != 0 {
			binary.BigEndian.PutUint32(l4[8:], other+s.Ack)
		}
		l4[12] = 5 << 4
		l4[13] = s.Flags
		binary.BigEndian.PutUint16(l4[14:], 64240)
	}
	l4 = append(l4, s.Data...)
	ip := make([]byte, 20, 20+len(l4))
	ip[0] = 0x45
	binary.BigEndian.PutUint16(ip[2:], uint16(20+len(l4)))
	ip[8] = 64
	ip[9] = 6
	if s.UDP {
		ip[9] = 17
	}
	copy(ip[12:], src[:])
	copy(ip[16:], dst[:])
	return append(ip, l4...)
}

// HTTP is a fixture: one HTTP/1.1 request and its response on the lab's
// 50 ms link, the response's first segment lost and sent again 200 ms
// later, and the connection closed. late shifts the response's times,
// for a capture made again that differs from the first.
func HTTP(late time.Duration) (clientPcap, serverPcap []byte) {
	req := []byte("GET /hello HTTP/1.1\r\nHost: lab\r\n\r\n")
	head := []byte("HTTP/1.1 200 OK\r\nContent-Length: 12\r\n\r\n")
	body := []byte("hello, world")
	r := uint32(len(req))
	h := uint32(len(head))
	ms := time.Millisecond
	return Link(25*ms, []Seg{
		{At: 0, ToServer: true, Flags: SYN},
		{At: 25 * ms, Flags: SYN | ACK, Ack: 1},
		{At: 50 * ms, ToServer: true, Flags: ACK, Seq: 1, Ack: 1},
		{At: 50*ms + 100*time.Microsecond, ToServer: true, Flags: PSH | ACK, Seq: 1, Ack: 1, Data: req},
		{At: 75*ms + 200*time.Microsecond + late, Flags: PSH | ACK, Seq: 1, Ack: 1 + r, Data: head, Lost: true},
		{At: 75*ms + 300*time.Microsecond + late, Flags: PSH | ACK, Seq: 1 + h, Ack: 1 + r, Data: body},
		{At: 100*ms + 400*time.Microsecond + late, ToServer: true, Flags: ACK, Seq: 1 + r, Ack: 1},
		{At: 275*ms + 200*time.Microsecond + late, Flags: PSH | ACK, Seq: 1, Ack: 1 + r, Data: head},
		{At: 300*ms + 300*time.Microsecond + late, ToServer: true, Flags: ACK, Seq: 1 + r, Ack: 1 + h + 12},
		{At: 300*ms + 500*time.Microsecond + late, ToServer: true, Flags: FIN | ACK, Seq: 1 + r, Ack: 1 + h + 12},
		{At: 325*ms + 600*time.Microsecond + late, Flags: FIN | ACK, Seq: 1 + h + 12, Ack: 2 + r},
		{At: 350*ms + 700*time.Microsecond + late, ToServer: true, Flags: ACK, Seq: 2 + r, Ack: 2 + h + 12},
	})
}

// Names lists the fixtures Write makes.
var Names = []string{"http", "http-late"}

// Write returns the fixture called name.
func Write(name string) (clientPcap, serverPcap []byte, err error) {
	switch name {
	case "http":
		c, s := HTTP(0)
		return c, s, nil
	case "http-late":
		c, s := HTTP(3 * time.Millisecond)
		return c, s, nil
	}
	return nil, nil, fmt.Errorf("no fixture %q (have %v)", name, Names)
}
