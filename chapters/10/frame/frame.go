// Package frame は、HTTP/2 のフレーム（RFC 9113 §4）を読み書きします。
// フレームは 9 バイトのヘッダーと、その後ろのペイロードでできています。
//
//	+-----------------------------------------------+
//	|                 Length (24)                   |
//	+---------------+---------------+---------------+
//	|   Type (8)    |   Flags (8)   |
//	+-+-------------+---------------+-------------------------------+
//	|R|                 Stream Identifier (31)                      |
//	+=+=============================================================+
//	|                   Frame Payload (0...)                      ...
//	+---------------------------------------------------------------+
//
// Read と Write はヘッダーとペイロードをそのまま運ぶだけです。
// ペイロードの中身は、種類ごとの Parse〜 で読み、種類ごとの型の Frame で作ります
// （payload.go）。
package frame

import (
	"encoding/binary"
	"fmt"
	"io"
	"strings"
)

const (
	// HeaderLen は、フレームのヘッダーの長さです（RFC 9113 §4.1）。
	HeaderLen = 9
	// DefaultMaxFrameSize は、SETTINGS_MAX_FRAME_SIZE の初期値です。
	// 相手が大きくしない限り、ペイロードはこれより長くできません（RFC 9113 §4.2）。
	DefaultMaxFrameSize = 1 << 14
	// MaxFrameSizeLimit は、SETTINGS_MAX_FRAME_SIZE に選べる最大の値です。
	// Length は 24 ビットなので、これより長いフレームは表せません。
	MaxFrameSizeLimit = 1<<24 - 1
	// streamIDMask は、ストリーム ID の 31 ビットです。先頭の 1 ビット（R）は
	// 予約されていて、受け取ったら無視します。
	streamIDMask = 1<<31 - 1
	// DefaultInitialWindowSize は、フロー制御のウィンドウの初期値です。
	// コネクションのウィンドウも、新しいストリームのウィンドウもこの値から
	// 始まります（RFC 9113 §6.9.2）。
	DefaultInitialWindowSize = 1<<16 - 1
	// DefaultHeaderTableSize は、HPACK の動的テーブルの大きさの初期値です
	// （RFC 9113 §6.5.2）。
	DefaultHeaderTableSize = 4096
)

// ClientPreface は、クライアントがコネクションの最初に送る 24 バイトです
// （RFC 9113 §3.4）。HTTP/1.1 のサーバーには、知らないメソッド PRI の
// リクエストに見えます。このあとに SETTINGS フレームが続きます。
const ClientPreface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"

// Type は、フレームの種類です（RFC 9113 §6）。
type Type uint8

const (
	TypeData         Type = 0x0
	TypeHeaders      Type = 0x1
	TypePriority     Type = 0x2
	TypeRSTStream    Type = 0x3
	TypeSettings     Type = 0x4
	TypePushPromise  Type = 0x5
	TypePing         Type = 0x6
	TypeGoAway       Type = 0x7
	TypeWindowUpdate Type = 0x8
	TypeContinuation Type = 0x9
)

var typeNames = [...]string{
	"DATA", "HEADERS", "PRIORITY", "RST_STREAM", "SETTINGS",
	"PUSH_PROMISE", "PING", "GOAWAY", "WINDOW_UPDATE", "CONTINUATION",
}

func (t Type) String() string {
	if int(t) < len(typeNames) {
		return typeNames[t]
	}
	return fmt.Sprintf("UNKNOWN_0x%02x", uint8(t))
}

// Flags は、フレームのフラグです。同じビットが、種類によって違う意味を持ちます。
// 0x1 は DATA と HEADERS では END_STREAM、SETTINGS と PING では ACK です。
type Flags uint8

const (
	FlagEndStream  Flags = 0x1  // DATA, HEADERS: このストリームで送るのはこれが最後
	FlagAck        Flags = 0x1  // SETTINGS, PING: 受け取ったことの知らせ
	FlagEndHeaders Flags = 0x4  // HEADERS, PUSH_PROMISE, CONTINUATION: フィールドブロックの終わり
	FlagPadded     Flags = 0x8  // DATA, HEADERS, PUSH_PROMISE: パディングがある
	FlagPriority   Flags = 0x20 // HEADERS: 優先度のフィールドがある
)

// Has は、f に flag が立っているかを返します。
func (f Flags) Has(flag Flags) bool { return f&flag != 0 }

// Header は、フレームの 9 バイトのヘッダーです。
type Header struct {
	Length   uint32 // ペイロードの長さ（24 ビット）
	Type     Type
	Flags    Flags
	StreamID uint32 // 31 ビット。0 はコネクション全体を表す
}

// Frame は、ヘッダーとペイロードの組です。
type Frame struct {
	Header
	Payload []byte
}

// ReadHeader は、r からフレームのヘッダーを 1 つ読みます。
func ReadHeader(r io.Reader) (Header, error) {
	var b [HeaderLen]byte
	if _, err := io.ReadFull(r, b[:]); err != nil {
		return Header{}, err
	}
	return Header{
		Length:   uint32(b[0])<<16 | uint32(b[1])<<8 | uint32(b[2]),
		Type:     Type(b[3]),
		Flags:    Flags(b[4]),
		StreamID: binary.BigEndian.Uint32(b[5:]) & streamIDMask, // R ビットは無視する
	}, nil
}

// Read は、r からフレームを 1 つ読みます。ペイロードが maxSize
// （こちらが SETTINGS_MAX_FRAME_SIZE で知らせた値）より長ければ、読まずに
// FRAME_SIZE_ERROR のコネクションエラーを返します（RFC 9113 §4.2）。
// フレームの区切りが分からなくなるので、コネクションはもう使えません。
func Read(r io.Reader, maxSize uint32) (Frame, error) {
	h, err := ReadHeader(r)
	if err != nil {
		return Frame{}, err
	}
	if h.Length > maxSize {
		return Frame{Header: h}, connError(ErrCodeFrameSize,
			"%v フレームの長さ %d が上限 %d を超えています", h.Type, h.Length, maxSize)
	}
	f := Frame{Header: h, Payload: make([]byte, h.Length)}
	if _, err := io.ReadFull(r, f.Payload); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF // ヘッダーのあとで切れた
		}
		return Frame{}, err
	}
	return f, nil
}

// Write は、f を w に書きます。ヘッダーの Length は len(f.Payload) から
// 決めるので、f.Length は見ません。ヘッダーとペイロードは 1 回の Write で
// 書きます。ほかのゴルーチンと交互に書いても、フレームが混ざりません。
func Write(w io.Writer, f Frame) error {
	n := len(f.Payload)
	if n > MaxFrameSizeLimit {
		return fmt.Errorf("%v フレームのペイロード %d バイトは長すぎます", f.Type, n)
	}
	b := make([]byte, HeaderLen, HeaderLen+n)
	b[0], b[1], b[2] = byte(n>>16), byte(n>>8), byte(n)
	b[3] = byte(f.Type)
	b[4] = byte(f.Flags)
	binary.BigEndian.PutUint32(b[5:], f.StreamID&streamIDMask)
	_, err := w.Write(append(b, f.Payload...))
	return err
}

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
