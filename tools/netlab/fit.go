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
	if len(x) != len(y) {
		return 0, 0, errors.New("fit: x and y differ in length")
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
		return 0, 0, errors.New("fit: need at least two different x")
	}
	k = sxy / sxx
	return my - k*mx, k, nil
}

// round rounds v to the given number of decimal places, for results files
// that a reader compares by eye.
func round(v float64, places int) float64 {
	p := math.Pow(10, float64(places))
	return math.Round(v*p) / p
}
