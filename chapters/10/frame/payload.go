package frame

import (
	"encoding/binary"
	"fmt"
)

// この file は、フレームの種類ごとのペイロード（RFC 9113 §6）を読み書きします。
// Parse〜 は Frame のペイロードを読み、§6 が「エラーとして扱わなければならない」と
// 決めているものを ConnError か StreamError で返します。種類ごとの型の
// Frame メソッドは、逆にフレームを作ります。
//
// ストリームの状態（§5.1）に関わる決まり、たとえば「閉じたストリームへの DATA」は、
// フレーム 1 つを見ても分からないので、ここではなくサーバーが確かめます。

// Data は DATA フレーム（§6.1）です。
type Data struct {
	StreamID  uint32
	EndStream bool
	Padded    bool  // PADDED フラグ。PadLength が 0 でも立てられる
	PadLength uint8 // パディングの長さ
	Data      []byte
}

// PriorityParam は、HEADERS と PRIORITY の優先度のフィールドです（§5.3、§6.3）。
// RFC 9113 では使うことを勧めていませんが、フレームの形は残っているので読みます。
type PriorityParam struct {
	StreamDep uint32 // 依存する先のストリーム
	Exclusive bool
	Weight    uint8 // 重み − 1（0 から 255。実際の重みは 1 から 256）
}

// Headers は HEADERS フレーム（§6.2）です。Block はフィールドブロックの断片で、
// EndHeaders が false なら CONTINUATION が続きます。
type Headers struct {
	StreamID    uint32
	EndStream   bool
	EndHeaders  bool
	Padded      bool
	PadLength   uint8
	HasPriority bool // PRIORITY フラグ
	Priority    PriorityParam
	Block       []byte
}

// Priority は PRIORITY フレーム（§6.3）です。
type Priority struct {
	StreamID uint32
	PriorityParam
}

// RSTStream は RST_STREAM フレーム（§6.4）です。
type RSTStream struct {
	StreamID uint32
	Code     ErrCode
}

// Setting は、SETTINGS フレームの設定 1 つ（6 バイト）です。
type Setting struct {
	ID    SettingID
	Value uint32
}

// Settings は SETTINGS フレーム（§6.5）です。ストリームは常に 0 です。
type Settings struct {
	Ack    bool
	Params []Setting
}

// PushPromise は PUSH_PROMISE フレーム（§6.6）です。サーバーだけが送れます。
type PushPromise struct {
	StreamID   uint32
	EndHeaders bool
	Padded     bool
	PadLength  uint8
	PromisedID uint32
	Block      []byte
}

// Ping は PING フレーム（§6.7）です。ストリームは常に 0 です。
type Ping struct {
	Ack  bool
	Data [8]byte
}

// GoAway は GOAWAY フレーム（§6.8）です。ストリームは常に 0 です。
type GoAway struct {
	LastStreamID uint32 // 送った側が処理した（かもしれない）最後のストリーム
	Code         ErrCode
	Debug        []byte
}

// WindowUpdate は WINDOW_UPDATE フレーム（§6.9）です。
// StreamID が 0 ならコネクション全体のウィンドウを、そうでなければ
// そのストリームのウィンドウを Increment だけ広げます。
type WindowUpdate struct {
	StreamID  uint32
	Increment uint32
}

// Continuation は CONTINUATION フレーム（§6.10）です。
type Continuation struct {
	StreamID   uint32
	EndHeaders bool
	Block      []byte
}

// mustBe は、f が種類 t でなければエラーを返します。呼び出し側の間違いです。
func mustBe(f Frame, t Type) error {
	if f.Type != t {
		return fmt.Errorf("%v フレームを %v として読もうとしました", f.Type, t)
	}
	return nil
}

// unpad は、PADDED フラグの立ったペイロード p から、先頭のパディング長と
// 末尾のパディングを取り除きます。fixed は、パディング長のあとに続く
// 決まった長さのフィールド（HEADERS の優先度なら 5）のバイト数です。
func unpad(f Frame, p []byte, fixed int) (body []byte, padLen uint8, err error) {
	if len(p) < 1+fixed {
		return nil, 0, connError(ErrCodeFrameSize, "%v フレームが短すぎます（%d バイト）", f.Type, len(p))
	}
	padLen = p[0]
	if int(padLen) > len(p)-1-fixed {
		// パディングがペイロードより長い（§6.1、§6.2）
		return nil, 0, connError(ErrCodeProtocol,
			"%v フレームのパディング %d バイトがペイロードに収まりません", f.Type, padLen)
	}
	return p[1 : len(p)-int(padLen)], padLen, nil
}

// pad は、body の前にパディング長を、後ろに padLen バイトの 0 を付けます。
func pad(body []byte, padLen uint8) []byte {
	p := make([]byte, 0, 1+len(body)+int(padLen))
	p = append(p, padLen)
	p = append(p, body...)
	return append(p, make([]byte, padLen)...)
}

// ParseData は DATA フレームを読みます。ストリーム 0 の DATA は
// PROTOCOL_ERROR のコネクションエラーです（§6.1）。
func ParseData(f Frame) (Data, error) {
	if err := mustBe(f, TypeData); err != nil {
		return Data{}, err
	}
	if f.StreamID == 0 {
		return Data{}, connError(ErrCodeProtocol, "DATA フレームのストリームが 0 です")
	}
	d := Data{StreamID: f.StreamID, EndStream: f.Flags.Has(FlagEndStream), Data: f.Payload}
	if f.Flags.Has(FlagPadded) {
		var err error
		d.Padded = true
		if d.Data, d.PadLength, err = unpad(f, f.Payload, 0); err != nil {
			return Data{}, err
		}
	}
	return d, nil
}

// Frame は DATA フレームを作ります。
func (d Data) Frame() Frame {
	f := Frame{Header: Header{Type: TypeData, StreamID: d.StreamID}, Payload: d.Data}
	if d.EndStream {
		f.Flags |= FlagEndStream
	}
	if d.Padded {
		f.Flags |= FlagPadded
		f.Payload = pad(d.Data, d.PadLength)
	}
	f.Length = uint32(len(f.Payload))
	return f
}

// parsePriorityParam は、5 バイトの優先度のフィールドを読みます。
func parsePriorityParam(p []byte) PriorityParam {
	v := binary.BigEndian.Uint32(p)
	return PriorityParam{StreamDep: v & streamIDMask, Exclusive: v>>31 == 1, Weight: p[4]}
}

func (pp PriorityParam) bytes() []byte {
	v := pp.StreamDep & streamIDMask
	if pp.Exclusive {
		v |= 1 << 31
	}
	return append(binary.BigEndian.AppendUint32(nil, v), pp.Weight)
}

// ParseHeaders は HEADERS フレームを読みます。ストリーム 0 や、収まらない
// パディングはコネクションエラーです。自分自身に依存する優先度は
// PROTOCOL_ERROR のストリームエラーです（§5.3.1）。そのときも h は
// 埋めて返します。HPACK の状態を相手とそろえるために、Block は
// デコードしなければならないからです（§4.3）。
func ParseHeaders(f Frame) (h Headers, err error) {
	if err := mustBe(f, TypeHeaders); err != nil {
		return Headers{}, err
	}
	if f.StreamID == 0 {
		return Headers{}, connError(ErrCodeProtocol, "HEADERS フレームのストリームが 0 です")
	}
	h = Headers{
		StreamID:    f.StreamID,
		EndStream:   f.Flags.Has(FlagEndStream),
		EndHeaders:  f.Flags.Has(FlagEndHeaders),
		HasPriority: f.Flags.Has(FlagPriority),
		Block:       f.Payload,
	}
	fixed := 0
	if h.HasPriority {
		fixed = 5
	}
	if f.Flags.Has(FlagPadded) {
		h.Padded = true
		if h.Block, h.PadLength, err = unpad(f, f.Payload, fixed); err != nil {
			return Headers{}, err
		}
	} else if len(h.Block) < fixed {
		return Headers{}, connError(ErrCodeFrameSize, "HEADERS フレームが短すぎます（%d バイト）", len(f.Payload))
	}
	if h.HasPriority {
		h.Priority = parsePriorityParam(h.Block)
		h.Block = h.Block[5:]
		if h.Priority.StreamDep == h.StreamID {
			return h, streamError(h.StreamID, ErrCodeProtocol, "ストリーム %d が自分自身に依存しています", h.StreamID)
		}
	}
	return h, nil
}

// Frame は HEADERS フレームを作ります。
func (h Headers) Frame() Frame {
	f := Frame{Header: Header{Type: TypeHeaders, StreamID: h.StreamID}}
	body := h.Block
	if h.EndStream {
		f.Flags |= FlagEndStream
	}
	if h.EndHeaders {
		f.Flags |= FlagEndHeaders
	}
	if h.HasPriority {
		f.Flags |= FlagPriority
		body = append(h.Priority.bytes(), h.Block...)
	}
	f.Payload = body
	if h.Padded {
		f.Flags |= FlagPadded
		f.Payload = pad(body, h.PadLength)
	}
	f.Length = uint32(len(f.Payload))
	return f
}

// ParsePriority は PRIORITY フレームを読みます。ストリーム 0 は
// コネクションエラー、長さが 5 でないものと自分自身への依存は
// ストリームエラーです（§6.3、§5.3.1）。
func ParsePriority(f Frame) (Priority, error) {
	if err := mustBe(f, TypePriority); err != nil {
		return Priority{}, err
	}
	if f.StreamID == 0 {
		return Priority{}, connError(ErrCodeProtocol, "PRIORITY フレームのストリームが 0 です")
	}
	if len(f.Payload) != 5 {
		return Priority{}, streamError(f.StreamID, ErrCodeFrameSize, "PRIORITY フレームの長さが 5 ではなく %d です", len(f.Payload))
	}
	p := Priority{StreamID: f.StreamID, PriorityParam: parsePriorityParam(f.Payload)}
	if p.StreamDep == p.StreamID {
		return p, streamError(p.StreamID, ErrCodeProtocol, "ストリーム %d が自分自身に依存しています", p.StreamID)
	}
	return p, nil
}

// Frame は PRIORITY フレームを作ります。
func (p Priority) Frame() Frame {
	return newFrame(TypePriority, 0, p.StreamID, p.PriorityParam.bytes())
}

// ParseRSTStream は RST_STREAM フレームを読みます（§6.4）。
func ParseRSTStream(f Frame) (RSTStream, error) {
	if err := mustBe(f, TypeRSTStream); err != nil {
		return RSTStream{}, err
	}
	if f.StreamID == 0 {
		return RSTStream{}, connError(ErrCodeProtocol, "RST_STREAM フレームのストリームが 0 です")
	}
	if len(f.Payload) != 4 {
		return RSTStream{}, connError(ErrCodeFrameSize, "RST_STREAM フレームの長さが 4 ではなく %d です", len(f.Payload))
	}
	return RSTStream{StreamID: f.StreamID, Code: ErrCode(binary.BigEndian.Uint32(f.Payload))}, nil
}

// Frame は RST_STREAM フレームを作ります。
func (r RSTStream) Frame() Frame {
	return newFrame(TypeRSTStream, 0, r.StreamID, binary.BigEndian.AppendUint32(nil, uint32(r.Code)))
}

// ParseSettings は SETTINGS フレームを読み、値が範囲に収まっているかを
// 確かめます（§6.5、§6.5.2）。知らない ID の設定は、そのまま返します
// （受け取った側は無視します）。
func ParseSettings(f Frame) (Settings, error) {
	if err := mustBe(f, TypeSettings); err != nil {
		return Settings{}, err
	}
	if f.StreamID != 0 {
		return Settings{}, connError(ErrCodeProtocol, "SETTINGS フレームのストリームが 0 ではなく %d です", f.StreamID)
	}
	s := Settings{Ack: f.Flags.Has(FlagAck)}
	if s.Ack {
		if len(f.Payload) != 0 {
			return Settings{}, connError(ErrCodeFrameSize, "ACK の SETTINGS フレームにペイロードが %d バイトあります", len(f.Payload))
		}
		return s, nil
	}
	if len(f.Payload)%6 != 0 {
		return Settings{}, connError(ErrCodeFrameSize, "SETTINGS フレームの長さ %d が 6 の倍数ではありません", len(f.Payload))
	}
	for p := f.Payload; len(p) > 0; p = p[6:] {
		st := Setting{ID: SettingID(binary.BigEndian.Uint16(p)), Value: binary.BigEndian.Uint32(p[2:])}
		if err := st.Valid(); err != nil {
			return Settings{}, err
		}
		s.Params = append(s.Params, st)
	}
	return s, nil
}

// Valid は、設定の値が §6.5.2 の範囲にあるかを確かめます。
func (s Setting) Valid() error {
	switch s.ID {
	case SettingEnablePush, SettingEnableConnectProtocol, SettingNoRFC7540Priorities:
		if s.Value > 1 {
			return connError(ErrCodeProtocol, "%v の値 %d は 0 か 1 でなければなりません", s.ID, s.Value)
		}
	case SettingInitialWindowSize:
		if s.Value > 1<<31-1 {
			return connError(ErrCodeFlowControl, "%v の値 %d が 2^31-1 を超えています", s.ID, s.Value)
		}
	case SettingMaxFrameSize:
		if s.Value < DefaultMaxFrameSize || s.Value > MaxFrameSizeLimit {
			return connError(ErrCodeProtocol, "%v の値 %d が 2^14 から 2^24-1 の範囲にありません", s.ID, s.Value)
		}
	}
	return nil
}

// Frame は SETTINGS フレームを作ります。
func (s Settings) Frame() Frame {
	var flags Flags
	var p []byte
	if s.Ack {
		flags = FlagAck
	}
	for _, st := range s.Params {
		p = binary.BigEndian.AppendUint16(p, uint16(st.ID))
		p = binary.BigEndian.AppendUint32(p, st.Value)
	}
	return newFrame(TypeSettings, flags, 0, p)
}

// ParsePushPromise は PUSH_PROMISE フレームを読みます（§6.6）。
// サーバーがこれを受け取ること自体が PROTOCOL_ERROR ですが、それを
// 確かめるのはサーバーです。
func ParsePushPromise(f Frame) (PushPromise, error) {
	if err := mustBe(f, TypePushPromise); err != nil {
		return PushPromise{}, err
	}
	if f.StreamID == 0 {
		return PushPromise{}, connError(ErrCodeProtocol, "PUSH_PROMISE フレームのストリームが 0 です")
	}
	pp := PushPromise{StreamID: f.StreamID, EndHeaders: f.Flags.Has(FlagEndHeaders), Block: f.Payload}
	if f.Flags.Has(FlagPadded) {
		var err error
		pp.Padded = true
		if pp.Block, pp.PadLength, err = unpad(f, f.Payload, 4); err != nil {
			return PushPromise{}, err
		}
	} else if len(pp.Block) < 4 {
		return PushPromise{}, connError(ErrCodeFrameSize, "PUSH_PROMISE フレームが短すぎます（%d バイト）", len(f.Payload))
	}
	pp.PromisedID = binary.BigEndian.Uint32(pp.Block) & streamIDMask
	pp.Block = pp.Block[4:]
	return pp, nil
}

// Frame は PUSH_PROMISE フレームを作ります。
func (pp PushPromise) Frame() Frame {
	var flags Flags
	if pp.EndHeaders {
		flags |= FlagEndHeaders
	}
	body := append(binary.BigEndian.AppendUint32(nil, pp.PromisedID&streamIDMask), pp.Block...)
	if pp.Padded {
		flags |= FlagPadded
		body = pad(body, pp.PadLength)
	}
	return newFrame(TypePushPromise, flags, pp.StreamID, body)
}

// ParsePing は PING フレームを読みます（§6.7）。
func ParsePing(f Frame) (Ping, error) {
	if err := mustBe(f, TypePing); err != nil {
		return Ping{}, err
	}
	if f.StreamID != 0 {
		return Ping{}, connError(ErrCodeProtocol, "PING フレームのストリームが 0 ではなく %d です", f.StreamID)
	}
	if len(f.Payload) != 8 {
		return Ping{}, connError(ErrCodeFrameSize, "PING フレームの長さが 8 ではなく %d です", len(f.Payload))
	}
	p := Ping{Ack: f.Flags.Has(FlagAck)}
	copy(p.Data[:], f.Payload)
	return p, nil
}

// Frame は PING フレームを作ります。
func (p Ping) Frame() Frame {
	var flags Flags
	if p.Ack {
		flags = FlagAck
	}
	return newFrame(TypePing, flags, 0, append([]byte(nil), p.Data[:]...))
}

// ParseGoAway は GOAWAY フレームを読みます（§6.8）。
func ParseGoAway(f Frame) (GoAway, error) {
	if err := mustBe(f, TypeGoAway); err != nil {
		return GoAway{}, err
	}
	if f.StreamID != 0 {
		return GoAway{}, connError(ErrCodeProtocol, "GOAWAY フレームのストリームが 0 ではなく %d です", f.StreamID)
	}
	if len(f.Payload) < 8 {
		return GoAway{}, connError(ErrCodeFrameSize, "GOAWAY フレームが短すぎます（%d バイト）", len(f.Payload))
	}
	return GoAway{
		LastStreamID: binary.BigEndian.Uint32(f.Payload) & streamIDMask,
		Code:         ErrCode(binary.BigEndian.Uint32(f.Payload[4:])),
		Debug:        f.Payload[8:],
	}, nil
}

// Frame は GOAWAY フレームを作ります。
func (g GoAway) Frame() Frame {
	p := binary.BigEndian.AppendUint32(nil, g.LastStreamID&streamIDMask)
	p = binary.BigEndian.AppendUint32(p, uint32(g.Code))
	return newFrame(TypeGoAway, 0, 0, append(p, g.Debug...))
}

// ParseWindowUpdate は WINDOW_UPDATE フレームを読みます（§6.9）。
// 長さが 4 でなければコネクションエラー、増やす量が 0 なら、ストリーム 0 では
// コネクションエラー、それ以外ではストリームエラーです。
func ParseWindowUpdate(f Frame) (WindowUpdate, error) {
	if err := mustBe(f, TypeWindowUpdate); err != nil {
		return WindowUpdate{}, err
	}
	if len(f.Payload) != 4 {
		return WindowUpdate{}, connError(ErrCodeFrameSize, "WINDOW_UPDATE フレームの長さが 4 ではなく %d です", len(f.Payload))
	}
	w := WindowUpdate{StreamID: f.StreamID, Increment: binary.BigEndian.Uint32(f.Payload) & streamIDMask}
	if w.Increment == 0 {
		if w.StreamID == 0 {
			return w, connError(ErrCodeProtocol, "コネクションの WINDOW_UPDATE の増分が 0 です")
		}
		return w, streamError(w.StreamID, ErrCodeProtocol, "WINDOW_UPDATE の増分が 0 です")
	}
	return w, nil
}

// Frame は WINDOW_UPDATE フレームを作ります。
func (w WindowUpdate) Frame() Frame {
	return newFrame(TypeWindowUpdate, 0, w.StreamID, binary.BigEndian.AppendUint32(nil, w.Increment&streamIDMask))
}

// ParseContinuation は CONTINUATION フレームを読みます（§6.10）。
// HEADERS のあとに続いているかどうかは、サーバーが確かめます。
func ParseContinuation(f Frame) (Continuation, error) {
	if err := mustBe(f, TypeContinuation); err != nil {
		return Continuation{}, err
	}
	if f.StreamID == 0 {
		return Continuation{}, connError(ErrCodeProtocol, "CONTINUATION フレームのストリームが 0 です")
	}
	return Continuation{StreamID: f.StreamID, EndHeaders: f.Flags.Has(FlagEndHeaders), Block: f.Payload}, nil
}

// Frame は CONTINUATION フレームを作ります。
func (c Continuation) Frame() Frame {
	var flags Flags
	if c.EndHeaders {
		flags = FlagEndHeaders
	}
	return newFrame(TypeContinuation, flags, c.StreamID, c.Block)
}

func newFrame(t Type, flags Flags, streamID uint32, p []byte) Frame {
	return Frame{Header: Header{Length: uint32(len(p)), Type: t, Flags: flags, StreamID: streamID}, Payload: p}
}
