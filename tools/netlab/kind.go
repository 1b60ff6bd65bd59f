package netlab

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
)

// Table is results of any kind: netlab table prints the caption Describe
// gives and then the table.
type Table interface {
	// Describe says in one line how the run was made: the machine, and
	// what a reader needs to read the table that the table does not say.
	Describe() string
	// PrintTable writes the results as markdown tables (mdTable): the
	// figures the book discusses first (a fitted line's k with its 95%
	// interval, then a), the headers in Japanese with the units, so that
	// the cells are only numbers.
	PrintTable(w io.Writer)
}

// Head starts every kind of results: the kind, and the metadata of the
// run that made them.
type Head struct {
	Kind string   `json:"kind,omitempty"` // none in the first latency files
	Meta Metadata `json:"meta"`
}

// head returns the head of results of kind, with the run's metadata as
// the measurement left it (none for a nil meta).
func head(kind string, meta *Metadata) Head {
	h := Head{Kind: kind}
	if meta != nil {
		h.Meta = *meta
	}
	return h
}

// Describe says on what machine the run was made, which is all most kinds
// need to say besides their table; the others say more.
func (h *Head) Describe() string { return h.Meta.describe() }

// The kinds of results, as a results file names its own in "kind": what
// the command of that name writes (netlab time's are latency).
const (
	KindLatency  = "latency"
	KindTrace    = "trace"
	KindIdle     = "idle"
	KindLoad     = "load"
	KindMemory   = "memory"
	KindTimeWait = "timewait"
	KindLoss     = "loss"
)

// resultKinds makes an empty value of each kind of results, by a file's
// "kind"; none is latency, as the first version of netlab time wrote.
var resultKinds = map[string]func() Table{
	"":           func() Table { return new(Results) },
	KindLatency:  func() Table { return new(Results) },
	KindTrace:    func() Table { return new(TraceResults) },
	KindIdle:     func() Table { return new(IdleResults) },
	KindLoad:     func() Table { return new(LoadResults) },
	KindMemory:   func() Table { return new(MemoryResults) },
	KindTimeWait: func() Table { return new(TimeWaitResults) },
	KindLoss:     func() Table { return new(LossResults) },
}

// ReadFile reads a results file of any kind that WriteJSON wrote.
func ReadFile(name string) (Table, error) {
	data, err := os.ReadFile(name)
	if err != nil {
		return nil, err
	}
	var k struct{ Kind string }
	if err := json.Unmarshal(data, &k); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	newTable, ok := resultKinds[k.Kind]
	if !ok {
		return nil, fmt.Errorf("%s: unknown kind of results %q", name, k.Kind)
	}
	t := newTable()
	if err := json.Unmarshal(data, t); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return t, nil
}

// WriteJSON writes results (or any v) as indented JSON.
func WriteJSON(name string, v any) error {
	data, err := json.MarshalIndent(v, "", "\t")
	if err != nil {
		return err
	}
	return os.WriteFile(name, append(data, '\n'), 0o666)
}
