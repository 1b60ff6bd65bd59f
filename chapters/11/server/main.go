// Command server は、第10章のサーバーと同じ文書と /slow を、HTTP/3 で
// 答えるものです。UDP の addr で QUIC のコネクションを待ち受けます。QUIC と
// HTTP/3 は quic-go（github.com/quic-go/quic-go と、その http3）が話します。
// 証明書は第9章のサーバーと同じもの（ECDSA P-256）を使い、なければ作ります。
// Ctrl-C（SIGINT）か SIGTERM を受け取ると、GOAWAY を送って処理中の
// リクエストに答え終えてから終了します。
//
// ブラウザは、TCP の上の HTTP/1.1 か HTTP/2 のレスポンスの Alt-Svc
// ヘッダー（RFC 7838）で、同じ名前のサーバーが HTTP/3 も話すことを知ります。
// それを第10章の TLS のサーバーに加えるのは、この章のプログラムではありません。
package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/quic-go/quic-go"
	"github.com/quic-go/quic-go/http3"
)

const (
	// addr は、UDP で待ち受けるアドレスです。第9章と第10章の TLS のサーバーと
	// 同じ番号ですが、あちらは TCP なので、同時に動かせます。
	addr = "localhost:8443"
	// certDir は、CA の証明書と、サーバーの証明書と秘密鍵を置くディレクトリです。
	// 第9章のサーバーと同じものを使います。
	certDir = "chapters/09/certs"
	// handshakeTimeout は、最初のパケットからハンドシェイクを終えるまでの期限です。
	// quic-go は、この間パケットが 1 つも届かないか、この 2 倍の時間が
	// たってもハンドシェイクが終わらなければ、コネクションを捨てます。
	handshakeTimeout = 5 * time.Second
	// idleTimeout は、パケットが 1 つも届かないコネクションを閉じるまでの時間です。
	// QUIC のトランスポートパラメーター max_idle_timeout（RFC 9000 §10.1）で
	// クライアントに知らせ、短いほうが使われます。
	idleTimeout = 30 * time.Second
	// requestTimeout は、ハンドラーがリクエストを読み終えるまでの期限です。
	// /slow の待ち時間も、ここまでで打ち切ります。
	requestTimeout = 10 * time.Second
	// writeTimeout は、レスポンスを書き終えるまでの期限です。
	writeTimeout = 10 * time.Second
	// shutdownTimeout は、終了するときに処理中のリクエストを待つ時間の上限です。
	shutdownTimeout = 5 * time.Second
	// maxHeaderBytes と maxBodyBytes は、リクエスト 1 つのヘッダーとボディの上限です。
	maxHeaderBytes = 1 << 20
	maxBodyBytes   = 1 << 20
	// maxStreams は、クライアントが同時に開けるリクエストのストリームの数です
	// （RFC 9000 §4.6 の MAX_STREAMS）。
	maxStreams = 100
	// maxConns は、同時に扱うコネクションの数の上限で、超えた分は断ります。
	// maxUnverified を超えると、新しいクライアントには、まず Retry
	// （RFC 9000 §8.1.2）でアドレスを確かめてもらいます。
	maxConns      = 1000
	maxUnverified = 100
	// slowPath へのリクエストには、slowDelay だけ待ってから答えます（第8章）。
	slowPath  = "/slow"
	slowDelay = time.Second
	// udpBufferBytes は、UDP のソケットに求める受信と送信のバッファの大きさです。
	udpBufferBytes = 7 << 20
)

func main() {
	udp, err := net.ListenPacket("udp", addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, listenError(addr, err))
		os.Exit(1)
	}
	cert, made, err := loadCert(certDir)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if made {
		fmt.Println(certDir, "に CA とサーバーの証明書を作りました")
	}
	fmt.Printf("CA の証明書: %s（go run ./chapters/11/client -cacert %[1]s で使います）\n", caFile(certDir))
	setBuffers(udp.(*net.UDPConn))
	srv, err := listen(udp, cert)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println(addr, "で QUIC（UDP）の接続を待ち受けています（HTTP/3）")
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- srv.ServeListener(srv.ln) }()
	select {
	case err := <-done:
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	case s := <-sig:
		fmt.Printf("%v を受け取りました。新しいリクエストは受け付けません\n", s)
	}
	ctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	// Shutdown は、どのコネクションにも GOAWAY（RFC 9114 §5.2）を送り、
	// 処理中のリクエストに答え終えるのを待ちます
	if err := srv.Shutdown(ctx); err != nil {
		fmt.Fprintf(os.Stderr, "%v 待っても終わらなかったリクエストを打ち切りました\n", shutdownTimeout)
		srv.Close()
		os.Exit(1)
	}
	fmt.Println("すべてのリクエストに答えたので終了します")
}

// server は、HTTP/3 のサーバーと、その QUIC のリスナーです。
type server struct {
	*http3.Server
	ln    *quic.EarlyListener
	conns atomic.Int64 // 開いているコネクションの数。ハンドシェイク中のものも数える
}

// listen は、udp の上で QUIC の接続を待ち受け、HTTP/3 で答えるサーバーを返します。
// srv.ServeListener(srv.ln) で答え始めます。
func listen(udp net.PacketConn, cert tls.Certificate) (*server, error) {
	srv := &server{}
	conns := &srv.conns
	tr := &quic.Transport{
		Conn: udp,
		// 新しいコネクションが来るたびに呼ばれる。エラーを返すと断る
		ConnContext: func(ctx context.Context, info *quic.ClientInfo) (context.Context, error) {
			if conns.Add(1) > maxConns {
				conns.Add(-1)
				return nil, errors.New("コネクションが多すぎます")
			}
			// ctx は、コネクションが閉じるか、ハンドシェイクに失敗すると終わる
			context.AfterFunc(ctx, func() { conns.Add(-1) })
			return ctx, nil
		},
		// true を返すと、Initial に答える前に Retry でアドレスを確かめる。
		// 送信元を偽った Initial の洪水は、これで状態を作らせない（RFC 9000 §8.1.2）
		VerifySourceAddress: func(net.Addr) bool { return conns.Load() > maxUnverified },
	}
	tlsConf := http3.ConfigureTLSConfig(&tls.Config{
		Certificates: []tls.Certificate{cert},
		MinVersion:   tls.VersionTLS13, // QUIC は TLS 1.3 だけを使う（RFC 9001 §4.2）
	}) // ALPN は h3（RFC 9114 §3.1）
	ln, err := tr.ListenEarly(tlsConf, &quic.Config{
		HandshakeIdleTimeout:  handshakeTimeout,
		MaxIdleTimeout:        idleTimeout,
		MaxIncomingStreams:    maxStreams,
		MaxIncomingUniStreams: 3, // HTTP/3 の制御ストリームと QPACK の 2 本（RFC 9114 §6.2）
		// 0-RTT を受け付ける。再開したクライアントは、最初のパケットと一緒に
		// リクエストを送れる（RFC 9001 §4.6.1）。ただし 0-RTT のデータは
		// 攻撃者がそのまま送り直せる（RFC 9001 §9.2、RFC 8470）。
		// そこで handler は、0-RTT で届いた安全でないメソッドのリクエストを、
		// ハンドシェイクが終わるまで処理しない（earlyData を見よ）
		Allow0RTT: true,
	})
	if err != nil {
		return nil, err
	}
	srv.ln = ln
	srv.Server = &http3.Server{
		Handler:        http.HandlerFunc(handler),
		MaxHeaderBytes: maxHeaderBytes,
		IdleTimeout:    idleTimeout,
		ConnContext: func(ctx context.Context, c *quic.Conn) context.Context {
			st := c.ConnectionState()
			fmt.Printf("%v: QUIC %v、%s、0-RTT: %t\n", c.RemoteAddr(), st.Version,
				tls.CipherSuiteName(st.TLS.CipherSuite), st.Used0RTT)
			return context.WithValue(ctx, connKey{}, c)
		},
	}
	return srv, nil
}

// connKey は、リクエストのコンテキストに QUIC のコネクションを入れるときの鍵です。
type connKey struct{}

// handler は、1 つのリクエストに答えます。本文は第10章と同じく reply が決めます。
func handler(w http.ResponseWriter, r *http.Request) {
	deadline := time.Now().Add(requestTimeout)
	ctx, cancel := context.WithDeadline(r.Context(), deadline)
	defer cancel()
	// ストリームを読む期限。ボディをゆっくり送るクライアントも、ここまでしか待たない
	rc := http.NewResponseController(w)
	if err := rc.SetReadDeadline(deadline); err != nil {
		logf("%v: %s %s: 期限を設定できません: %v\n", r.RemoteAddr, r.Method, r.URL.Path, err)
		return
	}
	if err := earlyData(ctx, r); err != nil {
		logf("%v: %s %s: %v\n", r.RemoteAddr, r.Method, r.URL.Path, err)
		return
	}
	status := http.StatusOK
	var body []byte
	if r.Body != nil {
		var err error
		body, err = io.ReadAll(http.MaxBytesReader(w, r.Body, maxBodyBytes))
		var tooLarge *http.MaxBytesError
		switch {
		case errors.As(err, &tooLarge):
			status = http.StatusRequestEntityTooLarge
		case errors.Is(err, os.ErrDeadlineExceeded):
			status = http.StatusRequestTimeout
		case err != nil:
			logf("%v: %s %s: ボディを読めません: %v\n", r.RemoteAddr, r.Method, r.URL.Path, err)
			return
		}
	}
	logf("%v: %s %s %s\n", r.RemoteAddr, r.Proto, r.Method, r.URL.Path)
	status, text := reply(r.URL.Path, status, body, ctx.Done())
	// レスポンスを書く期限。レスポンスを読まないクライアントも、ここまでしか待たない
	if err := rc.SetWriteDeadline(time.Now().Add(writeTimeout)); err != nil {
		logf("%v: %s %s: 期限を設定できません: %v\n", r.RemoteAddr, r.Method, r.URL.Path, err)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(text)))
	w.Header().Set("Date", time.Now().UTC().Format(http.TimeFormat))
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		io.WriteString(w, text)
	}
}

// earlyData は、リクエストが 0-RTT で届き、そのメソッドが安全でない
// （送り直されると困る）ときは、ハンドシェイクが終わるまで待ちます。
// 送り直された 0-RTT のパケットでは、ハンドシェイクは終わりません
// （RFC 8470 §3 の「ハンドシェイクが終わるまで処理を遅らせる」）。
// GET と HEAD は安全なメソッド（RFC 9110 §9.2.1）なので、すぐに答えます。
func earlyData(ctx context.Context, r *http.Request) error {
	c, ok := ctx.Value(connKey{}).(*quic.Conn)
	if !ok || r.Method == http.MethodGet || r.Method == http.MethodHead {
		return nil
	}
	select {
	case <-c.HandshakeComplete():
		return nil
	case <-ctx.Done():
		return errors.New("0-RTT で届いたリクエストですが、ハンドシェイクが終わりませんでした")
	}
}

// setBuffers は、UDP のソケットの受信と送信のバッファを udpBufferBytes に
// しようとします。カーネルの上限（net.core.rmem_max と wmem_max）より
// 大きくはできませんが、この本の小さなレスポンスには既定の大きさで足ります。
// quic-go は、足りないときに英語の警告を 1 度出します。この本の出力に
// 混ざらないように、QUIC_GO_DISABLE_RECEIVE_BUFFER_WARNING で止めます。
func setBuffers(udp *net.UDPConn) {
	udp.SetReadBuffer(udpBufferBytes)
	udp.SetWriteBuffer(udpBufferBytes)
	os.Setenv("QUIC_GO_DISABLE_RECEIVE_BUFFER_WARNING", "true")
}

// reply は、path へのリクエストに答えるステータスコードと本文を返します。
// status が 200 でなければ、その説明を本文にします。slowPath には slowDelay
// だけ待ってから答えます。待っている間に done が閉じられたら（ストリームが
// 取り消されたら）、待つのをやめます。知らないパスには 404 で答えます。
// 第10章のサーバーの reply と同じものです。
func reply(path string, status int, body []byte, done <-chan struct{}) (int, string) {
	if status == http.StatusOK && !found(path) {
		status = http.StatusNotFound
	}
	if status != http.StatusOK {
		return status, http.StatusText(status) + "\n"
	}
	if path == slowPath {
		// 時間のかかる処理の代わりに、決まった時間だけ待つ
		t := time.NewTimer(slowDelay)
		defer t.Stop()
		select {
		case <-t.C:
		case <-done:
		}
		return status, "Slept " + slowDelay.String() + "\n"
	}
	if len(body) > 0 {
		return status, "Hello " + string(body) + "\n"
	}
	return status, "Hello World\n"
}

// found は、path に答えるものがあるかを返します。あるのは /、slowPath と、
// /1、/2 のような番号だけのパスです。番号のパスには / と同じに答えます。
// 第10章のサーバーの found と同じものです。
func found(path string) bool {
	n, ok := strings.CutPrefix(path, "/")
	if !ok || n == "" || path == slowPath {
		return true
	}
	_, err := strconv.ParseUint(n, 10, 32)
	return err == nil
}

// listenError は、addr で待ち受けられなかったときに表示する説明を返します。
func listenError(addr string, err error) string {
	if !errors.Is(err, syscall.EADDRINUSE) {
		return err.Error()
	}
	_, port, _ := net.SplitHostPort(addr)
	return fmt.Sprintf("%s（UDP）で待ち受けられません。ほかのプログラムがこのアドレスを使っています。\n"+
		"この章のサーバーが、別の端末で動いたままになっていませんか。\n"+
		"  調べる: ss -lunp 'sport = :%s'\n"+
		"  止める: そのサーバーを動かしている端末で Ctrl-C を押します", addr, port)
}

// logf は、ネットワークから届いたバイトを含むかもしれない行を、
// sanitize してから表示します。
func logf(format string, args ...any) {
	fmt.Print(sanitize(fmt.Sprintf(format, args...)))
}

// sanitize は、改行のほかの制御文字や表示できない文字、UTF-8 として
// 正しくないバイトを、\x1b のようなエスケープにします。
func sanitize(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	var q []byte
	for len(s) > 0 {
		r, size := utf8.DecodeRuneInString(s)
		invalid := r == utf8.RuneError && size == 1
		switch {
		case r == '\n' || !invalid && unicode.IsPrint(r):
			b.WriteString(s[:size])
		default:
			q = strconv.AppendQuote(q[:0], s[:size])
			b.Write(q[1 : len(q)-1])
		}
		s = s[size:]
	}
	return b.String()
}
