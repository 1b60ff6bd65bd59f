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
	"os"
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
	if len(b.buf)+len(p) > maxHeaderBlockBytes {
		return connErr(frame.ErrCodeEnhanceYourCalm, "フィールドブロックが %d バイトを超えました", maxHeaderBlockBytes)
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

// onTrailers は、ボディのあとの HEADERS を扱います。h2conn.mu の中で呼びます。
func (c *h2conn) onTrailers(st *stream, b *headerBlock, fields []hpack.HeaderField) error {
	switch {
	case st.remoteClosed:
		return streamErr(st.id, frame.ErrCodeStreamClosed, "half-closed (remote) のストリームに HEADERS が届きました")
	case b.err != nil:
		return b.err
	case !b.endStream:
		return streamErr(st.id, frame.ErrCodeProtocol, "2 つめの HEADERS に END_STREAM がありません") // §8.1
	}
	if err := checkTrailers(fields); err != nil {
		return streamErr(st.id, frame.ErrCodeProtocol, "%v", err)
	}
	return c.endOfRequest(st)
}

// endOfRequest は、END_STREAM を受け取ったストリームを half-closed (remote) に
// して、まだならハンドラーを始めます。h2conn.mu の中で呼びます。
func (c *h2conn) endOfRequest(st *stream) error {
	if st.status == 0 && st.contentLength >= 0 && st.received != st.contentLength {
		return streamErr(st.id, frame.ErrCodeProtocol,
			"content-length は %d ですが、ボディは %d バイトでした", st.contentLength, st.received) // §8.1.1
	}
	st.remoteClosed = true
	if !st.started {
		c.startHandler(st)
	}
	return nil
}

// onData は、リクエストのボディを受け取ります。
func (c *h2conn) onData(f frame.Frame) error {
	d, err := frame.ParseData(f)
	if err != nil {
		return err
	}
	n := int64(f.Length) // パディングもウィンドウを減らす
	c.mu.Lock()
	if err := c.receive(n); err != nil {
		c.mu.Unlock()
		return err
	}
	st := c.streams[d.StreamID]
	release, streamUpdate := n, int64(0) // コネクションとストリームに返すバイト数
	switch {
	case st == nil:
		err = c.closedError(d.StreamID, f.Type)
	case st.remoteClosed:
		err = streamErr(st.id, frame.ErrCodeStreamClosed, "half-closed (remote) のストリームに DATA が届きました")
	case n > st.recvWindow:
		err = streamErr(st.id, frame.ErrCodeFlowControl, "DATA（%d バイト）がストリームのウィンドウ %d を超えました", n, st.recvWindow)
	default:
		st.recvWindow -= n
		st.received += int64(len(d.Data))
		if st.status == 0 && st.received > maxBodyBytes {
			st.status = http.StatusRequestEntityTooLarge
		}
		if st.status == 0 {
			// ハンドラーが使い終えるまで、コネクションのウィンドウは返さない
			st.body = append(st.body, d.Data...)
			st.held += int64(len(d.Data))
			release -= int64(len(d.Data))
			if !d.EndStream { // 続きを送れるように、ストリームのウィンドウは返す
				st.recvWindow += n
				streamUpdate = n
			}
		}
		switch {
		case d.EndStream:
			err = c.endOfRequest(st)
		case st.status != 0 && !st.started:
			c.startHandler(st)
		}
	}
	c.recvWindow += release
	c.mu.Unlock()
	if werr := c.writeFrames(windowUpdates(release, d.StreamID, streamUpdate)...); werr != nil {
		return werr
	}
	return err
}

// onRSTStream は、クライアントがストリームを取り消したことを扱います。
func (c *h2conn) onRSTStream(f frame.Frame) error {
	r, err := frame.ParseRSTStream(f)
	if err != nil {
		return err
	}
	c.mu.Lock()
	st := c.streams[r.StreamID]
	var release int64
	if st == nil {
		err = c.closedError(r.StreamID, f.Type)
	} else {
		release = c.closeStream(st, resetByPeer) // ハンドラーは st.done で知る
	}
	c.mu.Unlock()
	if werr := c.writeFrames(windowUpdates(release, 0, 0)...); werr != nil {
		return werr
	}
	return err
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

// onPing は、PING に同じデータの ACK で答えます（§6.7）。
func (c *h2conn) onPing(f frame.Frame) error {
	p, err := frame.ParsePing(f)
	if err != nil || p.Ack {
		return err
	}
	if !c.control.allow(maxControlPerSecond) {
		return connErr(frame.ErrCodeEnhanceYourCalm, "1 秒に %d を超える PING と SETTINGS が届きました", maxControlPerSecond)
	}
	return c.writeFrames(frame.Ping{Ack: true, Data: p.Data}.Frame())
}

// onGoAway は、クライアントがもうストリームを開かないことを記録します。
// 答えている途中のストリームに答え終えたら、コネクションを閉じます。
func (c *h2conn) onGoAway(f frame.Frame) error {
	g, err := frame.ParseGoAway(f)
	if err != nil {
		return err
	}
	logf("%v: クライアントからの GOAWAY: %v %q\n", c.conn.RemoteAddr(), g.Code, g.Debug)
	c.mu.Lock()
	c.goingAway = true
	c.mu.Unlock()
	return nil
}

// resetStream は、ストリームを閉じて RST_STREAM を送ります（§5.4.2）。
func (c *h2conn) resetStream(id uint32, code frame.ErrCode) error {
	c.mu.Lock()
	var release int64
	if st := c.streams[id]; st != nil {
		release = c.closeStream(st, resetByUs)
	} else {
		c.recent.add(id, resetByUs)
	}
	c.mu.Unlock()
	rst := frame.RSTStream{StreamID: id, Code: code}.Frame()
	return c.writeFrames(append([]frame.Frame{rst}, windowUpdates(release, 0, 0)...)...)
}

// startHandler は、リクエストに答えるゴルーチンを始めます。h2conn.mu の中で呼びます。
func (c *h2conn) startHandler(st *stream) {
	st.started = true
	c.handlers++
	c.wg.Add(1)
	go c.serveStream(st)
}

// serveStream は、ストリーム st のリクエストに答えるハンドラーです。
// 答え終えたら、st が持っていたコネクションのウィンドウを返します。
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
	code := frame.ErrCodeNo // 答え終えたが、リクエストを受け取り終えていないときに送る
	if errors.Is(err, errWindowTimeout) {
		code = frame.ErrCodeCancel
	}
	c.mu.Lock()
	c.handlers--
	release, rst := st.held, false
	st.held = 0
	c.recvWindow += release
	if !st.closed {
		if st.remoteClosed && err == nil {
			c.closeStream(st, closedNormally)
		} else {
			c.closeStream(st, resetByUs)
			rst = true
		}
	}
	if len(c.streams) == 0 && c.handlers == 0 {
		c.idleSince = time.Now()
	}
	c.wake()
	dead := c.dead
	c.mu.Unlock()
	switch {
	case err == nil, errors.Is(err, errStreamClosed), errors.Is(err, errConnClosed):
	case errors.Is(err, errWindowTimeout):
		logf("%v: ストリーム %d: %v\n", c.conn.RemoteAddr(), st.id, err)
	default: // 書けなかった。コネクションはもう使えない
		logf("%v: ストリーム %d: %v\n", c.conn.RemoteAddr(), st.id, err)
		c.conn.Close()
		return
	}
	if dead {
		return
	}
	fs := windowUpdates(release, 0, 0)
	if rst {
		fs = append(fs, frame.RSTStream{StreamID: st.id, Code: code}.Frame())
	}
	c.writeFrames(fs...) // 書けなければ、読む側も閉じたことに気づく
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
	if err := c.writeHeaders(st.id, fields, len(body) == 0, maxFrame); err != nil {
		return err
	}
	for len(body) > 0 {
		n, err := c.reserve(st, len(body), deadline)
		if err != nil {
			return err
		}
		data := frame.Data{StreamID: st.id, EndStream: n == len(body), Data: body[:n]}
		if err := c.writeFrames(data.Frame()); err != nil {
			return err
		}
		body = body[n:]
	}
	return nil
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

// wait は、次のフレームの最初のバイトが届くまで待ちます。待つ時間は
// deadline が決めます。終了し始めたら GOAWAY を送り、答えている途中の
// ストリームに答え終えたら、コネクションエラー（NO_ERROR）を返して閉じさせます。
func (c *h2conn) wait() error {
	for {
		c.mu.Lock()
		deadline, err := c.deadline()
		if err != nil {
			c.mu.Unlock()
			return err
		}
		c.s.mu.Lock()
		shutdown := c.s.closing && !c.goingAway
		if !shutdown {
			c.waiting = true
			c.s.conns[c.conn] = true // shutdown は、この印を見て待つのを打ち切らせる
			err = c.conn.SetReadDeadline(deadline)
		}
		c.s.mu.Unlock()
		c.mu.Unlock()
		if shutdown {
			if err := c.goAway(); err != nil {
				return err
			}
			continue // 期限を計り直す
		}
		if err != nil {
			return err
		}
		_, err = c.r.Peek(1)
		c.mu.Lock()
		c.waiting = false
		c.s.mu.Lock()
		c.s.conns[c.conn] = false
		derr := c.conn.SetReadDeadline(time.Now().Add(readTimeout)) // フレームの残りを読む期限
		c.s.mu.Unlock()
		c.mu.Unlock()
		switch {
		case err == nil:
			return derr
		case errors.Is(err, io.EOF):
			return errors.New("クライアントが閉じました")
		case !errors.Is(err, os.ErrDeadlineExceeded):
			return err
		}
		if err := c.expire(); err != nil {
			return err
		}
	}
}

// goAway は、終了し始めたので、これまでに開かれたストリームには答えるが、
// 新しいストリームは開かないでほしいと、GOAWAY で知らせます（§6.8）。
func (c *h2conn) goAway() error {
	c.mu.Lock()
	c.goingAway = true
	last := c.lastID
	c.mu.Unlock()
	return c.writeFrames(frame.GoAway{LastStreamID: last, Code: frame.ErrCodeNo}.Frame())
}

// deadline は、次のフレームを待つ期限を返します。h2conn.mu の中で呼びます。
// 受け取っている途中のフィールドブロックとリクエストには readTimeout、
// ストリームがなければ idleTimeout です。ハンドラーが答えているだけなら、
// 期限はありません（ハンドラーには writeTimeout があります）。GOAWAY のあとで
// ストリームがなくなったら、閉じるためのエラーを返します。
func (c *h2conn) deadline() (time.Time, error) {
	idle := len(c.streams) == 0 && c.handlers == 0
	if c.goingAway && idle && c.block == nil {
		return time.Time{}, connErr(frame.ErrCodeNo, "GOAWAY のあと、すべてのストリームに答えました")
	}
	var d time.Time
	earlier := func(t time.Time) {
		if d.IsZero() || t.Before(d) {
			d = t
		}
	}
	if c.block != nil {
		earlier(c.block.start.Add(readTimeout))
	}
	for _, st := range c.streams {
		if !st.remoteClosed {
			earlier(st.opened.Add(readTimeout))
		}
	}
	if idle {
		earlier(c.idleSince.Add(idleTimeout))
	}
	return d, nil
}

// expire は、期限を過ぎたものを片付けます。受け取り終わらないリクエストの
// ストリームは CANCEL で取り消します。フィールドブロックが終わらないときと、
// idleTimeout の間ストリームがなかったときは、コネクションを閉じさせます。
func (c *h2conn) expire() error {
	now := time.Now()
	c.mu.Lock()
	if c.block != nil && now.After(c.block.start.Add(readTimeout)) {
		c.mu.Unlock()
		return connErr(frame.ErrCodeNo, "フィールドブロックが %v たっても終わりません", readTimeout)
	}
	var late []uint32
	for id, st := range c.streams {
		if !st.remoteClosed && now.After(st.opened.Add(readTimeout)) {
			late = append(late, id)
		}
	}
	idle := len(c.streams) == 0 && c.handlers == 0 && !now.Before(c.idleSince.Add(idleTimeout))
	c.mu.Unlock()
	for _, id := range late {
		logf("%v: ストリーム %d: %v たってもリクエストが終わらないので取り消します\n", c.conn.RemoteAddr(), id, readTimeout)
		if err := c.resetStream(id, frame.ErrCodeCancel); err != nil {
			return err
		}
	}
	if idle {
		return connErr(frame.ErrCodeNo, "%v ストリームがないので閉じます", idleTimeout)
	}
	return nil
}

// wake は、次のフレームを待っている wait を起こし、期限を計り直させます。
// h2conn.mu の中で呼びます。
func (c *h2conn) wake() {
	if c.waiting {
		c.conn.SetReadDeadline(time.Now())
	}
}

// close は、コネクションを閉じます。コネクションエラーなら、先に GOAWAY で
// 理由を知らせます（§5.4.1）。ハンドラーがみな終わるのを待ってから戻ります。
func (c *h2conn) close(err error) {
	if ce, ok := frame.IsConnError(err); ok {
		c.mu.Lock()
		last := c.lastID
		c.mu.Unlock()
		g := frame.GoAway{LastStreamID: last, Code: ce.Code, Debug: []byte(ce.Reason)}
		if c.writeFrames(g.Frame()) == nil {
			closeWrite(c.conn) // GOAWAY が届くように、FIN を送ってから閉じる
		}
	}
	c.mu.Lock()
	c.dead = true
	for _, st := range c.streams {
		c.closeStream(st, resetByUs)
	}
	c.cond.Broadcast()
	c.mu.Unlock()
	c.conn.Close()
	c.wg.Wait()
}

func connErr(code frame.ErrCode, format string, args ...any) error {
	return &frame.ConnError{Code: code, Reason: fmt.Sprintf(format, args...)}
}

func streamErr(id uint32, code frame.ErrCode, format string, args ...any) error {
	return &frame.StreamError{StreamID: id, Code: code, Reason: fmt.Sprintf(format, args...)}
}
