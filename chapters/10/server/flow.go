package main

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"tcpbook/chapters/10/frame"
)

// フロー制御（RFC 9113 §5.2、§6.9）。DATA のペイロード（パディングも含む）は、
// 送る側から見て、コネクションのウィンドウとストリームのウィンドウの両方を
// 減らします。受け取る側は WINDOW_UPDATE でウィンドウを広げ、次を送らせます。
// ウィンドウは 2^31-1 を超えてはいけません。

// maxWindow は、ウィンドウの上限 2^31-1 です。
const maxWindow = 1<<31 - 1

var (
	errStreamClosed  = errors.New("ストリームが閉じました")
	errConnClosed    = errors.New("コネクションが閉じました")
	errWindowTimeout = fmt.Errorf("%v たってもクライアントがウィンドウを広げません", writeTimeout)
)

// reserve は、ストリーム st に DATA を送れるようになるまで待ち、送ってよい
// バイト数（n 以下）を、コネクションとストリームの両方のウィンドウから
// 差し引いて返します。1 つの DATA フレームに入る長さも超えません。
// deadline までに送れるようにならなければ、errWindowTimeout を返します。
// 相手がウィンドウを広げなくても、ハンドラーはいつまでも残りません。
func (c *h2conn) reserve(st *stream, n int, deadline time.Time) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for {
		switch {
		case c.dead:
			return 0, errConnClosed
		case st.closed:
			return 0, errStreamClosed
		case !time.Now().Before(deadline):
			return 0, errWindowTimeout
		}
		if w := min(c.sendWindow, st.sendWindow); w > 0 {
			k := min(int64(n), w, int64(c.peerMaxFrameSize))
			c.sendWindow -= k
			st.sendWindow -= k
			return int(k), nil
		}
		c.cond.Wait() // WINDOW_UPDATE、SETTINGS、ストリームが閉じること、deadline のどれかで起きる
	}
}

// onWindowUpdate は、相手が送る向きのウィンドウを広げたことを記録し、
// 待っているハンドラーを起こします。
func (c *h2conn) onWindowUpdate(f frame.Frame) error {
	w, err := frame.ParseWindowUpdate(f)
	if _, ok := frame.IsConnError(err); ok {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if w.StreamID == 0 {
		if c.sendWindow+int64(w.Increment) > maxWindow {
			return connErr(frame.ErrCodeFlowControl, "コネクションのウィンドウが 2^31-1 を超えます")
		}
		c.sendWindow += int64(w.Increment)
		c.cond.Broadcast()
		return nil
	}
	st := c.streams[w.StreamID]
	if st == nil {
		return c.closedError(w.StreamID, f.Type)
	}
	if err != nil {
		return err // 増分が 0（ストリームエラー）
	}
	if st.sendWindow+int64(w.Increment) > maxWindow {
		return streamErr(st.id, frame.ErrCodeFlowControl, "ストリームのウィンドウが 2^31-1 を超えます")
	}
	st.sendWindow += int64(w.Increment)
	c.cond.Broadcast()
	return nil
}

// setInitialWindow は、相手が SETTINGS_INITIAL_WINDOW_SIZE を変えたとき、
// 開いているすべてのストリームの送る向きのウィンドウを、差の分だけ
// 変えます（§6.9.2）。ウィンドウは負になることもあります。h2conn.mu の中で呼びます。
func (c *h2conn) setInitialWindow(v uint32) error {
	delta := int64(v) - c.peerInitialWindow
	c.peerInitialWindow = int64(v)
	for _, st := range c.streams {
		if st.sendWindow+delta > maxWindow {
			return connErr(frame.ErrCodeFlowControl, "ストリーム %d のウィンドウが 2^31-1 を超えます", st.id)
		}
		st.sendWindow += delta
	}
	c.cond.Broadcast()
	return nil
}

// receive は、DATA のペイロード n バイトを、受け取る向きのウィンドウから
// 差し引きます。h2conn.mu の中で呼びます。コネクションのウィンドウを
// 超えたら FLOW_CONTROL_ERROR のコネクションエラーです。
func (c *h2conn) receive(n int64) error {
	if n > c.recvWindow {
		return connErr(frame.ErrCodeFlowControl, "DATA（%d バイト）がコネクションのウィンドウ %d を超えました", n, c.recvWindow)
	}
	c.recvWindow -= n
	return nil
}

// windowUpdates は、コネクションに conn バイト、ストリーム id に stream バイトを
// 返す WINDOW_UPDATE フレームを返します。0 バイトのものは作りません（§6.9）。
func windowUpdates(conn int64, id uint32, stream int64) []frame.Frame {
	var fs []frame.Frame
	if conn > 0 {
		fs = append(fs, frame.WindowUpdate{Increment: uint32(conn)}.Frame())
	}
	if stream > 0 {
		fs = append(fs, frame.WindowUpdate{StreamID: id, Increment: uint32(stream)}.Frame())
	}
	return fs
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
			release += st.held // 受け取ったボディはもう使わない
			st.held, st.body = 0, nil
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
