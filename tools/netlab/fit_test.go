package netlab

import (
	"math"
	"math/rand/v2"
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

func TestTQuantile(t *testing.T) {
	// Student's t table (any statistics text; also R's qt(0.975, df)).
	for _, c := range []struct{ p, df, want, tol float64 }{
		{0.975, 1, 12.706, 5e-4},
		{0.975, 3, 3.182, 5e-4},
		{0.975, 10, 2.228, 5e-4},
		{0.975, 30, 2.042, 5e-4},
		{0.975, 1000, 1.962, 5e-4},
		{0.95, 5, 2.015, 5e-4},
		{0.025, 10, -2.228, 5e-4},
		{0.5, 7, 0, 1e-12},
	} {
		if got := TQuantile(c.p, c.df); math.Abs(got-c.want) > c.tol {
			t.Errorf("TQuantile(%v, %v) = %.4f, want %.3f", c.p, c.df, got, c.want)
		}
	}
	// Far out, t tends to the normal quantile 1.95996.
	if got := TQuantile(0.975, 1e7); math.Abs(got-1.959964) > 1e-5 {
		t.Errorf("TQuantile(0.975, 1e7) = %v", got)
	}
}

func TestFitCI(t *testing.T) {
	// By hand: x = 1..5, y = 2 4 5 4 5. x̄ = 3, ȳ = 4, Sxx = 10, Sxy = 6,
	// so k = 0.6, a = 4 − 0.6·3 = 2.2. The line gives 2.8 3.4 4.0 4.6 5.2;
	// residuals −0.8 0.6 1.0 −0.6 −0.2, Σr² = 2.4, s² = 2.4/3 = 0.8.
	// se(k) = √(0.8/10) = 0.28284; se(a) = √(0.8·(1/5 + 9/10)) = 0.93808;
	// t(0.975, 3) = 3.18245. k: 0.6 ± 0.90012, a: 2.2 ± 2.98537.
	l, err := FitCI([]float64{1, 2, 3, 4, 5}, []float64{2, 4, 5, 4, 5})
	if err != nil {
		t.Fatal(err)
	}
	near := func(what string, got, want, tol float64) {
		t.Helper()
		if math.Abs(got-want) > tol {
			t.Errorf("%s = %.5f, want %.5f", what, got, want)
		}
	}
	near("k", l.K, 0.6, 1e-12)
	near("a", l.A, 2.2, 1e-12)
	near("k lo", l.KCI95[0], 0.6-0.90012, 1e-4)
	near("k hi", l.KCI95[1], 0.6+0.90012, 1e-4)
	near("a lo", l.ACI95[0], 2.2-2.98537, 1e-4)
	near("a hi", l.ACI95[1], 2.2+2.98537, 1e-4)

	// Montgomery and Runger, Applied Statistics and Probability for
	// Engineers, Example 11-1 (oxygen purity y against hydrocarbon level x,
	// n = 20): k = 14.947, a = 74.283, σ̂² = 1.18, Sxx = 0.68088; Example
	// 11-4 gives the 95% interval 14.947 ± 2.101·√(1.18/0.68088), that is
	// 12.181 ≤ k ≤ 17.713 (the book rounds σ̂² and t to three places).
	x := []float64{0.99, 1.02, 1.15, 1.29, 1.46, 1.36, 0.87, 1.23, 1.55, 1.40, 1.19, 1.15, 0.98, 1.01, 1.11, 1.20, 1.26, 1.32, 1.43, 0.95}
	y := []float64{90.01, 89.05, 91.43, 93.74, 96.73, 94.45, 87.59, 91.77, 99.42, 93.65, 93.54, 92.52, 90.56, 89.54, 89.85, 90.39, 93.25, 93.41, 94.98, 87.33}
	if l, err = FitCI(x, y); err != nil {
		t.Fatal(err)
	}
	near("oxygen k", l.K, 14.947, 5e-4)
	near("oxygen a", l.A, 74.283, 5e-4)
	near("oxygen k lo", l.KCI95[0], 12.181, 2e-3)
	near("oxygen k hi", l.KCI95[1], 17.713, 2e-3)
}

// TestFitCICoverage simulates lines with a known slope and noise and
// checks that the 95% interval covers the slope about 95% of the time:
// over 2,000 seeds the count of misses is binomial(2000, 0.05), mean 100,
// standard deviation 9.7, so 100 ± 4 sd is 61 to 139.
func TestFitCICoverage(t *testing.T) {
	const runs, k, a = 2000, 2.0, 3.0
	misses := 0
	for seed := range runs {
		rng := rand.New(rand.NewPCG(uint64(seed), 22))
		var x, y []float64
		for _, rtt := range []float64{5, 10, 25, 50} {
			for range 5 {
				x = append(x, rtt)
				y = append(y, a+k*rtt+rng.NormFloat64()*1.5)
			}
		}
		l, err := FitCI(x, y)
		if err != nil {
			t.Fatal(err)
		}
		if k < l.KCI95[0] || k > l.KCI95[1] {
			misses++
		}
	}
	if misses < 61 || misses > 139 {
		t.Errorf("the interval missed k in %d of %d runs, want about 100", misses, runs)
	}
}
