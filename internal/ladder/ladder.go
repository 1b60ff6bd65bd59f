package ladder

import (
	"cmp"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"sort"
	"strings"
)

// Body returns what a ladder block's body must be: the text form of the
// packets its spec selects, from the captures read reads (by slash path
// from the book's root). An error says what is wrong, without the
// block's line, which the caller gives.
func Body(read func(path string) ([]byte, error), s *Spec) (string, error) {
	d, err := Load(read, s)
	if err != nil {
		return "", err
	}
	return d.Text(), nil
}

// Load reads the captures a spec names and returns its diagram.
func Load(read func(path string) ([]byte, error), s *Spec) (*Diagram, error) {
	var files [2][]*packet // the client's side, the server's
	side := s.Side
	for i, name := range []string{s.Pcap, ServerPcap(s.Pcap)} {
		if side == "client" && i == 1 || side == "server" && i == 0 {
			continue
		}
		data, err := read(name)
		if err != nil && i == 1 && side == "" && errors.Is(err, fs.ErrNotExist) {
			side = "client" // an older capture, of the client's side alone
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		if files[i], err = readPcap(data); err != nil {
			return nil, fmt.Errorf("%s: %v", name, err)
		}
	}
	var keys KeyLog
	if s.Keylog != "" {
		data, err := read(s.Keylog)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", s.Keylog, err)
		}
		if keys, err = ParseKeyLog(data); err != nil {
			return nil, fmt.Errorf("%s: %v", s.Keylog, err)
		}
	}
	return build(files, side, s, keys)
}

// A Diagram is the packets a ladder shows.
type Diagram struct {
	// Side is "client" or "server" when the diagram comes from that
	// side's capture alone, "" when from both.
	Side string
	// Conns says whether the diagram shows more than one connection,
	// and so numbers them.
	Conns bool
	Rows  []Row
}

// A Row is one packet.
type Row struct {
	N, Conn    int // its number (番号) and its connection's, from 1
	FromClient bool
	// Client and Server are the times (ms from the diagram's first
	// packet) the packet left or reached each end; Missing when that
	// side's capture is not read, or the sender's has no record of it.
	Client, Server float64
	// Lost says the receiver never got it: the link dropped it.
	Lost     bool
	Flags    string // "SYN ACK"; "UDP" for a datagram
	Seq, Ack string // relative; "-" for none
	Len      int
	Summary  string
	order    int // its place in the capture its time is from
}

// Missing is a time not known.
const Missing = -1.0

// Sent is the time the packet left, or the one time known of it.
func (r Row) Sent() float64 {
	if r.FromClient && r.Client != Missing || r.Server == Missing {
		return r.Client
	}
	return r.Server
}

// Received is the time it arrived, or Missing.
func (r Row) Received() float64 {
	if r.FromClient {
		return r.Server
	}
	return r.Client
}

// A flow is one connection (or UDP flow) in one capture.
type flow struct {
	udp          bool
	cport, sport uint16
	isn          uint32 // the client's SYN's sequence number
	hasSYN       bool
	pkts         []*packet
}

func (f *flow) fromClient(p *packet) bool { return p.src == f.cport }

// flows groups a capture's packets into connections, in the order of
// their first packet. The client of a TCP connection is the end that
// sent the SYN; without one, the end with the higher port; of a UDP
// flow, the end that sent first.
func flows(pkts []*packet) []*flow {
	var out []*flow
	open := map[[3]uint16]*flow{}
	for _, p := range pkts {
		k := [3]uint16{min(p.src, p.dst), max(p.src, p.dst), 0}
		if p.udp {
			k[2] = 1
		}
		syn := !p.udp && p.flags&0x12 == 0x02
		f := open[k]
		if f != nil && syn && f.hasSYN && f.isn != p.seq && f.cport == p.src {
			f = nil // the same ports again: a new connection
		}
		if f == nil {
			f = &flow{udp: p.udp, cport: max(p.src, p.dst), sport: min(p.src, p.dst)}
			if p.udp || syn {
				f.cport, f.sport = p.src, p.dst
			}
			open[k] = f
			out = append(out, f)
		}
		if syn && !f.hasSYN {
			f.hasSYN, f.isn, f.cport, f.sport = true, p.seq, p.src, p.dst
		}
		f.pkts = append(f.pkts, p)
	}
	return out
}

// A conn is one connection as both captures have it.
type conn struct {
	sides [2]*flow
	first int64
}

// pair matches the flows of the two captures: the same ports and, for
// TCP connections that the client opened, the same initial sequence
// number.
func pair(client, server []*flow) []*conn {
	var conns []*conn
	used := map[*flow]bool{}
	for _, f := range client {
		c := &conn{sides: [2]*flow{f, nil}}
		for _, g := range server {
			if !used[g] && g.udp == f.udp && g.cport == f.cport && g.sport == f.sport && g.hasSYN == f.hasSYN && g.isn == f.isn {
				c.sides[1] = g
				used[g] = true
				break
			}
		}
		conns = append(conns, c)
	}
	for _, g := range server {
		if !used[g] {
			conns = append(conns, &conn{sides: [2]*flow{nil, g}})
		}
	}
	for _, c := range conns {
		c.first = -1
		for _, f := range c.sides {
			if f != nil && len(f.pkts) > 0 && (c.first < 0 || f.pkts[0].t < c.first) {
				c.first = f.pkts[0].t
			}
		}
	}
	slices.SortStableFunc(conns, func(a, b *conn) int { return cmp.Compare(a.first, b.first) })
	return conns
}

// key is what the two sides of the link agree on of a packet: not its
// addresses, which the link rewrites, nor so its checksums.
func key(p *packet) string {
	head := p.payload[:min(len(p.payload), 16)]
	return fmt.Sprintf("%t %d %d %d %d %x %d %x", p.udp, p.src, p.dst, p.seq, p.ack, p.flags, p.length, head)
}

// An event is a packet with the times it left and arrived, in µs; -1
// for a time no capture read has.
type event struct {
	p          *packet
	fromClient bool
	send, recv int64
	lost       bool
}

// match pairs the packets one end sent (in its capture, in time order)
// with those the other received (in the other's). The link delivers in
// order and never sooner than its one-way delay, which the packets sent
// once show; a packet sent twice alike (a retransmission, a duplicate
// ACK) is matched with the copy that arrived one such delay after it,
// and a copy that never arrived was lost.
func match(sent, recvd []*packet) (pairs map[*packet]*packet) {
	pairs = map[*packet]*packet{}
	count := map[string]int{}
	for _, p := range sent {
		count[key(p)]++
	}
	for _, p := range recvd {
		count[key(p)] += 1 << 16
	}
	// The one-way delay: the least of the packets sent and received once.
	delay := int64(-1)
	byKey := map[string]*packet{}
	for _, p := range sent {
		if count[key(p)] == 1<<16+1 {
			byKey[key(p)] = p
		}
	}
	for _, r := range recvd {
		if s := byKey[key(r)]; s != nil && r.t >= s.t && (delay < 0 || r.t-s.t < delay) {
			delay = r.t - s.t
		}
	}
	delay = max(delay, 0)
	tol := min(int64(1000), delay/2)
	window := max(2000, delay/5) // a little queueing
	next := 0
	done := map[*packet]bool{}
	for _, r := range recvd {
		first, closest, any := -1, -1, -1
		for i := next; i < len(sent); i++ {
			s := sent[i]
			if s.t > r.t+tol {
				break
			}
			if done[s] || key(s) != key(r) {
				continue
			}
			if any < 0 {
				any = i
			}
			if d := r.t - s.t; d >= delay-tol {
				closest = i
				if first < 0 && d <= delay+window {
					first = i
				}
			}
		}
		// The first copy that arrived about one delay later (copies
		// alike that crossed one after another); else the one that
		// arrived closest to one delay later (a retransmission, the
		// first copy lost); else any.
		best := cmp.Or(first+1, closest+1, any+1) - 1
		if best >= 0 {
			pairs[sent[best]] = r
			done[sent[best]] = true
			next = best + 1
		}
	}
	return pairs
}

// build makes the diagram of the selected connections.
func build(files [2][]*packet, side string, s *Spec, keys KeyLog) (*Diagram, error) {
	conns := pair(flows(files[0]), flows(files[1]))
	if len(conns) == 0 {
		return nil, errors.New("the capture holds no TCP or UDP packet")
	}
	chosen := s.Conns
	if chosen == nil {
		for i := range conns {
			chosen = append(chosen, i+1)
		}
	}
	for _, n := range chosen {
		if n > len(conns) {
			return nil, fmt.Errorf("conn=%d: the capture has %s", n, plural(len(conns), "connection"))
		}
	}
	d := &Diagram{Side: side, Conns: len(chosen) > 1}
	var rows []Row
	for _, n := range chosen {
		rows = append(rows, connRows(conns[n-1], n, side, keys)...)
	}
	// In the order they left; packets of one capture stamped alike, in
	// the capture's order (the ACK a client sends at once for a SYN ACK
	// it received).
	slices.SortStableFunc(rows, func(a, b Row) int {
		return cmp.Or(cmp.Compare(a.Sent(), b.Sent()), cmp.Compare(a.order, b.order))
	})
	origin := Missing
	for _, r := range rows {
		if origin == Missing || r.Sent() < origin {
			origin = r.Sent()
		}
	}
	for i := range rows {
		r := &rows[i]
		r.N = i + 1
		if r.Client != Missing {
			r.Client = (r.Client - origin) / 1000
		}
		if r.Server != Missing {
			r.Server = (r.Server - origin) / 1000
		}
		if s.First > 0 && r.N < s.First || s.Last > 0 && r.N > s.Last {
			continue
		}
		if s.Window && (r.Sent() < s.From-0.05 || r.Sent() > s.To+0.05) {
			continue
		}
		if s.HideACKs && r.Flags == "ACK" && r.Len == 0 {
			continue
		}
		d.Rows = append(d.Rows, *r)
	}
	if len(d.Rows) == 0 {
		return nil, fmt.Errorf("packets=, time= and acks= leave none of the %s", plural(len(rows), "packet"))
	}
	return d, nil
}

// connRows makes the rows of one connection, with times in µs from the
// Unix epoch (whole numbers, which a float64 holds exactly).
func connRows(c *conn, n int, side string, keys KeyLog) []Row {
	// The sender's capture has what it sent, the receiver's what it
	// received: 0 the client's, 1 the server's.
	var sent, recvd [2][]*packet // by direction: 0 from the client
	for i, f := range c.sides {
		if f == nil {
			continue
		}
		for _, p := range f.pkts {
			dir := 1
			if f.fromClient(p) {
				dir = 0
			}
			if dir == i {
				sent[dir] = append(sent[dir], p)
			} else {
				recvd[dir] = append(recvd[dir], p)
			}
		}
	}
	var events []event
	for dir := range 2 {
		pairs := match(sent[dir], recvd[dir])
		got := map[*packet]bool{}
		for _, p := range sent[dir] {
			e := event{p: p, fromClient: dir == 0, send: p.t, recv: -1}
			if r, ok := pairs[p]; ok {
				e.recv = r.t
				got[r] = true
			} else if side == "" {
				e.lost = true
			}
			events = append(events, e)
		}
		for _, p := range recvd[dir] {
			if !got[p] {
				events = append(events, event{p: p, fromClient: dir == 0, send: -1, recv: p.t})
			}
		}
	}
	client, server := streams(c)
	cu, su := []unit(nil), []unit(nil)
	f := c.sides[0]
	if f == nil {
		f = c.sides[1]
	}
	quic := false
	if !f.udp {
		cu, su = tcpUnits(client.s, server.s, keys)
	} else {
		var payloads [][]byte
		for _, e := range events {
			payloads = append(payloads, e.p.payload)
		}
		quic = isQUIC(payloads)
	}
	var rows []Row
	for _, e := range events {
		r := Row{Conn: n, FromClient: e.fromClient, Client: Missing, Server: Missing, Lost: e.lost, Len: e.p.length, order: e.p.index}
		ms := func(t int64) float64 { // µs here, made ms from the origin by build
			if t < 0 {
				return Missing
			}
			return float64(t)
		}
		if e.fromClient {
			r.Client, r.Server = ms(e.send), ms(e.recv)
		} else {
			r.Server, r.Client = ms(e.send), ms(e.recv)
		}
		p := e.p
		if p.udp {
			r.Flags, r.Seq, r.Ack = "UDP", "-", "-"
			r.Summary = quicSummary(p.payload, quic)
		} else {
			own, other, units := client, server, cu
			if !e.fromClient {
				own, other, units = server, client, su
			}
			r.Flags = flagNames(p.flags)
			r.Seq = fmt.Sprint(p.seq - own.base)
			r.Ack = "-"
			if p.flags&0x10 != 0 {
				r.Ack = fmt.Sprint(p.ack - other.base)
			}
			if p.length > 0 {
				r.Summary = summarize(units, int(p.seq-own.base-1), p.length)
			}
		}
		rows = append(rows, r)
	}
	return rows
}

// dirStream is one direction of a connection: the sequence number its
// relative numbers count from, and its bytes.
type dirStream struct {
	base uint32
	s    *stream
}

// streams reassembles both directions of a TCP connection from every
// copy of its segments in either capture. Sequence numbers count from
// each side's SYN (its first byte of data is 1, as tcpdump counts);
// without a SYN, from the first segment seen.
func streams(c *conn) (client, server dirStream) {
	ds := [2]*dirStream{{s: &stream{}}, {s: &stream{}}}
	seen := [2]bool{}
	var all []*packet
	var from []bool
	for _, f := range c.sides {
		if f == nil {
			continue
		}
		for _, p := range f.pkts {
			all = append(all, p)
			from = append(from, f.fromClient(p))
		}
	}
	for i, p := range all {
		dir := 1
		if from[i] {
			dir = 0
		}
		if p.flags&0x02 != 0 && (!seen[dir] || ds[dir].base != p.seq) {
			ds[dir].base, seen[dir] = p.seq, true
		}
	}
	for i, p := range all {
		dir := 1
		if from[i] {
			dir = 0
		}
		if !seen[dir] {
			ds[dir].base, seen[dir] = p.seq-1, true
		}
	}
	for i, p := range all {
		dir := 1
		if from[i] {
			dir = 0
		}
		if p.udp || len(p.payload) == 0 {
			continue
		}
		ds[dir].s.put(int(p.seq-ds[dir].base-1), p.payload)
	}
	return *ds[0], *ds[1]
}

// flagNames spells out a TCP segment's flags (RFC 9293 §3.1), in the
// order a reader says them: SYN ACK, FIN ACK, PSH ACK.
func flagNames(f byte) string {
	var names []string
	for _, fl := range []struct {
		bit  byte
		name string
	}{{0x02, "SYN"}, {0x01, "FIN"}, {0x04, "RST"}, {0x08, "PSH"}, {0x10, "ACK"}, {0x20, "URG"}, {0x40, "ECE"}, {0x80, "CWR"}} {
		if f&fl.bit != 0 {
			names = append(names, fl.name)
		}
	}
	if len(names) == 0 {
		return "-"
	}
	return strings.Join(names, " ")
}

// maxSummary is the widest a summary is written, in columns.
const maxSummary = 44

// summarize names the units that start in the segment at off, n bytes
// long: all of them if they fit, else the first and how many more.
func summarize(units []unit, off, n int) string {
	i := sort.Search(len(units), func(i int) bool { return units[i].off >= off })
	var in []string
	for ; i < len(units) && units[i].off < off+n; i++ {
		in = append(in, units[i].text)
	}
	if len(in) == 0 {
		return ""
	}
	if all := strings.Join(in, ", "); width(all) <= maxSummary {
		return all
	}
	more := ""
	if len(in) > 1 {
		more = fmt.Sprintf(" ほか %d 件", len(in)-1)
	}
	return truncate(in[0], maxSummary-width(more)) + more
}

func plural(n int, thing string) string {
	if n == 1 {
		return "1 " + thing
	}
	return fmt.Sprintf("%d %ss", n, thing)
}
