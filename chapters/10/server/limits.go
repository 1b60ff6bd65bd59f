package main

import (
	"time"

	"tcpbook/chapters/10/frame"
)

// HTTP/2 のコネクション 1 本に使わせる資源の上限です。相手はフレームを
// いくらでも速く、いくつでも送れます。どのフレームにも、こちらが持つ
// メモリとゴルーチンと時間に上限があるようにします。
const (
	// maxConcurrentStreams は、SETTINGS_MAX_CONCURRENT_STREAMS で知らせる、
	// 同時に開いてよいストリームの数です（RFC 9113 §5.1.2）。答えを書いている
	// 途中のハンドラーの数も、これを超えさせません。
	maxConcurrentStreams = 100
	// maxHeaderListSize は、SETTINGS_MAX_HEADER_LIST_SIZE で知らせる、
	// リクエストのヘッダーの大きさの上限です。名前と値の長さに、1 つにつき
	// 32 を足して数えます（§6.5.2）。超えたリクエストには 431 で答えます。
	maxHeaderListSize = 64 << 10
	// maxHeaderBlockBytes は、HEADERS と CONTINUATION で届く、圧縮された
	// フィールドブロックの上限です。CONTINUATION をいくつも送られても、
	// これより多くは持ちません（CVE-2023-45288、CVE-2024-27316）。
	maxHeaderBlockBytes = 2 * maxHeaderListSize
	// maxHeaderBlockFrames は、フィールドブロック 1 つに使える HEADERS と
	// CONTINUATION の数の上限です。空の CONTINUATION を送り続けられても、
	// 数で止めます。16,384 バイトのフレームなら 8 つで maxHeaderBlockBytes です。
	maxHeaderBlockFrames = 64
	// connWindow は、コネクション全体の受け取る向きのウィンドウです。
	// ハンドラーがまだ使っているリクエストのボディは、ウィンドウを返しません。
	// コネクション 1 本で持つボディは、これで上限が決まります。1 つの
	// ストリームが maxBodyBytes を超えて送ってきたことが分かるように、
	// maxBodyBytes より大きくしておきます。
	connWindow = 2 * maxBodyBytes
	// maxResets は、ストリームのエラーで RST_STREAM を送る回数の、コネクション
	// 1 本での上限です。超えたら ENHANCE_YOUR_CALM の GOAWAY で閉じます。
	// 不正なリクエストを送り続けて、RST_STREAM とログを書かせ続ける相手
	// （リセットの洪水、CVE-2019-9514）は、ここで止まります。同時に開ける
	// ストリームを超えて断る（REFUSED_STREAM）のも数えるので、開いては
	// 取り消すことを繰り返す相手（Rapid Reset、CVE-2023-44487）も、
	// ハンドラーが終わる前に次々と開くので、ここで止まります。
	maxResets = maxConcurrentStreams
	// maxControlPerSecond は、1 秒間に受け取る PING と SETTINGS の数の上限です。
	// どちらにも答えを書かなければなりません（CVE-2019-9512、CVE-2019-9515）。
	maxControlPerSecond = 1000
	// maxRecentlyClosed は、閉じたストリームをいくつまで覚えておくかです。
	// 閉じたストリームへのフレームにどう応えるかを決めるのに使います。
	maxRecentlyClosed = 2 * maxConcurrentStreams
)

// serverSettings は、コネクションの最初に送る SETTINGS です（§3.4）。
// ストリームの受け取る向きのウィンドウと、フレームの長さの上限は、
// 初期値のまま（65,535 と 16,384 バイト）にしています。
var serverSettings = []frame.Setting{
	{ID: frame.SettingMaxConcurrentStreams, Value: maxConcurrentStreams},
	{ID: frame.SettingMaxHeaderListSize, Value: maxHeaderListSize},
}

// rateLimit は、1 秒ごとに数え直すカウンターです。
type rateLimit struct {
	start time.Time
	n     int
}

// allow は、1 回を数え、この 1 秒に max 回を超えていなければ true を返します。
func (r *rateLimit) allow(max int) bool {
	now := time.Now()
	if now.Sub(r.start) >= time.Second {
		r.start, r.n = now, 0
	}
	r.n++
	return r.n <= max
}
