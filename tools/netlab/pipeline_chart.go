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
		{heading: "without /slow"},
		{heading: fmt.Sprintf("GET /slow (answered after %s) first", fmtMS(r.SlowMS))},
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
		return fmt.Sprintf("%.2f ms + %s × RTT (model %g)", *s.InterceptMS, s.K(), s.ModelRTT)
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
			desc = append(desc, pn.heading+": "+strings.Join(fits, "; "))
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" width="%d" height="%d" role="img" aria-labelledby="title desc" font-family="sans-serif" font-size="13">`+"\n", width, height, width, height)
	fmt.Fprintf(&b, "<title id=\"title\">%s</title>\n", html.EscapeString(title))
	fmt.Fprintf(&b, "<desc id=\"desc\">%s</desc>\n", html.EscapeString(fmt.Sprintf(
		"Time until the %d small GETs of a batch had their responses (ms, median of %d batches, connecting included) against RTT (ms), per way of sending, with lines fitted to every batch and k's 95%% interval in brackets; left without /slow, right with GET /slow first, each with its own time axis. ",
		r.N, r.Repeat)+strings.Join(desc, ". ")+". "+r.Describe()+"."))
	fmt.Fprintf(&b, "<rect width=\"%d\" height=\"%d\" fill=\"white\"/>\n", width, height)
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
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="middle">RTT (ms)</text>`+"\n", x0+panelW/2, py(0)+38)
		ax, ay := x0-58, float64(top+panelH/2)
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="middle" transform="rotate(-90 %.1f %.1f)">time for the %d small GETs (ms)</text>`+"\n", ax, ay, ax, ay, r.N)
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
