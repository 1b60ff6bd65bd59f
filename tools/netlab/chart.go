package netlab

import (
	"fmt"
	"html"
	"io"
	"math"
	"slices"
	"strings"
)

// svgOpen opens a chart's SVG: its size, its role as an image named by
// its <title> and <desc>, and a font-family list that has Japanese fonts
// (the labels are Japanese) before the generic sans-serif; the SVG is shown
// as an <img>, which cannot load web fonts, so these are the reader's own.
func svgOpen(b *strings.Builder, width, height int, title, desc string) {
	fmt.Fprintf(b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" width="%d" height="%d" role="img" aria-labelledby="title desc" font-family="%s" font-size="13">`+"\n",
		width, height, width, height, html.EscapeString(chartFonts))
	fmt.Fprintf(b, "<title id=\"title\">%s</title>\n", html.EscapeString(title))
	fmt.Fprintf(b, "<desc id=\"desc\">%s</desc>\n", html.EscapeString(desc))
	fmt.Fprintf(b, "<rect width=\"%d\" height=\"%d\" fill=\"white\"/>\n", width, height)
}

// chartFonts are the charts' fonts: the Japanese fonts of macOS, of
// Windows and of Linux distributions (Noto CJK, IPA), then sans-serif.
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

// LatencySVG draws time per request against the RTT: each series' medians
// as markers and its fitted line time = a + k·RTT, with both axes in ms;
// the legend gives k's 95% interval. The SVG carries a <title> and a
// <desc> that states every fit in words.
func (r *Results) LatencySVG(w io.Writer, title string) error {
	const width, height = 720, 440
	const left, right, top, bottom = 64, 250, 40, 56
	pw, ph := float64(width-left-right), float64(height-top-bottom)
	var xmax, ymax float64
	for _, s := range r.Series {
		for _, p := range s.Points {
			xmax, ymax = math.Max(xmax, p.RTTMS), math.Max(ymax, p.MedianMS)
		}
	}
	xstep, ystep := niceStep(xmax), niceStep(ymax)
	xmax, ymax = math.Max(xstep, math.Ceil(xmax/xstep)*xstep), math.Max(ystep, math.Ceil(ymax*1.05/ystep)*ystep)
	px := func(x float64) float64 { return left + x/xmax*pw }
	py := func(y float64) float64 { return top + ph - y/ymax*ph }

	var desc []string
	for _, s := range r.Series {
		if s.SlopeRTT != nil {
			desc = append(desc, fmt.Sprintf("%s: %.2f ms + %.2f × RTT、k = %s", s.Name, *s.InterceptMS, *s.SlopeRTT, s.K()))
		}
	}
	var b strings.Builder
	svgOpen(&b, width, height, title, "RTT（ms）に対するリクエスト 1 つの時間（ms）。点は中央値、線は RTT が 0 より大きいすべての標本に当てはめた直線、k の角かっこは 95% 信頼区間。"+strings.Join(desc, "。")+"。"+r.Describe()+"。")
	// Grid, ticks and axis labels.
	for x := 0.0; x <= xmax+xstep/2; x += xstep {
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%.1f" stroke="#ddd"/><text x="%.1f" y="%.1f" text-anchor="middle">%g</text>`+"\n", px(x), top, px(x), py(0), px(x), py(0)+18, x)
	}
	for y := 0.0; y <= ymax+ystep/2; y += ystep {
		fmt.Fprintf(&b, `<line x1="%d" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#ddd"/><text x="%d" y="%.1f" text-anchor="end">%g</text>`+"\n", left, py(y), px(xmax), py(y), left-6, py(y)+4, y)
	}
	fmt.Fprintf(&b, `<line x1="%d" y1="%.1f" x2="%.1f" y2="%.1f" stroke="black"/><line x1="%d" y1="%d" x2="%d" y2="%.1f" stroke="black"/>`+"\n", left, py(0), px(xmax), py(0), left, top, left, py(0))
	fmt.Fprintf(&b, `<text x="%.1f" y="%d" text-anchor="middle">RTT（ms）</text>`+"\n", left+pw/2, height-12)
	fmt.Fprintf(&b, `<text x="16" y="%.1f" text-anchor="middle" transform="rotate(-90 16 %.1f)">リクエスト 1 つの時間（ms）</text>`+"\n", top+ph/2, top+ph/2)
	for i, s := range r.Series {
		st := seriesStyle[i%len(seriesStyle)]
		fmt.Fprintf(&b, "<g class=\"series\" data-series=\"%s\">\n", html.EscapeString(s.Name))
		if s.SlopeRTT != nil {
			a, k := *s.InterceptMS, *s.SlopeRTT
			fmt.Fprintf(&b, `<line class="fit" x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s" stroke-width="2" stroke-dasharray="%s"/>`+"\n",
				px(0), py(a), px(xmax), py(math.Min(ymax, a+k*xmax)), st.color, st.dash)
		}
		for _, p := range s.Points {
			b.WriteString(marker(st.marker, st.color, px(p.RTTMS), py(p.MedianMS)))
		}
		// Legend: a piece of the line, the marker, the name and the fit.
		ly := float64(top + 10 + 48*i)
		lx := float64(width - right + 16)
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s" stroke-width="2" stroke-dasharray="%s"/>`+"\n", lx, ly, lx+36, ly, st.color, st.dash)
		b.WriteString(marker(st.marker, st.color, lx+18, ly))
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f">%s</text>`+"\n", lx+44, ly+4, html.EscapeString(s.Name))
		if s.SlopeRTT != nil {
			fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" font-size="11">%.2f ms + %.2f × RTT</text>`+"\n", lx+44, ly+19, *s.InterceptMS, *s.SlopeRTT)
			fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" font-size="11">k = %s</text>`+"\n", lx+44, ly+33, html.EscapeString(s.K()))
		}
		b.WriteString("</g>\n")
	}
	b.WriteString("</svg>\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// marker draws one point's marker.
func marker(shape, color string, x, y float64) string {
	const r = 5
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

// ThroughputSVG draws two panels against the number of connections: the
// requests per second, and the server's CPU time per request, each series'
// median with a bar from the lowest to the highest repeat.
func (r *LoadResults) ThroughputSVG(w io.Writer, title string) error {
	const width, height = 900, 430
	const top, bottom, panelW, gap, left = 50, 56, 330, 90, 80
	series, conns := r.axes()
	ph := float64(height - top - bottom)
	var b strings.Builder
	var desc []string
	for _, p := range r.Points {
		desc = append(desc, fmt.Sprintf("%s、%d 本: 1 秒あたり %.0f リクエスト（%.0f〜%.0f）、リクエスト 1 つあたりのサーバーの CPU 時間 %.1f µs",
			p.Series, p.Conns, p.RPS.Median, p.RPS.Min, p.RPS.Max, p.ServerCPUUS.Median))
	}
	svgOpen(&b, width, height, title, "同時に使うコネクションの数に対して、左は 1 秒あたりのリクエストの数、右はリクエスト 1 つあたりのサーバーの CPU 時間。点は繰り返しの中央値、縦の線は最小から最大まで。"+strings.Join(desc, "。")+"。"+r.Meta.describe()+"。閉ループの負荷。")
	panels := []struct {
		label string
		value func(LoadPoint) Spread
	}{
		{"1 秒あたりのリクエスト", func(p LoadPoint) Spread { return p.RPS }},
		{"リクエスト 1 つあたりのサーバー CPU（µs）", func(p LoadPoint) Spread { return p.ServerCPUUS }},
	}
	for pi, panel := range panels {
		x0 := float64(left + pi*(panelW+gap))
		var ymax float64
		for _, p := range r.Points {
			ymax = math.Max(ymax, panel.value(p).Max)
		}
		ystep := niceStep(ymax)
		ymax = math.Max(ystep, math.Ceil(ymax*1.05/ystep)*ystep)
		py := func(y float64) float64 { return top + ph - y/ymax*ph }
		// Each number of connections gets a slot; series sit side by side in it.
		slot := float64(panelW) / float64(len(conns))
		px := func(c int, si int) float64 {
			i := slices.Index(conns, c)
			return x0 + slot*(float64(i)+0.5) + (float64(si)-float64(len(series)-1)/2)*slot/float64(len(series)+1)
		}
		for y := 0.0; y <= ymax+ystep/2; y += ystep {
			fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#ddd"/><text x="%.1f" y="%.1f" text-anchor="end">%g</text>`+"\n", x0, py(y), x0+panelW, py(y), x0-6, py(y)+4, y)
		}
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="black"/><line x1="%.1f" y1="%d" x2="%.1f" y2="%.1f" stroke="black"/>`+"\n", x0, py(0), x0+panelW, py(0), x0, top, x0, py(0))
		for i, c := range conns {
			fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="middle">%d</text>`+"\n", x0+slot*(float64(i)+0.5), py(0)+18, c)
		}
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" text-anchor="middle">同時に使うコネクション（本）</text>`+"\n", x0+panelW/2, height-14)
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" text-anchor="middle" font-weight="bold">%s</text>`+"\n", x0+panelW/2, top-14, html.EscapeString(panel.label))
		for si, name := range series {
			st := seriesStyle[si%len(seriesStyle)]
			fmt.Fprintf(&b, "<g class=\"series\" data-series=\"%s\">\n", html.EscapeString(name))
			for _, p := range r.Points {
				if p.Series != name {
					continue
				}
				v, x := panel.value(p), px(p.Conns, si)
				fmt.Fprintf(&b, `<line class="range" x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s" stroke-width="1.5"/>`+"\n", x, py(v.Min), x, py(v.Max), st.color)
				fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s" stroke-width="1.5"/><line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s" stroke-width="1.5"/>`+"\n",
					x-4, py(v.Min), x+4, py(v.Min), st.color, x-4, py(v.Max), x+4, py(v.Max), st.color)
				b.WriteString(marker(st.marker, st.color, x, py(v.Median)))
			}
			b.WriteString("</g>\n")
		}
	}
	// Legend, in one row under the title.
	lx := float64(left)
	for si, name := range series {
		st := seriesStyle[si%len(seriesStyle)]
		b.WriteString(marker(st.marker, st.color, lx+6, 14))
		fmt.Fprintf(&b, `<text x="%.1f" y="18">%s</text>`+"\n", lx+16, html.EscapeString(name))
		lx += 40 + 8*float64(len(name))
	}
	b.WriteString("</svg>\n")
	_, err := io.WriteString(w, b.String())
	return err
}
