package netlab

import (
	"math"
	"testing"
)

func TestFit(t *testing.T) {
	// Points on a line give the line back.
	a, k, err := Fit([]float64{0, 10, 50}, []float64{0.5, 20.5, 100.5})
	if err != nil || math.Abs(a-0.5) > 1e-9 || math.Abs(k-2) > 1e-9 {
		t.Errorf("Fit on y = 0.5 + 2x: a=%v k=%v err=%v", a, k, err)
	}
	// Noise that is symmetric about the line leaves it where it is: an
	// intercept (timer overshoot, server work) does not leak into the slope
	// as dividing by the RTT does.
	x := []float64{10, 10, 50, 50}
	y := []float64{11.5, 12.5, 51.5, 52.5} // 2 ms + 1·RTT, ±0.5
	a, k, _ = Fit(x, y)
	if math.Abs(a-2) > 1e-9 || math.Abs(k-1) > 1e-9 {
		t.Errorf("Fit on noisy 2 + 1x: a=%v k=%v", a, k)
	}
	for _, bad := range [][2][]float64{
		{{10}, {20}},
		{{10, 10}, {20, 21}},
		{{1, 2}, {1}},
		{nil, nil},
	} {
		if _, _, err := Fit(bad[0], bad[1]); err == nil {
			t.Errorf("Fit(%v, %v) gave no error", bad[0], bad[1])
		}
	}
	if got := round(2.0149, 2); got != 2.01 {
		t.Errorf("round(2.0149, 2) = %v", got)
	}
}
