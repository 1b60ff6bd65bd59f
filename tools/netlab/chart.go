package netlab

import (
	"cmp"
	"fmt"
	"html"
	"io"
	"math"
	"slices"
	"strings"
)

// Every chart is one column of plots, each with its legend under it, in
// a viewBox 560 wide with 20-unit text. It is 448 px wide (text of 16 px,
// the book's) where the column is wider, and the book scales it down to
// a narrower column: on a 390 px phone (a column of 358 px) the text is
// still 12.8 px.
const (
	chartW, chartLeft, chartRight = 560, 84, 20
	plotH, lineH                  = 260, 26
)

// chartFonts are the charts' fonts: the Japanese fonts of macOS, of
// Windows and of Linux distributions (Noto CJK, IPA), then sans-serif.
// The SVG is shown as an <img>, which cannot load web fonts.
const chartFonts = `"Hiragino Sans", "Hiragino Kaku Gothic ProN", "Yu Gothic", Meiryo, "Noto Sans CJK JP", "Noto Sans JP", "IPAPGothic", "IPAGothic", sans-serif`

// seriesStyle gives each series a colour (Okabe–Ito, safe for colour
// blindness), a marker and a dash pattern, so that series stay apart in
// grey and where their points coincide.
var seriesStyle = []struct{ color, marker, dash string }{
	{"#d55e00", "circle", ""},
	{"#0072b2", "square", "8 4"},
	{"#009e73", "triangle", "2 3"},
	{"#cc79a7", "diamond", "10 3 2 3"},
	{"#e69f00", "cross", "4 4"},
	{"#56b4e9", "circle-open", "1 2"},
}

// A plot is one panel of a chart: a heading, axes with a grid, its series
// and a legend under it.
type plot struct {
	heading, xLabel, yLabel string
	// xMax and yMax are the data's extent; the axes round them up. With
	// xTicks, x is a category axis: category i spans x from i to i+1.
	xMax, yMax float64
	xTicks     []string
	series     []plotSeries
}

// A plotSeries is one series of a plot, drawn in seriesStyle[style].
type plotSeries struct {
	name   string
	style  int
	fit    []float64    // a, k: the fitted line a + k·x, if any
	points [][2]float64 // markers at (x, y)
	ranges [][3]float64 // bars at x from y0 to y1
	legend []string     // lines of its legend entry; none: no entry
}

// writeChart writes an SVG image named by title and described by desc
// (the role, <title> and <desc> a screen reader reads) of plots one under
// the other.
func writeChart(w io.Writer, title, desc string, plots []plot) error {
	var b strings.Builder
	y := 0.0
	for _, p := range plots {
		y = p.draw(&b, y)
	}
	h := int(y) + 8
	_, err := fmt.Fprintf(w, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" width="%d" height="%d" role="img" aria-labelledby="title desc" font-family="%s" font-size="20">
<title id="title">%s</title>
<desc id="desc">%s</desc>
<rect width="%d" height="%d" fill="white"/>
%s</svg>
`, chartW, h, chartW*4/5, h*4/5, html.EscapeString(chartFonts), html.EscapeString(title), html.EscapeString(desc), chartW, h, b.String())
	return err
}

// draw draws the plot from y = top down and returns where it ends.
func (p plot) draw(b *strings.Builder, top float64) float64 {
	if p.heading != "" {
		fmt.Fprintf(b, `<text x="%d" y="%.1f" font-weight="bold">%s</text>`+"\n", 12, top+30, html.EscapeString(p.heading))
		top += 30
	}
	top += 20
	for _, s := range p.series {
		if s.fit != nil {
			p.yMax = math.Max(p.yMax, s.fit[0]+s.fit[1]*p.xMax)
		}
	}
	xstep, ystep := niceStep(p.xMax), niceStep(p.yMax)
	xmax := math.Max(xstep, math.Ceil(p.xMax/xstep)*xstep)
	if p.xTicks != nil {
		xmax = float64(len(p.xTicks))
	}
	ymax := math.Max(ystep, math.Ceil(p.yMax*1.05/ystep)*ystep)
	const x0, x1 = chartLeft, chartW - chartRight
	px := func(x float64) float64 { return x0 + x/xmax*(x1-x0) }
	py := func(y float64) float64 { return top + plotH - y/ymax*plotH }
	bottom := py(0)
	tick := func(x float64, label string) {
		fmt.Fprintf(b, `<text x="%.1f" y="%.1f" text-anchor="middle">%s</text>`+"\n", px(x), bottom+24, label)
	}
	if p.xTicks == nil {
		for x := 0.0; x <= xmax+xstep/2; x += xstep {
			fmt.Fprintf(b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#ddd"/>`+"\n", px(x), top, px(x), bottom)
			tick(x, fmt.Sprint(x))
		}
	}
	for i, t := range p.xTicks {
		tick(float64(i)+0.5, html.EscapeString(t))
	}
	for y := 0.0; y <= ymax+ystep/2; y += ystep {
		fmt.Fprintf(b, `<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#ddd"/><text x="%d" y="%.1f" text-anchor="end">%g</text>`+"\n", x0, py(y), x1, py(y), x0-6, py(y)+7, y)
	}
	fmt.Fprintf(b, `<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="black"/><line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="black"/>`+"\n", x0, bottom, x1, bottom, x0, top, x0, bottom)
	fmt.Fprintf(b, `<text x="%.1f" y="%.1f" text-anchor="middle">%s</text>`+"\n", px(xmax/2), bottom+52, html.EscapeString(p.xLabel))
	if p.yLabel != "" {
		fmt.Fprintf(b, `<text x="20" y="%.1f" text-anchor="middle" transform="rotate(-90 20 %.1f)">%s</text>`+"\n", top+plotH/2, top+plotH/2, html.EscapeString(p.yLabel))
	}
	ly := bottom + 90
	for _, s := range p.series {
		st := seriesStyle[s.style%len(seriesStyle)]
		fmt.Fprintf(b, "<g class=\"series\" data-series=\"%s\">\n", html.EscapeString(s.name))
		if s.fit != nil {
			// From x = 0 (or where the line crosses y = 0) to the axis' end.
			a, k := s.fit[0], s.fit[1]
			xa := 0.0
			if k != 0 {
				xa = math.Max(xa, -a/k)
			}
			fmt.Fprintf(b, `<line class="fit" x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s" stroke-width="2" stroke-dasharray="%s"/>`+"\n",
				px(xa), py(a+k*xa), px(xmax), py(a+k*xmax), st.color, st.dash)
		}
		for _, r := range s.ranges {
			x, lo, hi := px(r[0]), py(r[1]), py(r[2])
			fmt.Fprintf(b, `<path class="range" d="M%.1f %.1fV%.1fM%.1f %.1fh10M%.1f %.1fh10" stroke="%s" stroke-width="1.5"/>`+"\n", x, lo, hi, x-5, lo, x-5, hi, st.color)
		}
		for _, pt := range s.points {
			b.WriteString(marker(st.marker, st.color, px(pt[0]), py(pt[1])))
		}
		if len(s.legend) > 0 {
			// A piece of the line, the marker, then the lines of text.
			if s.fit != nil {
				fmt.Fprintf(b, `<line x1="12" y1="%.1f" x2="48" y2="%.1f" stroke="%s" stroke-width="2" stroke-dasharray="%s"/>`+"\n", ly, ly, st.color, st.dash)
			}
			b.WriteString(marker(st.marker, st.color, 30, ly))
			for i, line := range s.legend {
				fmt.Fprintf(b, `<text x="58" y="%.1f">%s</text>`+"\n", ly+7+float64(i*lineH), html.EscapeString(line))
			}
			ly += float64(len(s.legend)*lineH) + 8
		}
		b.WriteString("</g>\n")
	}
	return ly - 12
}

// marker draws one point's marker.
func marker(shape, color string, x, y float64) string {
	const r = 6
	switch shape {
	case "square":
		return fmt.Sprintf(`<rect class="point" x="%.1f" y="%.1f" width="%d" height="%d" fill="%s"/>`+"\n", x-r, y-r, 2*r, 2*r, color)
	case "triangle":
		return fmt.Sprintf(`<path class="point" d="M%.1f %.1fL%.1f %.1fL%.1f %.1fZ" fill="%s"/>`+"\n", x, y-r-1, x+r+1, y+r, x-r-1, y+r, color)
	case "diamond":
		return fmt.Sprintf(`<path class="point" d="M%.1f %.1fL%.1f %.1fL%.1f %.1fL%.1f %.1fZ" fill="%s"/>`+"\n", x, y-r-1, x+r+1, y, x, y+r+1, x-r-1, y, color)
	case "cross":
		return fmt.Sprintf(`<path class="point" d="M%.1f %.1fL%.1f %.1fM%.1f %.1fL%.1f %.1f" stroke="%s" stroke-width="2.5"/>`+"\n", x-r, y-r, x+r, y+r, x-r, y+r, x+r, y-r, color)
	case "circle-open":
		return fmt.Sprintf(`<circle class="point" cx="%.1f" cy="%.1f" r="%d" fill="white" stroke="%s" stroke-width="2"/>`+"\n", x, y, r, color)
	}
	return fmt.Sprintf(`<circle class="point" cx="%.1f" cy="%.1f" r="%d" fill="%s"/>`+"\n", x, y, r, color)
}

// niceStep returns a tick step of 1, 2 or 5 times a power of ten that
// divides 0..max into about six parts.
func niceStep(max float64) float64 {
	if max <= 0 {
		return 1
	}
	raw := max / 6
	p := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= raw {
			return m * p
		}
	}
	return 10 * p
}

// Chart is results that netlab chart draws: SVG writes the chart with
// the title given, or if it is empty the kind's own.
type Chart interface {
	SVG(w io.Writer, title string) error
}

// SVG draws time per request against the RTT: each series' medians and
// its fitted line time = a + k·RTT, with both axes in ms; the legend
// gives the fit and k's 95% interval, and so does the <desc> in words.
func (r *Results) SVG(w io.Writer, title string) error {
	p := plot{xLabel: "RTT（ms）", yLabel: cmp.Or(r.YLabel, "リクエスト 1 つの時間（ms）")}
	var desc []string
	for i, s := range r.Series {
		ps := plotSeries{name: s.Name, style: i, legend: []string{s.Name}}
		for _, pt := range s.Points {
			p.xMax, p.yMax = math.Max(p.xMax, pt.RTTMS), math.Max(p.yMax, pt.MedianMS)
			ps.points = append(ps.points, [2]float64{pt.RTTMS, pt.MedianMS})
		}
		if s.SlopeRTT != nil {
			eq := fmt.Sprintf("%.2f ms + %.2f × RTT", *s.InterceptMS, *s.SlopeRTT)
			ps.fit, ps.legend = []float64{*s.InterceptMS, *s.SlopeRTT}, []string{s.Name + ": " + eq, "k = " + s.K()}
			desc = append(desc, fmt.Sprintf("%s: %s、k = %s", s.Name, eq, s.K()))
		}
		p.series = append(p.series, ps)
	}
	return writeChart(w, cmp.Or(title, "RTT とリクエスト 1 つの時間"), "RTT（ms）に対する"+p.yLabel+"。点は中央値、線は RTT が 0 より大きいすべての標本に当てはめた直線、k の角かっこは 95% 信頼区間。"+strings.Join(desc, "。")+"。"+r.Describe()+"。", []plot{p})
}

// SVG draws two plots against the number of connections: the
// requests per second, and the server's CPU time per request, each series'
// median with a bar from the lowest to the highest repeat.
func (r *LoadResults) SVG(w io.Writer, title string) error {
	series, conns := r.axes()
	var desc []string
	for _, p := range r.Points {
		desc = append(desc, fmt.Sprintf("%s、%d 本: 1 秒あたり %.0f リクエスト（%.0f〜%.0f）、リクエスト 1 つあたりのサーバーの CPU 時間 %.1f µs",
			p.Series, p.Conns, p.RPS.Median, p.RPS.Min, p.RPS.Max, p.ServerCPUUS.Median))
	}
	var plots []plot
	for i, heading := range []string{"1 秒あたりのリクエスト", "リクエスト 1 つあたりのサーバー CPU（µs）"} {
		p := plot{heading: heading, xLabel: "同時に使うコネクション（本）"}
		for _, c := range conns {
			p.xTicks = append(p.xTicks, fmt.Sprint(c))
		}
		for si, name := range series {
			ps := plotSeries{name: name, style: si}
			if i == 1 {
				ps.legend = []string{name}
			}
			for _, pt := range r.Points {
				if pt.Series != name {
					continue
				}
				// Series sit side by side in their number of connections' slot.
				x := float64(slices.Index(conns, pt.Conns)) + 0.5 + (float64(si)-float64(len(series)-1)/2)/float64(len(series)+1)
				v := [...]Spread{pt.RPS, pt.ServerCPUUS}[i]
				p.yMax = math.Max(p.yMax, v.Max)
				ps.points = append(ps.points, [2]float64{x, v.Median})
				ps.ranges = append(ps.ranges, [3]float64{x, v.Min, v.Max})
			}
			p.series = append(p.series, ps)
		}
		plots = append(plots, p)
	}
	title = cmp.Or(title, "ループバックでのスループットとリクエスト 1 つあたりのサーバーの CPU 時間")
	return writeChart(w, title, "同時に使うコネクションの数に対して、上は 1 秒あたりのリクエストの数、下はリクエスト 1 つあたりのサーバーの CPU 時間。点は繰り返しの中央値、縦の線は最小から最大まで。"+strings.Join(desc, "。")+"。"+r.Meta.describe()+"。閉ループの負荷。", plots)
}
