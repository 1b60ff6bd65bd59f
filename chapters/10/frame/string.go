package frame

import (
	"fmt"
	"strings"
)

// String は、フレームを 1 行で表します。ログやクライアントのトレースに使います。
// たとえば "HEADERS stream=1 flags=END_STREAM|END_HEADERS len=14" です。
// 中身の短い種類は、後ろに中身を付けます（"WINDOW_UPDATE stream=0 len=4 increment=983041"）。
func (f Frame) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%v stream=%d", f.Type, f.StreamID)
	if f.Flags != 0 {
		fmt.Fprintf(&b, " flags=%s", flagNames(f.Type, f.Flags))
	}
	fmt.Fprintf(&b, " len=%d", len(f.Payload))
	if d := details(f); d != "" {
		b.WriteString(" " + d)
	}
	return b.String()
}

// flagNames は、種類 t のフレームのフラグを "END_STREAM|END_HEADERS" の形で返します。
// その種類に定義されていないビットは 16 進で書きます。
func flagNames(t Type, f Flags) string {
	var names []string
	add := func(flag Flags, name string) {
		if f.Has(flag) {
			names = append(names, name)
			f &^= flag
		}
	}
	switch t {
	case TypeData:
		add(FlagEndStream, "END_STREAM")
		add(FlagPadded, "PADDED")
	case TypeHeaders:
		add(FlagEndStream, "END_STREAM")
		add(FlagEndHeaders, "END_HEADERS")
		add(FlagPadded, "PADDED")
		add(FlagPriority, "PRIORITY")
	case TypeSettings, TypePing:
		add(FlagAck, "ACK")
	case TypePushPromise:
		add(FlagEndHeaders, "END_HEADERS")
		add(FlagPadded, "PADDED")
	case TypeContinuation:
		add(FlagEndHeaders, "END_HEADERS")
	}
	if f != 0 {
		names = append(names, fmt.Sprintf("0x%02x", uint8(f)))
	}
	return strings.Join(names, "|")
}

// details は、String が後ろに付ける中身です。読めないフレームなら空です。
func details(f Frame) string {
	switch f.Type {
	case TypeSettings:
		s, err := ParseSettings(f)
		if err != nil || s.Ack {
			return ""
		}
		var parts []string
		for _, p := range s.Params {
			parts = append(parts, fmt.Sprintf("%v=%d", p.ID, p.Value))
		}
		return strings.Join(parts, " ")
	case TypeWindowUpdate:
		w, err := ParseWindowUpdate(f)
		if err != nil {
			return ""
		}
		return fmt.Sprintf("increment=%d", w.Increment)
	case TypeRSTStream:
		r, err := ParseRSTStream(f)
		if err != nil {
			return ""
		}
		return fmt.Sprintf("code=%v", r.Code)
	case TypeGoAway:
		g, err := ParseGoAway(f)
		if err != nil {
			return ""
		}
		s := fmt.Sprintf("last_stream=%d code=%v", g.LastStreamID, g.Code)
		if len(g.Debug) > 0 {
			s += fmt.Sprintf(" debug=%q", g.Debug)
		}
		return s
	case TypePing:
		p, err := ParsePing(f)
		if err != nil {
			return ""
		}
		return fmt.Sprintf("data=%x", p.Data)
	}
	return ""
}
