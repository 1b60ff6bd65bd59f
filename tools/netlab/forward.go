package netlab

import (
	"io"
	"math/rand/v2"
	"sync/atomic"
	"time"

	"tcpbook/internal/pcap"
)

// packet は、届けるのを待っているパケットです。
type packet struct {
	data []byte
	due  time.Time // この時刻に相手側へ書く
}

// forwarder は、リンクの片方向です。from から読んだ IP パケットを、帯域の
// 制限（bucket）を通ったあと delay だけ遅らせて to に書きます。
type forwarder struct {
	from    io.Reader         // 1 回の Read で IP パケット 1 つ（TUN デバイス）
	to      io.Writer         // 1 回の Write で IP パケット 1 つ
	delay   time.Duration     // 片道の遅れ（RTT/2）
	bucket  *tokenBucket      // nil なら帯域の制限なし
	rewrite func([]byte) bool // アドレスを書き換え、false なら捨てる
	// キャプチャ（pcap）。onRead は読んだときに書き換える前のパケットを、
	// onWrite は書いたときのパケットを受け取る。nil なら呼ばない
	onRead, onWrite func(time.Time, []byte)
	done            <-chan struct{} // 閉じられたら、待っているパケットを捨てて終わる
	stats           *linkStats
	loss            float64           // パケットを失う確率（Drops.Loss）
	rng             *rand.Rand        // loss のための乱数。loss が 0 なら使わない
	queue           int               // 帯域の制限を待てるパケットの数。0 なら制限なし
	waiting         []time.Time       // 帯域の制限を待っているパケットが出ていく時刻
	picks           []Pick            // この向きで狙って落とすセグメント（Config.Picks）
	picked          []bool            // picks のそれぞれを、もう落としたか
	isn             map[uint32]uint32 // コネクション（ポートの組）ごとの SYN のシーケンス番号
}

// linkStats counts what the link carried, both directions together.
type linkStats struct {
	packets, bytes, dropped atomic.Int64
}

// setDrops は、d のとおりにパケットを落とすようにします。stream は向きごとに
// 違う数にします。同じ Seed からでも、向きごとに別の乱数の列になります。
func (f *forwarder) setDrops(d Drops, stream uint64) {
	f.loss, f.queue = d.Loss, d.Queue
	f.rng = rand.New(rand.NewPCG(d.Seed, stream))
}

// setPicks は、picks のうち、この向き（toClient ならサーバーからクライアントへ）の
// ものを狙って落とすようにします。
func (f *forwarder) setPicks(picks []Pick, toClient bool) {
	f.picks, f.picked, f.isn = nil, nil, map[uint32]uint32{}
	for _, p := range picks {
		if p.ToClient == toClient {
			f.picks = append(f.picks, p)
		}
	}
	f.picked = make([]bool, len(f.picks))
}

// pick は、p が狙って落とすセグメント（Config.Picks）なら true を返します。
// SYN からコネクションの最初のシーケンス番号を覚え、セグメントが運ぶ
// シーケンス番号（SYN と FIN は 1 つ、データは 1 バイトに 1 つ）が、
// まだ落としていない Pick の Seq を含めば、それを落とします。
func (f *forwarder) pick(p []byte) bool {
	if len(f.picks) == 0 {
		return false
	}
	g, ok := pcap.Decode(p, len(p))
	if !ok || g.Proto != pcap.TCP {
		return false // TCP だけ
	}
	ports := uint32(g.SrcPort)<<16 | uint32(g.DstPort) // 送信元と宛先のポート
	seq, flags := g.Seq, g.Flags
	if flags&pcap.SYN != 0 {
		f.isn[ports] = seq
	}
	isn, ok := f.isn[ports]
	if !ok {
		return false // SYN を見ていないコネクション
	}
	n := uint32(g.Length) // このセグメントが使うシーケンス番号の数
	if flags&pcap.SYN != 0 {
		n++
	}
	if flags&pcap.FIN != 0 {
		n++
	}
	rel := seq - isn // 相対シーケンス番号。SYN が 0
	for i, pk := range f.picks {
		if !f.picked[i] && pk.Seq-rel < n { // rel ≤ Seq < rel+n（32 ビットで一回りしても）
			f.picked[i] = true
			return true
		}
	}
	return false
}

// full は、時刻 now に帯域の制限を待っているパケット（出ていく時刻がまだ
// 来ていないもの）を数え、queue 個に達していれば true を返します。
func (f *forwarder) full(now time.Time) bool {
	i := 0
	for i < len(f.waiting) && !f.waiting[i].After(now) {
		i++ // 出ていく時刻は並んだ順に増えるので、前から見ればよい
	}
	f.waiting = f.waiting[i:]
	return f.queue > 0 && len(f.waiting) >= f.queue
}

// forward は、from から読んだパケットを、読んだ時刻から決まる due の時刻に
// to へ書きます。読む goroutine と書くループを分けるので、待っている間も
// 次のパケットを読めます。due は読んだ順に増えるので、順番は変わりません。
func (f *forwarder) forward() {
	queue := make(chan packet, 4096)
	go f.read(queue)
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for p := range queue {
		if wait := time.Until(p.due); wait > 0 {
			timer.Reset(wait)
			select {
			case <-timer.C:
			case <-f.done:
				continue // リンクを外すところなので、残りは捨てる
			}
		}
		if f.onWrite != nil {
			// 書く前に記録する。書くとすぐに相手のカーネルが答えることがあり、
			// その答えのほうが先に記録されてしまうから
			f.onWrite(time.Now(), p.data)
		}
		if _, err := f.to.Write(p.data); err != nil {
			continue
		}
		f.stats.packets.Add(1)
		f.stats.bytes.Add(int64(len(p.data)))
	}
}

// read は、パケットを 1 つずつ読んで、いつ届けるかを決め、queue に入れます。
// from が閉じられると queue を閉じて終わります。
func (f *forwarder) read(queue chan<- packet) {
	defer close(queue)
	buf := make([]byte, 65536)
	for {
		n, err := f.from.Read(buf)
		if err != nil {
			return // リンクを外すときに TUN デバイスが閉じられた
		}
		now := time.Now()
		p := append([]byte(nil), buf[:n]...)
		if !isIPv4(p) {
			continue // リンクは IPv4 だけを運ぶ
		}
		if f.onRead != nil {
			f.onRead(now, p)
		}
		if f.rewrite != nil && !f.rewrite(p) {
			continue
		}
		if f.pick(p) || (f.loss > 0 && f.rng.Float64() < f.loss) || (f.bucket != nil && f.full(now)) {
			f.stats.dropped.Add(1) // 狙って落とした（pick）か、失った（loss）か、待つ場所がない（queue）
			continue
		}
		leave := now // 帯域の制限がなければ、すぐにリンクに出る
		if f.bucket != nil {
			leave = f.bucket.reserve(now, n)
			if f.queue > 0 && leave.After(now) {
				f.waiting = append(f.waiting, leave)
			}
		}
		queue <- packet{p, leave.Add(f.delay)}
	}
}
