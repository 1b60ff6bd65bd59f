// Package pcap reads and writes the pcap capture file format
// (https://www.tcpdump.org/manpages/pcap-savefile.5.html, and
// draft-ietf-opsawg-pcap) and decodes the IPv4 TCP and UDP packets in
// it: netlab writes its link's captures with it, and netlab and the
// ladder diagrams read them.
//
// A file is a 24-byte header, then a 16-byte record header before each
// packet. The files written here hold bare IP packets (LINKTYPE_RAW)
// with microsecond timestamps; Read also takes nanosecond timestamps and
// either byte order.
package pcap

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"
)

const (
	LinktypeRaw  = 101   // LINKTYPE_RAW: each packet begins with its IPv4 or IPv6 header
	LinktypeIPv4 = 228   // LINKTYPE_IPV4: each packet is an IPv4 packet
	MaxSnaplen   = 65535 // the largest packet kept whole

	magicMicro = 0xa1b2c3d4
	magicNano  = 0xa1b23c4d
	headerLen  = 24
	recordLen  = 16
)

// A Writer writes packets to a pcap file. It is safe for concurrent use:
// both directions of a link write to the same file.
type Writer struct {
	mu      sync.Mutex
	w       *bufio.Writer
	err     error
	n       int // packets written
	snaplen int
}

// NewWriter writes the file header to w and returns a writer for the
// packets that keeps the first snaplen bytes of each (such as its IP and
// TCP headers, for a small file; each record still gives the packet's
// whole length); snaplen 0 keeps MaxSnaplen. Call Flush when done.
func NewWriter(w io.Writer, snaplen int) (*Writer, error) {
	if snaplen <= 0 {
		snaplen = MaxSnaplen
	}
	pw := &Writer{w: bufio.NewWriter(w), snaplen: min(snaplen, MaxSnaplen)}
	var h [headerLen]byte
	binary.LittleEndian.PutUint32(h[0:], magicMicro)
	binary.LittleEndian.PutUint16(h[4:], 2) // version 2.4
	binary.LittleEndian.PutUint16(h[6:], 4)
	// h[8:16]: thiszone and sigfigs, both 0
	binary.LittleEndian.PutUint32(h[16:], uint32(pw.snaplen))
	binary.LittleEndian.PutUint32(h[20:], LinktypeRaw)
	if _, err := pw.w.Write(h[:]); err != nil {
		return nil, err
	}
	return pw, nil
}

// WritePacket writes one packet seen at time ts. The first error is kept
// and returned by every later call and by Flush.
func (pw *Writer) WritePacket(ts time.Time, data []byte) error {
	pw.mu.Lock()
	defer pw.mu.Unlock()
	if pw.err != nil {
		return pw.err
	}
	incl := min(len(data), pw.snaplen)
	var h [recordLen]byte
	binary.LittleEndian.PutUint32(h[0:], uint32(ts.Unix()))
	binary.LittleEndian.PutUint32(h[4:], uint32(ts.Nanosecond()/1000))
	binary.LittleEndian.PutUint32(h[8:], uint32(incl))
	binary.LittleEndian.PutUint32(h[12:], uint32(len(data)))
	if _, pw.err = pw.w.Write(h[:]); pw.err == nil {
		_, pw.err = pw.w.Write(data[:incl])
	}
	if pw.err == nil {
		pw.n++
	}
	return pw.err
}

// Packets returns how many packets have been written.
func (pw *Writer) Packets() int {
	pw.mu.Lock()
	defer pw.mu.Unlock()
	return pw.n
}

// Flush writes what is buffered to the underlying writer.
func (pw *Writer) Flush() error {
	pw.mu.Lock()
	defer pw.mu.Unlock()
	if pw.err == nil {
		pw.err = pw.w.Flush()
	}
	return pw.err
}

// A Packet is one packet of a pcap file.
type Packet struct {
	Time    time.Time
	OrigLen int    // the packet's length on the link
	Data    []byte // the bytes kept (OrigLen or fewer)
}

// Read reads a whole pcap file and returns its link type and packets.
// An error names the packet (from 1) it is in; the packets before it are
// returned with it.
func Read(r io.Reader) (linktype uint32, packets []Packet, err error) {
	var h [headerLen]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return 0, nil, fmt.Errorf("not a pcap file: its %d-byte header: %w", headerLen, err)
	}
	var order binary.ByteOrder = binary.LittleEndian
	if binary.BigEndian.Uint32(h[:]) == magicMicro || binary.BigEndian.Uint32(h[:]) == magicNano {
		order = binary.BigEndian
	}
	var nano bool
	switch order.Uint32(h[:]) {
	case magicMicro:
	case magicNano:
		nano = true
	default:
		return 0, nil, fmt.Errorf("not a pcap file (magic %x; a pcapng file? save it as pcap)", h[:4])
	}
	if major, minor := order.Uint16(h[4:]), order.Uint16(h[6:]); major != 2 || minor != 4 {
		return 0, nil, fmt.Errorf("pcap version %d.%d, want 2.4", major, minor)
	}
	snaplen := order.Uint32(h[16:])
	linktype = order.Uint32(h[20:])
	br := bufio.NewReader(r)
	for {
		n := len(packets) + 1
		var rh [recordLen]byte
		_, err := io.ReadFull(br, rh[:])
		if errors.Is(err, io.EOF) {
			return linktype, packets, nil
		}
		if err != nil {
			return linktype, packets, fmt.Errorf("packet %d: truncated record header: %w", n, err)
		}
		sec, frac := order.Uint32(rh[0:]), order.Uint32(rh[4:])
		incl, orig := order.Uint32(rh[8:]), order.Uint32(rh[12:])
		if nano {
			frac /= 1000
		}
		if incl > max(snaplen, MaxSnaplen) || incl > orig || frac >= 1e6 {
			return linktype, packets, fmt.Errorf("packet %d: bad record header (kept %d of %d bytes, snaplen %d, µs %d)", n, incl, orig, snaplen, frac)
		}
		data := make([]byte, incl)
		if _, err := io.ReadFull(br, data); err != nil {
			return linktype, packets, fmt.Errorf("packet %d: truncated after %d bytes kept: %w", n, incl, err)
		}
		packets = append(packets, Packet{Time: time.Unix(int64(sec), int64(frac)*1000), OrigLen: int(orig), Data: data})
	}
}
