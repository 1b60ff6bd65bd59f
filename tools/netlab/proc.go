package netlab

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"tcpbook/internal/netns"
)

// clockTick is the unit of /proc/PID/stat's CPU times (USER_HZ, which
// Linux fixes at 100 for programs).
const clockTick = 10 * time.Millisecond

// ProcCPU returns the CPU time the process pid has used so far, user and
// system together: the utime and stime that getrusage reports for it,
// read from /proc/PID/stat while it runs.
func ProcCPU(pid int) (time.Duration, error) {
	f, err := netns.StatFields(pid, 13) // f[0] is field 3, the state
	if err != nil {
		return 0, err
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64) // field 14
	stime, err2 := strconv.ParseInt(f[12], 10, 64) // field 15
	if err := errors.Join(err1, err2); err != nil {
		return 0, err
	}
	return time.Duration(utime+stime) * clockTick, nil
}

// ProcRSS returns the resident memory of the process pid (VmRSS), in bytes.
func ProcRSS(pid int) (int64, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for line := range strings.Lines(string(data)) {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return kb * 1024, err
		}
	}
	return 0, errors.New("no VmRSS")
}

// ProcFDs returns how many files the process pid has open.
func ProcFDs(pid int) (int, error) {
	entries, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	return len(entries), err
}

// Sockstat is the TCP line of /proc/net/sockstat. InUse and TimeWait
// count the calling thread's network namespace; Alloc, Orphan and Mem
// the whole machine. Mem is in pages: the memory of the sockets' send and
// receive queues, not of the sockets themselves.
type Sockstat struct {
	InUse    int `json:"inuse"`
	Orphan   int `json:"orphan"`
	TimeWait int `json:"tw"`
	Alloc    int `json:"alloc"`
	MemPages int `json:"mem_pages"`
}

// ReadSockstat reads /proc/net/sockstat (of the calling thread's namespace).
func ReadSockstat() (Sockstat, error) {
	data, err := os.ReadFile("/proc/thread-self/net/sockstat")
	if err != nil {
		return Sockstat{}, err
	}
	var s Sockstat
	for line := range strings.Lines(string(data)) {
		rest, ok := strings.CutPrefix(line, "TCP:")
		if !ok {
			continue
		}
		fields := map[string]*int{"inuse": &s.InUse, "orphan": &s.Orphan, "tw": &s.TimeWait, "alloc": &s.Alloc, "mem": &s.MemPages}
		f := strings.Fields(rest)
		for i := 0; i+1 < len(f); i += 2 {
			if p := fields[f[i]]; p != nil {
				*p, _ = strconv.Atoi(f[i+1])
			}
		}
		return s, nil
	}
	return s, errors.New("/proc/net/sockstat: no TCP line")
}

// SlabTCP returns the bytes the kernel's TCP socket cache (/proc/slabinfo's
// "TCP" line: active objects times their size) holds, machine-wide; an
// error if slabinfo cannot be read (it needs root).
func SlabTCP() (int64, error) {
	data, err := os.ReadFile("/proc/slabinfo")
	if err != nil {
		return 0, err
	}
	for line := range strings.Lines(string(data)) {
		f := strings.Fields(line)
		if len(f) > 3 && f[0] == "TCP" {
			active, err1 := strconv.ParseInt(f[1], 10, 64)
			size, err2 := strconv.ParseInt(f[3], 10, 64)
			return active * size, errors.Join(err1, err2)
		}
	}
	return 0, errors.New("/proc/slabinfo: no TCP cache")
}

// TCPState is one line of /proc/net/tcp: a socket's ports and state.
type TCPState struct {
	LocalPort, RemotePort uint16
	State                 byte // 0x01 ESTABLISHED, 0x06 TIME_WAIT, 0x0A LISTEN, ...
}

// TCPTimeWait is the TIME_WAIT state in /proc/net/tcp.
const TCPTimeWait = 0x06

// ReadTCPStates reads the TCP sockets of the calling thread's network
// namespace, IPv4 and IPv6.
func ReadTCPStates() ([]TCPState, error) {
	var out []TCPState
	for _, table := range []string{"/proc/thread-self/net/tcp", "/proc/thread-self/net/tcp6"} {
		data, err := os.ReadFile(table)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		for line := range strings.Lines(string(data)) {
			f := strings.Fields(line)
			if len(f) < 4 || f[0] == "sl" {
				continue
			}
			lp, err1 := portOf(f[1])
			rp, err2 := portOf(f[2])
			st, err3 := strconv.ParseUint(f[3], 16, 8)
			if errors.Join(err1, err2, err3) != nil {
				continue
			}
			out = append(out, TCPState{LocalPort: lp, RemotePort: rp, State: byte(st)})
		}
	}
	return out, nil
}

// portOf reads the port of "0100007F:22B8".
func portOf(addr string) (uint16, error) {
	_, p, ok := strings.Cut(addr, ":")
	if !ok {
		return 0, errors.New("no port")
	}
	v, err := strconv.ParseUint(p, 16, 16)
	return uint16(v), err
}
