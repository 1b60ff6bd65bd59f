// Command client は、HTTP/2 のクライアントです。URL をいくつか受け取り、
// 1 本のコネクションの上で、それぞれを別のストリームとして同時に取りに行きます。
// 送ったフレームと受け取ったフレームを 1 行ずつ表示します（-q なら表示しません）。
// http:// の URL には TLS を使わない HTTP/2（h2c）を事前の知識で話し、
// -cacert を付けた https:// の URL には TLS の上で ALPN の h2 を話します。
// 比べるために、-h1 なら HTTP/1.1 で取りに行きます。
package main

import (
	"cmp"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

const (
	// slowPath は、第8章のサーバーが決まった時間だけ待ってから答えるパスです。
	// -q で表示する時間は、これ以外のレスポンスがそろうまでの時間です。
	slowPath = "/slow"
	// maxBodyBytes は、読むレスポンスのボディの大きさの上限です。
	maxBodyBytes = 1 << 20
	// maxShownBytes は、表示するボディの長さの上限です。
	maxShownBytes = 40
	// tick は、レスポンスが届いた時刻を表示するときの刻みです。
	tick = 500 * time.Millisecond
)

// options は、コマンドラインで選んだことです。
type options struct {
	cacert   string        // 空でなければ TLS を使い、この CA だけを信頼する
	addr     string        // 空でなければ、URL のホストではなくここにつなぐ
	quiet    bool          // フレームを表示しない
	h1       bool          // HTTP/1.1 で取りに行く
	conns    int           // -h1 で張るコネクションの数
	pipeline bool          // -h1 で、レスポンスを待たずにリクエストを並べる
	timeout  time.Duration // すべてのレスポンスがそろうまでの期限
}

func main() {
	var o options
	flag.StringVar(&o.cacert, "cacert", "", "TLS で https:// の URL につなぎ、この CA の証明書（PEM）だけを信頼する")
	flag.StringVar(&o.addr, "addr", "", "URL のホストではなく、このアドレス（HOST:PORT）につなぐ")
	flag.BoolVar(&o.quiet, "q", false, "フレームを表示せず、/slow のほかのレスポンスがそろうまでの時間を netlab-time の行に表示する")
	flag.BoolVar(&o.h1, "h1", false, "HTTP/2 ではなく HTTP/1.1 で取りに行く")
	flag.IntVar(&o.conns, "conns", 1, "-h1 で張るコネクションの数。空いたコネクションが次のリクエストを送る")
	flag.BoolVar(&o.pipeline, "pipeline", false, "-h1 で、1 本のコネクションにすべてのリクエストを先に書く（パイプライン）")
	flag.DurationVar(&o.timeout, "timeout", 30*time.Second, "すべてのレスポンスがそろうまでの期限")
	flag.Parse()
	if err := run(os.Stdout, o, flag.Args()); err != nil {
		fmt.Fprintln(os.Stderr, sanitize(err.Error()))
		os.Exit(1)
	}
}

// result は、URL 1 つと、それを取りに行った結果です。
type result struct {
	url    *url.URL
	status string // "200 OK" のような、ステータスコードと理由の句
	body   []byte
	at     time.Duration // 取りに行き始めてから、レスポンスがそろうまで
	err    error         // レスポンスがそろわなかった理由
	// refused は、HTTP/2 のサーバーが REFUSED_STREAM で断ったことがあるかです。
	// 断られたリクエストは、1 度だけ新しいストリームで送り直します。
	refused bool
}

// run は、targets の URL を取りに行き、レスポンスを w に表示します。
// レスポンスのそろわなかった URL があれば、それを並べたエラーを返します。
func run(w io.Writer, o options, targets []string) error {
	if o.conns < 1 || (!o.h1 && (o.conns != 1 || o.pipeline)) || (o.pipeline && o.conns != 1) {
		return errors.New("-conns と -pipeline は -h1 と使います。-pipeline は 1 本のコネクション（-conns 1）で使います")
	}
	if len(targets) == 0 {
		targets = []string{"http://localhost:8888/"}
		if o.cacert != "" {
			targets = []string{"https://localhost:8443/"}
		}
	}
	rs, host, err := parseTargets(targets, o.cacert != "")
	if err != nil {
		return err
	}
	d, err := newDialer(o, host)
	if err != nil {
		return err
	}
	p := &printer{w: w, trace: !o.quiet, start: time.Now()}
	ctx, cancel := context.WithTimeout(context.Background(), o.timeout)
	defer cancel()
	if o.h1 {
		err = fetchH1(ctx, p, d, rs, o.conns, o.pipeline)
	} else {
		err = fetchH2(ctx, p, d, rs)
	}
	if errors.Is(err, os.ErrDeadlineExceeded) || errors.Is(err, context.DeadlineExceeded) {
		err = fmt.Errorf("%v 待ってもレスポンスがそろいません: %w", o.timeout, err)
	}
	var failed []string
	for _, r := range rs {
		if r.err == nil && r.status == "" {
			r.err = cmp.Or(err, errors.New("レスポンスが届きませんでした"))
		}
		if r.err != nil {
			failed = append(failed, fmt.Sprintf("GET %s: %v", r.url.RequestURI(), r.err))
		}
	}
	if len(failed) > 0 {
		return fmt.Errorf("レスポンスのそろわなかったリクエストが %d 個あります\n%s",
			len(failed), strings.Join(failed, "\n"))
	}
	if err != nil {
		return err // レスポンスはそろったが、そのあとでコネクションが失敗した
	}
	if o.quiet {
		var small time.Duration
		for _, r := range rs {
			if r.url.Path != slowPath {
				small = max(small, r.at)
			}
		}
		fmt.Fprintf(w, "netlab-time: %.3fms\n", small.Seconds()*1000)
	}
	return nil
}

// parseTargets は、URL を読みます。1 本のコネクションで送るので、どれも
// 同じスキームと同じホスト（HOST:PORT）でなければなりません。TLS を使うなら
// https://、使わないなら http:// です。返すのは、URL ごとの result と、
// つなぐホストです。
func parseTargets(targets []string, useTLS bool) ([]*result, string, error) {
	scheme, port := "http", "80"
	if useTLS {
		scheme, port = "https", "443"
	}
	var rs []*result
	host := ""
	for _, t := range targets {
		u, err := url.Parse(t)
		if err != nil {
			return nil, "", err
		}
		if u.Scheme != scheme || u.Host == "" {
			if useTLS {
				return nil, "", fmt.Errorf("%s は https:// の URL ではありません（-cacert を付けると TLS で https:// の URL につなぎます）", t)
			}
			return nil, "", fmt.Errorf("%s は http:// の URL ではありません（https:// の URL には -cacert を付けます）", t)
		}
		h := net.JoinHostPort(u.Hostname(), cmp.Or(u.Port(), port))
		if host != "" && h != host {
			return nil, "", fmt.Errorf("%s のホストが %s と違います。1 本のコネクションで送るので、URL はどれも同じホストにします", t, host)
		}
		host = h
		rs = append(rs, &result{url: u})
	}
	return rs, host, nil
}

// dialer は、サーバーに TCP でつなぎ、TLS を使うならハンドシェイクを終えます。
type dialer struct {
	addr string      // つなぐアドレス
	tls  *tls.Config // nil なら TLS を使わない
}

// newDialer は、o にしたがって host につなぐ dialer を返します。TLS では、
// -h1 なら ALPN で http/1.1 を、そうでなければ h2 だけを申し出ます。
func newDialer(o options, host string) (*dialer, error) {
	d := &dialer{addr: cmp.Or(o.addr, host)}
	if o.cacert == "" {
		return d, nil
	}
	pem, err := os.ReadFile(o.cacert)
	if err != nil {
		return nil, fmt.Errorf("CA の証明書を読めません: %w\n"+
			"先に go run ./chapters/10/server を動かすと、サーバーが第9章のディレクトリに作ります", err)
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("%s に PEM の証明書がありません", o.cacert)
	}
	hostname, _, _ := net.SplitHostPort(host)
	d.tls = &tls.Config{
		RootCAs:    roots,
		ServerName: hostname, // 証明書は、この名前と比べる
		MinVersion: tls.VersionTLS12,
		NextProtos: []string{"h2"}, // RFC 9113 §3.2
	}
	if o.h1 {
		d.tls.NextProtos = []string{"http/1.1"}
	}
	return d, nil
}

// dial は、サーバーにつなぎます。TLS では、ALPN でサーバーが選んだ
// プロトコルが申し出たものでなければ、エラーにします。
func (d *dialer) dial(ctx context.Context) (net.Conn, error) {
	var nd net.Dialer
	conn, err := nd.DialContext(ctx, "tcp", d.addr)
	if err != nil {
		return nil, fmt.Errorf("%s に接続できません。別の端末で go run ./chapters/10/server を実行して、サーバーを起動してください（%w）", d.addr, err)
	}
	if d.tls == nil {
		return conn, nil
	}
	tc := tls.Client(conn, d.tls)
	if err := tc.HandshakeContext(ctx); err != nil {
		conn.Close()
		if strings.Contains(err.Error(), "no application protocol") { // RFC 7301 §3.2 のアラート
			return nil, fmt.Errorf("サーバーは ALPN で %s を受け入れませんでした。このサーバーは %s を話しません（%w）",
				d.tls.NextProtos[0], d.tls.NextProtos[0], err)
		}
		return nil, fmt.Errorf("TLS のハンドシェイクに失敗しました: %w", err)
	}
	// ALPN を話さないサーバーは HTTP/1.1 を話す（RFC 7301 §3.2）。h2 は ALPN で選ばれたときだけ話す（RFC 9113 §3.2）
	if got, want := tc.ConnectionState().NegotiatedProtocol, d.tls.NextProtos[0]; got != want && (got != "" || want == "h2") {
		tc.Close()
		return nil, fmt.Errorf("サーバーは ALPN で %s を選びませんでした（選んだのは %q）。このサーバーは %s を話しません", want, got, want)
	}
	return tc, nil
}

// printer は、経過を 1 行ずつ表示します。HTTP/1.1 では、いくつもの
// goroutine が同時に使います。
type printer struct {
	mu    sync.Mutex
	w     io.Writer
	trace bool      // フレームを表示する
	start time.Time // 取りに行き始めた時刻
}

// printf は、サーバーから届いたバイトを含むかもしれない行を、sanitize して表示します。
func (p *printer) printf(format string, args ...any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprint(p.w, sanitize(fmt.Sprintf(format, args...)))
}

// tracef は、フレームを表示するときだけ、printf と同じことをします。
func (p *printer) tracef(format string, args ...any) {
	if p.trace {
		p.printf(format, args...)
	}
}

// done は、r のレスポンスがそろったことを記録し、表示します。時刻は、
// 取りに行き始めてからの時間を tick の刻みで切り捨てたものです。
func (p *printer) done(r *result, via string) {
	r.at = time.Since(p.start)
	body := fmt.Sprintf("%q", r.body)
	if len(r.body) > maxShownBytes {
		body = fmt.Sprintf("%q…（全部で %d バイト）", r.body[:maxShownBytes], len(r.body))
	}
	p.printf("受け取る GET %s → %s %s（%v、%s）\n", r.url.RequestURI(), r.status, body, r.at.Truncate(tick), via)
}

// readLimited は、ボディを最後まで読みます。maxBodyBytes を超えたら、
// そこで読むのをやめてエラーを返します。
func readLimited(body io.Reader) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(body, maxBodyBytes+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxBodyBytes {
		return nil, errBodyTooLarge
	}
	return b, nil
}

// errBodyTooLarge は、ボディが maxBodyBytes を超えたときのエラーです。
var errBodyTooLarge = errors.New("レスポンスのボディが " + strconv.Itoa(maxBodyBytes) + " バイトを超えるので、読むのをやめました")
