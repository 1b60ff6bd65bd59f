package netlab

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"time"
)

// TimeWaitCase is a server and who closes each connection first.
type TimeWaitCase struct {
	Name string `json:"name"`
	// ClientCloses, if true, sends requests without Connection: close and
	// closes each connection after its response; otherwise the request
	// asks the server to close, and the server closes first.
	ClientCloses bool     `json:"client_closes"`
	Exe          string   `json:"-"`
	Args         []string `json:"-"`
}

// TimeWaitRun is one case's count.
type TimeWaitRun struct {
	Case        TimeWaitCase `json:"case"`
	ClosedFirst string       `json:"closed_first"` // "server" or "client"
	Connections int          `json:"connections"`  // one request each, one after another
	// ServerSide and ClientSide count the new TIME_WAIT sockets whose local
	// port is the server's, and those whose remote port is (the client's,
	// each holding an ephemeral port).
	ServerSide int `json:"time_wait_server_side"`
	ClientSide int `json:"time_wait_client_side"`
	// ClientPorts is how many different ports the client's connections
	// came from: fewer than Connections when it reused a port (which
	// tcp_tw_reuse allows on loopback), ending a TIME_WAIT early.
	ClientPorts int     `json:"client_ports"`
	Seconds     float64 `json:"seconds"`
}

// TimeWaitResults is what netlab timewait writes.
type TimeWaitResults struct {
	Head           // "timewait"
	Network string `json:"network"`
	// The namespace's settings that decide what TIME_WAIT costs.
	PortRange    string        `json:"ip_local_port_range"`
	TWReuse      string        `json:"tcp_tw_reuse"`
	MaxTWBuckets string        `json:"tcp_max_tw_buckets"`
	Runs         []TimeWaitRun `json:"runs"`
}

// MeasureTimeWait opens n connections to each case's server, one after
// another with one request each, and counts the TIME_WAIT sockets they
// leave on each side. Nothing else must use port in this namespace (netlab
// runs it in a namespace of its own).
func MeasureTimeWait(cases []TimeWaitCase, n int, port uint16, log io.Writer) (*TimeWaitResults, error) {
	r := &TimeWaitResults{
		Head:         Head{Kind: KindTimeWait},
		PortRange:    strings.Join(strings.Fields(readProc("/proc/sys/net/ipv4/ip_local_port_range")), "-"),
		TWReuse:      readProc("/proc/sys/net/ipv4/tcp_tw_reuse"),
		MaxTWBuckets: readProc("/proc/sys/net/ipv4/tcp_max_tw_buckets"),
	}
	var err error
	for _, c := range cases {
		logf(log, "timewait: %s\n", c.Name)
		// Each case in a namespace of its own, so that no TIME_WAIT socket
		// of one case meets the next case's connections.
		var run TimeWaitRun
		nerr := InNewNetns(func() { run, err = timeWaitRun(c, n, port) })
		if err == nil {
			err = nerr
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", c.Name, err)
		}
		r.Runs = append(r.Runs, run)
	}
	return r, nil
}

func timeWaitRun(c TimeWaitCase, n int, port uint16) (TimeWaitRun, error) {
	run := TimeWaitRun{Case: c, Connections: n, ClosedFirst: "server"}
	if c.ClientCloses {
		run.ClosedFirst = "client"
	}
	srv, err := StartLocalServer(port, nil, nil, c.Exe, c.Args...)
	if err != nil {
		return run, err
	}
	defer srv.Stop()
	s0, c0, err := countTimeWait(port)
	if err != nil {
		return run, err
	}
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(int(port)))
	req := loadRequest(port, !c.ClientCloses)
	start := time.Now()
	ports := map[int]bool{}
	for range n {
		conn, err := net.DialTimeout("tcp", addr, 10*time.Second)
		if err != nil {
			return run, err
		}
		ports[conn.LocalAddr().(*net.TCPAddr).Port] = true
		conn.SetDeadline(time.Now().Add(10 * time.Second))
		r := bufio.NewReader(conn)
		if _, err = conn.Write(req); err == nil {
			err = readHello(r)
		}
		if err == nil && !c.ClientCloses {
			// Wait for the server's FIN, so that it has closed first.
			_, err = r.ReadByte()
			if err == io.EOF {
				err = nil
			} else if err == nil {
				err = fmt.Errorf("bytes after the response")
			}
		}
		conn.Close()
		if err != nil {
			return run, err
		}
	}
	run.Seconds = round(time.Since(start).Seconds(), 3)
	// The last connections' closing handshakes are still under way:
	// wait until the count stops growing, at most a second.
	deadline := time.Now().Add(time.Second)
	s1, c1, err := countTimeWait(port)
	for err == nil && s1-s0+c1-c0 < n && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond) // polling /proc: there is nothing to wait on
		s1, c1, err = countTimeWait(port)
	}
	if err != nil {
		return run, err
	}
	run.ServerSide, run.ClientSide, run.ClientPorts = s1-s0, c1-c0, len(ports)
	return run, nil
}

// countTimeWait counts the TIME_WAIT sockets of this namespace on the
// server's side of port and on the clients' side.
func countTimeWait(port uint16) (server, client int, err error) {
	states, err := ReadTCPStates()
	if err != nil {
		return 0, 0, err
	}
	for _, s := range states {
		if s.State != TCPTimeWait {
			continue
		}
		switch port {
		case s.LocalPort:
			server++
		case s.RemotePort:
			client++
		}
	}
	return server, client, nil
}

func (r *TimeWaitResults) PrintTable(w io.Writer) {
	var names []string
	runs := map[string]map[string]TimeWaitRun{}
	for _, run := range r.Runs {
		if runs[run.Case.Name] == nil {
			names = append(names, run.Case.Name)
			runs[run.Case.Name] = map[string]TimeWaitRun{}
		}
		runs[run.Case.Name][run.ClosedFirst] = run
	}
	t := mdTable{head: []string{"サーバー", "コネクション"}, align: "lr"}
	t.cols("サーバーが先に閉じる", "サーバーの TIME_WAIT", "クライアントの TIME_WAIT")
	t.cols("クライアントが先に閉じる", "サーバーの TIME_WAIT", "クライアントの TIME_WAIT")
	for _, name := range names {
		conns := 0
		var cells []string
		for _, first := range []string{"server", "client"} {
			run, ok := runs[name][first]
			if !ok {
				cells = append(cells, "–", "–")
				continue
			}
			conns = max(conns, run.Connections)
			cells = append(cells, fmt.Sprint(run.ServerSide), fmt.Sprint(run.ClientSide))
		}
		t.rows = append(t.rows, append([]string{name, fmt.Sprint(conns)}, cells...))
	}
	t.write(w)
}
