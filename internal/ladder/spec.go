// Package ladder draws a ladder (sequence) diagram of a connection from
// the lab's packet captures: a ```ladder block's body is its text form,
// one line per packet, which mdrun update writes from the capture and
// mdrun check compares with it; the rendered book draws it as an SVG.
//
// netlab -pcap NAME.pcap writes the client's side of the link to NAME.pcap
// and the server's side to NAME.server.pcap, on one clock: a packet that crossed
// has its send time in one file and its receive time in the other, and
// one the link lost is only in its sender's file. With both files the
// diagram shows both times; with one (an older capture, or side=), it
// shows the times of that side alone and cannot tell what was lost.
package ladder

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Attrs are the attributes a ladder block takes.
var Attrs = []string{"pcap", "keylog", "side", "conn", "packets", "time", "acks"}

// A Spec is what a ladder block's attributes ask for.
type Spec struct {
	// Pcap is the client's capture, a slash path from the book's root;
	// the server's is beside it (ServerPcap).
	Pcap string
	// Side is "client" or "server" to read that side's capture alone, ""
	// to read both when the server's exists.
	Side string
	// Conns are the connections shown, numbered from 1 in the order of
	// their first packet; nil for all.
	Conns []int
	// First and Last bound the packets shown by their numbers (番号);
	// 0 leaves that end open.
	First, Last int
	// From and To bound the packets shown by the time they left, in ms
	// from the first packet of the connections shown; Window says
	// whether they are set.
	From, To float64
	Window   bool
	// HideACKs leaves out pure ACKs: segments with ACK alone and no data.
	HideACKs bool
	// Keylog is a TLS key log (SSLKEYLOGFILE), a slash path from the
	// book's root like Pcap, or "": with it, the records of TLS 1.3
	// connections it has the secrets of are decrypted and named by what
	// they carry.
	Keylog string
}

// ServerPcap is the server's capture that goes with the client's, named
// as netlab -pcap names it: h2c.pcap → h2c.server.pcap.
func ServerPcap(client string) string { return strings.TrimSuffix(client, ".pcap") + ".server.pcap" }

// ParseSpec reads a ladder block's attributes other than pcap and
// keylog (given already resolved to paths from the book's root; use
// Spec.Keylog) and says what is wrong with them.
func ParseSpec(pcap string, attrs map[string]string) (*Spec, string) {
	s := &Spec{Pcap: pcap}
	for _, name := range Attrs {
		v, ok := attrs[name]
		if !ok {
			continue
		}
		switch name {
		case "side":
			if v != "client" && v != "server" {
				return nil, fmt.Sprintf("side=%q: write side=client or side=server (leave it out to read both sides)", v)
			}
			s.Side = v
		case "conn":
			for _, part := range strings.Split(v, ",") {
				a, b, err := intRange(strings.TrimSpace(part), false)
				if err != "" {
					return nil, fmt.Sprintf("conn=%q: %s: write conn=1, conn=\"1,3\" or conn=\"2-4\"", v, err)
				}
				for n := a; n <= b; n++ {
					if !slices.Contains(s.Conns, n) {
						s.Conns = append(s.Conns, n)
					}
				}
			}
			slices.Sort(s.Conns)
		case "packets":
			a, b, err := intRange(v, true)
			if err != "" {
				return nil, fmt.Sprintf("packets=%q: %s: write packets=\"5-12\", or packets=\"5-\" to the end", v, err)
			}
			s.First, s.Last = a, b
		case "time":
			lo, hi, ok := strings.Cut(v, "-")
			from, err1 := strconv.ParseFloat(lo, 64)
			to, err2 := strconv.ParseFloat(hi, 64)
			if !ok || err1 != nil || err2 != nil || from < 0 || to < from {
				return nil, fmt.Sprintf("time=%q: write the window in ms from the first packet: time=\"0-120\"", v)
			}
			s.From, s.To, s.Window = from, to, true
		case "acks":
			if v != "hide" && v != "show" {
				return nil, fmt.Sprintf("acks=%q: write acks=hide to leave out pure ACKs (acks=show is the default)", v)
			}
			s.HideACKs = v == "hide"
		}
	}
	return s, ""
}

// intRange reads "n" or "a-b" (and "a-", with open) of numbers from 1.
func intRange(v string, open bool) (int, int, string) {
	lo, hi, isRange := strings.Cut(v, "-")
	a, err := strconv.Atoi(lo)
	if err != nil || a < 1 {
		return 0, 0, "numbers count from 1"
	}
	if !isRange {
		return a, a, ""
	}
	if hi == "" && open {
		return a, 0, ""
	}
	b, err := strconv.Atoi(hi)
	if err != nil || b < a {
		return 0, 0, "a range goes from a smaller number to a larger one"
	}
	return a, b, ""
}
