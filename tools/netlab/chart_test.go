package netlab

import (
	"encoding/xml"
	"io"
	"strings"
	"testing"
)

// The chart is well-formed SVG with a title and a description that
// states every fit, one group per series with a fitted line and a marker
// per RTT, and no two series alike in marker or dash.
func TestLatencySVG(t *testing.T) {
	r := &Results{Head: Head{Meta: CollectMetadata(nil)}}
	for _, c := range []struct {
		name string
		mode string
		k, a float64
	}{{"ch02", ModeNew, 2, 1}, {"ch04", ModeKeep, 1, 0.3}, {"http", ModeNew, 2, 1}, {"http", ModeKeep, 1, 0.3}} {
		s := Series{Name: c.name + "-" + c.mode, Server: c.name, Mode: c.mode}
		for _, rtt := range []float64{0, 10, 50} {
			var samples []Sample
			for _, e := range []float64{0, -0.1, 0, 0.1} { // the first is kept-alive's handshake
				samples = append(samples, Sample{Total: ms2d(c.a + c.k*rtt + e)})
			}
			s.Points = append(s.Points, NewPoint(ms2d(rtt), c.mode, samples, Stats{}))
		}
		s.FitSeries()
		r.Series = append(r.Series, s)
	}
	var b strings.Builder
	if err := r.SVG(&b, "Time per request against RTT"); err != nil {
		t.Fatal(err)
	}
	svg := b.String()
	d := xml.NewDecoder(strings.NewReader(svg))
	var title, desc string
	groups, points, fits := 0, 0, 0
	styles := map[string]bool{}
	var in string
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("not well-formed XML: %v\n%s", err, svg)
		}
		switch e := tok.(type) {
		case xml.StartElement:
			in = e.Name.Local
			attr := map[string]string{}
			for _, a := range e.Attr {
				attr[a.Name.Local] = a.Value
			}
			switch {
			case in == "g" && attr["class"] == "series":
				groups++
			case attr["class"] == "point":
				points++
			case attr["class"] == "fit":
				fits++
				if styles[attr["stroke"]+attr["stroke-dasharray"]] {
					t.Errorf("two fitted lines drawn alike: %v", attr)
				}
				styles[attr["stroke"]+attr["stroke-dasharray"]] = true
			}
		case xml.CharData:
			switch in {
			case "title":
				title += string(e)
			case "desc":
				desc += string(e)
			}
		case xml.EndElement:
			in = ""
		}
	}
	if title != "Time per request against RTT" {
		t.Errorf("title %q", title)
	}
	for _, want := range []string{"ch02-new: 1.00 ms + 2.00 × RTT、k = 2.00 [", "ch04-keep: 0.30 ms + 1.00 × RTT", ">RTT（ms）<", ">k = 1.00 [", `font-family="&#34;Hiragino Sans&#34;`, "Noto Sans CJK JP", "IPAGothic", `sans-serif" font-size`} {
		if !strings.Contains(desc+svg, want) {
			t.Errorf("the chart does not say %q", want)
		}
	}
	if groups != 4 || fits != 4 || points != 4*3+4 { // 3 RTTs each, and one in each legend entry
		t.Errorf("%d series groups, %d fitted lines, %d markers; want 4, 4, 16", groups, fits, points)
	}
	if !strings.Contains(svg, `>リクエスト 1 つの時間（ms）<`) {
		t.Error("no ms axis label")
	}
}

func TestNiceStep(t *testing.T) {
	for max, want := range map[float64]float64{50: 10, 104: 20, 12: 2, 1: 0.2, 0: 1} {
		if got := niceStep(max); got != want {
			t.Errorf("niceStep(%v) = %v, want %v", max, got, want)
		}
	}
}
