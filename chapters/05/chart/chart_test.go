// Tests for the chapter's chart program (not part of the book's text).
package main

import (
	"encoding/xml"
	"io"
	"os"
	"slices"
	"strings"
	"testing"
)

// TestChapterCharts checks that the charts beside the chapter are the
// ones the saved results draw, and that they are well-formed SVG.
func TestChapterCharts(t *testing.T) {
	var runs []run
	var rep report
	if err := readJSON("../results/latency.json", &runs); err != nil {
		t.Fatal(err)
	}
	if err := readJSON("../results/load.json", &rep); err != nil {
		t.Fatal(err)
	}
	drawn := charts(runs, rep)
	var names []string
	for _, c := range drawn {
		names = append(names, c.name)
	}
	if !slices.Equal(names, []string{"latency.svg", "throughput.svg"}) {
		t.Errorf("charts draws %q, want latency.svg and throughput.svg", names)
	}
	for _, c := range drawn {
		file := "../" + c.name
		var b strings.Builder
		c.draw(&b)
		got := b.String()
		d := xml.NewDecoder(strings.NewReader(got))
		elements := 0
		for {
			tok, err := d.Token()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("%s: not well-formed XML: %v", file, err)
			}
			if _, ok := tok.(xml.StartElement); ok {
				elements++
			}
		}
		if !strings.HasPrefix(got, "<svg ") || elements < 20 {
			t.Errorf("%s: %d elements, want an svg with at least 20", file, elements)
		}
		want, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		if got != string(want) {
			t.Errorf("%s is not what chapters/05/results draw: run go run ./chapters/05/chart", file)
		}
	}
}
