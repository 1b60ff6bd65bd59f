package netlab

import "fmt"

// Describe says in one line how the run was made, for a table's caption.
func (r *TraceResults) Describe() string { return r.Meta.describe() }

// Describe says in one line how the run was made, for a table's caption.
// The congestion control varies by row, so it is not named here.
func (r *IdleResults) Describe() string {
	m := r.Meta
	m.Server = nil
	s := m.describe()
	if r.Meta.Server != nil {
		s += fmt.Sprintf(", initcwnd %d", r.Meta.Server.InitCwnd)
	}
	return s
}

// Describe says in one line how the run was made, for a table's caption.
func (r *LoadResults) Describe() string { return r.Meta.describe() }

// Describe says in one line how the run was made, for a table's caption.
func (r *MemoryResults) Describe() string { return r.Meta.describe() }

// Describe says in one line how the run was made, for a table's caption.
func (r *TimeWaitResults) Describe() string { return r.Meta.describe() }
