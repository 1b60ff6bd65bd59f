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
	s := fmt.Sprintf("RTT %g ms, idle gap %g ms, median of %d requests each way; %s", r.RTTMS, r.GapMS, r.N, m.describe())
	if r.Meta.Server != nil {
		s += fmt.Sprintf(", initcwnd %d", r.Meta.Server.InitCwnd)
	}
	return s
}

// Describe says in one line how the run was made, for a table's caption:
// how the load was made (closed-loop, so that latency follows from
// throughput by Little's law; pinned; repeated and interleaved), then the
// machine.
func (r *LoadResults) Describe() string {
	return fmt.Sprintf("Medians of %d interleaved repeats of %g s (after %g s of warm-up); %s; closed-loop, so p50 ≈ connections ÷ requests/s. %s",
		r.Repeats, r.DurationS, r.WarmupS, r.pinning(), r.Meta.describe())
}

// Describe says in one line how the run was made, for a table's caption.
// It gives the servers' environment and how per connection is found.
func (r *MemoryResults) Describe() string {
	return fmt.Sprintf("Servers run with %s; per connection is the slope fitted over the counts. %s",
		strings.Join(r.ServerEnv, " "), r.Meta.describe())
}

// Describe says in one line how the run was made, for a table's caption.
// It gives the settings that decide how many TIME_WAIT sockets a machine
// can hold and for how long.
func (r *TimeWaitResults) Describe() string {
	return fmt.Sprintf("ip_local_port_range %s, tcp_tw_reuse %s, tcp_max_tw_buckets %s; TIME_WAIT lasts 60 s on Linux. %s",
		r.PortRange, r.TWReuse, r.MaxTWBuckets, r.Meta.describe())
}
