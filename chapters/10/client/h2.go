package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"golang.org/x/net/http2/hpack"

	"tcpbook/chapters/10/frame"
)

const (
	// maxHeaderBlock は、受け取るフィールドブロック 1 つ（HEADERS と、それに続く
	// CONTINUATION）の大きさの上限です。SETTINGS_MAX_HEADER_LIST_SIZE でも知らせます。
	maxHeaderBlock = 64 << 10
	// maxHeaderFrames は、1 つのフィールドブロックに続けてよい CONTINUATION の数の
	// 上限です。空の CONTINUATION をいつまでも送るサーバーを止めます（CVE-2023-45288）。
	maxHeaderFrames = 64
	// drainTimeout は、GOAWAY を送ったあとで、サーバーが閉じるのを待つ時間の上限です。
	drainTimeout = time.Second
	// maxPings は、1 本のコネクションで答える PING の数の上限です（CVE-2019-9512）。
	maxPings = 1000
)

// fetchH2 は、rs の URL を、HTTP/2 の 1 本のコネクションで取りに行きます。
// URL ごとにストリームを 1 つ開き、レスポンスを待たずに次のストリームを開きます。
func fetchH2(ctx context.Context, p *printer, d *dialer, rs []*result) error {
	conn, err := d.dial(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	// 期限が来たら、読み書きを止める
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Now()) })
	defer stop()
	how := "h2c、事前の知識で"
	if d.tls != nil {
		how = "TLS、ALPN で h2"
	}
	p.tracef("接続しました: %v → %v（%s）\n", conn.LocalAddr(), conn.RemoteAddr(), how)
	c := &h2conn{
		p: p, conn: conn, r: bufio.NewReader(conn), w: bufio.NewWriter(conn),
		queue: rs, streams: map[uint32]*h2stream{}, nextID: 1,
		maxStreams: ^uint32(0), maxFrame: frame.DefaultMaxFrameSize,
		window: frame.DefaultInitialWindowSize,
	}
	c.enc = hpack.NewEncoder(&c.encBuf)
	c.dec = hpack.NewDecoder(frame.DefaultHeaderTableSize, c.emit)
	c.dec.SetMaxStringLength(maxHeaderBlock)
	return c.run()
}

// h2conn は、HTTP/2 のコネクション 1 本です。1 つの goroutine だけが使います。
type h2conn struct {
	p       *printer
	conn    net.Conn
	r       *bufio.Reader
	w       *bufio.Writer
	enc     *hpack.Encoder // リクエストのフィールドを encBuf に圧縮する
	encBuf  bytes.Buffer
	dec     *hpack.Decoder // レスポンスのフィールドを戻す。動的テーブルはコネクションに 1 つ
	fields  []hpack.HeaderField
	size    int       // fields の大きさ（§6.5.2 の数え方）
	queue   []*result // まだストリームを開いていないリクエスト
	retry   []*result // REFUSED_STREAM で断られ、queue より先に送り直すリクエスト
	streams map[uint32]*h2stream
	nextID  uint32 // 次に開くストリームの番号。クライアントが開くのは奇数（§5.1.1）
	// サーバーが SETTINGS で知らせたこと（§6.5.2）
	maxStreams uint32 // 同時に開いてよいストリームの数
	maxFrame   uint32 // 送るフレームのペイロードの上限
	// window は、コネクションのウィンドウのうち、サーバーがまだ使えるバイト数です。
	// unacked は、受け取って、まだ WINDOW_UPDATE で返していないバイト数です（§6.9）。
	window, unacked int64
	pings           int
	goAway          *frame.GoAway // サーバーから届いた GOAWAY
	// block は、組み立て中のフィールドブロックです。HEADERS で始まり、
	// END_HEADERS の付いたフレームで終わります（§4.3、§6.10）。
	block *headerBlock
}

// h2stream は、開いているストリーム 1 つです。クライアントはリクエストを
// HEADERS 1 つで END_STREAM まで送るので、開いたときから half-closed
// (local) です（§5.1）。
type h2stream struct {
	res     *result
	final   bool // 最終のレスポンス（1xx でないもの）のヘッダーが届いた
	body    bytes.Buffer
	window  int64 // このストリームのウィンドウのうち、サーバーがまだ使えるバイト数
	unacked int64
}

// headerBlock は、組み立て中のフィールドブロックです。
type headerBlock struct {
	streamID  uint32
	endStream bool
	frames    int
	buf       []byte
}

// run は、プリフェイスと SETTINGS を送り、ストリームを開いて、すべての
// ストリームが閉じるまでフレームを読みます。
func (c *h2conn) run() error {
	c.p.tracef("→ プリフェイス %q\n", frame.ClientPreface)
	c.w.WriteString(frame.ClientPreface)
	c.send(frame.Settings{Params: []frame.Setting{
		{ID: frame.SettingEnablePush, Value: 0}, // サーバープッシュは受けない（§8.4）
		{ID: frame.SettingMaxHeaderListSize, Value: maxHeaderBlock},
	}}.Frame())
	// サーバーの SETTINGS を待たずに、リクエストを送ってよい（§3.4）
	if err := c.openStreams(); err != nil {
		return err
	}
	if err := c.flush(); err != nil {
		return err
	}
	if err := c.checkPreface(); err != nil {
		return err
	}
	for len(c.streams) > 0 || (len(c.retry)+len(c.queue) > 0 && c.goAway == nil) {
		f, err := frame.Read(c.r, frame.DefaultMaxFrameSize)
		if err == nil {
			c.p.tracef("← %v\n", f)
			err = c.handle(f)
		}
		if err == nil {
			err = c.openStreams()
		}
		if err == nil {
			err = c.flush()
		}
		if err != nil {
			return c.fail(err)
		}
	}
	c.refuseQueued()
	if c.goAway != nil && c.goAway.Code != frame.ErrCodeNo {
		return nil // サーバーが閉じると言ったので、GOAWAY を返さない
	}
	// 閉じる前に、もうストリームを開かないことを知らせる（§6.8）
	c.send(frame.GoAway{Code: frame.ErrCodeNo}.Frame())
	if err := c.flush(); err != nil {
		return err
	}
	c.drain()
	return nil
}

// drain は、こちらからはもう書かないことを TCP の FIN で伝え、サーバーが
// コネクションを閉じるまで、届くフレームを読み捨てます。すぐに閉じると、
// あとから届くサーバーの GOAWAY に、カーネルが RST で答えるからです。
// 待つのは drainTimeout までです。レスポンスはそろっているので、エラーは無視します。
func (c *h2conn) drain() {
	if cw, ok := c.conn.(interface{ CloseWrite() error }); ok {
		cw.CloseWrite()
	}
	c.conn.SetReadDeadline(time.Now().Add(drainTimeout))
	for {
		f, err := frame.Read(c.r, frame.DefaultMaxFrameSize)
		if err != nil {
			return
		}
		c.p.tracef("← %v\n", f)
	}
}

// checkPreface は、サーバーの最初のフレームが SETTINGS であることを
// 確かめます（§3.4）。HTTP/2 を話さないサーバーなら、そう伝えます。
func (c *h2conn) checkPreface() error {
	b, err := c.r.Peek(frame.HeaderLen)
	if bytes.HasPrefix(b, []byte("HTTP/")) {
		all, _ := c.r.Peek(min(c.r.Buffered(), 200)) // 読んであるところまで
		line, _, _ := strings.Cut(string(all), "\n")
		return fmt.Errorf("サーバーは HTTP/2 を話しません。HTTP/1 のレスポンスが返りました: %q", strings.TrimSpace(line))
	}
	if err != nil {
		return c.readError(err)
	}
	if t := frame.Type(b[3]); t != frame.TypeSettings || frame.Flags(b[4]).Has(frame.FlagAck) {
		return c.fail(&frame.ConnError{Code: frame.ErrCodeProtocol,
			Reason: fmt.Sprintf("サーバーの最初のフレームが SETTINGS ではなく %v です（§3.4）", t)})
	}
	return nil
}

// openStreams は、サーバーが許す数まで、待っているリクエストのストリームを開きます。
func (c *h2conn) openStreams() error {
	for len(c.retry)+len(c.queue) > 0 && c.goAway == nil && uint32(len(c.streams)) < c.maxStreams {
		if c.nextID > 1<<31-1 {
			return nil // 番号を使い切った（§5.1.1）。残りは refuseQueued が断る
		}
		var r *result
		if len(c.retry) > 0 {
			r, c.retry = c.retry[0], c.retry[1:]
		} else {
			r, c.queue = c.queue[0], c.queue[1:]
		}
		id := c.nextID
		c.nextID += 2
		c.streams[id] = &h2stream{res: r, window: frame.DefaultInitialWindowSize}
		if err := c.writeRequest(id, r); err != nil {
			return err
		}
	}
	return nil
}

// writeRequest は、r の URL への GET を、ストリーム id の HEADERS で送ります。
// リクエストにボディはないので、END_STREAM を付けます。フィールドブロックが
// サーバーの SETTINGS_MAX_FRAME_SIZE に収まらなければ、残りを CONTINUATION で
// 送ります（§6.10）。
func (c *h2conn) writeRequest(id uint32, r *result) error {
	fields := []hpack.HeaderField{
		{Name: ":method", Value: "GET"},
		{Name: ":scheme", Value: r.url.Scheme},
		{Name: ":authority", Value: r.url.Host},
		{Name: ":path", Value: r.url.RequestURI()},
	}
	c.encBuf.Reset()
	for _, f := range fields {
		if err := c.enc.WriteField(f); err != nil {
			return err
		}
	}
	block := c.encBuf.Bytes()
	first := block[:min(len(block), int(c.maxFrame))]
	block = block[len(first):]
	c.send(frame.Headers{StreamID: id, EndStream: true, EndHeaders: len(block) == 0, Block: first}.Frame())
	c.traceFields(fields)
	for len(block) > 0 {
		part := block[:min(len(block), int(c.maxFrame))]
		block = block[len(part):]
		c.send(frame.Continuation{StreamID: id, EndHeaders: len(block) == 0, Block: part}.Frame())
	}
	return nil
}

// send は、フレームをバッファに書きます。コネクションに出ていくのは flush のときです。
func (c *h2conn) send(f frame.Frame) {
	c.p.tracef("→ %v\n", f)
	frame.Write(c.w, f) // bufio.Writer への書き込みのエラーは、Flush が返す
}

func (c *h2conn) flush() error {
	if c.w.Buffered() == 0 {
		return nil
	}
	return c.w.Flush()
}

// traceFields は、フィールドブロックを戻したフィールドを、フレームの行の下に表示します。
func (c *h2conn) traceFields(fields []hpack.HeaderField) {
	for _, f := range fields {
		c.p.tracef("    %s: %s\n", f.Name, f.Value)
	}
}

// handle は、受け取ったフレーム 1 つを処理します。ストリームエラーなら
// RST_STREAM を送ってそのストリームだけを終え、コネクションエラーなら返します。
func (c *h2conn) handle(f frame.Frame) error {
	if c.block != nil && (f.Type != frame.TypeContinuation || f.StreamID != c.block.streamID) {
		return &frame.ConnError{Code: frame.ErrCodeProtocol,
			Reason: fmt.Sprintf("CONTINUATION を待っているところに %v が届きました（§6.10）", f.Type)}
	}
	err := c.dispatch(f)
	if se, ok := frame.IsStreamError(err); ok {
		c.resetStream(se.StreamID, se.Code, err)
		return nil
	}
	return err
}

func (c *h2conn) dispatch(f frame.Frame) error {
	switch f.Type {
	case frame.TypeData:
		d, err := frame.ParseData(f)
		if err != nil {
			return err
		}
		return c.onData(d, int64(len(f.Payload)))
	case frame.TypeHeaders:
		h, err := frame.ParseHeaders(f)
		if _, conn := frame.IsConnError(err); conn {
			return err
		}
		if err := c.checkStream(h.StreamID, f.Type); err != nil {
			return err
		}
		c.block = &headerBlock{streamID: h.StreamID, endStream: h.EndStream}
		return c.addBlock(h.Block, h.EndHeaders, err)
	case frame.TypeContinuation:
		if c.block == nil {
			return &frame.ConnError{Code: frame.ErrCodeProtocol, Reason: "HEADERS のあとではない CONTINUATION です（§6.10）"}
		}
		ct, err := frame.ParseContinuation(f)
		if err != nil {
			return err
		}
		return c.addBlock(ct.Block, ct.EndHeaders, nil)
	case frame.TypeRSTStream:
		rs, err := frame.ParseRSTStream(f)
		if err != nil {
			return err
		}
		return c.onReset(rs)
	case frame.TypeSettings:
		s, err := frame.ParseSettings(f)
		if err != nil || s.Ack {
			return err // ACK は、こちらの SETTINGS が受け入れられた知らせ
		}
		return c.onSettings(s)
	case frame.TypePushPromise:
		return &frame.ConnError{Code: frame.ErrCodeProtocol, Reason: "SETTINGS_ENABLE_PUSH を 0 にしたのに PUSH_PROMISE が届きました（§8.4）"}
	case frame.TypePing:
		ping, err := frame.ParsePing(f)
		if err != nil || ping.Ack {
			return err
		}
		if c.pings++; c.pings > maxPings {
			return &frame.ConnError{Code: frame.ErrCodeEnhanceYourCalm, Reason: "PING が多すぎます"}
		}
		c.send(frame.Ping{Ack: true, Data: ping.Data}.Frame()) // 同じデータで答える（§6.7）
	case frame.TypeGoAway:
		g, err := frame.ParseGoAway(f)
		if err != nil {
			return err
		}
		c.onGoAway(g)
	case frame.TypeWindowUpdate, frame.TypePriority:
		// こちらは DATA を送らないので、送るためのウィンドウは要らない。優先度は使わない（§5.3.2）
		var err error
		if f.Type == frame.TypeWindowUpdate {
			_, err = frame.ParseWindowUpdate(f)
		} else {
			_, err = frame.ParsePriority(f)
		}
		return err
	}
	return nil // 知らない種類のフレームは無視する（§4.1、§5.5）
}

// checkStream は、サーバーがストリーム id に t のフレームを送ってよいかを
// 確かめます。こちらがまだ開いていない番号（idle）なら、コネクションエラーです（§5.1）。
func (c *h2conn) checkStream(id uint32, t frame.Type) error {
	if id%2 == 0 || id >= c.nextID {
		return &frame.ConnError{Code: frame.ErrCodeProtocol,
			Reason: fmt.Sprintf("開いていないストリーム %d に %v が届きました（§5.1）", id, t)}
	}
	return nil
}

// addBlock は、フィールドブロックの断片を足し、END_HEADERS なら戻して
// レスポンスのヘッダーにします。parseErr は、HEADERS が読めたうえでの
// ストリームエラーです（ブロックは戻してから、ストリームを終えます）。
func (c *h2conn) addBlock(frag []byte, end bool, parseErr error) error {
	b := c.block
	b.frames++
	if len(b.buf)+len(frag) > maxHeaderBlock || b.frames > maxHeaderFrames {
		return &frame.ConnError{Code: frame.ErrCodeEnhanceYourCalm,
			Reason: fmt.Sprintf("ストリーム %d のフィールドブロックが大きすぎます", b.streamID)}
	}
	b.buf = append(b.buf, frag...)
	if !end {
		return nil
	}
	c.block = nil
	// 動的テーブルをサーバーとそろえるため、必ず最後まで戻す（§4.3）
	c.fields, c.size = nil, 0
	c.dec.SetEmitEnabled(true)
	if _, err := c.dec.Write(b.buf); err != nil {
		return &frame.ConnError{Code: frame.ErrCodeCompression, Reason: err.Error()}
	}
	if err := c.dec.Close(); err != nil {
		return &frame.ConnError{Code: frame.ErrCodeCompression, Reason: err.Error()}
	}
	fields := c.fields
	c.traceFields(fields)
	if parseErr != nil {
		return parseErr
	}
	if c.size > maxHeaderBlock {
		return &frame.StreamError{StreamID: b.streamID, Code: frame.ErrCodeCancel,
			Reason: fmt.Sprintf("戻したヘッダーが %d バイトを超えます", maxHeaderBlock)}
	}
	s := c.streams[b.streamID]
	if s == nil {
		return nil // こちらがもう閉じたストリーム
	}
	return c.onHeaders(b.streamID, s, fields, b.endStream)
}

// emit は、デコーダーが戻したフィールドを 1 つずつためます。大きさが
// maxHeaderBlock を超えたら、ためるのをやめます。動的テーブルの項目を
// 何度も指すと、小さなブロックが大きなヘッダーに戻るからです。
func (c *h2conn) emit(f hpack.HeaderField) {
	if c.size += int(f.Size()); c.size > maxHeaderBlock {
		c.dec.SetEmitEnabled(false)
		c.fields = nil
		return
	}
	c.fields = append(c.fields, f)
}

// onHeaders は、ストリーム id に届いたヘッダーを処理します。1xx は途中経過
// なので読み飛ばし、最終のレスポンスのあとのものはトレーラーです（§8.1）。
func (c *h2conn) onHeaders(id uint32, s *h2stream, fields []hpack.HeaderField, end bool) error {
	if s.final {
		if !end {
			return &frame.StreamError{StreamID: id, Code: frame.ErrCodeProtocol, Reason: "トレーラーに END_STREAM がありません（§8.1）"}
		}
		c.finish(id, s)
		return nil
	}
	status := ""
	for _, f := range fields {
		if f.Name == ":status" {
			status = f.Value
		}
	}
	code, err := strconv.Atoi(status)
	if err != nil || len(status) != 3 {
		return &frame.StreamError{StreamID: id, Code: frame.ErrCodeProtocol,
			Reason: fmt.Sprintf(":status %q は 3 桁のステータスコードではありません（§8.3.2）", status)}
	}
	if code < 200 {
		if end {
			return &frame.StreamError{StreamID: id, Code: frame.ErrCodeProtocol, Reason: "1xx のレスポンスで END_STREAM です（§8.1）"}
		}
		return nil
	}
	s.final = true
	s.res.status = status
	if text := http.StatusText(code); text != "" {
		s.res.status += " " + text
	}
	if end {
		c.finish(id, s)
	}
	return nil
}

// onData は、DATA のボディをストリームにためます。受け取ったバイト数は、
// パディングも含めてフロー制御のウィンドウから引き、半分を使ったら
// WINDOW_UPDATE で返します（§6.9）。
func (c *h2conn) onData(d frame.Data, n int64) error {
	if err := c.checkStream(d.StreamID, frame.TypeData); err != nil {
		return err
	}
	if c.window -= n; c.window < 0 {
		return &frame.ConnError{Code: frame.ErrCodeFlowControl, Reason: "コネクションのウィンドウを超えて DATA が届きました（§6.9.1）"}
	}
	c.unacked += n
	if c.unacked >= frame.DefaultInitialWindowSize/2 {
		c.send(frame.WindowUpdate{StreamID: 0, Increment: uint32(c.unacked)}.Frame())
		c.window += c.unacked
		c.unacked = 0
	}
	s := c.streams[d.StreamID]
	if s == nil {
		return nil // こちらがもう閉じたストリーム。ウィンドウだけを数える
	}
	if !s.final {
		return &frame.StreamError{StreamID: d.StreamID, Code: frame.ErrCodeProtocol, Reason: "ヘッダーより先に DATA が届きました（§8.1）"}
	}
	if s.window -= n; s.window < 0 {
		return &frame.StreamError{StreamID: d.StreamID, Code: frame.ErrCodeFlowControl, Reason: "ストリームのウィンドウを超えて DATA が届きました（§6.9.1）"}
	}
	if s.body.Len()+len(d.Data) > maxBodyBytes {
		return &frame.StreamError{StreamID: d.StreamID, Code: frame.ErrCodeCancel, Reason: errBodyTooLarge.Error()}
	}
	s.body.Write(d.Data)
	if d.EndStream {
		c.finish(d.StreamID, s)
		return nil
	}
	if s.unacked += n; s.unacked >= frame.DefaultInitialWindowSize/2 {
		c.send(frame.WindowUpdate{StreamID: d.StreamID, Increment: uint32(s.unacked)}.Frame())
		s.window += s.unacked
		s.unacked = 0
	}
	return nil
}

// finish は、END_STREAM でストリームが閉じたことを記録します（§5.1）。
func (c *h2conn) finish(id uint32, s *h2stream) {
	delete(c.streams, id)
	s.res.body = s.body.Bytes()
	c.p.done(s.res, fmt.Sprintf("ストリーム %d", id))
}

// resetStream は、ストリーム id を RST_STREAM で終え、そのリクエストに err を記録します。
func (c *h2conn) resetStream(id uint32, code frame.ErrCode, err error) {
	c.send(frame.RSTStream{StreamID: id, Code: code}.Frame())
	if s := c.streams[id]; s != nil {
		delete(c.streams, id)
		s.res.err = fmt.Errorf("ストリーム %d を RST_STREAM（%v）で終えました: %w", id, code, err)
	}
}

// onReset は、サーバーが RST_STREAM で終えたストリームを記録します。
// REFUSED_STREAM なら、サーバーは何も処理していないので、1 度だけ開き直します（§8.7）。
func (c *h2conn) onReset(rs frame.RSTStream) error {
	if err := c.checkStream(rs.StreamID, frame.TypeRSTStream); err != nil {
		return err
	}
	s := c.streams[rs.StreamID]
	if s == nil {
		return nil
	}
	delete(c.streams, rs.StreamID)
	if rs.Code == frame.ErrCodeRefusedStream && !s.res.refused {
		s.res.refused = true
		c.p.tracef("ストリーム %d は断られたので、新しいストリームで送り直します\n", rs.StreamID)
		c.retry = append(c.retry, s.res)
		return nil
	}
	s.res.err = fmt.Errorf("サーバーがストリーム %d を RST_STREAM（%v）で終えました", rs.StreamID, rs.Code)
	return nil
}

// onSettings は、サーバーの設定を受け入れ、ACK を返します（§6.5.3）。
func (c *h2conn) onSettings(s frame.Settings) error {
	for _, p := range s.Params {
		switch p.ID {
		case frame.SettingEnablePush:
			if p.Value != 0 {
				return &frame.ConnError{Code: frame.ErrCodeProtocol, Reason: "サーバーが SETTINGS_ENABLE_PUSH に 0 でない値を送りました（§6.5.2）"}
			}
		case frame.SettingMaxConcurrentStreams:
			c.maxStreams = p.Value
		case frame.SettingMaxFrameSize:
			c.maxFrame = p.Value
		case frame.SettingHeaderTableSize:
			c.enc.SetMaxDynamicTableSizeLimit(p.Value)
		}
	}
	c.send(frame.Settings{Ack: true}.Frame())
	return nil
}

// onGoAway は、サーバーの GOAWAY を記録します。LastStreamID より後の
// ストリームを、サーバーは処理していません（§6.8）。
func (c *h2conn) onGoAway(g frame.GoAway) {
	c.goAway = &g
	c.p.printf("サーバーが GOAWAY を送りました（最後に処理するストリーム %d、%v）\n", g.LastStreamID, g.Code)
	for id, s := range c.streams {
		if id > g.LastStreamID || g.Code != frame.ErrCodeNo {
			delete(c.streams, id)
			s.res.err = fmt.Errorf("サーバーが GOAWAY（%v、最後に処理するストリーム %d）を送ったので、ストリーム %d のレスポンスは届きません",
				g.Code, g.LastStreamID, id)
		}
	}
}

// refuseQueued は、ストリームを開けなかったリクエストにエラーを記録します。
func (c *h2conn) refuseQueued() {
	for _, r := range append(c.retry, c.queue...) {
		r.err = errors.New("サーバーが GOAWAY を送ったので、ストリームを開けませんでした")
		if c.goAway == nil {
			r.err = errors.New("ストリームの番号を使い切りました")
		}
	}
	c.retry, c.queue = nil, nil
}

// fail は、コネクションが失敗した理由を返します。サーバーがプロトコルに
// 反したのなら、GOAWAY でその理由を知らせてから返します（§5.4.1）。
func (c *h2conn) fail(err error) error {
	if ce, ok := frame.IsConnError(err); ok {
		c.send(frame.GoAway{LastStreamID: 0, Code: ce.Code, Debug: []byte(ce.Reason)}.Frame())
		c.flush()
		return fmt.Errorf("サーバーが HTTP/2 の決まりに反したので、GOAWAY（%v）を送って閉じました: %s", ce.Code, ce.Reason)
	}
	return c.readError(err)
}

// readError は、読めなかった理由を説明します。
func (c *h2conn) readError(err error) error {
	if c.goAway != nil && (errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)) {
		return fmt.Errorf("GOAWAY（%v）のあとでサーバーがコネクションを閉じました", c.goAway.Code)
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("サーバーがコネクションを閉じました: %w", err)
	}
	return err
}
