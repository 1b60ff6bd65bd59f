package netlab

import (
	"errors"
	"math"
)

// Fit は、点 (x[i], y[i]) に直線 y = a + k·x を最小二乗法で当てはめ、
// 切片 a と傾き k を返します。リクエスト 1 つの時間を RTT に対して
// 当てはめると、k は「リクエスト 1 つが RTT の何倍かかるか」、a は RTT に
// よらない時間（サーバーの処理、タイマーの遅れ）です。RTT で割るだけの
// 比と違って、a が k に混ざりません。
func Fit(x, y []float64) (a, k float64, err error) {
	l, err := FitCI(x, y)
	return l.A, l.K, err
}

// Line is a straight line y = A + K·x fitted by ordinary least squares,
// with 95% confidence intervals for K and A.
type Line struct {
	A, K            float64
	ACI95, KCI95    [2]float64 // [lo, hi]; both A (or K) with fewer than three points
	N               int        // the points fitted
	SEK, SEA, Resid float64    // standard errors of K and A; the residuals' standard deviation
}

// FitCI fits y = a + k·x to every point by ordinary least squares and
// gives 95% intervals for k and a from the residuals: se(k) = s/√Sxx,
// se(a) = s·√(1/n + x̄²/Sxx) with s² = Σ residual²/(n−2), and Student's t
// for n−2 degrees of freedom (Montgomery and Runger, Applied Statistics
// and Probability for Engineers, §11-5). The interval assumes independent
// errors of equal spread about a straight line; it says how well the
// points pin the line down, not whether the model behind it is right.
//
// Callers fit every sample rather than per-x medians or means, so that n
// counts the samples and the interval reflects their scatter.
func FitCI(x, y []float64) (Line, error) {
	if len(x) != len(y) {
		return Line{}, errors.New("fit: x and y differ in length")
	}
	n := float64(len(x))
	var sx, sy float64
	for i := range x {
		sx += x[i]
		sy += y[i]
	}
	mx, my := sx/n, sy/n
	var sxx, sxy float64
	for i := range x {
		sxx += (x[i] - mx) * (x[i] - mx)
		sxy += (x[i] - mx) * (y[i] - my)
	}
	if len(x) < 2 || sxx == 0 {
		return Line{}, errors.New("fit: need at least two different x")
	}
	l := Line{K: sxy / sxx, N: len(x)}
	l.A = my - l.K*mx
	l.KCI95, l.ACI95 = [2]float64{l.K, l.K}, [2]float64{l.A, l.A}
	if len(x) < 3 {
		return l, nil // a line through two points leaves no residual to judge it by
	}
	var sse float64
	for i := range x {
		r := y[i] - (l.A + l.K*x[i])
		sse += r * r
	}
	l.Resid = math.Sqrt(sse / (n - 2))
	l.SEK = l.Resid / math.Sqrt(sxx)
	l.SEA = l.Resid * math.Sqrt(1/n+mx*mx/sxx)
	t := TQuantile(0.975, n-2)
	l.KCI95 = [2]float64{l.K - t*l.SEK, l.K + t*l.SEK}
	l.ACI95 = [2]float64{l.A - t*l.SEA, l.A + t*l.SEA}
	return l, nil
}

// TQuantile returns the p quantile of Student's t distribution with df
// degrees of freedom, for 0 < p < 1: the t with P(T ≤ t) = p, found by
// bisection on the distribution function TCDF.
func TQuantile(p, df float64) float64 {
	if p == 0.5 {
		return 0
	}
	if p < 0.5 {
		return -TQuantile(1-p, df)
	}
	lo, hi := 0.0, 1.0
	for TCDF(hi, df) < p {
		lo, hi = hi, 2*hi
	}
	for range 200 {
		mid := (lo + hi) / 2
		if TCDF(mid, df) < p {
			lo = mid
		} else {
			hi = mid
		}
		if hi-lo < 1e-12*hi {
			break
		}
	}
	return (lo + hi) / 2
}

// TCDF is Student's t distribution function with df degrees of freedom:
// P(T ≤ t) = 1 − ½·I_x(df/2, ½) for t ≥ 0, with x = df/(df+t²) and I the
// regularized incomplete beta function.
func TCDF(t, df float64) float64 {
	tail := 0.5 * regIncBeta(df/(df+t*t), df/2, 0.5)
	if t >= 0 {
		return 1 - tail
	}
	return tail
}

// regIncBeta is the regularized incomplete beta function I_x(a, b), from
// its continued fraction (Numerical Recipes, §6.4), evaluated by the
// modified Lentz method.
func regIncBeta(x, a, b float64) float64 {
	if x <= 0 {
		return 0
	}
	if x >= 1 {
		return 1
	}
	la, _ := math.Lgamma(a)
	lb, _ := math.Lgamma(b)
	lab, _ := math.Lgamma(a + b)
	front := math.Exp(lab - la - lb + a*math.Log(x) + b*math.Log1p(-x))
	// The continued fraction converges fast for x < (a+1)/(a+b+2); use
	// the symmetry I_x(a, b) = 1 − I_{1−x}(b, a) otherwise.
	if x > (a+1)/(a+b+2) {
		return 1 - front*betaCF(1-x, b, a)/b
	}
	return front * betaCF(x, a, b) / a
}

func betaCF(x, a, b float64) float64 {
	// notTiny keeps a denominator away from 0, as Lentz's method does.
	notTiny := func(v float64) float64 {
		if math.Abs(v) < 1e-300 {
			return 1e-300
		}
		return v
	}
	c, d := 1.0, 1/notTiny(1-(a+b)*x/(a+1))
	h := d
	for m := 1.0; m <= 1000; m++ {
		// The even step, then the odd one.
		num := m * (b - m) * x / ((a + 2*m - 1) * (a + 2*m))
		d, c = 1/notTiny(1+num*d), notTiny(1+num/c)
		h *= d * c
		num = -(a + m) * (a + b + m) * x / ((a + 2*m) * (a + 2*m + 1))
		d, c = 1/notTiny(1+num*d), notTiny(1+num/c)
		del := d * c
		h *= del
		if math.Abs(del-1) < 1e-15 {
			break
		}
	}
	return h
}

// round rounds v to the given number of decimal places, for results files
// that a reader compares by eye.
func round(v float64, places int) float64 {
	p := math.Pow(10, float64(places))
	return math.Round(v*p) / p
}
