package ladder

import (
	"bytes"
	"testing"

	lt "tcpbook/internal/ladder/laddertest"
)

// FuzzCapture reads a capture that may be anything: no input makes the
// ladder panic, and what it makes reads back and draws.
func FuzzCapture(f *testing.F) {
	c, s := lt.HTTP(0)
	f.Add(c, s)
	f.Add(c[:len(c)-7], s[:40])
	for _, name := range []string{"lossy.pcap", "h2c.pcap"} {
		c, _ := readTestdata(name)
		s, _ := readTestdata(ServerPcap(name))
		f.Add(c, s)
	}
	f.Fuzz(func(t *testing.T, c, s []byte) {
		d, err := Load(files(c, s), &Spec{Pcap: "c.pcap"})
		if err != nil {
			return
		}
		text := d.Text()
		back, err := Parse(text)
		if err != nil {
			t.Fatalf("the text form does not read back: %v\n%s", err, text)
		}
		if len(back.Rows) != len(d.Rows) {
			t.Fatalf("%d rows read back from %d", len(back.Rows), len(d.Rows))
		}
		back.SVG("x", "fuzz")
	})
}

// FuzzStreams reads any bytes as each protocol's stream, and any
// datagram as QUIC, without panicking.
func FuzzStreams(f *testing.F) {
	f.Add([]byte("GET / HTTP/1.1\r\n\r\n"), []byte("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"))
	f.Add([]byte(preface+"\x00\x00\x00\x04\x00\x00\x00\x00\x00"), []byte("\x00\x00\x00\x04\x01\x00\x00\x00\x00"))
	f.Add([]byte("\x16\x03\x01\x00\x04\x01\x00\x00\x00"), []byte("\xc0\x00\x00\x00\x01\x00\x00\x00\x01\x00"))
	f.Fuzz(func(t *testing.T, a, b []byte) {
		tcpUnits(streamOf(a), streamOf(b), nil)
		tcpUnits(streamOf(a), streamOf(b), KeyLog{})
		http1Units(streamOf(b), false, []string{"GET"})
		h2Units(streamOf(a), 0, true)
		tlsUnits(streamOf(b))
		quicSummary(a, true)
		quicSummary(bytes.Clone(b), false)
		Parse(string(a))
	})
}
