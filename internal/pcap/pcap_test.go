package pcap

import (
	"bytes"
	"encoding/binary"
	"strings"
	"sync"
	"testing"
	"time"

	"tcpbook/internal/pcap/pcaptest"
)

var client, server = [4]byte{10, 77, 0, 1}, [4]byte{10, 77, 0, 2}

// packet4 builds an IPv4 packet from port 40000 to 8888 carrying a TCP
// (proto 6, data offset 5) or UDP (17) header and payload; checksums are
// left 0, which nothing here reads.
func packet4(proto byte, src, dst [4]byte, payload []byte) []byte {
	hdr := 8
	if proto == TCP {
		hdr = 20
	}
	p := make([]byte, 20+hdr+len(payload))
	p[0], p[8], p[9] = 0x45, 64, proto
	binary.BigEndian.PutUint16(p[2:], uint16(len(p)))
	binary.BigEndian.PutUint16(p[6:], 0x4000) // don't fragment
	copy(p[12:], src[:])
	copy(p[16:], dst[:])
	binary.BigEndian.PutUint16(p[20:], 40000)
	binary.BigEndian.PutUint16(p[22:], 8888)
	if proto == TCP {
		p[32] = 5 << 4
	} else {
		binary.BigEndian.PutUint16(p[24:], uint16(8+len(payload)))
	}
	copy(p[20+hdr:], payload)
	return p
}

func TestRoundTrip(t *testing.T) {
	var buf bytes.Buffer
	pw, err := NewWriter(&buf, 0)
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2025, 6, 1, 12, 0, 0, 123456789, time.UTC)
	want := [][]byte{
		packet4(TCP, client, server, []byte("GET / HTTP/1.1\r\n\r\n")),
		packet4(TCP, server, client, []byte("HTTP/1.1 200 OK\r\n\r\n")),
		packet4(UDP, client, server, nil),
	}
	for i, p := range want {
		if err := pw.WritePacket(t0.Add(time.Duration(i)*time.Millisecond), p); err != nil {
			t.Fatal(err)
		}
	}
	// A packet longer than the snap length is cut, and says how long it was.
	huge := make([]byte, 70000)
	huge[0] = 0x45
	pw.WritePacket(t0, huge)
	if err := pw.Flush(); err != nil {
		t.Fatal(err)
	}
	if pw.Packets() != 4 {
		t.Errorf("Packets() = %d, want 4", pw.Packets())
	}
	// The header, byte for byte: magic a1b2c3d4 (little-endian), 2.4,
	// zone 0, sigfigs 0, snaplen 65535, LINKTYPE_RAW.
	hdr := []byte{0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 101, 0, 0, 0}
	if !bytes.Equal(buf.Bytes()[:24], hdr) {
		t.Errorf("file header % x, want % x", buf.Bytes()[:24], hdr)
	}
	linktype, got, err := Read(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if linktype != LinktypeRaw || len(got) != 4 {
		t.Fatalf("read back link type %d and %d packets, want 101 and 4", linktype, len(got))
	}
	for i, p := range want {
		wantTime := t0.Add(time.Duration(i) * time.Millisecond).Truncate(time.Microsecond)
		if !got[i].Time.Equal(wantTime) || !bytes.Equal(got[i].Data, p) || got[i].OrigLen != len(p) {
			t.Errorf("packet %d read back as %v %d bytes (orig %d), want %v %d bytes", i, got[i].Time, len(got[i].Data), got[i].OrigLen, wantTime, len(p))
		}
	}
	if len(got[3].Data) != MaxSnaplen || got[3].OrigLen != 70000 {
		t.Errorf("a 70000-byte packet was kept as %d bytes of %d, want 65535 of 70000", len(got[3].Data), got[3].OrigLen)
	}
	// A truncated file is an error naming the packet, not a silent short read.
	if _, got, err := Read(bytes.NewReader(buf.Bytes()[:buf.Len()-1])); err == nil || !strings.Contains(err.Error(), "packet 4") || len(got) != 3 {
		t.Errorf("a truncated file read as %d packets, %v; want 3 and an error naming packet 4", len(got), err)
	}
	if _, _, err := Read(strings.NewReader("not a pcap file at all..")); err == nil {
		t.Error("Read accepted a file that is not pcap")
	}
	pcaptest.Tcpdump(t, buf.Bytes(), len(want)+1, "10.77.0.1.40000 > 10.77.0.2.8888")
}

// A file written big-endian with nanosecond timestamps (as other tools
// may write) reads as the same packets.
func TestReadNanoBigEndian(t *testing.T) {
	p := packet4(TCP, client, server, []byte("hi"))
	var b bytes.Buffer
	w := func(v ...any) {
		for _, x := range v {
			binary.Write(&b, binary.BigEndian, x)
		}
	}
	w(uint32(magicNano), uint16(2), uint16(4), uint32(0), uint32(0), uint32(96), uint32(LinktypeIPv4))
	w(uint32(1000), uint32(123456789), uint32(len(p)), uint32(len(p)))
	b.Write(p)
	lt, got, err := Read(&b)
	if err != nil || lt != LinktypeIPv4 || len(got) != 1 {
		t.Fatalf("Read = %d, %d packets, %v", lt, len(got), err)
	}
	if want := time.Unix(1000, 123456000); !got[0].Time.Equal(want) || !bytes.Equal(got[0].Data, p) {
		t.Errorf("read %v % x, want %v % x", got[0].Time, got[0].Data, want, p)
	}
}

// Both directions of a link write to one file: records must not interleave.
func TestConcurrent(t *testing.T) {
	var buf bytes.Buffer
	pw, _ := NewWriter(&buf, 0)
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			p := packet4(TCP, [4]byte{10, 0, 0, byte(g)}, server, bytes.Repeat([]byte{byte(g)}, 100*g))
			for range 100 {
				pw.WritePacket(time.Now(), p)
			}
		})
	}
	wg.Wait()
	pw.Flush()
	_, got, err := Read(&buf)
	if err != nil || len(got) != 400 {
		t.Fatalf("read %d packets, %v; want 400", len(got), err)
	}
	for i, p := range got {
		g := int(p.Data[15])
		if len(p.Data) != 40+100*g {
			t.Fatalf("packet %d from writer %d is %d bytes, want %d", i, g, len(p.Data), 40+100*g)
		}
	}
}
