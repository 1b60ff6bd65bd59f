// Command server は、第9章のサーバーに HTTP/2 を加えたものです。
// addr では TLS の上で、ALPN で h2 に決まれば HTTP/2 を、そうでなければ
// HTTP/1.1 を話します。plainAddr では平文で、最初のバイトが HTTP/2 の
// 接続プリフェイスなら HTTP/2（h2c）を、そうでなければ HTTP/1.1 を話します。
// HTTP/2 のコネクションは h2.go が扱います。第8章の /slow も答えます。
// Ctrl-C（SIGINT）か SIGTERM を受け取ると、処理中のリクエストに答え終えてから
// 終了します。
package main

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/http/httputil"
	"net/netip"
	"net/textproto"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
	"unicode"
	"unicode/utf8"

	"tcpbook/chapters/10/frame"
)

const (
	addr = "localhost:8443"
	// plainAddr では、TLS を使わずに HTTP/1.1 と HTTP/2 を話します。
	plainAddr = "localhost:8888"
	// certDir は、CA の証明書と、サーバーの証明書と秘密鍵を置くディレクトリです。
	// リポジトリの最上位から動かすので、chapters/09 の下にできます。
	certDir = "chapters/09/certs"
	// handshakeTimeout は、TCP のコネクションを受け付けてから TLS の
	// ハンドシェイクを終えるまでの期限です。
	handshakeTimeout = 10 * time.Second
	// idleTimeout は、リクエストの最初のバイトを待つ時間です。
	// 最初のリクエストにも、レスポンスのあとの次のリクエストにも使います。
	idleTimeout = 5 * time.Second
	// readTimeout は、最初のバイトが届いてからリクエストを読み終えるまでの期限です。
	readTimeout = 10 * time.Second
	// writeTimeout は、レスポンスを書き終えるまでの期限です。
	writeTimeout = 10 * time.Second
	// shutdownTimeout は、終了するときに処理中のリクエストを待つ時間の上限です。
	shutdownTimeout = 5 * time.Second
	// maxHeaderBytes と maxBodyBytes は、リクエスト 1 つのヘッダーとボディの上限です。
	maxHeaderBytes = 1 << 20
	maxBodyBytes   = 1 << 20
	// slowPath へのリクエストには、slowDelay だけ待ってから答えます（第8章）。
	slowPath  = "/slow"
	slowDelay = time.Second
)

// errBodyTooLarge は、ボディが maxBodyBytes を超えたことを表します。
var errBodyTooLarge = fmt.Errorf("ボディが %d バイトを超えました", maxBodyBytes)

func main() {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, listenError(addr, err))
		os.Exit(1)
	}
	plain, err := net.Listen("tcp", plainAddr)
	if err != nil {
		fmt.Fprintln(os.Stderr, listenError(plainAddr, err))
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
	fmt.Printf("CA の証明書: %s（curl --cacert %[1]s で使います）\n", caFile(certDir))
	ln = tls.NewListener(ln, tlsConfig(cert))
	fmt.Println(addr, "で TLS の接続を待ち受けています（HTTP/2 と HTTP/1.1）")
	fmt.Println(plainAddr, "で平文の接続を待ち受けています（HTTP/2 と HTTP/1.1）")
	s := &server{conns: map[net.Conn]bool{}}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	stop := make(chan struct{})
	go func() {
		fmt.Printf("%v を受け取りました。新しいコネクションは受け付けません\n", <-sig)
		close(stop)   // 空きを待っている serve を戻らせる
		ln.Close()    // 止まっている Accept を返させる
		plain.Close() // こちらも
	}()
	var wg sync.WaitGroup
	for _, l := range []net.Listener{ln, plain} {
		wg.Go(func() { s.serve(l, maxConns, stop) })
	}
	wg.Wait()
	if err := s.shutdown(shutdownTimeout); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println("すべてのコネクションを閉じたので終了します")
}

// tlsConfig は、証明書 cert で TLS 1.2 と 1.3 を話す設定を返します。
// 上限の MaxVersion は既定の TLS 1.3 のままにします。クライアントも 1.3 を
// 話せれば 1.3 になります。ALPN では、クライアントも h2 を挙げれば h2 を選びます。
func tlsConfig(cert tls.Certificate) *tls.Config {
	return &tls.Config{
		Certificates: []tls.Certificate{cert},
		MinVersion:   tls.VersionTLS12,           // 1.0 と 1.1 は断る（RFC 8996）
		NextProtos:   []string{"h2", "http/1.1"}, // ALPN で選べるもの。先にあるほうを選ぶ（RFC 7301）
	}
}

// serve は、ln か stop が閉じられるまでコネクションを受け付けます。同時に
// 扱うのは limit 本までで、limit 本が開いている間は、どれかが閉じるまで
// Accept を呼びません。
func (s *server) serve(ln net.Listener, limit int, stop <-chan struct{}) {
	slots := make(chan struct{}, limit) // 扱っているコネクション 1 本につき 1 つ
	var delay time.Duration
	for {
		select {
		case slots <- struct{}{}: // 空きがなければ、ここで待つ
		case <-stop:
			return
		}
		conn, err := ln.Accept()
		if errors.Is(err, net.ErrClosed) {
			return // 終了するために閉じた
		}
		if err != nil {
			<-slots
			// ファイルディスクリプタが足りないときなどは、少し待ってやり直す
			delay = min(max(2*delay, 5*time.Millisecond), time.Second)
			fmt.Fprintf(os.Stderr, "Accept: %v（%v 後にやり直します）\n", err, delay)
			time.Sleep(delay)
			continue
		}
		delay = 0
		s.add(conn)
		go func() {
			handle(conn, s)
			<-slots // 空きを返す
		}()
	}
}

// maxConns は、同時に扱うコネクションの数の上限です。第5章の実験が開く
// 4000 本のアイドルのコネクションより、少し多くしてあります。
const maxConns = 5000

// server は、開いているコネクションを覚えておき、終了するときに
// アイドルのコネクションを閉じ、処理中のリクエストを待ちます。
type server struct {
	mu      sync.Mutex
	conns   map[net.Conn]bool // 開いているコネクション。次のリクエストを待つ間は true
	closing bool              // 終了し始めたら true
	wg      sync.WaitGroup    // 動いている handle の数
}

// add は、受け付けたコネクションを覚えます。handle を始める前に呼びます。
func (s *server) add(conn net.Conn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.conns[conn] = false
	s.wg.Add(1)
}

// remove は、閉じたコネクションを忘れます。
func (s *server) remove(conn net.Conn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.conns, conn)
	s.wg.Done()
}

// stopping は、終了し始めたかどうかを返します。
func (s *server) stopping() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closing
}

// shutdown は、アイドルのコネクションを閉じさせ、処理中のリクエストに
// 答え終えるのを timeout まで待ちます。それでも残ったコネクションは閉じます。
func (s *server) shutdown(timeout time.Duration) error {
	s.mu.Lock()
	s.closing = true
	for conn, idle := range s.conns {
		if idle {
			conn.SetReadDeadline(time.Now()) // 待っている Peek(1) をすぐに返させる
		}
	}
	s.mu.Unlock()
	done := make(chan struct{})
	go func() {
		s.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-time.After(timeout):
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for conn := range s.conns {
		conn.Close()
	}
	return fmt.Errorf("%v 待っても閉じなかったコネクション %d 本を閉じました", timeout, len(s.conns))
}

// handle は 1 本のコネクションで、リクエストを読んでは答えることを
// 繰り返します。bufio.Reader はコネクションごとに 1 つだけ作ります。
// パイプライン化された次のリクエストのバイトが、もう読み込みバッファに
// 入っていることがあるからです。書くための bufio.Writer も 1 つだけ作り、
// レスポンスごとに使い回します。TLS のコネクションなら、最初に
// ハンドシェイクを済ませます。最初のリクエストが HTTP/2 なら、
// コネクションを serveH2 に任せます。
func handle(conn net.Conn, s *server) {
	defer s.remove(conn)
	defer conn.Close()
	fmt.Println("Accept", conn.RemoteAddr())
	if err := s.handshake(conn); err != nil {
		logf("%v: %v\n", conn.RemoteAddr(), err)
		return
	}
	limit := &io.LimitedReader{R: conn, N: maxHeaderBytes}
	r := bufio.NewReader(limit)
	w := bufio.NewWriter(conn)
	if err := s.wait(conn, r); err != nil {
		logf("%v: %v\n", conn.RemoteAddr(), err)
		return
	}
	if h2, err := isHTTP2(conn, r); err != nil || h2 {
		if h2 {
			limit.N = math.MaxInt64 // HTTP/2 では、フレームの長さを serveH2 が確かめる
			err = serveH2(conn, r, s)
		}
		if err != nil {
			logf("%v: %v\n", conn.RemoteAddr(), err)
		}
		return
	}
	for {
		limit.N = maxHeaderBytes // 上限を、次のリクエストのヘッダーから数え直す
		if err := s.wait(conn, r); err != nil {
			logf("%v: %v\n", conn.RemoteAddr(), err)
			return
		}
		req, body, status, err := readRequest(conn, limit, r)
		if err != nil {
			logf("%v: %v\n", conn.RemoteAddr(), err)
		}
		if status == 0 {
			return
		}
		// 続けるのは、200 で答え、クライアントが close を求めず、
		// 転送コーディングを使っておらず、終了し始めていないときだけ
		keepAlive := status == http.StatusOK && !req.Close &&
			len(req.TransferEncoding) == 0 && !s.stopping()
		if err := respond(conn, w, req, status, body, keepAlive); err != nil {
			logf("%v: %v\n", conn.RemoteAddr(), err)
			return
		}
		if !keepAlive {
			return
		}
	}
}

// isHTTP2 は、コネクションが HTTP/2 を話すかどうかを返します。TLS なら
// ALPN で決まっています（RFC 9113 §3.2）。平文なら、最初の行で見分けます。
// HTTP/2 の接続プリフェイス（§3.4）の最初の行は PRI * HTTP/2.0 です。
// HTTP/1.1 のリクエスト行には、HTTP/1.1 のような版が必ずあります（RFC 9112 §3）。
// どちらでもない行には、どちらのプロトコルで答えればよいか分からないので、
// errNotHTTP を返して閉じさせます。
func isHTTP2(conn net.Conn, r *bufio.Reader) (bool, error) {
	if tc, ok := conn.(*tls.Conn); ok {
		return tc.ConnectionState().NegotiatedProtocol == "h2", nil
	}
	if err := conn.SetReadDeadline(time.Now().Add(readTimeout)); err != nil {
		return false, err
	}
	for n := 1; n <= r.Size(); n = max(n+1, r.Buffered()) {
		b, err := r.Peek(n)
		if k := min(len(b), len(frame.ClientPreface)); string(b[:k]) == frame.ClientPreface[:k] {
			if k == len(frame.ClientPreface) {
				return true, nil
			}
		} else if line, _, ok := bytes.Cut(b, []byte("\n")); ok {
			if len(bytes.TrimSuffix(line, []byte("\r"))) > 0 && !bytes.Contains(line, []byte("HTTP/")) {
				return false, errNotHTTP
			}
			return false, nil // HTTP/1.1 の readRequest に任せる
		}
		if err != nil {
			return false, err
		}
	}
	return false, nil // バッファに収まらない長い行も、readRequest に任せる
}

// errNotHTTP は、平文のコネクションの最初の行が、HTTP/1.1 のリクエスト行でも
// HTTP/2 の接続プリフェイスでもないことを表します。
var errNotHTTP = errors.New("最初の行が HTTP/1.1 のリクエスト行でも HTTP/2 のプリフェイスでもないので閉じます")

// handshake は、conn が TLS のコネクションなら、handshakeTimeout までに
// ハンドシェイクを済ませます。待っている間は、wait と同じくアイドルの印を
// 付けておき、終了し始めたら待つのを打ち切らせます。
func (s *server) handshake(conn net.Conn) error {
	tc, ok := conn.(*tls.Conn)
	if !ok {
		return nil // テストが handle をメモリの上のコネクションで呼んだとき
	}
	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		return errShutdown
	}
	s.conns[conn] = true
	err := conn.SetDeadline(time.Now().Add(handshakeTimeout))
	s.mu.Unlock()
	if err != nil {
		return err
	}
	err = tc.Handshake()
	s.mu.Lock()
	s.conns[conn] = false
	closing := s.closing
	s.mu.Unlock()
	var rh tls.RecordHeaderError
	switch {
	case errors.As(err, &rh) && rh.Conn != nil && looksLikeHTTP(rh.RecordHeader):
		return plaintextHTTP(rh.Conn)
	case errors.Is(err, os.ErrDeadlineExceeded) && closing:
		return errShutdown
	case errors.Is(err, os.ErrDeadlineExceeded):
		return fmt.Errorf("%v たってもハンドシェイクが終わらないので閉じます", handshakeTimeout)
	case err != nil:
		return fmt.Errorf("ハンドシェイク: %w", err)
	}
	st := tc.ConnectionState()
	fmt.Printf("%v: %s、%s、ALPN %q\n", conn.RemoteAddr(),
		tls.VersionName(st.Version), tls.CipherSuiteName(st.CipherSuite), st.NegotiatedProtocol)
	return conn.SetDeadline(time.Time{}) // ここからは wait と readRequest が期限を決める
}

// plaintextHTTP は、TLS のポートに届いた平文の HTTP のリクエストに、平文の
// 400 で答えてから送信側を閉じます。TLS の中ではないので、クライアントには
// このまま読めます。
func plaintextHTTP(conn net.Conn) error {
	const text = "Client sent an HTTP request to an HTTPS server.\n"
	resp := "HTTP/1.1 400 Bad Request\r\n" +
		"Content-Type: text/plain; charset=utf-8\r\n" +
		"Content-Length: " + strconv.Itoa(len(text)) + "\r\n" +
		"Connection: close\r\n" +
		"Date: " + time.Now().UTC().Format(http.TimeFormat) + "\r\n\r\n" + text
	if _, err := io.WriteString(conn, resp); err != nil {
		return err
	}
	if err := closeWrite(conn); err != nil {
		return err
	}
	return errors.New("TLS のポートに平文の HTTP のリクエストが届いたので、400 で答えました")
}

// looksLikeHTTP は、TLS のレコードのヘッダーのはずの最初の 5 バイトが、
// HTTP のリクエストの始まりに見えるかどうかを返します。net/http と同じく、
// よく使うメソッドだけを見ます。
func looksLikeHTTP(hdr [5]byte) bool {
	switch string(hdr[:]) {
	case "GET /", "HEAD ", "POST ", "PUT /", "OPTIO":
		return true
	}
	return false
}

// errShutdown は、サーバーが終了するのでコネクションを閉じることを表します。
var errShutdown = errors.New("サーバーを終了するので閉じます")

// wait は、次のリクエストの最初のバイトを idleTimeout まで待ちます。
// 待っている間、conn にアイドルの印を付けておきます。shutdown は、
// その印を見て待つのを打ち切らせます。
func (s *server) wait(conn net.Conn, r *bufio.Reader) error {
	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		return errShutdown
	}
	s.conns[conn] = true
	// shutdown が設定した期限を上書きしないように、ロックの中で設定する
	err := conn.SetReadDeadline(time.Now().Add(idleTimeout))
	s.mu.Unlock()
	if err != nil {
		return err
	}
	_, err = r.Peek(1)
	s.mu.Lock()
	s.conns[conn] = false
	closing := s.closing
	s.mu.Unlock()
	switch {
	case err == nil:
		return nil
	case errors.Is(err, io.EOF):
		return errors.New("クライアントが閉じました")
	case errors.Is(err, os.ErrDeadlineExceeded) && closing:
		return errShutdown
	case errors.Is(err, os.ErrDeadlineExceeded):
		return fmt.Errorf("%v リクエストが来ないので閉じます", idleTimeout)
	}
	return err
}

// readRequest はリクエストを 1 つ読み、ボディを最後まで読みます。r は
// handle がコネクションに 1 つだけ作ったもので、このリクエストのバイトが
// もうバッファに入っていることがあります。返すステータスコードが 0 なら、
// 答えずに閉じます。
func readRequest(conn net.Conn, limit *io.LimitedReader, r *bufio.Reader) (*http.Request, []byte, int, error) {
	// 届き始めたリクエストは、readTimeout までに読み終えてもらう
	if err := conn.SetReadDeadline(time.Now().Add(readTimeout)); err != nil {
		return nil, nil, 0, err
	}
	head, err := readHead(r)
	switch {
	case err != nil && limit.N == 0:
		return nil, nil, http.StatusRequestHeaderFieldsTooLarge,
			fmt.Errorf("ヘッダーが %d バイトを超えました", maxHeaderBytes)
	case err != nil:
		return nil, nil, http.StatusBadRequest, err
	}
	// head だけを読むので、バッファは head の大きさで足りる
	req, err := http.ReadRequest(bufio.NewReaderSize(bytes.NewReader(head), len(head)))
	if err == nil {
		err = checkHead(head, req.ProtoAtLeast(1, 1))
	}
	switch {
	case err != nil: // req は、解析できなければ nil
		return req, nil, http.StatusBadRequest, err
	case req.ProtoAtLeast(1, 1) && req.Host == "":
		return req, nil, http.StatusBadRequest, errors.New("ホストが分かりません（Host ヘッダーが空です）")
	case req.ContentLength > maxBodyBytes:
		// 上限を超えると分かっているボディは、読まずに断る
		return req, nil, http.StatusRequestEntityTooLarge, errBodyTooLarge
	}
	if req.ProtoAtLeast(1, 1) && req.ContentLength != 0 &&
		strings.EqualFold(req.Header.Get("Expect"), "100-continue") {
		// クライアントは 100 Continue を待ってからボディを送る
		if err := writeContinue(conn); err != nil {
			return req, nil, 0, err
		}
	}
	// 次のリクエストを読む前に、このリクエストのボディを読み切る
	limit.N = maxBodyBytes
	body, err := readBody(r, req)
	switch {
	case err != nil && limit.N == 0:
		return req, nil, http.StatusRequestEntityTooLarge, errBodyTooLarge
	case err != nil:
		return req, nil, http.StatusBadRequest, err
	}
	dump, err := httputil.DumpRequest(req, false)
	if err != nil {
		return req, nil, http.StatusBadRequest, err
	}
	logf("%s%s\n", dump, clip(body))
	return req, body, http.StatusOK, nil
}

// writeContinue は、ボディを送る前に待っているクライアントに、送ってよいと
// 伝えます。handle の bufio.Writer はレスポンスの間は空なので、conn に
// 直接書いてもレスポンスと混ざりません。
func writeContinue(conn net.Conn) error {
	if err := conn.SetWriteDeadline(time.Now().Add(writeTimeout)); err != nil {
		return err
	}
	_, err := io.WriteString(conn, "HTTP/1.1 100 Continue\r\n\r\n")
	return err
}

// readHead は、リクエスト行から、ヘッダーの終わりの空行までを読んで返します。
// ボディは読みません。
func readHead(r *bufio.Reader) ([]byte, error) {
	var head []byte
	for {
		start := len(head)
		for {
			part, err := r.ReadSlice('\n')
			head = append(head, part...)
			if err == nil {
				break
			}
			if err != bufio.ErrBufferFull { // ErrBufferFull なら、長い行の続きを読む
				return nil, err
			}
		}
		if line := string(head[start:]); start > 0 && (line == "\r\n" || line == "\n") {
			return head, nil
		}
	}
}

// checkHead は、ヘッダー部 head のフィールドの行を、http.ReadRequest より
// 厳しく確かめます。http11 は、HTTP/1.1 以降のリクエストかどうかです。
func checkHead(head []byte, http11 bool) error {
	lines := strings.Split(strings.TrimRight(string(head), "\r\n"), "\n")
	hosts := 0
	for _, line := range lines[1:] {
		name, value, err := splitField(strings.TrimSuffix(line, "\r"))
		switch {
		case err != nil:
			return err
		case strings.EqualFold(name, "Host"):
			hosts++
			if !validHost(value) {
				return fmt.Errorf("値 %.40q は Host の形（uri-host [\":\" port]）ではありません", value)
			}
		case strings.EqualFold(name, "Transfer-Encoding") && !http11:
			return errors.New("転送コーディングのない HTTP/1.0 のリクエストに Transfer-Encoding があります")
		}
	}
	switch {
	case hosts > 1:
		return errors.New("リクエストに Host ヘッダーが 2 つ以上あります")
	case hosts == 0 && http11:
		return errors.New("HTTP/1.1 のリクエストに Host ヘッダーがありません")
	}
	return nil
}

// splitField は、フィールドの行を名前と値に分け、値の前後の空白を除きます
// （RFC 9112 §5.1）。行が文法に合わなければエラーを返します。
func splitField(line string) (name, value string, err error) {
	name, value, ok := strings.Cut(line, ":")
	switch {
	case strings.HasPrefix(line, " ") || strings.HasPrefix(line, "\t"):
		return "", "", fmt.Errorf("空白で始まる行（obs-fold）は受け付けません: %.40q", line)
	case !ok:
		return "", "", fmt.Errorf("フィールドの行にコロンがありません: %.40q", line)
	case strings.TrimRight(name, " \t") != name:
		return "", "", fmt.Errorf("フィールド名 %.40q とコロンの間に空白があります", name)
	case !isToken(name):
		return "", "", fmt.Errorf("フィールド名 %.40q がトークンではありません", name)
	}
	return name, strings.Trim(value, " \t"), nil
}

// isToken は、s が HTTP のトークン（RFC 9110 §5.6.2）かどうかを返します。
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range []byte(s) {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
			strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0) {
			return false
		}
	}
	return true
}

// validHost は、Host の値が uri-host [ ":" port ] の形かどうかを返します
// （RFC 9112 §3.2、RFC 3986 §3.2.2）。空の値も、この形に合います。
func validHost(v string) bool {
	host, port := v, ""
	if strings.HasPrefix(v, "[") {
		// IP-literal は "[" のあとに IPv6address か IPvFuture、そして "]"
		end := strings.IndexByte(v, ']')
		if end < 0 {
			return false
		}
		ip, err := netip.ParseAddr(v[1:end])
		if !isIPvFuture(v[1:end]) && (err != nil || !ip.Is6() || ip.Zone() != "") {
			return false
		}
		host, port = "", v[end+1:]
	} else if i := strings.IndexByte(v, ':'); i >= 0 {
		host, port = v[:i], v[i:]
	}
	if port != "" && (port[0] != ':' || strings.Trim(port[1:], "0123456789") != "") {
		return false // port は ":" のあとに数字だけ（0 桁でもよい）
	}
	return isRegName(host)
}

// isIPvFuture は、s が IPvFuture（RFC 3986 §3.2.2）かどうかを返します。"v" と
// 16 進数の版、"." のあとに、"%" を除く reg-name の文字か ":" が続きます。
func isIPvFuture(s string) bool {
	version, addr, ok := strings.Cut(s, ".")
	return ok && len(version) > 1 && (version[0] == 'v' || version[0] == 'V') &&
		strings.Trim(version[1:], "0123456789abcdefABCDEF") == "" && addr != "" &&
		!strings.Contains(addr, "%") && isRegName(strings.ReplaceAll(addr, ":", ""))
}

// isRegName は、s が reg-name（RFC 3986 §3.2.2）かどうかを返します。使えるのは
// 英数字と "-._~"、"!$&'()*+,;="、"%" に 16 進数 2 桁を続けたものです。
func isRegName(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
			strings.IndexByte("-._~!$&'()*+,;=", c) >= 0:
		case c == '%' && i+2 < len(s):
			if _, err := strconv.ParseUint(s[i+1:i+3], 16, 8); err != nil {
				return false
			}
			i += 2
		default:
			return false
		}
	}
	return true
}

// readBody は、ヘッダー部の示すとおりに、ボディを r から読みます。メモリは
// 届いた分だけ使い、Content-Length の言う大きさを先に用意しません。
func readBody(r *bufio.Reader, req *http.Request) ([]byte, error) {
	if len(req.TransferEncoding) > 0 { // http.ReadRequest が受け付けるのは chunked だけ
		body, err := io.ReadAll(httputil.NewChunkedReader(r))
		if err == nil {
			err = skipTrailer(r)
		}
		return body, err
	}
	body, err := io.ReadAll(io.LimitReader(r, req.ContentLength))
	if err == nil && int64(len(body)) < req.ContentLength {
		err = io.ErrUnexpectedEOF // Content-Length の分が届く前に閉じられた
	}
	return body, err
}

// skipTrailer は、chunked のボディの最後のチャンクのあとのトレーラー部を読んで
// 捨てます（RFC 9112 §7.1.2）。net/http と同じく、CRLF だけの空のトレーラー部か、
// r のバッファの中に CRLF CRLF が見えるものだけを読みます。
func skipTrailer(r *bufio.Reader) error {
	b, err := r.Peek(2)
	switch {
	case string(b) == "\r\n":
		_, err = r.Discard(2)
		return err
	case err != nil:
		return io.ErrUnexpectedEOF // 空行の前に閉じられた
	}
	for n := 4; ; n++ {
		b, err := r.Peek(n)
		if bytes.HasSuffix(b, []byte("\r\n\r\n")) {
			break
		}
		if err != nil { // バッファがいっぱいになったか、途中で閉じられた
			return errors.New("トレーラー部が CRLF CRLF で終わっていません")
		}
	}
	_, err = textproto.NewReader(r).ReadMIMEHeader()
	return err
}

// maxLogBytes は、ログに書くボディの上限です。
const maxLogBytes = 1024

// clip は、ログに書くボディを maxLogBytes バイトまでにし、残りは
// バイト数だけを書きます。
func clip(body []byte) string {
	if len(body) <= maxLogBytes {
		return string(body)
	}
	return fmt.Sprintf("%s…（残りの %d バイトは省きます）", body[:maxLogBytes], len(body)-maxLogBytes)
}

// respond は HTTP/1.1 のレスポンスを w に書いて送ります。ボディの長さを
// Content-Length で示すので、クライアントはコネクションが閉じるのを
// 待たずに、レスポンスの終わりが分かります。本文は reply が決めます。
func respond(conn net.Conn, w *bufio.Writer, req *http.Request, status int, body []byte, keepAlive bool) error {
	path := "" // 読めなかったリクエストは、req が nil
	if req != nil {
		path = req.URL.Path
	}
	status, text := reply(path, status, body, nil)
	resp := http.Response{
		StatusCode: status,
		ProtoMajor: 1,
		ProtoMinor: 1,
		Header: http.Header{
			"Content-Type": {"text/plain; charset=utf-8"},
			"Date":         {time.Now().UTC().Format(http.TimeFormat)},
		},
		ContentLength: int64(len(text)),
		Body:          io.NopCloser(strings.NewReader(text)),
		Close:         !keepAlive, // true なら Connection: close を付ける
		Request:       req,        // HEAD への答えにはボディを書かない
	}
	if keepAlive && !req.ProtoAtLeast(1, 1) {
		// HTTP/1.0 のクライアントには、続けて使うことを明示する
		resp.Header.Set("Connection", "keep-alive")
	}
	if err := conn.SetWriteDeadline(time.Now().Add(writeTimeout)); err != nil {
		return err
	}
	if err := resp.Write(w); err != nil {
		return err
	}
	if err := w.Flush(); err != nil {
		return err
	}
	if keepAlive {
		return nil
	}
	return closeWrite(conn)
}

// reply は、path へのリクエストに答えるステータスコードと本文を返します。
// HTTP/1.1 の respond と HTTP/2 の h2.go が使います。status が 200 でなければ、
// その説明を本文にします。slowPath には slowDelay だけ待ってから答えます。
// 待っている間に done が閉じられたら（HTTP/2 でストリームが取り消されたら）、
// 待つのをやめます。知らないパスには 404 で答えます。
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
// / で始まらない path（OPTIONS * の * や、CONNECT のリクエストの空のパス）は、
// リソースを指していないので、ないとは言いません。
func found(path string) bool {
	n, ok := strings.CutPrefix(path, "/")
	if !ok || n == "" || path == slowPath {
		return true
	}
	_, err := strconv.ParseUint(n, 10, 32)
	return err == nil
}

// logf は、ネットワークから届いたバイトを含むかもしれない行を、
// sanitize してから表示します。
func logf(format string, args ...any) {
	fmt.Print(sanitize(fmt.Sprintf(format, args...)))
}

// sanitize は、行末の CRLF を LF にし、改行のほかの制御文字や表示できない
// 文字、UTF-8 として正しくないバイトを、\x1b のようなエスケープにします。
// s を先頭から 1 度だけたどります。
func sanitize(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	var q []byte // エスケープを作る場所。使い回す
	for len(s) > 0 {
		r, size := utf8.DecodeRuneInString(s)
		invalid := r == utf8.RuneError && size == 1 // UTF-8 として正しくないバイト
		switch {
		case strings.HasPrefix(s, "\r\n"):
			b.WriteByte('\n')
			size = 2
		case r == '\n' || !invalid && unicode.IsPrint(r):
			b.WriteString(s[:size])
		default:
			q = strconv.AppendQuote(q[:0], s[:size]) // "\x1b" のように引用符で囲まれる
			b.Write(q[1 : len(q)-1])
		}
		s = s[size:]
	}
	return b.String()
}

// closeWrite は送信側だけを閉じ（FIN を送り）、クライアントがまだ送ってくる
// バイトを少しの間読み捨てます。読み残したまま閉じると、カーネルが RST を
// 送り、クライアントがレスポンスを受け取り損ねることがあるからです。
func closeWrite(conn net.Conn) error {
	cw, ok := conn.(interface{ CloseWrite() error })
	if !ok {
		return nil
	}
	if err := cw.CloseWrite(); err != nil {
		return err
	}
	if err := conn.SetReadDeadline(time.Now().Add(time.Second)); err != nil {
		return err
	}
	_, err := io.Copy(io.Discard, io.LimitReader(conn, maxBodyBytes))
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return nil
	}
	return err
}
