package netlab

import (
	"fmt"
	"strings"
)

// describe says in one line on what machine a run was made.
func (m Metadata) describe() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Linux %s、%s、CPU %d 個", m.Kernel, m.GoVersion, m.CPUs)
	if m.Server != nil {
		fmt.Fprintf(&b, "、%s、initcwnd %d", m.Server.CongestionControl, m.Server.InitCwnd)
	}
	return b.String()
}

func (r *Results) Describe() string {
	if r.Link.Rate != "" {
		return r.Meta.describe() + "、帯域 " + r.Link.Rate
	}
	return r.Meta.describe()
}

// Describe gives the RTT and the gap; the table gives medians in RTTs.
// The congestion control varies by row.
func (r *IdleResults) Describe() string {
	m := r.Meta
	m.Server = nil
	s := fmt.Sprintf("RTT %g ms、間は %g ms、それぞれリクエスト %d 個の中央値。%s", r.RTTMS, r.GapMS, r.N, m.describe())
	if r.Meta.Server != nil {
		s += fmt.Sprintf("、initcwnd %d", r.Meta.Server.InitCwnd)
	}
	return s
}

// Describe says how the load was made: closed-loop, so that latency
// follows from throughput by Little's law; pinned; repeated and interleaved.
func (r *LoadResults) Describe() string {
	return fmt.Sprintf("%[2]g 秒（その前に %[3]g 秒の慣らし）を交互に %[1]d 回繰り返した中央値。%[4]s。閉ループなので、平均の時間 ≈ コネクション ÷ リクエスト / 秒。%[5]s",
		r.Repeats, r.DurationS, r.WarmupS, r.pinning(), r.Meta.describe())
}

// Describe gives the servers' environment and how per connection is found.
func (r *MemoryResults) Describe() string {
	return fmt.Sprintf("サーバーは %s で動かす。1 本あたりは、本数に当てはめた直線の傾き。%s",
		strings.Join(r.ServerEnv, " "), r.Meta.describe())
}

// Describe gives the settings that decide how many TIME_WAIT sockets a
// machine can hold and for how long.
func (r *TimeWaitResults) Describe() string {
	return fmt.Sprintf("ip_local_port_range %s、tcp_tw_reuse %s、tcp_max_tw_buckets %s。Linux の TIME_WAIT は 60 秒。%s",
		r.PortRange, r.TWReuse, r.MaxTWBuckets, r.Meta.describe())
}

func (r *LossResults) Describe() string {
	return fmt.Sprintf("RTT %g ms、落とし方ごとに %d 回（毎回新しいリンクとサーバー）の中央値。%s",
		r.RTTMS, r.Repeat, r.Meta.describe())
}
