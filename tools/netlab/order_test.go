package netlab

import (
	"reflect"
	"testing"
)

// The order covers every cell exactly once, the same seed gives the same
// order, and another seed another one; RTTs are not left ascending.
func TestMeasureOrder(t *testing.T) {
	const rtts, series, repeats = 5, 6, 3
	a := MeasureOrder(rtts, series, repeats, 1)
	if len(a) != rtts*series*repeats {
		t.Fatalf("%d cells, want %d", len(a), rtts*series*repeats)
	}
	seen := map[Cell]bool{}
	for _, c := range a {
		if c.RTT < 0 || c.RTT >= rtts || c.Series < 0 || c.Series >= series || c.Repeat < 0 || c.Repeat >= repeats {
			t.Fatalf("cell %+v out of range", c)
		}
		if seen[c] {
			t.Fatalf("cell %+v twice", c)
		}
		seen[c] = true
	}
	if b := MeasureOrder(rtts, series, repeats, 1); !reflect.DeepEqual(a, b) {
		t.Error("the same seed gave two orders")
	}
	if b := MeasureOrder(rtts, series, repeats, 2); reflect.DeepEqual(a, b) {
		t.Error("seeds 1 and 2 gave the same order")
	}
	ascending := true
	for i := 1; i < len(a); i++ {
		if a[i].RTT < a[i-1].RTT {
			ascending = false
		}
	}
	if ascending {
		t.Error("the RTTs come in ascending order")
	}
	if got := MeasureOrder(0, series, repeats, 1); len(got) != 0 {
		t.Errorf("no RTTs gave %d cells", len(got))
	}
}
