package ladder

import (
	"bytes"
	"os"
	"path"
	"regexp"
	"slices"
	"strconv"
	"testing"

	"tcpbook/tools/netlab"
)

func readTestdata(p string) ([]byte, error) { return os.ReadFile(path.Join("testdata", p)) }

// TestLabCaptures draws two captures that netlab made on its 50 ms link
// (testdata/README.md says how): every packet that crossed did so in the
// link's one-way delay, give or take a little queueing; each one is
// either matched or lost, none unaccounted for; and the lost ones are as
// many as the two captures differ by.
func TestLabCaptures(t *testing.T) {
	for _, name := range []string{"lossy.pcap", "h2c.pcap"} {
		d, err := Load(readTestdata, &Spec{Pcap: name})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		lost := 0
		for _, r := range d.Rows {
			switch {
			case r.Lost:
				lost++
			case r.Sent() == Missing || r.Received() == Missing:
				t.Errorf("%s: packet %d has a time at one end only: %+v", name, r.N, r)
			default:
				if delay := r.Received() - r.Sent(); delay < 25 || delay > 27 {
					t.Errorf("%s: packet %d crossed in %.1f ms, want 25 ms and a little", name, r.N, delay)
				}
			}
		}
		// Each capture holds what its side sent and received: what one
		// sent and the other never received was lost.
		var n [2]int
		for i, f := range []string{name, ServerPcap(name)} {
			data, _ := readTestdata(f)
			pkts, err := readPcap(data)
			if err != nil {
				t.Fatal(err)
			}
			// The same packets as netlab's own reader finds.
			_, theirs, err := netlab.ReadPcap(bytes.NewReader(data))
			if err != nil || len(theirs) != len(pkts) {
				t.Errorf("%s: %d packets, netlab.ReadPcap %d (%v)", f, len(pkts), len(theirs), err)
			}
			n[i] = len(pkts)
		}
		if sent := len(d.Rows); 2*sent-lost != n[0]+n[1] {
			t.Errorf("%s: %d packets, %d lost, but the captures hold %d and %d", name, sent, lost, n[0], n[1])
		}
		if name == "lossy.pcap" && lost < 5 {
			t.Errorf("%s: %d lost, want the capture's 5 or more", name, lost)
		}
		if name == "h2c.pcap" && lost != 0 {
			t.Errorf("%s: %d lost, want none", name, lost)
		}
	}
}

// TestSVGLabelsApart draws the lossy capture and finds its arrows'
// labels at least a label's height apart, in the order the packets left,
// and every arrow going down the page (or level) from its sender.
func TestSVGLabelsApart(t *testing.T) {
	d, err := Load(readTestdata, &Spec{Pcap: "lossy.pcap"})
	if err != nil {
		t.Fatal(err)
	}
	svg := d.SVG("x", "lossy")
	label := regexp.MustCompile(`<line x1="[\d.]+" y1="([\d.]+)" x2="[\d.]+" y2="([\d.]+)"/>(?:<path[^>]*>)<text x="[\d.]+" y="([\d.]+)"`)
	matches := label.FindAllStringSubmatch(svg, -1)
	if len(matches) != len(d.Rows) {
		t.Fatalf("%d labelled arrows, want %d", len(matches), len(d.Rows))
	}
	var ys []float64
	for _, m := range matches {
		y1, _ := strconv.ParseFloat(m[1], 64)
		y2, _ := strconv.ParseFloat(m[2], 64)
		ly, _ := strconv.ParseFloat(m[3], 64)
		if y2 < y1 {
			t.Errorf("an arrow goes up: %s", m[0])
		}
		ys = append(ys, ly)
	}
	sorted := slices.Clone(ys)
	slices.Sort(sorted)
	for i := 1; i < len(sorted); i++ {
		if sorted[i]-sorted[i-1] < labelGap-0.1 {
			t.Errorf("labels at %.1f and %.1f, closer than %d", sorted[i-1], sorted[i], labelGap)
		}
	}
}
