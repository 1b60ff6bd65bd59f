package netlab

import (
	"strings"
	"testing"
)

// MeasurePipeline refuses, before it creates any link, series it does not
// know and the h2c series without the h2c server to run.
func TestPipelinePlanErrors(t *testing.T) {
	for _, c := range []struct {
		plan PipelinePlan
		want string
	}{
		{PipelinePlan{N: 10, Repeat: 1, Series: []string{"h2c"}}, "h2cserver"},
		{PipelinePlan{N: 10, Repeat: 1}, "h2cserver"},
		{PipelinePlan{N: 10, Repeat: 1, H2C: "h2c", Series: []string{"pipelined", "quic"}}, `"quic"`},
		{PipelinePlan{N: 0, Repeat: 1}, "at least one request"},
	} {
		if _, err := MeasurePipeline(c.plan, nil); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: error %v, want one that says %s", c.plan, err, c.want)
		}
	}
}
