// Command bench は、この章の計測のクライアントです。小さな GET を -n 個、
// -mode の送り方で、コネクションのないところから送り、-slow なら GET /slow
// を先に置きます。/slow を除くすべての答えがそろうまでの時間を、netlab
// client が読む「netlab-time: 12.3ms」の 1 行で書きます。
//
//	sequential  1 本のキープアライブのコネクションで、1 つずつ順に
//	pipelined   1 本のコネクションに、すべてのリクエストをまとめて書いてから読む
//	parallel    リクエストごとにコネクションを張り、すべてを同時に
//	h2c         TLS を使わない HTTP/2（net/http）で、1 本のコネクションにリクエストごとのストリーム
//
// 本文では引用しない、手で書いたプログラムです（h2cTransport だけを引用します）。
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

func main() {
	addr := flag.String("addr", "10.77.0.2:8888", "サーバーのアドレス（netlab のリンクの向こう）")
	mode := flag.String("mode", "sequential", "送り方: sequential、pipelined、parallel、h2c")
	n := flag.Int("n", 10, "小さな GET の数")
	slow := flag.Bool("slow", false, "GET /slow を先に置く")
	flag.Parse()
	paths := make([]string, 0, *n+1)
	if *slow {
		paths = append(paths, "/slow")
	}
	for range *n {
		paths = append(paths, "/")
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	b := &batch{addr: *addr, start: time.Now(), done: make([]time.Duration, len(paths))}
	var err error
	switch *mode {
	case "sequential", "pipelined":
		err = b.oneConn(ctx, *mode == "pipelined", paths)
	case "parallel":
		err = b.parallel(ctx, paths)
	case "h2c":
		err = b.h2c(ctx, paths)
	default:
		err = fmt.Errorf("-mode %q: sequential、pipelined、parallel、h2c のどれかです", *mode)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
	var small time.Duration
	for i, d := range b.done {
		if paths[i] != "/slow" {
			small = max(small, d)
		}
	}
	fmt.Printf("netlab-time: %s\n", small)
}

// batch は、1 回の計測です。done[i] は、paths[i] の答えが届くまでの、
// start からの時間です。
type batch struct {
	addr  string
	start time.Time
	done  []time.Duration
}

func (b *batch) dial(ctx context.Context) (net.Conn, error) {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", b.addr)
	if err == nil {
		conn.SetDeadline(time.Now().Add(time.Minute))
	}
	return conn, err
}

func get(path string) string {
	return "GET " + path + " HTTP/1.1\r\nHost: localhost:8888\r\n\r\n"
}

// oneConn は、1 本のコネクションで送ります。前のレスポンスを読んでから次を
// 書くか（sequential）、すべてを 1 回で書いてから読みます（pipelined）。
func (b *batch) oneConn(ctx context.Context, pipelined bool, paths []string) error {
	conn, err := b.dial(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	r := bufio.NewReader(conn)
	if pipelined {
		var all strings.Builder
		for _, p := range paths {
			all.WriteString(get(p))
		}
		if _, err := io.WriteString(conn, all.String()); err != nil {
			return err
		}
	}
	for i, p := range paths {
		if !pipelined {
			if _, err := io.WriteString(conn, get(p)); err != nil {
				return err
			}
		}
		if err := readOK(r, p); err != nil {
			return err
		}
		b.done[i] = time.Since(b.start)
	}
	return nil
}

// parallel は、GET ごとにコネクションを張り、すべてを同時に送ります。
func (b *batch) parallel(ctx context.Context, paths []string) error {
	var wg sync.WaitGroup
	errs := make([]error, len(paths))
	for i, p := range paths {
		wg.Go(func() {
			conn, err := b.dial(ctx)
			if err != nil {
				errs[i] = err
				return
			}
			defer conn.Close()
			if _, err := io.WriteString(conn, get(p)); err != nil {
				errs[i] = err
				return
			}
			errs[i] = readOK(bufio.NewReader(conn), p)
			b.done[i] = time.Since(b.start)
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// h2cTransport は、http:// の URL に TLS なしの HTTP/2 で送る Transport を
// 返します。コネクションは dial で張ります。
func h2cTransport(dial func(ctx context.Context, network, addr string) (net.Conn, error)) *http.Transport {
	var protocols http.Protocols
	protocols.SetUnencryptedHTTP2(true)
	return &http.Transport{Protocols: &protocols, DialContext: dial}
}

// h2c は、GET ごとの goroutine から、1 つの新しい h2cTransport を通して送る
// ので、リクエストは 1 本のコネクションのストリームになります。1 つ目の
// リクエストがコネクションを張り、残りは、そのヘッダーを書き終えてから
// 始めます。先に始めると、Transport が張っている途中のコネクションを
// 待たずに、もう 1 本張ることがあるからです。パイプラインも、接続して
// からリクエストを書くので、条件はそろいます。張ったコネクションが 1 本
// でなければ、失敗にします。
func (b *batch) h2c(ctx context.Context, paths []string) error {
	var dials atomic.Int64
	tr := h2cTransport(func(ctx context.Context, _, _ string) (net.Conn, error) {
		dials.Add(1)
		return b.dial(ctx)
	})
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: time.Minute}
	connected := make(chan struct{})
	var once sync.Once
	trace := &httptrace.ClientTrace{WroteHeaders: func() { once.Do(func() { close(connected) }) }}
	var wg sync.WaitGroup
	errs := make([]error, len(paths))
	for i, p := range paths {
		if i == 1 {
			select {
			case <-connected:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		wg.Go(func() {
			defer once.Do(func() { close(connected) }) // 1 つ目が失敗したとき
			req, err := http.NewRequestWithContext(httptrace.WithClientTrace(ctx, trace), http.MethodGet, "http://"+b.addr+p, nil)
			if err != nil {
				errs[i] = err
				return
			}
			req.Host = "localhost:8888"
			resp, err := client.Do(req)
			if err != nil {
				errs[i] = err
				return
			}
			defer resp.Body.Close()
			body, err := io.ReadAll(resp.Body)
			switch {
			case err != nil:
				errs[i] = err
			case resp.ProtoMajor != 2:
				errs[i] = fmt.Errorf("GET %s: HTTP/2 ではなく %s でした", p, resp.Proto)
			default:
				errs[i] = checkBody(p, resp.StatusCode, body)
			}
			b.done[i] = time.Since(b.start)
		})
	}
	wg.Wait()
	if n := dials.Load(); n != 1 {
		errs = append(errs, fmt.Errorf("h2c の Transport が張ったコネクションは %d 本でした（1 本のはずです）", n))
	}
	return errors.Join(errs...)
}

// readOK は、GET path のレスポンスを 1 つ読み、確かめます。
func readOK(r *bufio.Reader, path string) error {
	resp, err := http.ReadResponse(r, nil)
	if err != nil {
		return fmt.Errorf("GET %s: %w", path, err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return fmt.Errorf("GET %s: %w", path, err)
	}
	return checkBody(path, resp.StatusCode, body)
}

// checkBody は、GET path にこの章のサーバーの答えが返ったかを確かめます。
// /slow で待たないサーバーでは、+slow の計測が意味を持たないからです。
func checkBody(path string, status int, body []byte) error {
	want := "Hello World\n"
	if path == "/slow" {
		want = "Slept "
	}
	if status != http.StatusOK || !strings.HasPrefix(string(body), want) {
		return fmt.Errorf("GET %s: %d %q が返りました（この章のサーバーは /slow に Slept と答えます）", path, status, body)
	}
	return nil
}
