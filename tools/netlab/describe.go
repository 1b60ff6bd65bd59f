package netlab

import (
	"fmt"
	"strings"
)

// Describe says in one line how the run was made, for a table's caption.
func (r *TraceResults) Describe() string { return r.Meta.describe() }

// Describe says in one line how the run was made, for a table's caption.
// The congestion control varies by row, so it is not named here.
// The table gives medians in RTTs; this gives the RTT and the gap.
func (r *IdleResults) Describe() string {
	m := r.Meta
	m.Server = nil
	s := fmt.Sprintf("RTT %g ms、間は %g ms、それぞれリクエスト %d 個の中央値。%s", r.RTTMS, r.GapMS, r.N, m.describe())
	if r.Meta.Server != nil {
		s += fmt.Sprintf("、initcwnd %d", r.Meta.Server.InitCwnd)
	}
	return s
}

// Describe says in one line how the run was made, for a table's caption:
// how the load was made (closed-loop, so that latency follows from
// throughput by Little's law; pinned; repeated and interleaved), then the
// machine.
func (r *LoadResults) Describe() string {
	return fmt.Sprintf("%[2]g 秒（その前に %[3]g 秒の慣らし）を交互に %[1]d 回繰り返した中央値。%[4]s。閉ループなので、平均の時間 ≈ コネクション ÷ リクエスト / 秒。%[5]s",
		r.Repeats, r.DurationS, r.WarmupS, r.pinning(), r.Meta.describe())
}

// Describe says in one line how the run was made, for a table's caption.
// It gives the servers' environment and how per connection is found.
func (r *MemoryResults) Describe() string {
	return fmt.Sprintf("サーバーは %s で動かす。1 本あたりは、本数に当てはめた直線の傾き。%s",
		strings.Join(r.ServerEnv, " "), r.Meta.describe())
}

// Describe says in one line how the run was made, for a table's caption.
// It gives the settings that decide how many TIME_WAIT sockets a machine
// can hold and for how long.
func (r *TimeWaitResults) Describe() string {
	return fmt.Sprintf("ip_local_port_range %s、tcp_tw_reuse %s、tcp_max_tw_buckets %s。Linux の TIME_WAIT は 60 秒。%s",
		r.PortRange, r.TWReuse, r.MaxTWBuckets, r.Meta.describe())
}
