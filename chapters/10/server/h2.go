package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strconv"
	"sync"
	"time"

	"golang.org/x/net/http2/hpack"

	"tcpbook/chapters/10/frame"
)

// h2conn は、HTTP/2 のコネクション 1 本です。フレームを読むのは serveH2 を
// 呼んだゴルーチン 1 つだけで、リクエストにはストリームごとのゴルーチン
// （ハンドラー）が答えます。1 本のコネクションで、いくつものリクエストに
// 同時に答えられます。
type h2conn struct {
	conn net.Conn
	r    *bufio.Reader // handle が作ったもの。プリフェイスの最初のバイトが入っている
	s    *server

	// wmu は、フレームを書く順番を守ります。HPACK のエンコーダーの状態は、
	// HEADERS を書いた順番で相手のデコーダーと揃っていなければならないので、
	// エンコードと書くことを、wmu の中でまとめて行います。
	wmu    sync.Mutex
	bw     *bufio.Writer
	enc    *hpack.Encoder
	encBuf bytes.Buffer

	// フレームを読むゴルーチンだけが使うもの
	dec         *hpack.Decoder
	block       *headerBlock // 受け取っている途中のフィールドブロック
	gotSettings bool         // クライアントの最初の SETTINGS を受け取った
	control     rateLimit    // PING と SETTINGS の数

	mu                sync.Mutex // ここから下を守る
	cond              *sync.Cond // ウィンドウが広がるのを待つ（flow.go）
	streams           map[uint32]*stream
	lastID            uint32 // これまでに開かれた最大のストリーム ID
	recent            recentlyClosed
	handlers          int   // 動いているハンドラーの数
	refused           int   // 数が多すぎて断ったストリームの数
	sendWindow        int64 // コネクションの送る向きのウィンドウ
	recvWindow        int64 // コネクションの受け取る向きのウィンドウ
	peerInitialWindow int64 // 相手の SETTINGS_INITIAL_WINDOW_SIZE
	peerMaxFrameSize  uint32
	idleSince         time.Time // ストリームがなくなった時刻
	waiting           bool      // 次のフレームを待っている（wait）
	goingAway         bool      // GOAWAY を送ったか受け取った。新しいストリームは受け付けない
	dead              bool      // コネクションを閉じた
	wg                sync.WaitGroup
}

// headerBlock は、HEADERS と、それに続く CONTINUATION で届く
// フィールドブロックです（§4.3）。END_HEADERS まで集めてからデコードします。
type headerBlock struct {
	id        uint32
	endStream bool
	start     time.Time
	buf       []byte
	frames    int   // HEADERS と CONTINUATION の数
	err       error // HEADERS のストリームエラー。デコードしてから返す
}

// serveH2 は、HTTP/2 のコネクション conn でリクエストに答えます。
// r の先頭には、クライアントの接続プリフェイスが届いています。
func serveH2(conn net.Conn, r *bufio.Reader, s *server) error {
	c := &h2conn{
		conn: conn, r: r, s: s,
		bw:                bufio.NewWriter(conn),
		dec:               hpack.NewDecoder(frame.DefaultHeaderTableSize, nil),
		streams:           map[uint32]*stream{},
		sendWindow:        frame.DefaultInitialWindowSize,
		recvWindow:        connWindow,
		peerInitialWindow: frame.DefaultInitialWindowSize,
		peerMaxFrameSize:  frame.DefaultMaxFrameSize,
		idleSince:         time.Now(),
	}
	c.enc = hpack.NewEncoder(&c.encBuf)
	c.cond = sync.NewCond(&c.mu)
	err := c.serve()
	c.close(err)
	if ce, ok := frame.IsConnError(err); ok && ce.Code == frame.ErrCodeNo {
		return errors.New(ce.Reason) // こちらから GOAWAY で閉じた
	}
	return err
}

// serve は、プリフェイスを確かめてから、フレームを読んでは扱うことを
// 繰り返します。ストリームエラーなら RST_STREAM を送って続けます。
// コネクションエラーなら、それを返します。
func (c *h2conn) serve() error {
	// クライアントのプリフェイスは 24 バイトの決まった文字列と SETTINGS、
	// サーバーのプリフェイスは SETTINGS です（§3.4）。待たずに送ってよい。
	settings := frame.Settings{Params: serverSettings}.Frame()
	window := frame.WindowUpdate{Increment: connWindow - frame.DefaultInitialWindowSize}.Frame()
	if err := c.writeFrames(settings, window); err != nil {
		return err
	}
	if err := c.conn.SetReadDeadline(time.Now().Add(readTimeout)); err != nil {
		return err
	}
	preface := make([]byte, len(frame.ClientPreface))
	if _, err := io.ReadFull(c.r, preface); err != nil {
		return fmt.Errorf("接続プリフェイスを読めません: %w", err)
	}
	if string(preface) != frame.ClientPreface {
		return connErr(frame.ErrCodeProtocol, "接続プリフェイスが違います: %q", preface)
	}
	if err := checkTLS(c.conn); err != nil {
		return err
	}
	for {
		if err := c.wait(); err != nil {
			return err
		}
		f, err := frame.Read(c.r, frame.DefaultMaxFrameSize)
		if err != nil {
			return err
		}
		err = c.handleFrame(f)
		if se, ok := frame.IsStreamError(err); ok {
			logf("%v: %v\n", c.conn.RemoteAddr(), se)
			err = c.resetStream(se.StreamID, se.Code)
		}
		if err != nil {
			return err
		}
	}
}

// handleFrame は、フレームを 1 つ、種類に応じて扱います。
func (c *h2conn) handleFrame(f frame.Frame) error {
	if c.block != nil && (f.Type != frame.TypeContinuation || f.StreamID != c.block.id) {
		// フィールドブロックの途中には、同じストリームの CONTINUATION しか来ない（§6.10）
		return connErr(frame.ErrCodeProtocol, "フィールドブロックの途中に %v が届きました", f)
	}
	if !c.gotSettings && f.Type != frame.TypeSettings {
		return connErr(frame.ErrCodeProtocol, "プリフェイスのあとのフレームが SETTINGS ではなく %v です", f.Type)
	}
	switch f.Type {
	case frame.TypeData:
		return c.onData(f)
	case frame.TypeHeaders:
		return c.onHeaders(f)
	case frame.TypeContinuation:
		return c.onContinuation(f)
	case frame.TypePriority:
		_, err := frame.ParsePriority(f) // 優先度は使わないが、形は確かめる
		return err
	case frame.TypeRSTStream:
		return c.onRSTStream(f)
	case frame.TypeSettings:
		return c.onSettings(f)
	case frame.TypePushPromise:
		return connErr(frame.ErrCodeProtocol, "クライアントが PUSH_PROMISE を送りました") // §8.4
	case frame.TypePing:
		return c.onPing(f)
	case frame.TypeGoAway:
		return c.onGoAway(f)
	case frame.TypeWindowUpdate:
		return c.onWindowUpdate(f)
	}
	return nil // 知らない種類のフレームは無視する（§5.5）
}

// onHeaders は、HEADERS を受け取り、フィールドブロックを集め始めます。
func (c *h2conn) onHeaders(f frame.Frame) error {
	h, err := frame.ParseHeaders(f)
	if _, ok := frame.IsConnError(err); ok {
		return err
	}
	c.block = &headerBlock{id: h.StreamID, endStream: h.EndStream, start: time.Now(), err: err}
	return c.addFragment(h.Block, h.EndHeaders)
}

// onContinuation は、フィールドブロックの続きを受け取ります。
func (c *h2conn) onContinuation(f frame.Frame) error {
	ct, err := frame.ParseContinuation(f)
	if err != nil {
		return err
	}
	if c.block == nil {
		return connErr(frame.ErrCodeProtocol, "HEADERS の続きではない CONTINUATION がストリーム %d に届きました", f.StreamID)
	}
	return c.addFragment(ct.Block, ct.EndHeaders)
}

// addFragment は、フィールドブロックの断片 p を集めます。END_HEADERS まで
// 届いたら、デコードしてリクエストを作ります。
func (c *h2conn) addFragment(p []byte, end bool) error {
	b := c.block
	b.frames++
	switch {
	case len(b.buf)+len(p) > maxHeaderBlockBytes:
		return connErr(frame.ErrCodeEnhanceYourCalm, "フィールドブロックが %d バイトを超えました", maxHeaderBlockBytes)
	case b.frames > maxHeaderBlockFrames:
		return connErr(frame.ErrCodeEnhanceYourCalm, "フィールドブロックのフレームが %d を超えました", maxHeaderBlockFrames)
	}
	b.buf = append(b.buf, p...)
	if !end {
		return nil
	}
	c.block = nil
	fields, size, err := c.decode(b.buf)
	if err != nil {
		// HPACK の状態が相手と揃わなくなったので、コネクションは使えない（§4.3）
		return connErr(frame.ErrCodeCompression, "HPACK: %v", err)
	}
	return c.onRequestHeaders(b, fields, size)
}

// decode は、フィールドブロックを HPACK でデコードします（RFC 7541）。
// 名前と値の大きさの合計が maxHeaderListSize を超えたら、そこからは
// フィールドを持たずに数えるだけにして（動的テーブルは更新し続けます）、
// 大きさだけを返します。
func (c *h2conn) decode(block []byte) ([]hpack.HeaderField, int, error) {
	var fields []hpack.HeaderField
	size := 0
	c.dec.SetEmitEnabled(true)
	c.dec.SetEmitFunc(func(f hpack.HeaderField) {
		size += int(f.Size())
		if size > maxHeaderListSize {
			c.dec.SetEmitEnabled(false)
			fields = nil
			return
		}
		fields = append(fields, f)
	})
	if _, err := c.dec.Write(block); err != nil {
		return nil, 0, err
	}
	if err := c.dec.Close(); err != nil {
		return nil, 0, err
	}
	return fields, size, nil
}

// onRequestHeaders は、デコードしたフィールドブロックを扱います。新しい
// ストリームならリクエストを作り、開いているストリームならトレーラーです。
func (c *h2conn) onRequestHeaders(b *headerBlock, fields []hpack.HeaderField, size int) error {
	if b.id%2 == 0 {
		return connErr(frame.ErrCodeProtocol, "クライアントが偶数のストリーム %d を開こうとしました", b.id) // §5.1.1
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if st := c.streams[b.id]; st != nil {
		return c.onTrailers(st, b, fields)
	}
	if b.id <= c.lastID {
		return c.closedError(b.id, frame.TypeHeaders)
	}
	c.lastID = b.id // これより小さい idle のストリームは、みな closed になる
	switch {
	case c.goingAway:
		c.recent.add(b.id, resetByUs) // GOAWAY のあとのストリームは扱わない（§6.8）
		return nil
	case b.err != nil:
		return b.err
	case len(c.streams) >= maxConcurrentStreams || c.handlers >= maxConcurrentStreams:
		c.refused++
		if c.refused > maxRefused {
			return connErr(frame.ErrCodeEnhanceYourCalm, "同時に開けるストリームを超えて %d 回開こうとしました", c.refused)
		}
		return streamErr(b.id, frame.ErrCodeRefusedStream, "同時に開けるストリーム %d 本を超えました", maxConcurrentStreams)
	}
	var req *http.Request
	status := 0
	if size > maxHeaderListSize {
		req = &http.Request{Method: "?", URL: &url.URL{}, ContentLength: -1}
		status = http.StatusRequestHeaderFieldsTooLarge
	} else {
		var err error
		if req, err = newRequest(fields); err != nil {
			return streamErr(b.id, frame.ErrCodeProtocol, "%v", err)
		}
	}
	st := c.newStream(b.id, req)
	st.status = status
	if st.status == 0 && req.ContentLength > maxBodyBytes {
		st.status = http.StatusRequestEntityTooLarge // 上限を超えると分かっているボディは受け取らない
	}
	if b.endStream {
		return c.endOfRequest(st)
	}
	if st.status != 0 {
		c.startHandler(st)
	}
	return nil
}

// onSettings は、クライアントの設定を受け取って使い、ACK を返します（§6.5.3）。
func (c *h2conn) onSettings(f frame.Frame) error {
	s, err := frame.ParseSettings(f)
	if err != nil {
		return err
	}
	c.gotSettings = true
	if s.Ack {
		return nil // こちらの SETTINGS が届いた知らせ
	}
	if !c.control.allow(maxControlPerSecond) {
		return connErr(frame.ErrCodeEnhanceYourCalm, "1 秒に %d を超える PING と SETTINGS が届きました", maxControlPerSecond)
	}
	tableSize := int64(-1)
	c.mu.Lock()
	for _, p := range s.Params { // 書かれた順に使う
		switch p.ID {
		case frame.SettingInitialWindowSize:
			err = c.setInitialWindow(p.Value)
		case frame.SettingMaxFrameSize:
			c.peerMaxFrameSize = p.Value
		case frame.SettingHeaderTableSize:
			tableSize = int64(p.Value)
		}
		if err != nil {
			break
		}
	}
	c.cond.Broadcast()
	c.mu.Unlock()
	if err != nil {
		return err
	}
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if tableSize >= 0 {
		// 相手のデコーダーの動的テーブルの大きさ。エンコーダーは次の
		// フィールドブロックの先頭で、使う大きさを知らせる（RFC 7541 §6.3）
		c.enc.SetMaxDynamicTableSizeLimit(uint32(tableSize))
	}
	return c.writeLocked(frame.Settings{Ack: true}.Frame())
}

// startHandler は、リクエストに答えるゴルーチンを始めます。h2conn.mu の中で呼びます。
func (c *h2conn) startHandler(st *stream) {
	st.started = true
	c.handlers++
	c.wg.Add(1)
	go c.serveStream(st)
}

// serveStream は、ストリーム st のリクエストに答えるハンドラーです。
// 本文は、HTTP/1.1 と同じく reply が決めます。
func (c *h2conn) serveStream(st *stream) {
	defer c.wg.Done()
	status := http.StatusOK
	if st.status != 0 {
		status = st.status
	}
	if dump, err := httputil.DumpRequest(st.req, false); err == nil && st.req.Method != "?" {
		logf("%v: ストリーム %d\n%s%s\n", c.conn.RemoteAddr(), st.id, dump, clip(st.body))
	}
	status, text := reply(st.req.URL.Path, status, st.body, st.done)
	err := c.writeResponse(st, status, text)
	c.finishStream(st, err)
}

// writeResponse は、レスポンスを HEADERS と DATA で送ります。DATA は
// ウィンドウの空きを待ちながら送ります。すべてを writeTimeout までに
// 送り終えなければなりません。
func (c *h2conn) writeResponse(st *stream, status int, text string) error {
	deadline := time.Now().Add(writeTimeout)
	t := time.AfterFunc(writeTimeout, func() { // reserve で待っていたら起こす
		c.mu.Lock()
		c.cond.Broadcast()
		c.mu.Unlock()
	})
	defer t.Stop()
	body := []byte(text)
	fields := []hpack.HeaderField{
		{Name: ":status", Value: strconv.Itoa(status)},
		{Name: "content-type", Value: "text/plain; charset=utf-8"},
		{Name: "content-length", Value: strconv.Itoa(len(body))},
		{Name: "date", Value: time.Now().UTC().Format(http.TimeFormat)},
	}
	if st.req.Method == http.MethodHead {
		body = nil // HEAD への答えにはボディを送らない
	}
	c.mu.Lock()
	closed, maxFrame := st.closed, int(c.peerMaxFrameSize)
	c.mu.Unlock()
	if closed {
		return errStreamClosed
	}
	if len(body) == 0 {
		c.endStream(st)
	}
	if err := c.writeHeaders(st.id, fields, len(body) == 0, maxFrame); err != nil {
		return err
	}
	for len(body) > 0 {
		n, err := c.reserve(st, len(body), deadline)
		if err != nil {
			return err
		}
		if n == len(body) {
			c.endStream(st)
		}
		data := frame.Data{StreamID: st.id, EndStream: n == len(body), Data: body[:n]}
		if err := c.writeFrames(data.Frame()); err != nil {
			return err
		}
		body = body[n:]
	}
	return nil
}

// endStream は、END_STREAM を送る前に呼びます。リクエストを受け取り終えて
// いれば（half-closed (remote)）、ストリームはこれで closed になります。
// 送ってから閉じると、END_STREAM を受け取ったクライアントが同じ ID で
// 送ってきたフレームを、まだ開いているストリームへのものと取り違えます。
func (c *h2conn) endStream(st *stream) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if st.remoteClosed {
		c.closeStream(st, closedNormally)
	}
}

// writeHeaders は、フィールドを HPACK でエンコードして、HEADERS と、
// 1 つのフレームに入らなければ CONTINUATION で送ります（§4.3）。
// あいだに別のフレームを挟んではいけないので、まとめて書きます。
func (c *h2conn) writeHeaders(id uint32, fields []hpack.HeaderField, endStream bool, maxFrame int) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	c.encBuf.Reset()
	for _, f := range fields {
		if err := c.enc.WriteField(f); err != nil {
			return err
		}
	}
	block := c.encBuf.Bytes()
	n := min(len(block), maxFrame)
	fs := []frame.Frame{frame.Headers{StreamID: id, EndStream: endStream, EndHeaders: n == len(block), Block: block[:n]}.Frame()}
	for rest := block[n:]; len(rest) > 0; rest = rest[n:] {
		n = min(len(rest), maxFrame)
		fs = append(fs, frame.Continuation{StreamID: id, EndHeaders: n == len(rest), Block: rest[:n]}.Frame())
	}
	return c.writeLocked(fs...)
}

// writeFrames は、フレームを続けて書きます。
func (c *h2conn) writeFrames(fs ...frame.Frame) error {
	if len(fs) == 0 {
		return nil
	}
	c.wmu.Lock()
	defer c.wmu.Unlock()
	return c.writeLocked(fs...)
}

// writeLocked は、wmu の中でフレームを書きます。書き終えるまでの期限は
// writeTimeout です。書けなければ、コネクションを閉じます。
func (c *h2conn) writeLocked(fs ...frame.Frame) error {
	err := c.conn.SetWriteDeadline(time.Now().Add(writeTimeout))
	for _, f := range fs {
		if err == nil {
			err = frame.Write(c.bw, f)
		}
	}
	if err == nil {
		err = c.bw.Flush()
	}
	if err != nil {
		c.conn.Close() // 読んでいるゴルーチンにも知らせる
	}
	return err
}
