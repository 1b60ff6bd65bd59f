package ladder

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// The text form's words: its column headings and the cells that are not
// numbers.
const (
	headNumber = "番号"
	headConn   = "接続"
	headClient = "クライアント（ms）"
	headServer = "サーバー（ms）"
	headFlags  = "フラグ"
	headSeq    = "seq"
	headAck    = "ack"
	headLen    = "長さ"
	headWhat   = "内容"
	toServer   = "--->"
	toClient   = "<---"
	lostCell   = "失われた"
	noTime     = "-"
)

// Text is the diagram's text form: a heading line, then one line per
// packet, its columns aligned for a fixed-width font (a wide character
// taking two columns) and at least two spaces apart:
//
//	番号  [接続]  クライアント（ms）  --->/<---  サーバー（ms）  フラグ  seq  ack  長さ  内容
//
// A time is in ms from the first packet; 失われた in the receiver's
// column marks a packet the link lost; - a time no capture read has (a
// diagram of one side's capture has - in all of the other side's).
func (d *Diagram) Text() string {
	head := []string{headNumber, headClient, "", headServer, headFlags, headSeq, headAck, headLen, headWhat}
	right := []bool{true, true, false, true, false, true, true, true, false}
	if d.Conns {
		head = append(head[:1], append([]string{headConn}, head[1:]...)...)
		right = append(right[:1], append([]bool{true}, right[1:]...)...)
	}
	table := [][]string{head}
	for _, r := range d.Rows {
		arrow := toServer
		if !r.FromClient {
			arrow = toClient
		}
		client, server := timeCell(r.Client), timeCell(r.Server)
		if r.Lost && r.FromClient {
			server = lostCell
		} else if r.Lost {
			client = lostCell
		}
		row := []string{strconv.Itoa(r.N), client, arrow, server, r.Flags, r.Seq, r.Ack, strconv.Itoa(r.Len), r.Summary}
		if d.Conns {
			row = append(row[:1], append([]string{strconv.Itoa(r.Conn)}, row[1:]...)...)
		}
		table = append(table, row)
	}
	widths := make([]int, len(head))
	for _, row := range table {
		for i, c := range row {
			widths[i] = max(widths[i], width(c))
		}
	}
	var b strings.Builder
	for _, row := range table {
		var line strings.Builder
		for i, c := range row {
			if i > 0 {
				line.WriteString("  ")
			}
			pad := strings.Repeat(" ", widths[i]-width(c))
			if right[i] {
				line.WriteString(pad + c)
			} else if i < len(row)-1 {
				line.WriteString(c + pad)
			} else {
				line.WriteString(c)
			}
		}
		b.WriteString(strings.TrimRight(line.String(), " "))
		b.WriteString("\n")
	}
	return b.String()
}

func timeCell(ms float64) string {
	if ms == Missing {
		return noTime
	}
	return strconv.FormatFloat(ms, 'f', 1, 64)
}

// columnGap splits a line of the text form into its cells.
var columnGap = regexp.MustCompile(`\s{2,}`)

// Parse reads a diagram back from its text form, for drawing it. It
// returns an error for a body that is not one (which check reports as
// not what the capture gives).
func Parse(text string) (*Diagram, error) {
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	if len(lines) < 2 {
		return nil, fmt.Errorf("a ladder's text form has a heading line and a line per packet")
	}
	head := columnGap.Split(strings.TrimSpace(lines[0]), -1)
	d := &Diagram{Conns: len(head) > 1 && head[1] == headConn}
	n := 9 // cells, with the arrow's, which has no heading
	if d.Conns {
		n++
	}
	if head[0] != headNumber || len(head) != n-1 {
		return nil, fmt.Errorf("line 1 is not the text form's heading (%s ...)", headNumber)
	}
	unknown := [2]int{} // rows with no time at the client, at the server
	for i, line := range lines[1:] {
		cells := columnGap.Split(strings.TrimSpace(line), n)
		if len(cells) == n-1 {
			cells = append(cells, "")
		}
		bad := func(what string) error { return fmt.Errorf("line %d: %s", i+2, what) }
		if len(cells) != n {
			return nil, bad("not a packet's line")
		}
		r := Row{Conn: 1}
		var err error
		if r.N, err = strconv.Atoi(cells[0]); err != nil {
			return nil, bad("no packet number")
		}
		if d.Conns {
			if r.Conn, err = strconv.Atoi(cells[1]); err != nil {
				return nil, bad("no connection number")
			}
			cells = cells[1:]
		}
		switch cells[2] {
		case toServer:
			r.FromClient = true
		case toClient:
		default:
			return nil, bad("no direction (" + toServer + " or " + toClient + ")")
		}
		for j, t := range []*float64{&r.Client, &r.Server} {
			switch c := cells[1+2*j]; c {
			case lostCell:
				r.Lost = true
				*t = Missing
			case noTime:
				*t = Missing
				unknown[j]++
			default:
				if *t, err = strconv.ParseFloat(c, 64); err != nil || *t < 0 {
					return nil, bad("a time is not a number of ms")
				}
			}
		}
		if r.Sent() == Missing {
			return nil, bad("no time at either end")
		}
		r.Flags, r.Seq, r.Ack = cells[4], cells[5], cells[6]
		if r.Len, err = strconv.Atoi(cells[7]); err != nil {
			return nil, bad("no length")
		}
		r.Summary = cells[8]
		d.Rows = append(d.Rows, r)
	}
	// A diagram of one side's capture has no time at all of the other
	// (not even 失われた, which only both sides' captures tell).
	switch {
	case unknown[1] == len(d.Rows):
		d.Side = "client"
	case unknown[0] == len(d.Rows):
		d.Side = "server"
	}
	return d, nil
}

// width is how many columns s takes in a fixed-width font: two for a
// wide (East Asian) character, one for any other.
func width(s string) int {
	n := 0
	for _, r := range s {
		n++
		if wide(r) {
			n++
		}
	}
	return n
}

func wide(r rune) bool {
	return r >= 0x1100 && r <= 0x115f || r >= 0x2e80 && r <= 0xa4cf || r >= 0xac00 && r <= 0xd7a3 ||
		r >= 0xf900 && r <= 0xfaff || r >= 0xfe30 && r <= 0xfe4f || r >= 0xff00 && r <= 0xff60 || r >= 0xffe0 && r <= 0xffe6
}

// truncate cuts s to at most w columns, ending it with … when cut.
func truncate(s string, w int) string {
	if width(s) <= w {
		return s
	}
	n := 0
	for i, r := range s {
		rw := 1
		if wide(r) {
			rw = 2
		}
		if n+rw > w-1 {
			return s[:i] + "…"
		}
		n += rw
	}
	return s
}
