package main

import (
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"time"

	"tcpbook/chapters/10/frame"
)

// HTTP/2 のコネクションの期限と終わり方。コネクションを読むゴルーチンは、
// 次のフレームを待つたびに期限を計り直します（deadline）。期限を過ぎたら、
// 受け取り終わらないストリームを取り消すか、コネクションを閉じます（expire）。
// 終了するときは GOAWAY で知らせ（goAway）、答えている途中のストリームに
// 答え終えてから閉じます（close）。

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
// ストリームもフィールドブロックもなければ idleTimeout です。ハンドラーが答えているだけなら、
// 期限はありません（ハンドラーには writeTimeout があります）。GOAWAY のあとで
// ストリームがなくなったら、閉じるためのエラーを返します。
func (c *h2conn) deadline() (time.Time, error) {
	idle := len(c.streams) == 0 && c.handlers == 0 && c.block == nil
	if c.goingAway && idle {
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
// idleTimeout の間ストリームもフィールドブロックもなかったときは、
// コネクションを閉じさせます。
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
	idle := len(c.streams) == 0 && c.handlers == 0 && c.block == nil && !now.Before(c.idleSince.Add(idleTimeout))
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
		if c.writeFrames(g.Frame()) == nil && c.flush() == nil {
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

func connErr(code frame.ErrCode, format string, args ...any) error {
	return &frame.ConnError{Code: code, Reason: fmt.Sprintf(format, args...)}
}

func streamErr(id uint32, code frame.ErrCode, format string, args ...any) error {
	return &frame.StreamError{StreamID: id, Code: code, Reason: fmt.Sprintf(format, args...)}
}

// checkTLS は、TLS 1.2 で、HTTP/2 に使ってはいけない暗号スイート
// （RFC 9113 §9.2.2、付録 A）に決まったコネクションなら、INADEQUATE_SECURITY の
// コネクションエラーを返します。使えるのは、鍵交換が ECDHE で、暗号が AEAD の
// ものです。Go の既定の一覧には CBC のものもあるので、クライアントがそれを
// 選ぶことがあります。TLS 1.3 の暗号スイートは、みな使えます。
func checkTLS(conn net.Conn) error {
	tc, ok := conn.(*tls.Conn)
	if !ok {
		return nil
	}
	st := tc.ConnectionState()
	if st.Version >= tls.VersionTLS13 {
		return nil
	}
	switch st.CipherSuite {
	case tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
		tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
		tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256:
		return nil
	}
	return connErr(frame.ErrCodeInadequateSecurity, "TLS 1.2 の暗号スイート %s は HTTP/2 には使えません",
		tls.CipherSuiteName(st.CipherSuite))
}
