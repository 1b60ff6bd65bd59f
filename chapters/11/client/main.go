// Command client は、HTTP/3 のサーバーに QUIC でつなぎ、URL を 1 本の
// コネクションのストリームで並行して取ってきます。ハンドシェイクで決まった
// こと（QUIC の版、暗号スイート、ALPN、0-RTT）と、ストリームごとのレスポンスを
// 表示します。-qlog を付けると、コネクションで起きたことを qlog（QUIC の出来事を
// 記録する JSON の形式）でファイルに書き、そこから、クライアントがどの種類の
// パケットで何を送ったかを表示します。-0rtt を付けると、1 本目のコネクションで
// セッションチケットを受け取り、2 本目のコネクションを 0-RTT で再開して、
// 最初のパケットと一緒にリクエストを送ります。信頼するのは -cacert で
// 渡した CA だけです。
package main

import (
	"bytes"
	"cmp"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/quic-go/quic-go"
	"github.com/quic-go/quic-go/http3"
	"github.com/quic-go/quic-go/qlog"
	"github.com/quic-go/quic-go/qlogwriter"
)

// dialTimeout は、QUIC のハンドシェイクを終えるまでの期限です。
// テストは、答えないサーバーの場合を短く試すために変えます。
var dialTimeout = 10 * time.Second

const (
	// tick は、レスポンスを読み終えるまでの時間を表示するときの刻みです（第10章の
	// クライアントと同じ）。/slow の 1 秒を待たされたかどうかが分かる刻みです。
	tick = 500 * time.Millisecond
	// requestTimeout は、すべてのリクエストを送ってレスポンスを読み終えるまでの期限です。
	requestTimeout = 10 * time.Second
	// ticketTimeout は、-0rtt で、1 本目のコネクションでセッションチケットを待つ時間の上限です。
	ticketTimeout = 5 * time.Second
	// maxBodyBytes は、読むボディの上限です。
	maxBodyBytes = 1 << 20
)

func main() {
	cacert := flag.String("cacert", "chapters/09/certs/ca.pem", "信頼する CA の証明書（PEM）")
	addr := flag.String("addr", "", "URL のホストではなく、このアドレス（HOST:PORT）に UDP で送る")
	qlogFile := flag.String("qlog", "", "計ったコネクションの qlog を、このファイルに書く")
	zeroRTT := flag.Bool("0rtt", false, "2 本目のコネクションを 0-RTT で再開し、そちらで計る")
	quiet := flag.Bool("q", false, "最初のレスポンスまでの時間を netlab-time の行に表示し、ほかはエラーだけを表示する")
	flag.DurationVar(&dialTimeout, "timeout", dialTimeout, "QUIC のハンドシェイクを終えるまでの期限")
	all := flag.Bool("all", false, "netlab-time を、最初のレスポンスではなく、/slow のほかのすべてのレスポンスを読み終えるまでの時間にする")
	flag.Parse()
	targets := flag.Args()
	if len(targets) == 0 {
		targets = []string{"https://localhost:8443/"}
	}
	// quic-go は、UDP のバッファをカーネルの上限より大きくできないと、英語の
	// 警告を出す。この本の小さなレスポンスには既定の大きさで足りるので止める
	os.Setenv("QUIC_GO_DISABLE_RECEIVE_BUFFER_WARNING", "true")
	var out io.Writer = os.Stdout
	if *quiet {
		out = io.Discard
	}
	c, err := newClient(out, *cacert, *addr, targets)
	if err == nil && os.Getenv("SSLKEYLOGFILE") != "" {
		// Wireshark がパケットを復号できるように、TLS の秘密を書く（NSS の鍵ログの形式）
		c.tls.KeyLogWriter, err = os.OpenFile(os.Getenv("SSLKEYLOGFILE"), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	}
	if err == nil {
		c.all = *all
		var elapsed time.Duration
		elapsed, err = c.run(*zeroRTT, *qlogFile)
		if err == nil && *quiet {
			fmt.Printf("netlab-time: %.3fms\n", elapsed.Seconds()*1000)
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, explain(err))
		os.Exit(1)
	}
}

// client は、1 つのサーバーの URL を取ってくるのに要るものをまとめたものです。
type client struct {
	w       io.Writer
	tls     *tls.Config
	addr    string     // UDP で送る先
	urls    []*url.URL // 取ってくる URL。ホストはどれも同じ
	all     bool       // /slow のほかのすべてのレスポンスまでの時間を計る
	tickets chan struct{}
}

// newClient は、cacert の CA だけを信頼し、targets を取ってくる client を返します。
func newClient(w io.Writer, cacert, addr string, targets []string) (*client, error) {
	pem, err := os.ReadFile(cacert)
	if err != nil {
		return nil, fmt.Errorf("CA の証明書を読めません: %w\n"+
			"先に go run ./chapters/11/server を動かすと、サーバーが作ります", err)
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("%s に PEM の証明書がありません", cacert)
	}
	c := &client{w: w, addr: addr, tickets: make(chan struct{}, 1)}
	for _, t := range targets {
		u, err := url.Parse(t)
		if err != nil {
			return nil, err
		}
		if u.Scheme != "https" {
			return nil, fmt.Errorf("%s は https:// の URL ではありません", t)
		}
		if len(c.urls) > 0 && u.Host != c.urls[0].Host {
			return nil, fmt.Errorf("%s のホストが %s ではありません。1 本のコネクションで取れるのは、1 つのホストの URL だけです",
				t, c.urls[0].Host)
		}
		c.urls = append(c.urls, u)
	}
	if c.addr == "" {
		c.addr = net.JoinHostPort(c.urls[0].Hostname(), cmp.Or(c.urls[0].Port(), "443"))
	}
	c.tls = &tls.Config{
		RootCAs:    roots,
		ServerName: c.urls[0].Hostname(), // 証明書は、この名前と比べる
		NextProtos: []string{http3.NextProtoH3},
		// 受け取ったセッションチケットを覚えておき、次のコネクションで使う
		ClientSessionCache: &notifyingCache{
			ClientSessionCache: tls.NewLRUClientSessionCache(1),
			put:                c.tickets,
		},
	}
	return c, nil
}

// run は、URL を取ってきて、計ったコネクションの最初のレスポンス
// （c.all なら、/slow のほかのすべてのレスポンス）までの時間を返します。
// 時間は、UDP のソケットを開く前から数えます。zeroRTT なら、1 本目の
// コネクションでセッションチケットを受け取ってから閉じ、2 本目の
// コネクションを 0-RTT で再開して計ります。qlogPath が空でなければ、計った
// コネクションの qlog をそのファイルに書きます。
func (c *client) run(zeroRTT bool, qlogPath string) (time.Duration, error) {
	if zeroRTT {
		fmt.Fprintln(c.w, "1 本目のコネクション（セッションチケットを受け取る）:")
		if _, err := c.fetch(false, ""); err != nil {
			return 0, err
		}
		select {
		case <-c.tickets:
		case <-time.After(ticketTimeout):
			return 0, fmt.Errorf("%v 待ってもセッションチケットが届きませんでした", ticketTimeout)
		}
		fmt.Fprintln(c.w, "2 本目のコネクション（0-RTT で再開する）:")
	}
	return c.fetch(zeroRTT, qlogPath)
}

// fetch は、新しいコネクションで URL をすべて並行して取ってきて、表示します。
// 返すのは、UDP のソケットを開く前から最初のレスポンスを読み終えるまでの
// 時間です。c.all なら、/slow のほかのすべてのレスポンスを読み終えるまでの
// 時間です（第10章のクライアントの -q と同じ数え方で、/slow の 1 秒を
// 待たされなかったかを見ます）。URL が /slow だけなら、その時間です。
// early なら、ハンドシェイクの終わりを待たずに、0-RTT でリクエストを送ります。
func (c *client) fetch(early bool, qlogPath string) (time.Duration, error) {
	start := time.Now()
	udpAddr, err := net.ResolveUDPAddr("udp", c.addr)
	if err != nil {
		return 0, err
	}
	udp, err := net.ListenUDP("udp", nil)
	if err != nil {
		return 0, err
	}
	defer udp.Close()
	var sock net.PacketConn = udp
	conf := &quic.Config{HandshakeIdleTimeout: dialTimeout}
	var trace *qlogFile
	if qlogPath != "" {
		if trace, err = createQlog(qlogPath); err != nil {
			return 0, err
		}
		conf.Tracer = trace.tracer
	}
	if early && udpAddr.IP.IsLoopback() && c.earlyData() {
		// ループバックでは、リクエストを 0-RTT のパケットで送り終えるまで、
		// サーバーの返事を読まない
		held := hold(udp, len(c.urls))
		defer held.release()
		sock, conf.Tracer = held, held.watch(conf.Tracer)
	}
	tr := &quic.Transport{Conn: sock}
	defer tr.Close()
	ctx, cancel := context.WithTimeout(context.Background(), dialTimeout+requestTimeout)
	defer cancel()
	var conn *quic.Conn
	if early {
		// ClientHello を作ったところで返る。ハンドシェイクの終わりは待たない
		conn, err = tr.DialEarly(ctx, udpAddr, c.tls, conf)
	} else {
		conn, err = tr.Dial(ctx, udpAddr, c.tls, conf)
	}
	var idle *quic.IdleTimeoutError
	var hs *quic.HandshakeTimeoutError
	if errors.As(err, &idle) || errors.As(err, &hs) {
		return 0, fmt.Errorf("サーバーが QUIC で答えません（%s に UDP で送っても、%v の間、何も返ってきません）。\n"+
			"UDP のそのポートでサーバーが動いているか確かめてください。\n"+
			"  調べる: ss -lunp 'sport = :%d'\n"+
			"  起動する: go run ./chapters/11/server",
			c.addr, dialTimeout, udpAddr.Port)
	}
	if err != nil {
		return 0, err
	}
	if !early {
		c.printHandshake(conn)
	}
	cc := (&http3.Transport{}).NewClientConn(conn)
	// リクエストは URL の順に送る。ストリームの ID は開いた順に 0、4、8 と
	// 決まる（RFC 9000 §2.1）。0-RTT なら、ハンドシェイクの終わりを待たずに出ていく
	results := make([]result, len(c.urls))
	streams := make([]*http3.RequestStream, len(c.urls))
	for i, u := range c.urls {
		streams[i], results[i] = c.send(ctx, cc, u)
	}
	// レスポンスは並行して読む。届いた順に読み終える
	var first sync.Once
	var firstAt time.Duration
	var wg sync.WaitGroup
	for i, str := range streams {
		if str == nil {
			continue
		}
		wg.Go(func() {
			c.receive(str, &results[i])
			results[i].end = time.Since(start)
			first.Do(func() { firstAt = results[i].end })
		})
	}
	wg.Wait()
	if c.all {
		firstAt = lastSmall(results)
	}
	if early {
		c.printHandshake(conn)
	}
	for _, r := range results {
		if r.err != nil {
			conn.CloseWithError(0, "")
			return 0, r.err
		}
		fmt.Fprintf(c.w, "ストリーム %d: GET %s → %s %q（%v）\n", r.stream, r.path, r.status, r.body, r.at.Truncate(tick))
	}
	conn.CloseWithError(0, "") // ステータス 0 は H3_NO_ERROR ではないが、QUIC の NO_ERROR（RFC 9000 §20.2）
	if trace != nil {
		if err := trace.wait(); err != nil {
			return 0, err
		}
		fmt.Fprintf(c.w, "qlog: %s（CRYPTO とリクエストの STREAM を初めて送ったパケット）\n", qlogPath)
		for _, l := range trace.lines {
			fmt.Fprintln(c.w, " ", l)
		}
	}
	return firstAt, nil
}

// result は、1 つのストリームで取ってきたものです。
type result struct {
	stream quic.StreamID
	path   string
	status string
	body   []byte
	start  time.Time     // ストリームを開いた時刻
	at     time.Duration // ストリームを開いてから、レスポンスを読み終えるまで
	end    time.Duration // fetch の始まりから、レスポンスを読み終えるまで
	err    error
}

// lastSmall は、/slow のほかのレスポンスのうち、最後に読み終えたものの end を
// 返します。どれも /slow なら、その中の最後のものです。
func lastSmall(rs []result) time.Duration {
	var small, all time.Duration
	for _, r := range rs {
		all = max(all, r.end)
		if r.path != "/slow" {
			small = max(small, r.end)
		}
	}
	if small == 0 {
		return all
	}
	return small
}

// send は、cc の新しいストリームで u に GET を送り、ストリームの送信側を
// 閉じます。コネクションのハンドシェイクが終わっていなければ、リクエストは
// 0-RTT のパケットで送られます。送れなければ、ストリームは nil です。
func (c *client) send(ctx context.Context, cc *http3.ClientConn, u *url.URL) (*http3.RequestStream, result) {
	res := result{path: u.RequestURI(), start: time.Now()}
	str, err := cc.OpenRequestStream(ctx)
	if err != nil {
		res.err = err
		return nil, res
	}
	res.stream = str.StreamID()
	str.SetDeadline(time.Now().Add(requestTimeout))
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		res.err = err
		return nil, res
	}
	req.Header.Set("Accept-Encoding", "identity") // 圧縮を頼まない
	if err := str.SendRequestHeader(req); err != nil {
		res.err = err
		return nil, res
	}
	str.Close() // リクエストはヘッダーだけで終わり（ストリームの送信側を閉じる）
	return str, res
}

// receive は、str のレスポンスを読んで res に入れます。
func (c *client) receive(str *http3.RequestStream, res *result) {
	resp, err := str.ReadResponse()
	if err != nil {
		res.err = err
		return
	}
	defer resp.Body.Close()
	res.status = resp.Status
	res.body, res.err = io.ReadAll(io.LimitReader(resp.Body, maxBodyBytes))
	res.at = time.Since(res.start)
}

// printHandshake は、ハンドシェイクで決まったことを表示します。
func (c *client) printHandshake(conn *quic.Conn) {
	st := conn.ConnectionState()
	fmt.Fprintf(c.w, "QUIC %v、%s、%s、ALPN %q、セッションの再開: %t、0-RTT: %t\n",
		st.Version, tls.VersionName(st.TLS.Version), tls.CipherSuiteName(st.TLS.CipherSuite),
		st.TLS.NegotiatedProtocol, st.TLS.DidResume, st.Used0RTT)
}

// notifyingCache は、セッションチケットを受け取ったことを put で知らせる
// tls.ClientSessionCache です。
type notifyingCache struct {
	tls.ClientSessionCache
	put chan<- struct{}
}

func (c *notifyingCache) Put(key string, cs *tls.ClientSessionState) {
	c.ClientSessionCache.Put(key, cs)
	if cs != nil {
		select {
		case c.put <- struct{}{}:
		default:
		}
	}
}

// earlyData は、覚えているセッションチケットで、0-RTT でデータを送れるかを
// 返します（サーバーがチケットに early data を許していれば、TLS 1.3 の
// max_early_data_size は QUIC では 0xffffffff です。RFC 9001 §4.6.1）。
func (c *client) earlyData() bool {
	cs, ok := c.tls.ClientSessionCache.Get(c.tls.ServerName)
	if !ok || cs == nil {
		return false
	}
	_, st, err := cs.ResumptionState()
	return err == nil && st != nil && st.EarlyData
}

// heldConn は、ループバックのサーバーと 0-RTT で再開するコネクションの UDP の
// ソケットです。release を呼ぶまで、届いたパケットを読みません。
//
// quic-go は、持っている鍵のうち新しいものでパケットを守ります。ループバック
// ではサーバーの返事がすぐに届くので、クライアントがリクエストを送る前に
// 1-RTT の鍵ができて、リクエストが 1-RTT のパケットで出ることがあります。
// 返事を読まなければ、ハンドシェイクは先へ進まないので、リクエストは 0-RTT
// のパケットで出ます。qlog の PacketSent で、すべてのリクエストのストリームの
// 終わり（FIN）を送ったのを見たら、release を呼んで読み始めます。
//
// 遅延のあるリンクでは、返事は 1 RTT より前には届かないので、待たせる必要が
// ありません。そのうえ、FIN を見るための Tracer があると、quic-go はパケット
// ごとに qlog の出来事を作ります。計測するクライアントにその仕事をさせない
// よう、待たせるのはループバックだけです。net.PacketConn だけを持つので、
// quic-go は ECN や GSO を使わない普通のソケットとして使います。
type heldConn struct {
	net.PacketConn
	open     chan struct{}
	once     sync.Once
	requests int // FIN を待つリクエストの数

	mu   sync.Mutex
	fins map[quic.StreamID]bool
}

// holdTimeout は、FIN を送ったのが見えなくても読み始めるまでの時間です
// （0-RTT を使わずにハンドシェイクを始めたときのため）。テストは長くして、
// FIN で読み始めることを確かめます。
var holdTimeout = 100 * time.Millisecond

// hold は、requests 本のリクエストを送り終えるまで、conn から読まない
// heldConn を返します。
func hold(conn net.PacketConn, requests int) *heldConn {
	h := &heldConn{PacketConn: conn, open: make(chan struct{}), requests: requests, fins: map[quic.StreamID]bool{}}
	time.AfterFunc(holdTimeout, h.release)
	return h
}

func (h *heldConn) ReadFrom(p []byte) (int, net.Addr, error) {
	<-h.open
	return h.PacketConn.ReadFrom(p)
}

func (h *heldConn) release() { h.once.Do(func() { close(h.open) }) }

// SetReadDeadline も読み始めさせます。quic-go の Transport は、閉じるときに
// 読み出しの期限を過ぎた時刻にして、読んでいるゴルーチンを止めます。
func (h *heldConn) SetReadDeadline(t time.Time) error {
	h.release()
	return h.PacketConn.SetReadDeadline(t)
}

// watch は、next（nil でもよい）の出来事をそのまま渡し、送ったパケットの
// STREAM フレームの FIN を数える quic.Config の Tracer を返します。
func (h *heldConn) watch(next func(context.Context, bool, quic.ConnectionID) qlogwriter.Trace) func(context.Context, bool, quic.ConnectionID) qlogwriter.Trace {
	return func(ctx context.Context, isClient bool, id quic.ConnectionID) qlogwriter.Trace {
		var t qlogwriter.Trace
		if next != nil {
			t = next(ctx, isClient, id)
		}
		return finTrace{h, t}
	}
}

type finTrace struct {
	h    *heldConn
	next qlogwriter.Trace
}

func (t finTrace) AddProducer() qlogwriter.Recorder {
	var r qlogwriter.Recorder
	if t.next != nil {
		r = t.next.AddProducer()
	}
	return finRecorder{t.h, r}
}

type finRecorder struct {
	h    *heldConn
	next qlogwriter.Recorder
}

func (r finRecorder) RecordEvent(ev qlogwriter.Event) {
	if p, ok := ev.(qlog.PacketSent); ok {
		for _, f := range p.Frames {
			// クライアントが開く双方向のストリーム（ID を 4 で割った余りが 0。
			// RFC 9000 §2.1）が、リクエストのストリーム
			if sf, ok := f.Frame.(*qlog.StreamFrame); ok && sf.Fin && sf.StreamID%4 == 0 {
				r.h.mu.Lock()
				r.h.fins[sf.StreamID] = true
				done := len(r.h.fins) >= r.h.requests
				r.h.mu.Unlock()
				if done {
					r.h.release()
				}
			}
		}
	}
	if r.next != nil {
		r.next.RecordEvent(ev)
	}
}

func (r finRecorder) Close() error {
	if r.next != nil {
		return r.next.Close()
	}
	return nil
}

// qlogFile は、1 本のコネクションの qlog を書くファイルです。
type qlogFile struct {
	f      *os.File
	closed chan struct{}
	lines  []string // 表示する行。wait が qlog から作る
}

// createQlog は、path に qlog を書く qlogFile を作ります。
func createQlog(path string) (*qlogFile, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	return &qlogFile{f: f, closed: make(chan struct{})}, nil
}

// tracer は、quic.Config の Tracer に渡す関数です。quic-go は、qlog の
// 出来事を JSON-SEQ（RFC 7464）で書きます。コネクションが閉じると、書き終えて
// ファイルを閉じます。
func (q *qlogFile) tracer(_ context.Context, isClient bool, id quic.ConnectionID) qlogwriter.Trace {
	seq := qlogwriter.NewConnectionFileSeq(closeNotifier{q.f, q.closed}, isClient, id)
	go seq.Run()
	return seq
}

// closeNotifier は、閉じたことを closed で知らせる io.WriteCloser です。
type closeNotifier struct {
	io.WriteCloser
	closed chan struct{}
}

func (c closeNotifier) Close() error {
	defer close(c.closed)
	return c.WriteCloser.Close()
}

// wait は、quic-go が qlog を書き終えるのを待ち、クライアントが送ったパケットを
// 読みます。パケットの種類ごとに、CRYPTO のフレーム（TLS のハンドシェイクの
// メッセージ）と、リクエストの STREAM のフレームを初めて運んだものを 1 行に
// します。サーバーの ServerHello（Initial のパケットの CRYPTO）を受け取る前に
// 送ったのか、あとに送ったのかも書きます。パケットの番号や大きさ、ACK などの
// ほかのフレームは、同じループバックでも実行ごとに変わるので表示しません。
func (q *qlogFile) wait() error {
	select {
	case <-q.closed:
	case <-time.After(time.Second):
		return fmt.Errorf("qlog を書き終えません: %s", q.f.Name())
	}
	data, err := os.ReadFile(q.f.Name())
	if err != nil {
		return err
	}
	type entry struct {
		packet, frame string
		streams       []quic.StreamID
		afterHello    bool
	}
	var entries []*entry
	find := func(packet, frame string) *entry {
		for _, e := range entries {
			if e.packet == packet && e.frame == frame {
				return e
			}
		}
		return nil
	}
	helloSeen := false
	for rec := range bytes.SplitSeq(data, []byte{0x1e}) { // JSON-SEQ の区切り
		var ev struct {
			Name string `json:"name"`
			Data struct {
				Header struct {
					Type string `json:"packet_type"`
				} `json:"header"`
				Frames []struct {
					Type     string         `json:"frame_type"`
					StreamID *quic.StreamID `json:"stream_id"`
				} `json:"frames"`
			} `json:"data"`
		}
		if len(bytes.TrimSpace(rec)) == 0 || json.Unmarshal(rec, &ev) != nil {
			continue
		}
		packet := ev.Data.Header.Type
		switch ev.Name {
		case "transport:packet_received":
			for _, f := range ev.Data.Frames {
				if packet == "initial" && f.Type == "crypto" {
					helloSeen = true
				}
			}
		case "transport:packet_sent":
			for _, f := range ev.Data.Frames {
				frame := f.Type
				// クライアントが開く双方向のストリーム（ID が 4 の倍数）がリクエスト。
				// 制御ストリームなどの一方向のストリームは数えない（RFC 9000 §2.1）
				if frame == "stream" && (f.StreamID == nil || *f.StreamID%4 != 0) || frame != "stream" && frame != "crypto" {
					continue
				}
				e := find(packet, frame)
				if e == nil {
					e = &entry{packet: packet, frame: frame, afterHello: helloSeen}
					entries = append(entries, e)
				}
				if f.StreamID != nil && !slices.Contains(e.streams, *f.StreamID) {
					e.streams = append(e.streams, *f.StreamID)
				}
			}
		}
	}
	for _, e := range entries {
		what := e.frame
		if len(e.streams) > 0 {
			slices.Sort(e.streams)
			ids := make([]string, len(e.streams))
			for i, id := range e.streams {
				ids[i] = fmt.Sprint(id)
			}
			what += " " + strings.Join(ids, ",")
		}
		when := "ServerHello を受け取る前"
		if e.afterHello {
			when = "ServerHello を受け取ったあと"
		}
		q.lines = append(q.lines, fmt.Sprintf("→ %-9s %-16s %s", e.packet, what, when))
	}
	return nil
}

// explain は、つなげなかった理由を、何を確かめればよいかが分かる文にします。
func explain(err error) string {
	var idle *quic.IdleTimeoutError
	var transport *quic.TransportError
	var app *quic.ApplicationError
	var unknown x509.UnknownAuthorityError
	var host x509.HostnameError
	switch {
	case errors.As(err, &unknown):
		return fmt.Sprintf("サーバーの証明書を信頼できません。署名した CA（%s）が、-cacert で渡した CA ではありません",
			unknown.Cert.Issuer)
	case errors.As(err, &host):
		return fmt.Sprintf("サーバーの証明書は %s のためのものではありません", host.Host)
	case errors.Is(err, quic.Err0RTTRejected):
		return "サーバーが 0-RTT を断りました（サーバーが起動し直して、セッションチケットの鍵が変わったのかもしれません）"
	case errors.As(err, &transport) && transport.Remote:
		return fmt.Sprintf("サーバーがコネクションを閉じました（QUIC のエラー %v）", transport.ErrorCode)
	case errors.As(err, &app) && app.Remote:
		return fmt.Sprintf("サーバーがコネクションを閉じました（HTTP/3 のエラー %#x %s）",
			uint64(app.ErrorCode), http3.ErrCode(app.ErrorCode))
	case errors.As(err, &idle):
		return "サーバーから何も届かなくなったので、コネクションをあきらめました"
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded):
		return fmt.Sprintf("%v たってもレスポンスが届きませんでした", requestTimeout)
	}
	return err.Error()
}
