package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// fetchH1 は、rs の URL を HTTP/1.1 で取りに行きます。HTTP/2 と比べるための
// もので、conns 本のコネクションを同時に張り、それぞれが、空くたびに
// 残りのリクエストから次の 1 つを送ります（ブラウザーが 1 つのホストに
// 6 本まで張るのと同じやり方です）。pipeline なら、1 本のコネクションに
// すべてのリクエストを先に書いてから、レスポンスを順に読みます（第8章）。
func fetchH1(ctx context.Context, p *printer, d *dialer, rs []*result, conns int, pipeline bool) error {
	next := make(chan *result, len(rs))
	for _, r := range rs {
		next <- r
	}
	close(next)
	var wg sync.WaitGroup
	errs := make([]error, min(conns, len(rs)))
	for i := range errs {
		wg.Go(func() {
			c := &h1conn{p: p, d: d, via: fmt.Sprintf("コネクション %d", i+1)}
			defer c.close()
			if pipeline {
				errs[i] = c.pipeline(ctx, next)
			} else {
				errs[i] = c.sequential(ctx, next)
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// h1conn は、HTTP/1.1 のコネクション 1 本です。サーバーが閉じると伝えたら、
// 張り直します。
type h1conn struct {
	p    *printer
	d    *dialer
	via  string // 表示する名前
	conn net.Conn
	stop func() bool // 期限で読み書きをやめさせるのをやめる
	r    *bufio.Reader
	w    *bufio.Writer
}

func (c *h1conn) connect(ctx context.Context) error {
	conn, err := c.d.dial(ctx)
	if err != nil {
		return err
	}
	c.p.tracef("接続しました: %v → %v（%s）\n", conn.LocalAddr(), conn.RemoteAddr(), c.via)
	c.conn, c.r, c.w = conn, bufio.NewReader(conn), bufio.NewWriter(conn)
	// 期限が来たら、読み書きを止める
	c.stop = context.AfterFunc(ctx, func() { conn.SetDeadline(time.Now()) })
	return nil
}

func (c *h1conn) close() {
	if c.conn != nil {
		c.stop()
		c.conn.Close()
		c.conn = nil
	}
}

// sequential は、next から 1 つずつリクエストを受け取り、前のレスポンスを
// 読み終えてから次を送ります。コネクションが失敗したら、そのとき送っていた
// リクエストにエラーを記録して終わります（送り直しません。残りの
// リクエストは、ほかのコネクションが送ります）。
func (c *h1conn) sequential(ctx context.Context, next <-chan *result) error {
	for x := range next {
		if c.conn == nil {
			if err := c.connect(ctx); err != nil {
				return failAll([]*result{x}, err)
			}
		}
		c.writeGet(x)
		if err := c.w.Flush(); err != nil {
			return failAll([]*result{x}, err)
		}
		closing, err := c.read(x)
		if err != nil {
			return failAll([]*result{x}, err)
		}
		if closing {
			c.close() // 次のリクエストは、新しいコネクションで送る
		}
	}
	return nil
}

// pipeline は、next のリクエストをすべて書いてから、レスポンスを送った順に読みます。
func (c *h1conn) pipeline(ctx context.Context, next <-chan *result) error {
	var queue []*result
	for x := range next {
		queue = append(queue, x)
	}
	if err := c.connect(ctx); err != nil {
		return failAll(queue, err)
	}
	for _, x := range queue {
		c.writeGet(x)
	}
	if err := c.w.Flush(); err != nil {
		return failAll(queue, err)
	}
	for i, x := range queue {
		closing, err := c.read(x)
		if err != nil {
			return failAll(queue[i:], err)
		}
		if closing && i < len(queue)-1 {
			// 残りのリクエストを、サーバーは処理しない（RFC 9112 §9.6）
			return failAll(queue[i+1:], errors.New("サーバーがコネクションを閉じると伝えました"))
		}
	}
	return nil
}

// writeGet は、x の URL への GET を c.w に書きます。
func (c *h1conn) writeGet(x *result) {
	c.p.tracef("→ GET %s HTTP/1.1（%s）\n", x.url.RequestURI(), c.via)
	fmt.Fprintf(c.w, "GET %s HTTP/1.1\r\nHost: %s\r\n\r\n", x.url.RequestURI(), x.url.Host)
}

// read は、x のリクエストへのレスポンスを、ボディの終わりまで読みます。
// closing は、サーバーがこのレスポンスのあとでコネクションを閉じることです。
func (c *h1conn) read(x *result) (closing bool, err error) {
	get := &http.Request{Method: http.MethodGet}
	resp, err := http.ReadResponse(c.r, get)
	// 103 などの途中経過のレスポンスは読み飛ばす
	for err == nil && resp.StatusCode >= 100 && resp.StatusCode < 200 {
		resp, err = http.ReadResponse(c.r, get)
	}
	if err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return false, fmt.Errorf("サーバーがコネクションを閉じました: %w", err)
		}
		return false, err
	}
	defer resp.Body.Close()
	if x.body, err = readLimited(resp.Body); err != nil {
		return false, err
	}
	x.status = strings.TrimSpace(resp.Status)
	c.p.done(x, c.via)
	return resp.Close, nil
}

// failAll は、rs のそれぞれに err を記録し、err を返します。
func failAll(rs []*result, err error) error {
	for _, r := range rs {
		r.err = err
	}
	return err
}
