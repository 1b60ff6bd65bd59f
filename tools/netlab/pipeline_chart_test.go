package netlab

import (
	"encoding/xml"
	"io"
	"strings"
	"testing"
)

// The pipeline chart is well-formed SVG with a title and a description
// that states every fit, one group per series with a fitted line and a
// marker per RTT, two panels (without and with /slow), and the ways of
// sending drawn apart: no two fitted lines alike in a panel, and each way
// drawn alike in both.
func TestPipelineSVG(t *testing.T) {
	r := &PipelineResults{Head: Head{Kind: KindPipeline, Meta: CollectMetadata(nil)}, N: 10, SlowMS: 1000, Repeat: 5}
	for _, mode := range PipeModes {
		for _, slow := range []bool{false, true} {
			name := mode
			if slow {
				name += "+slow"
			}
			s := PipelineSeries{Name: name, Mode: mode, Slow: slow, ModelRTT: ModelRTT(mode, r.N, slow)}
			a := 5.0
			if slow && (mode == PipeSequential || mode == PipePipelined) {
				a = 1000
			}
			for _, rtt := range []float64{10, 25, 50} {
				y := a + s.ModelRTT*rtt
				s.Points = append(s.Points, PipelinePoint{RTTMS: rtt, SmallMedianMS: y, AllMedianMS: y})
			}
			k := s.ModelRTT
			s.SlopeRTT, s.InterceptMS = &k, &a
			r.Series = append(r.Series, s)
		}
	}
	var b strings.Builder
	if err := r.SVG(&b, "Batch time against RTT"); err != nil {
		t.Fatal(err)
	}
	svg := b.String()
	d := xml.NewDecoder(strings.NewReader(svg))
	var title, desc, in, series string
	groups, points, fits := 0, 0, 0
	styleOf := map[string]string{} // series name to its fitted line's style
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
				series = attr["data-series"]
			case attr["class"] == "point":
				points++
			case attr["class"] == "fit":
				fits++
				styleOf[series] = attr["stroke"] + "|" + attr["stroke-dasharray"]
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
	if title != "Batch time against RTT" {
		t.Errorf("title %q", title)
	}
	for _, want := range []string{
		"sequential: k = 11.00（モデル 11）、a = 5.0 ms",
		"pipelined+slow: k = 2.00（モデル 2）、a = 1000.0 ms",
		"h2c+slow: k = 2.00（モデル 2）、a = 5.0 ms",
		"/slow なし。",
		"GET /slow（1000 ms 後に答える）が先。",
	} {
		if !strings.Contains(desc, want) {
			t.Errorf("the description does not say %q:\n%s", want, desc)
		}
	}
	for _, want := range []string{">RTT（ms）<", ">小さな GET 10 個の時間（ms）<"} {
		if strings.Count(svg, want) != 2 {
			t.Errorf("not one %q per panel", want)
		}
	}
	n := len(r.Series)
	if groups != n || fits != n || points != n*3+n { // 3 RTTs each, and one in each legend entry
		t.Errorf("%d series groups, %d fitted lines, %d markers; want %d, %d, %d", groups, fits, points, n, n, n*4)
	}
	for _, slow := range []string{"", "+slow"} {
		seen := map[string]string{}
		for _, mode := range PipeModes {
			st := styleOf[mode+slow]
			if other, ok := seen[st]; ok {
				t.Errorf("%s and %s drawn alike (%s)", other, mode+slow, st)
			}
			seen[st] = mode + slow
		}
	}
	for _, mode := range PipeModes {
		if styleOf[mode] != styleOf[mode+"+slow"] {
			t.Errorf("%s drawn as %s without /slow but %s with it", mode, styleOf[mode], styleOf[mode+"+slow"])
		}
	}
}
