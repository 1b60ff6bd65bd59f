package netlab

import (
	"bufio"
	"cmp"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"
)

// Sample is the timing of one request.
type Sample struct {
	// Dial is how long connecting took, included in Total; 0 for a request
	// on a connection an earlier request opened.
	Dial  time.Duration `json:"dial"`
	Total time.Duration `json:"total"` // from the start to the end of the response's body
	// Carried is what the link carried for this sample alone, where it is
	// known: for a client program's run (MeasureClients), closing included.
	Carried *Stats `json:"carried,omitempty"`
}

// Client sends the timing loop's requests: HTTP/1.1 GET requests, each
// written whole in one write, each response read to the end of its body.
type Client struct {
	// Dial opens a connection to the server, such as a Link's Dial to
	// ServerIP:8888.
	Dial func(ctx context.Context) (net.Conn, error)
	Host string // the Host header; "localhost:8888" if empty
	Path string // "/" if empty
	// Check, if not nil, checks each response; a response that is not
	// 200 OK is an error anyway.
	Check func(resp *http.Response, body []byte) error
	// Timeout bounds each connection (dial, requests and responses);
	// one minute if zero.
	Timeout time.Duration
}

// Time は、リクエストを n 個、1 つずつ順に送って、1 つずつの時間を測ります。
// keep なら 1 本のコネクションを使い続け（最初のリクエストの時間には接続の
// 時間も入ります）、そうでなければリクエストごとに新しいコネクションを張ります。
// 新しいコネクションでは Connection: close を送るので、先に閉じるのはサーバーです。
func (c *Client) Time(n int, keep bool) ([]Sample, error) {
	var samples []Sample
	var cc clientConn
	defer cc.close()
	for range n {
		dialed, total, err := c.next(&cc, keep, time.Now())
		if err != nil {
			return nil, err
		}
		samples = append(samples, Sample{Dial: dialed, Total: total})
	}
	return samples, nil
}

// clientConn is the connection a timing loop keeps between requests.
type clientConn struct {
	conn net.Conn
	r    *bufio.Reader
}

func (cc *clientConn) close() {
	if cc.conn != nil {
		cc.conn.Close()
		cc.conn = nil
	}
}

// next times one request on cc from start, opening cc first if it is
// not open (dialed is then how long that took, otherwise 0), and closes
// it after the response unless keep, and after an error.
func (c *Client) next(cc *clientConn, keep bool, start time.Time) (dialed, total time.Duration, err error) {
	if cc.conn == nil {
		if cc.conn, err = c.dial(); err != nil {
			return 0, 0, err
		}
		cc.r, dialed = bufio.NewReader(cc.conn), time.Since(start)
	}
	total, err = c.timeRequest(cc.conn, cc.r, !keep, start)
	if err != nil || !keep {
		cc.close()
	}
	return dialed, total, err
}

// dial connects, and bounds the connection with a deadline so that a
// measurement never hangs.
func (c *Client) dial() (net.Conn, error) {
	timeout := cmp.Or(c.Timeout, time.Minute)
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	conn, err := c.Dial(ctx)
	if err != nil {
		return nil, err
	}
	conn.SetDeadline(time.Now().Add(timeout))
	return conn, nil
}

// timeRequest は、conn でリクエストを 1 つ送り、start からの時間を測ります。
// リクエストは 1 回の Write で書き、レスポンスはボディの終わりまで読んで確かめます。
func (c *Client) timeRequest(conn net.Conn, r *bufio.Reader, close bool, start time.Time) (time.Duration, error) {
	if _, err := io.WriteString(conn, c.request(close)); err != nil {
		return 0, err
	}
	resp, err := http.ReadResponse(r, nil)
	if err == nil {
		err = c.readBody(resp)
	}
	return time.Since(start), err // Close はこのあとなので、時間に入らない
}

// request is the GET request, with Connection: close if close.
func (c *Client) request(close bool) string {
	return get(cmp.Or(c.Path, "/"), cmp.Or(c.Host, "localhost:8888"), close)
}

// get is an HTTP/1.1 GET request for path to host, with Connection: close
// if close: what every client of netlab's sends.
func get(path, host string, close bool) string {
	req := "GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\n"
	if close {
		req += "Connection: close\r\n"
	}
	return req + "\r\n"
}

// readBody reads resp's body to the end and closes it, then checks the
// response: 200 OK, and whatever Check says.
func (c *Client) readBody(resp *http.Response) error {
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("unexpected response %s %q", resp.Status, body)
	}
	if c.Check != nil {
		return c.Check(resp, body)
	}
	return nil
}
