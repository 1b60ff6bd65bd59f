package netlab

import (
	"io"

	"tcpbook/internal/pcap"
)

// A PcapWriter is one side's capture of a link (Config.Pcap), in the
// pcap format with bare IP packets (package pcap).
type PcapWriter struct {
	*pcap.Writer
	// Server, if not nil, receives the same packets as the server's side
	// of a link sees them (Config.Pcap): one capture per side, so a packet
	// has a time it left one end and a time it reached the other. Set it
	// before the link starts.
	Server *PcapWriter
}

// NewPcapWriter writes a pcap file's header to w and returns a writer for
// the packets, keeping snaplen bytes of each (0: whole packets). Call
// Flush when done.
func NewPcapWriter(w io.Writer, snaplen int) (*PcapWriter, error) {
	pw, err := pcap.NewWriter(w, snaplen)
	if err != nil {
		return nil, err
	}
	return &PcapWriter{Writer: pw}, nil
}
