package ladder

import (
	"fmt"
	"html"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// The drawing's layout, in the SVG's units: at its natural width of 360
// (what a phone's 390 px window leaves a page), one unit is a CSS pixel,
// so a label of 12 stays 12 px; the book's CSS lets it grow a little on a
// wider screen.
const (
	svgWidth   = 360
	clientX    = 60  // the client's lifeline
	serverX    = 330 // the server's
	headY      = 16  // the baseline of the lifelines' names
	lineTop    = 26  // where the lifelines start
	firstY     = 50  // the first event
	msScale    = 2.0 // units per ms where nothing is stretched
	labelGap   = 19  // between packets' labels: more than a line of 12 px text, CJK fonts' tall boxes included
	eventGap   = 4   // between any two events, so that arrows stay apart
	breakAfter = 150 // ms with nothing happening that are cut out of the drawing
	breakH     = 44  // what a cut takes
	labelSize  = 12
	tickSize   = 11
	tickEvery  = 25 // ms between the time axis's ticks
)

// An svgEvent is a point on the time axis: a packet leaving (with its
// label), arriving, or lost on its way.
type svgEvent struct {
	t    float64
	kind int // 0 arrives, 1 lost midway, 2 leaves
	row  int
	y    float64
}

// SVG draws the diagram as a ladder: the client's lifeline on the left,
// the server's on the right, time going down (in ms, on the axis at the
// left), and each packet an arrow from the time it left its sender to
// the time it reached the receiver, labelled with its flags and what it
// carries; a lost packet's arrow ends midway in a ✕. Where packets leave
// closer together than their labels are tall, the time axis is stretched
// there (its ticks then stand further apart), and a stretch of more
// than 150 ms in which nothing happens is cut out, saying how long it
// was. From one side's capture, each arrow is level at the one time
// known of it. id names the drawing's title and description (for
// aria-labelledby); title is its title.
func (d *Diagram) SVG(id, title string) string {
	rows := d.Rows
	// The one-way delay a lost packet's arrow slants by: the median of
	// the packets that arrived.
	var delays []float64
	for _, r := range rows {
		if r.Sent() != Missing && r.Received() != Missing {
			delays = append(delays, r.Received()-r.Sent())
		}
	}
	slices.Sort(delays)
	delay := 0.0
	if len(delays) > 0 {
		delay = delays[len(delays)/2]
	}
	var events []svgEvent
	for i, r := range rows {
		events = append(events, svgEvent{t: r.Sent(), kind: 2, row: i})
		switch {
		case r.Lost:
			events = append(events, svgEvent{t: r.Sent() + delay/2, kind: 1, row: i})
		case r.Received() != Missing && r.Sent() != Missing && d.Side == "":
			events = append(events, svgEvent{t: r.Received(), kind: 0, row: i})
		}
	}
	sort.SliceStable(events, func(i, j int) bool {
		a, b := events[i], events[j]
		if a.t != b.t {
			return a.t < b.t
		}
		if a.kind != b.kind {
			return a.kind < b.kind
		}
		return a.row < b.row
	})
	type cut struct{ y, ms float64 }
	var cuts []cut
	lastLabel := math.Inf(-1)
	for i := range events {
		e := &events[i]
		if i == 0 {
			e.y = firstY
		} else {
			prev := events[i-1]
			gap := e.t - prev.t
			dy := gap * msScale
			if gap > breakAfter {
				cuts = append(cuts, cut{prev.y, gap})
				dy = breakH
			}
			e.y = prev.y + max(dy, eventGap)
		}
		if e.kind == 2 {
			e.y = max(e.y, lastLabel+labelGap)
			lastLabel = e.y
		}
	}
	at := map[[2]int]float64{} // [row, kind] → y
	for _, e := range events {
		at[[2]int{e.row, e.kind}] = e.y
	}
	bottom := events[len(events)-1].y + 16
	height := math.Ceil(bottom + 8)

	var b strings.Builder
	esc := html.EscapeString
	f := func(v float64) string { return strconv.FormatFloat(math.Round(v*10)/10, 'f', -1, 64) }
	fmt.Fprintf(&b, `<svg class="ladder-svg" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %s" width="%d" height="%s" role="img" aria-labelledby="%s-title %s-desc">`+"\n",
		svgWidth, f(height), svgWidth, f(height), esc(id), esc(id))
	fmt.Fprintf(&b, `<title id="%s-title">%s</title>`+"\n", esc(id), esc(title))
	fmt.Fprintf(&b, `<desc id="%s-desc">%s</desc>`+"\n", esc(id), esc(d.describe()))

	// The time axis: a tick every 25 ms, where the drawing is not cut and
	// a tick's label has room.
	b.WriteString(`<g class="ladder-axis">` + "\n")
	last := math.Inf(-1)
	tick := func(t, y float64) {
		if y-last < tickSize+7 {
			return
		}
		last = y
		fmt.Fprintf(&b, `<line x1="%d" y1="%s" x2="%d" y2="%s"/><text x="%d" y="%s" text-anchor="end">%s</text>`+"\n",
			clientX-5, f(y), clientX, f(y), clientX-8, f(y+4), strconv.FormatFloat(t, 'f', -1, 64))
	}
	if t := events[0].t; math.Mod(t, tickEvery) == 0 {
		tick(t, events[0].y)
	}
	for i := 1; i < len(events); i++ {
		a, e := events[i-1], events[i]
		if e.t-a.t > breakAfter || e.t == a.t {
			continue // a cut: no ticks in it
		}
		for t := math.Floor(a.t/tickEvery)*tickEvery + tickEvery; t <= e.t; t += tickEvery {
			tick(t, a.y+(t-a.t)/(e.t-a.t)*(e.y-a.y))
		}
	}
	fmt.Fprintf(&b, `<text class="ladder-unit" x="%d" y="%d" text-anchor="end">ms</text>`+"\n", clientX-8, headY)
	b.WriteString("</g>\n")

	// The lifelines, broken where the drawing is cut.
	b.WriteString(`<g class="ladder-lifelines">` + "\n")
	// The names, clear of the axis's unit at the left.
	fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="start">クライアント</text><text x="%d" y="%d" text-anchor="end">サーバー</text>`+"\n", clientX-6, headY, serverX+6, headY)
	for _, x := range []int{clientX, serverX} {
		y := float64(lineTop)
		for _, c := range cuts {
			fmt.Fprintf(&b, `<line x1="%d" y1="%s" x2="%d" y2="%s"/>`+"\n", x, f(y), x, f(c.y+8))
			y = c.y + breakH - 8
		}
		fmt.Fprintf(&b, `<line x1="%d" y1="%s" x2="%d" y2="%s"/>`+"\n", x, f(y), x, f(bottom))
	}
	for _, c := range cuts {
		fmt.Fprintf(&b, `<text class="ladder-cut" x="%d" y="%s" text-anchor="middle">%s ms 経過</text>`+"\n", (clientX+serverX)/2, f(c.y+breakH/2+4), strconv.FormatFloat(c.ms, 'f', 1, 64))
	}
	b.WriteString("</g>\n")

	// The packets.
	b.WriteString(`<g class="ladder-packets">` + "\n")
	for i, r := range rows {
		x1, x2 := float64(clientX), float64(serverX)
		class := "to-server"
		if !r.FromClient {
			x1, x2, class = x2, x1, "to-client"
		}
		y1 := at[[2]int{i, 2}]
		y2, arrives := at[[2]int{i, 0}]
		if !arrives {
			y2 = y1
		}
		if r.Lost {
			class += " lost"
			x2 = (x1 + x2) / 2
			y2 = at[[2]int{i, 1}]
		}
		fmt.Fprintf(&b, `<g class="ladder-packet %s"><title>%s</title>`, class, esc(r.line()))
		fmt.Fprintf(&b, `<line x1="%s" y1="%s" x2="%s" y2="%s"/>`, f(x1), f(y1), f(x2), f(y2))
		if r.Lost {
			fmt.Fprintf(&b, `<path class="ladder-x" d="M%s %sl10 10m0 -10l-10 10"/>`, f(x2-5), f(y2-5))
		} else {
			// An arrowhead along the line, 8 long.
			dx, dy := x2-x1, y2-y1
			n := math.Hypot(dx, dy)
			ux, uy := dx/n, dy/n
			fmt.Fprintf(&b, `<path class="ladder-head" d="M%s %sL%s %sL%s %sZ"/>`,
				f(x2), f(y2), f(x2-8*ux+4*uy), f(y2-8*uy-4*ux), f(x2-8*ux-4*uy), f(y2-8*uy+4*ux))
		}
		lx, anchor := x1+6, "start"
		if !r.FromClient {
			lx, anchor = x1-6, "end"
		}
		text := r.label(serverX-clientX-14, d.Conns)
		fmt.Fprintf(&b, `<text x="%s" y="%s" text-anchor="%s">%s</text></g>`+"\n", f(lx), f(y1-5), anchor, esc(text))
	}
	b.WriteString("</g>\n</svg>")
	return b.String()
}

// label is what an arrow says: the packet's number (the text form's 番号,
// by which the prose points at it), its connection if the diagram has
// more than one, the flags, then what the packet carries (or how many
// bytes), cut to fit w units.
func (r Row) label(w int, conns bool) string {
	what := r.Summary
	if what == "" && r.Len > 0 {
		what = strconv.Itoa(r.Len) + " バイト"
	}
	s := strconv.Itoa(r.N) + " "
	if conns {
		s += fmt.Sprintf("接続 %d  ", r.Conn)
	}
	s += r.Flags
	if what != "" {
		s += "  " + what
	}
	if r.Lost {
		s += "（失われた）"
	}
	// A character of 12 px text is about 0.58 of it wide in the book's
	// fonts (capitals a little more, the label's end has room for it), a
	// wide one 1.
	cols := int(float64(w) / (labelSize * 0.58))
	if width(s) > cols {
		suffix := ""
		if r.Lost {
			suffix = "（失われた）"
		}
		s = truncate(strings.TrimSuffix(s, suffix), cols-width(suffix)) + suffix
	}
	return s
}

// line says a row in words, for an arrow's tooltip.
func (r Row) line() string {
	var parts []string
	dir := "クライアント → サーバー"
	if !r.FromClient {
		dir = "サーバー → クライアント"
	}
	parts = append(parts, fmt.Sprintf("%d: 接続 %d、%s", r.N, r.Conn, dir), r.Flags)
	if r.Seq != "-" {
		parts = append(parts, "seq "+r.Seq)
	}
	if r.Ack != "-" {
		parts = append(parts, "ack "+r.Ack)
	}
	parts = append(parts, fmt.Sprintf("長さ %d", r.Len))
	if r.Summary != "" {
		parts = append(parts, r.Summary)
	}
	if s := r.Sent(); s != Missing {
		parts = append(parts, "送信 "+timeCell(s)+" ms")
	}
	if r.Lost {
		parts = append(parts, "失われた")
	} else if rc := r.Received(); rc != Missing {
		parts = append(parts, "受信 "+timeCell(rc)+" ms")
	}
	return strings.Join(parts, "、")
}

// describe is the drawing's description, for a screen reader: what it
// shows, and where its text form is.
func (d *Diagram) describe() string {
	lost, toServer := 0, 0
	for _, r := range d.Rows {
		if r.Lost {
			lost++
		}
		if r.FromClient {
			toServer++
		}
	}
	s := fmt.Sprintf("クライアントとサーバーの間の %d 個のパケット（クライアントから %d 個、サーバーから %d 個）", len(d.Rows), toServer, len(d.Rows)-toServer)
	if lost > 0 {
		s += fmt.Sprintf("、うち失われたもの %d 個", lost)
	}
	last := d.Rows[len(d.Rows)-1]
	end := last.Sent()
	if rc := last.Received(); rc != Missing {
		end = max(end, rc)
	}
	s += fmt.Sprintf("。%s ms から %s ms まで。", timeCell(d.Rows[0].Sent()), timeCell(end))
	if d.Side != "" {
		s += d.SideNote()
	}
	return s + "個々のパケットは、図の下のテキストにあります。"
}

// SideNote says, for a diagram from one side's capture, what its times
// are; "" for one from both.
func (d *Diagram) SideNote() string {
	switch d.Side {
	case "client":
		return "クライアント側の記録だけから描いています。時刻はクライアントで送った時刻と受け取った時刻で、矢印は傾けていません。"
	case "server":
		return "サーバー側の記録だけから描いています。時刻はサーバーで送った時刻と受け取った時刻で、矢印は傾けていません。"
	}
	return ""
}
