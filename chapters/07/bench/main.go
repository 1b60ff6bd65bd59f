// Command bench は、この章の計測のクライアントです。新しいコネクションで
// GET を 1 つ送り、レスポンスをボディの終わりまで読みます。接続を始めて
// から -until の時刻までの時間を、netlab client が読む
// 「netlab-time: 12.3ms」の 1 行で書きます。
//
//	status  レスポンスの最初のバイト（ステータス行）が届いた時刻
//	body    ボディの最初のバイトが届いた時刻
//	end     ボディの最後のバイトが届いた時刻
//
// 本文では引用しない、手で書いたプログラムです。
package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"time"
)

func main() {
	addr := flag.String("addr", "10.77.0.2:8888", "サーバーのアドレス（netlab のリンクの向こう）")
	path := flag.String("path", "/", "GET するパス")
	http10 := flag.Bool("http10", false, "HTTP/1.1 でなく HTTP/1.0 で送る")
	gz := flag.Bool("gzip", false, "Accept-Encoding: gzip を付ける")
	until := flag.String("until", "end", "どの時刻までを測るか: status、body、end")
	flag.Parse()
	t, err := fetch(*addr, *path, *http10, *gz)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
	i := map[string]int{"status": 0, "body": 1, "end": 2}
	k, ok := i[*until]
	if !ok {
		fmt.Fprintf(os.Stderr, "bench: -until %q: status、body、end のどれかです\n", *until)
		os.Exit(2)
	}
	fmt.Printf("netlab-time: %s\n", t[k])
}

// firstByte は、コネクションから最初のバイトを読んだ時刻を覚えます。
type firstByte struct {
	net.Conn
	at time.Time
}

func (c *firstByte) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if n > 0 && c.at.IsZero() {
		c.at = time.Now()
	}
	return n, err
}

// fetch は、新しいコネクションで GET を 1 つ送り（HTTP/1.1 では
// Connection: close を付けます）、レスポンスをボディの終わりまで読みます。
// 接続を始めてから、レスポンスの最初のバイト、ボディの最初のバイト、
// ボディの最後のバイトまでの時間を返します。
func fetch(addr, path string, http10, gz bool) ([3]time.Duration, error) {
	var t [3]time.Duration
	start := time.Now()
	raw, err := net.DialTimeout("tcp", addr, time.Minute)
	if err != nil {
		return t, err
	}
	defer raw.Close()
	raw.SetDeadline(time.Now().Add(time.Minute))
	conn := &firstByte{Conn: raw}
	req := "GET " + path + " HTTP/1.1\r\nHost: localhost:8888\r\nConnection: close\r\n"
	if http10 {
		req = "GET " + path + " HTTP/1.0\r\nHost: localhost:8888\r\n"
	}
	if gz {
		req += "Accept-Encoding: gzip\r\n"
	}
	if _, err := io.WriteString(conn, req+"\r\n"); err != nil {
		return t, err
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		return t, err
	}
	if resp.StatusCode != http.StatusOK {
		return t, fmt.Errorf("%s が返りました", resp.Status)
	}
	t[0] = conn.at.Sub(start)
	one := make([]byte, 1)
	if _, err := io.ReadFull(resp.Body, one); err != nil {
		return t, err
	}
	t[1] = time.Since(start)
	rest, err := io.ReadAll(resp.Body)
	if err != nil {
		return t, err
	}
	t[2] = time.Since(start)
	if gz != (resp.Header.Get("Content-Encoding") == "gzip") {
		return t, errors.New("Content-Encoding が、頼んだものと違います")
	}
	if gz {
		zr, err := gzip.NewReader(bytes.NewReader(append(one, rest...)))
		if err == nil {
			_, err = io.Copy(io.Discard, zr)
		}
		if err != nil {
			return t, fmt.Errorf("gzip のボディ: %w", err)
		}
	}
	return t, nil
}
