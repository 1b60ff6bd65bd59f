package netlab

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"
)

// The pcap file format (https://www.tcpdump.org/manpages/pcap-savefile.5.html,
// and draft-ietf-opsawg-pcap): a 24-byte header for the file, then a
// 16-byte header before each packet. The link's packets are bare IP
// packets, which is LINKTYPE_RAW.
const (
	pcapMagic     = 0xa1b2c3d4 // microsecond timestamps, in the writer's byte order
	pcapSnaplen   = 65535      // the largest packet kept whole
	LinktypeRaw   = 101        // LINKTYPE_RAW: the packet begins with its IPv4 or IPv6 header
	pcapHeaderLen = 24
	pcapRecordLen = 16
)

// PcapWriter writes packets to a pcap file. It is safe for concurrent use:
// both directions of a link write to the same file.
type PcapWriter struct {
	mu  sync.Mutex
	w   *bufio.Writer
	err error
	n   int // packets written
	// snaplen is the most bytes of a packet kept
	snaplen int
	// Server, if not nil, receives the same packets as the server's side
	// of a link sees them (Config.Pcap): one capture per side, so a packet
	// has a time it left one end and a time it reached the other. Set it
	// before the link starts.
	Server *PcapWriter
}

// NewPcapWriter writes the file header to w and returns a writer for the
// packets. Call Flush when done.
func NewPcapWriter(w io.Writer) (*PcapWriter, error) { return NewPcapWriterSnaplen(w, pcapSnaplen) }

// NewPcapWriterSnaplen is NewPcapWriter keeping only the first snaplen
// bytes of each packet (such as its IP and TCP headers, for a small file);
// each record still gives the packet's whole length, and tcpdump shows it.
func NewPcapWriterSnaplen(w io.Writer, snaplen int) (*PcapWriter, error) {
	pw := &PcapWriter{w: bufio.NewWriter(w), snaplen: min(max(snaplen, 1), pcapSnaplen)}
	var h [pcapHeaderLen]byte
	binary.LittleEndian.PutUint32(h[0:], pcapMagic)
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
func (pw *PcapWriter) WritePacket(ts time.Time, data []byte) error {
	pw.mu.Lock()
	defer pw.mu.Unlock()
	if pw.err != nil {
		return pw.err
	}
	incl := min(len(data), pw.snaplen)
	var h [pcapRecordLen]byte
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
func (pw *PcapWriter) Packets() int {
	pw.mu.Lock()
	defer pw.mu.Unlock()
	return pw.n
}

// Flush writes what is buffered to the underlying writer.
func (pw *PcapWriter) Flush() error {
	pw.mu.Lock()
	defer pw.mu.Unlock()
	if pw.err != nil {
		return pw.err
	}
	pw.err = pw.w.Flush()
	return pw.err
}

// A PcapPacket is one packet read from a pcap file.
type PcapPacket struct {
	Time    time.Time
	OrigLen int    // the packet's length on the link
	Data    []byte // the bytes kept (OrigLen or fewer)
}

// ReadPcap reads a whole pcap file with microsecond timestamps in either
// byte order, and returns its link type and packets.
func ReadPcap(r io.Reader) (linktype uint32, packets []PcapPacket, err error) {
	var h [pcapHeaderLen]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return 0, nil, fmt.Errorf("pcap header: %w", err)
	}
	var order binary.ByteOrder
	switch {
	case binary.LittleEndian.Uint32(h[:]) == pcapMagic:
		order = binary.LittleEndian
	case binary.BigEndian.Uint32(h[:]) == pcapMagic:
		order = binary.BigEndian
	default:
		return 0, nil, fmt.Errorf("not a pcap file with microsecond timestamps (magic %x)", h[:4])
	}
	if major, minor := order.Uint16(h[4:]), order.Uint16(h[6:]); major != 2 || minor != 4 {
		return 0, nil, fmt.Errorf("pcap version %d.%d, want 2.4", major, minor)
	}
	snaplen := order.Uint32(h[16:])
	linktype = order.Uint32(h[20:])
	for {
		var rh [pcapRecordLen]byte
		_, err := io.ReadFull(r, rh[:])
		if errors.Is(err, io.EOF) {
			return linktype, packets, nil
		}
		if err != nil {
			return linktype, packets, fmt.Errorf("packet %d: %w", len(packets)+1, err)
		}
		sec, usec := order.Uint32(rh[0:]), order.Uint32(rh[4:])
		incl, orig := order.Uint32(rh[8:]), order.Uint32(rh[12:])
		if incl > snaplen || incl > orig || usec >= 1e6 {
			return linktype, packets, fmt.Errorf("packet %d: bad record header (incl %d, orig %d, snaplen %d, usec %d)", len(packets)+1, incl, orig, snaplen, usec)
		}
		data := make([]byte, incl)
		if _, err := io.ReadFull(r, data); err != nil {
			return linktype, packets, fmt.Errorf("packet %d: %w", len(packets)+1, err)
		}
		packets = append(packets, PcapPacket{
			Time:    time.Unix(int64(sec), int64(usec)*1000),
			OrigLen: int(orig),
			Data:    data,
		})
	}
}
