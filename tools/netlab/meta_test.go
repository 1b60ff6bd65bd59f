package netlab

import (
	"encoding/json"
	"runtime"
	"strings"
	"testing"
)

func TestRouteInitCwnd(t *testing.T) {
	for _, c := range []struct {
		routes string
		want   int
		ok     bool
	}{
		{"default via 192.168.1.1 dev eth0 proto dhcp metric 100\n10.0.0.0/8 dev eth1 scope link\n", 0, false},
		{"default via 192.168.1.1 dev eth0 initcwnd 20 initrwnd 20\n", 20, true},
		{"10.77.0.2 dev tun0 scope link initcwnd lock 4\n", 4, true},
		{"a dev x initcwnd 4\nb dev y initcwnd 32\n", 32, true},
	} {
		got, ok := routeInitCwnd(c.routes)
		if got != c.want || ok != c.ok {
			t.Errorf("routeInitCwnd(%q) = %d, %v; want %d, %v", c.routes, got, ok, c.want, c.ok)
		}
	}
}

// The metadata records what the issue asks of every results file, and
// under the JSON names the chapters read.
func TestCollectMetadata(t *testing.T) {
	m := CollectMetadata([]string{"netlab", "time", "-rtt", "50ms"})
	if m.GoVersion != runtime.Version() || m.GOOS != runtime.GOOS || m.GOARCH != runtime.GOARCH || m.CPUs < 1 || m.Start.IsZero() {
		t.Errorf("incomplete metadata: %+v", m)
	}
	if m.Host.InitCwnd < 1 || m.Host.InitCwndFrom == "" {
		t.Errorf("no initial window: %+v", m.Host)
	}
	data, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{`"start"`, `"command":["netlab","time","-rtt","50ms"]`, `"kernel"`, `"go_version"`, `"goos"`, `"goarch"`, `"cpus"`,
		`"congestion_control"`, `"tcp_slow_start_after_idle"`, `"initcwnd"`} {
		if !strings.Contains(string(data), key) {
			t.Errorf("metadata JSON lacks %s: %s", key, data)
		}
	}
	if runtime.GOOS == "linux" {
		if m.Kernel == "" || len(m.LoadAverage) != 3 || m.Host.CongestionControl == "" || m.Host.SlowStartAfterIdle == "" {
			t.Errorf("on Linux, kernel, load average, congestion control and slow start after idle must be read: %+v", m)
		}
	}
	t.Logf("%s", data)
}
