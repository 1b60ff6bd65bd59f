// Tests for the measuring client of the chapter (not part of the book's
// text): every way of sending gets the chapter's answers from the
// chapter's server or its h2c server and reports one netlab-time line;
// behind /slow, only the sequential and pipelined batches wait for it.
package main

import (
	"os/exec"
	"strings"
	"testing"
	"time"

	"tcpbook/internal/booktest"
)

func TestModes(t *testing.T) {
	if !booktest.Isolate(t) {
		return
	}
	bench := booktest.Build(t, "chapters/08/bench")
	for _, srv := range []struct {
		dir   string
		modes []string
	}{
		{"chapters/08/server", []string{"sequential", "pipelined", "parallel"}},
		{"chapters/08/h2cserver", []string{"h2c"}},
	} {
		t.Run(strings.ReplaceAll(srv.dir, "/", "_"), func(t *testing.T) {
			booktest.Start(t, booktest.Build(t, srv.dir), "localhost:8888") // stopped when the subtest ends
			for _, mode := range srv.modes {
				for _, slow := range []bool{false, true} {
					args := []string{"-addr", "localhost:8888", "-n", "5", "-mode", mode}
					if slow {
						args = append(args, "-slow")
					}
					out, err := exec.Command(bench, args...).CombinedOutput()
					if err != nil {
						t.Fatalf("bench %v: %v\n%s", args, err, out)
					}
					v, ok := strings.CutPrefix(strings.TrimSpace(string(out)), "netlab-time: ")
					d, err := time.ParseDuration(v)
					if !ok || err != nil {
						t.Fatalf("bench %v printed %q, want one line netlab-time: DURATION", args, out)
					}
					// The small GETs wait for /slow's second on one HTTP/1.1
					// connection only.
					if waits := slow && (mode == "sequential" || mode == "pipelined"); waits != (d >= time.Second) {
						t.Errorf("bench %v: %v", args, d)
					}
				}
			}
		})
	}
	// Without a server it fails.
	out, err := exec.Command(bench, "-addr", "localhost:1", "-mode", "sequential").CombinedOutput()
	if err == nil {
		t.Errorf("bench succeeded with no server: %s", out)
	}
}
