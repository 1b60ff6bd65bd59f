package main

import (
	"errors"
	"net/http"
	"time"

	"golang.org/x/net/http2/hpack"

	"tcpbook/chapters/10/frame"
)

// stream は、HTTP/2 のストリーム 1 本です。クライアントが HEADERS で開き、
// 状態は RFC 9113 §5.1 の図のとおりに移ります。このサーバーはプッシュ
// しないので、reserved の状態はありません。
//
//	idle ──HEADERS を受け取る──▶ open ──END_STREAM を受け取る──▶ half-closed (remote)
//	half-closed (remote) ──END_STREAM を送る──▶ closed
//	どの状態からも ──RST_STREAM を送るか受け取る──▶ closed
//
// open と half-closed (remote) のストリームは h2conn.streams にあり、
// closed になったら取り除きます。フィールドは h2conn.mu で守ります。
type stream struct {
	id     uint32
	req    *http.Request
	opened time.Time // HEADERS が届いた時刻。readTimeout はここから数える

	remoteClosed bool // END_STREAM を受け取った（half-closed (remote)）
	closed       bool // closed になった
	started      bool // ハンドラーを始めた
	// status は、ボディを読み終える前に決まった答え（413、431）です。0 なら 200 で答えます。
	status        int
	contentLength int64 // content-length の値。なければ -1
	received      int64 // 受け取った DATA のボディのバイト数
	body          []byte

	recvWindow int64 // 受け取る向きのウィンドウ（flow.go）
	sendWindow int64 // 送る向きのウィンドウ
	held       int64 // 受け取ったがコネクションのウィンドウに返していないバイト数

	done chan struct{} // closed になったら閉じる。ハンドラーが待つのをやめる
}

// closedHow は、閉じたストリームがどう閉じたかです。閉じたあとに届いた
// フレームにどう応えるかが、これで変わります（§5.1 の closed）。
type closedHow uint8

const (
	notRemembered  closedHow = iota // 覚えていない（開かれなかったか、ずっと前に閉じた）
	closedNormally                  // 両方が END_STREAM を送った
	resetByPeer                     // クライアントが RST_STREAM を送った
	resetByUs                       // サーバーが RST_STREAM を送った
)

// recentlyClosed は、最近閉じたストリームを maxRecentlyClosed 個まで覚えます。
// 古いものから忘れるので、いくつストリームを開かれてもメモリは増えません。
type recentlyClosed struct {
	how   map[uint32]closedHow
	order []uint32 // 覚えた順
}

func (r *recentlyClosed) add(id uint32, how closedHow) {
	if r.how == nil {
		r.how = map[uint32]closedHow{}
	}
	if _, ok := r.how[id]; !ok {
		if len(r.order) == maxRecentlyClosed {
			delete(r.how, r.order[0])
			r.order = r.order[1:]
		}
		r.order = append(r.order, id)
	}
	r.how[id] = how
}

func (r *recentlyClosed) get(id uint32) closedHow { return r.how[id] }

// newStream は、HEADERS で開かれたストリームを作ります。h2conn.mu の中で呼びます。
func (c *h2conn) newStream(id uint32, req *http.Request) *stream {
	st := &stream{
		id: id, req: req, opened: time.Now(), contentLength: req.ContentLength,
		recvWindow: frame.DefaultInitialWindowSize, // こちらは初期値のまま（limits.go）
		sendWindow: c.peerInitialWindow,
		done:       make(chan struct{}),
	}
	c.streams[id] = st
	return st
}

// closeStream は、st を closed にします。h2conn.mu の中で呼びます。
// ハンドラーが動いていなければ、st が持っていたコネクションのウィンドウを
// 返します（呼び出し側が WINDOW_UPDATE を送ります）。
func (c *h2conn) closeStream(st *stream, how closedHow) (release int64) {
	if st.closed {
		return 0
	}
	st.closed = true
	close(st.done)
	delete(c.streams, st.id)
	c.recent.add(st.id, how)
	if !st.started {
		release, st.held = st.held, 0
		c.recvWindow += release
	}
	if len(c.streams) == 0 && c.handlers == 0 {
		c.idleSince = time.Now()
	}
	c.cond.Broadcast() // ウィンドウを待っているハンドラーに知らせる
	return release
}

// closedError は、idle でも開いてもいないストリーム id に、種類 t の
// フレームが届いたときのエラーを返します。h2conn.mu の中で呼びます。
// id がまだ開かれていなければ（idle）、PRIORITY 以外は PROTOCOL_ERROR の
// コネクションエラーです（§5.1 の idle）。閉じたストリームなら、閉じ方で
// 決まります（§5.1 の closed）。nil なら、フレームを無視します。
func (c *h2conn) closedError(id uint32, t frame.Type) error {
	if id > c.lastID || id%2 == 0 { // 偶数のストリームは、サーバーが開くもの
		return connErr(frame.ErrCodeProtocol, "idle のストリーム %d に %v が届きました", id, t)
	}
	if t == frame.TypeWindowUpdate || t == frame.TypeRSTStream {
		return nil // こちらが END_STREAM を送ったすぐあとには、届くことがある
	}
	switch c.recent.get(id) {
	case resetByUs:
		return nil // こちらが RST_STREAM を送ったとき、もう届く途中だったもの
	case resetByPeer:
		return streamErr(id, frame.ErrCodeStreamClosed, "RST_STREAM で閉じたストリームに %v が届きました", t)
	case closedNormally:
		return connErr(frame.ErrCodeStreamClosed, "閉じたストリーム %d に %v が届きました", id, t)
	}
	if t == frame.TypeHeaders {
		// 開いたことのない、前のものより小さい ID で開こうとした（§5.1.1）
		return connErr(frame.ErrCodeProtocol, "ストリーム %d は、前に開かれた %d より小さい ID です", id, c.lastID)
	}
	return connErr(frame.ErrCodeStreamClosed, "閉じたストリーム %d に %v が届きました", id, t)
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

// finishStream は、ハンドラーが答え終えた（err なら、答えられなかった）
// ストリームを片付けます。st が持っていたコネクションのウィンドウを返し、
// リクエストを受け取り終えていなければ RST_STREAM で閉じます。
func (c *h2conn) finishStream(st *stream, err error) {
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
