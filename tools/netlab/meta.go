package netlab

import (
	"context"
	"os"
	"os/exec"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// Metadata describes the machine and the run that produced a results
// file, so that a reader can tell why their numbers differ from the book's.
type Metadata struct {
	Start      time.Time `json:"start"`
	Command    []string  `json:"command"`
	Kernel     string    `json:"kernel"` // uname -r
	GoVersion  string    `json:"go_version"`
	GOOS       string    `json:"goos"`
	GOARCH     string    `json:"goarch"`
	CPUs       int       `json:"cpus"` // runtime.NumCPU: the CPUs this process may use
	GOMAXPROCS int       `json:"gomaxprocs"`
	// LoadAverage is /proc/loadavg's 1, 5 and 15 minute averages at the start.
	LoadAverage []float64 `json:"load_average,omitempty"`
	// Host is the TCP settings of the namespace the command started in;
	// Client and Server those of the link's namespaces, which the runs use.
	Host   NetInfo  `json:"host"`
	Client *NetInfo `json:"client_netns,omitempty"`
	Server *NetInfo `json:"server_netns,omitempty"`
	// Fit is how the lines time = a + k·RTT were fitted (FitMethod); empty
	// in files fitted before intervals, to the medians of every RTT.
	Fit string `json:"fit,omitempty"`
	// OrderSeed seeds the random order of the measurements (MeasureOrder);
	// nil for runs made in one pass with the RTTs ascending.
	OrderSeed *uint64 `json:"order_seed,omitempty"`
	// Timing says how MeasureClients timed its client programs: from exec
	// to exit, or as a client reported on its netlab-time: line.
	Timing string `json:"timing,omitempty"`
}

// NetInfo is the TCP settings of one network namespace that shape the
// measurements. An empty string means the setting could not be read.
type NetInfo struct {
	// CongestionControl is net.ipv4.tcp_congestion_control, such as cubic,
	// reno or bbr.
	CongestionControl string `json:"congestion_control"`
	// SlowStartAfterIdle is net.ipv4.tcp_slow_start_after_idle: "1" means a
	// connection idle for more than its retransmission timeout starts again
	// from the initial window (RFC 5681 section 4.1).
	SlowStartAfterIdle string `json:"tcp_slow_start_after_idle"`
	// NoMetricsSave is net.ipv4.tcp_no_metrics_save: "0" means the kernel
	// remembers a closed connection's RTT and ssthresh for the next one to
	// the same address.
	NoMetricsSave string `json:"tcp_no_metrics_save"`
	// InitCwnd is the initial congestion window in segments: a route's
	// initcwnd if one sets it, otherwise the kernel's default, 10
	// (TCP_INIT_CWND, RFC 6928). InitCwndFrom says which.
	InitCwnd     int    `json:"initcwnd"`
	InitCwndFrom string `json:"initcwnd_from"`
}

// DefaultInitCwnd is Linux's initial congestion window, in segments.
const DefaultInitCwnd = 10

// CollectMetadata records the machine and the run as they are now. args is
// the command line (os.Args).
func CollectMetadata(args []string) Metadata {
	m := Metadata{
		Start:      time.Now().UTC().Truncate(time.Second),
		Command:    args,
		Kernel:     readProc("/proc/sys/kernel/osrelease"),
		GoVersion:  runtime.Version(),
		GOOS:       runtime.GOOS,
		GOARCH:     runtime.GOARCH,
		CPUs:       runtime.NumCPU(),
		GOMAXPROCS: runtime.GOMAXPROCS(0),
		Host:       readNetInfo(),
	}
	for _, f := range strings.Fields(readProc("/proc/loadavg")) {
		if len(m.LoadAverage) == 3 {
			break
		}
		if v, err := strconv.ParseFloat(f, 64); err == nil {
			m.LoadAverage = append(m.LoadAverage, v)
		}
	}
	return m
}

// AddLink records the settings of the link's namespaces: those of the
// first link a run makes (its later links share the settings); nothing
// for a nil m.
func (m *Metadata) AddLink(l *Link) {
	if m == nil || m.Server != nil {
		return
	}
	c, s := l.Net()
	m.Client, m.Server = &c, &s
}

// readNetInfo reads the TCP settings of the calling thread's network
// namespace (/proc/sys/net belongs to the thread that opens it).
func readNetInfo() NetInfo {
	n := NetInfo{
		CongestionControl:  readProc("/proc/sys/net/ipv4/tcp_congestion_control"),
		SlowStartAfterIdle: readProc("/proc/sys/net/ipv4/tcp_slow_start_after_idle"),
		NoMetricsSave:      readProc("/proc/sys/net/ipv4/tcp_no_metrics_save"),
		InitCwnd:           DefaultInitCwnd,
		InitCwndFrom:       "kernel default",
	}
	if routes, err := ipRoutes(); err == nil {
		if c, ok := routeInitCwnd(routes); ok {
			n.InitCwnd, n.InitCwndFrom = c, "route"
		}
	} else {
		n.InitCwndFrom = "kernel default (routes not read: " + err.Error() + ")"
	}
	return n
}

// ipRoutes runs ip route show in the calling thread's network namespace
// (a child process starts in its parent thread's namespace).
func ipRoutes() (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "ip", "-4", "route", "show").Output()
	return string(out), err
}

var initcwndRE = regexp.MustCompile(`\binitcwnd (?:lock )?(\d+)`)

// routeInitCwnd returns the largest initcwnd that ip route's output sets.
func routeInitCwnd(routes string) (int, bool) {
	best, found := 0, false
	for _, m := range initcwndRE.FindAllStringSubmatch(routes, -1) {
		if v, err := strconv.Atoi(m[1]); err == nil && v > best {
			best, found = v, true
		}
	}
	return best, found
}

func readProc(name string) string {
	b, err := os.ReadFile(name)
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}
