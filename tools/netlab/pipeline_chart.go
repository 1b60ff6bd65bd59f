package netlab

import (
	"fmt"
	"html"
	"io"
	"math"
	"slices"
	"strings"
)

// PipelineSVG draws, in two panels, the time until a batch's N small GETs
// had their responses against the RTT: on the left without /slow, on the
// right with GET /slow first. Each way of sending has the same colour,
// marker and dash in both panels: its medians as markers and its fitted
// line time = a + k·RTT, with both axes in ms. Each panel has its own
// time axis. Under each panel a legend gives every series' fit and the
// model's k; the SVG's <title> and <desc> state the same in words.
func (r *PipelineResults) PipelineSVG(w io.Writer, title string) error {
	const width, height = 960, 500
	const top, panelH, panelW, gap, left = 56, 290, 340, 110, 76
	type panel struct {
		heading string
		series  []PipelineSeries
	}
	panels := []panel{
		{heading: "/slow なし"},
		{heading: fmt.Sprintf("GET /slow（%s 後に答える）が先", fmtMS(r.SlowMS))},
	}
	for _, s := range r.Series {
		i := 0
		if s.Slow {
			i = 1
		}
		panels[i].series = append(panels[i].series, s)
	}
	// One style per way of sending, the same in both panels.
	style := func(s PipelineSeries) int {
		if i := slices.Index(PipeModes, s.Mode); i >= 0 {
			return i
		}
		return len(PipeModes) + slices.IndexFunc(r.Series, func(t PipelineSeries) bool { return t.Name == s.Name })
	}
	fit := func(s PipelineSeries) string {
		return fmt.Sprintf("k = %s（モデル %g）、a = %.1f ms", s.K(), s.ModelRTT, *s.InterceptMS)
	}
	var xmax float64
	for _, s := range r.Series {
		for _, p := range s.Points {
			xmax = math.Max(xmax, p.RTTMS)
		}
	}
	xstep := niceStep(xmax)
	xmax = math.Max(xstep, math.Ceil(xmax/xstep)*xstep)

	var desc []string
	for _, pn := range panels {
		var fits []string
		for _, s := range pn.series {
			if s.SlopeRTT != nil {
				fits = append(fits, s.Name+": "+fit(s))
			}
		}
		if len(fits) > 0 {
			desc = append(desc, pn.heading+"。"+strings.Join(fits, "。"))
		}
	}
	var b strings.Builder
	svgOpen(&b, width, height, title, fmt.Sprintf(
		"送り方ごとに、RTT（ms）に対する、バッチの小さな GET %d 個の答えがそろうまでの時間（ms、%d バッチの中央値、接続を含む）。線はすべてのバッチに当てはめた直線、k の角かっこは 95%% 信頼区間。左は /slow なし、右は GET /slow が先で、時間の軸はそれぞれ別。",
		r.N, r.Repeat)+strings.Join(desc, "。")+"。"+r.Describe()+"。")
	for pi, pn := range panels {
		x0 := float64(left + pi*(panelW+gap))
		// The time axis reaches the highest median and the fitted lines' ends.
		var ymax float64
		for _, s := range pn.series {
			for _, p := range s.Points {
				ymax = math.Max(ymax, p.SmallMedianMS)
			}
			if s.SlopeRTT != nil {
				ymax = math.Max(ymax, *s.InterceptMS+*s.SlopeRTT*xmax)
			}
		}
		ystep := niceStep(ymax)
		ymax = math.Max(ystep, math.Ceil(ymax*1.05/ystep)*ystep)
		px := func(x float64) float64 { return x0 + x/xmax*panelW }
		py := func(y float64) float64 { return top + panelH - y/ymax*panelH }
		for x := 0.0; x <= xmax+xstep/2; x += xstep {
			fmt.Fprintf(&b, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%.1f" stroke="#ddd"/><text x="%.1f" y="%.1f" text-anchor="middle">%g</text>`+"\n", px(x), top, px(x), py(0), px(x), py(0)+18, x)
		}
		for y := 0.0; y <= ymax+ystep/2; y += ystep {
			fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#ddd"/><text x="%.1f" y="%.1f" text-anchor="end">%g</text>`+"\n", x0, py(y), px(xmax), py(y), x0-6, py(y)+4, y)
		}
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="black"/><line x1="%.1f" y1="%d" x2="%.1f" y2="%.1f" stroke="black"/>`+"\n", x0, py(0), px(xmax), py(0), x0, top, x0, py(0))
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" text-anchor="middle" font-weight="bold">%s</text>`+"\n", x0+panelW/2, top-16, html.EscapeString(pn.heading))
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="middle">RTT（ms）</text>`+"\n", x0+panelW/2, py(0)+38)
		ax, ay := x0-58, float64(top+panelH/2)
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="middle" transform="rotate(-90 %.1f %.1f)">小さな GET %d 個の時間（ms）</text>`+"\n", ax, ay, ax, ay, r.N)
		for i, s := range pn.series {
			st := seriesStyle[style(s)%len(seriesStyle)]
			fmt.Fprintf(&b, "<g class=\"series\" data-series=\"%s\">\n", html.EscapeString(s.Name))
			if s.SlopeRTT != nil {
				a, k := *s.InterceptMS, *s.SlopeRTT
				// The line from RTT 0 to xmax, kept inside the panel.
				xa, xb := 0.0, xmax
				if k != 0 {
					xa = math.Max(xa, -a/k)
				}
				fmt.Fprintf(&b, `<line class="fit" x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s" stroke-width="2" stroke-dasharray="%s"/>`+"\n",
					px(xa), py(a+k*xa), px(xb), py(a+k*xb), st.color, st.dash)
			}
			for _, p := range s.Points {
				b.WriteString(marker(st.marker, st.color, px(p.RTTMS), py(p.SmallMedianMS)))
			}
			// Legend under the panel: a piece of the line, the marker, the
			// name and the fit.
			lx, ly := x0-40, py(0)+66+22*float64(i)
			fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s" stroke-width="2" stroke-dasharray="%s"/>`+"\n", lx, ly, lx+36, ly, st.color, st.dash)
			b.WriteString(marker(st.marker, st.color, lx+18, ly))
			fmt.Fprintf(&b, `<text x="%.1f" y="%.1f">%s</text>`+"\n", lx+44, ly+4, html.EscapeString(s.Name))
			if s.SlopeRTT != nil {
				fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" font-size="11">%s</text>`+"\n", lx+150, ly+4, html.EscapeString(fit(s)))
			}
			b.WriteString("</g>\n")
		}
	}
	b.WriteString("</svg>\n")
	_, err := io.WriteString(w, b.String())
	return err
}
