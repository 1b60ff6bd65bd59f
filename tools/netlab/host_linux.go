//go:build linux

package netlab

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"

	"golang.org/x/sys/unix"

	"tcpbook/internal/netns"
)

// EnvNetns is set in the environment of a program that RerunInNetns
// started.
const EnvNetns = "NETLAB_NETNS"

// RerunInNetns runs this program again in a network namespace of its own
// (and a user namespace too when not root), where only it and its
// children use the loopback interface, so that nothing else on the machine
// shares its ports, sockets or TIME_WAIT counts. It returns the exit code.
// The program calls it when EnvNetns is not set, and calls LoopbackUp in
// the new namespace.
func RerunInNetns() (int, error) {
	code, err := netns.Rerun(EnvNetns, true)
	if err != nil {
		return 0, fmt.Errorf("%w: %w", ErrNoLink, err)
	}
	return code, nil
}

// LoopbackUp brings up lo, which a new network namespace has down.
func LoopbackUp() error { return netns.LoopbackUp() }

// PinProcess restricts every thread of this process to cpus; threads
// started later inherit the restriction.
func PinProcess(cpus []int) error {
	var set unix.CPUSet
	for _, c := range cpus {
		set.Set(c)
	}
	// Twice: a thread started while the first pass runs inherits the old set.
	for range 2 {
		tasks, err := os.ReadDir("/proc/self/task")
		if err != nil {
			return err
		}
		for _, t := range tasks {
			tid, err := strconv.Atoi(t.Name())
			if err != nil {
				continue
			}
			if err := unix.SchedSetaffinity(tid, &set); err != nil && !errors.Is(err, unix.ESRCH) {
				return fmt.Errorf("sched_setaffinity %v: %w", cpus, err)
			}
		}
	}
	return nil
}

// StartPinned starts cmd restricted to cpus: it starts it from a thread of
// its own that it restricts first, since a new process inherits the CPUs
// of the thread that starts it. That thread ends afterwards.
func StartPinned(cmd *exec.Cmd, cpus []int) error {
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread ends with the goroutine
		var set unix.CPUSet
		for _, c := range cpus {
			set.Set(c)
		}
		if err := unix.SchedSetaffinity(0, &set); err != nil {
			errc <- fmt.Errorf("sched_setaffinity %v: %w", cpus, err)
			return
		}
		errc <- cmd.Start()
	}()
	return <-errc
}

// Affinity returns the CPUs the process pid may run on (0: this one).
func Affinity(pid int) ([]int, error) {
	var set unix.CPUSet
	if err := unix.SchedGetaffinity(pid, &set); err != nil {
		return nil, err
	}
	var cpus []int
	for c := range 1024 {
		if set.IsSet(c) {
			cpus = append(cpus, c)
		}
	}
	return cpus, nil
}

// LocalListening reports whether a TCP socket listens on port in this
// thread's network namespace.
func LocalListening(port uint16) (bool, error) { return netns.Listening(port) }

// InNewNetns runs f on a thread of its own in a new network namespace
// with lo up: the sockets f opens and the programs it starts belong to
// that namespace, which disappears when they are gone.
func InNewNetns(f func()) error {
	th, err := netns.NewThread()
	if err != nil {
		return fmt.Errorf("%w: %w\n%s", ErrNoLink, err, Help)
	}
	defer th.Close()
	th.Run(f)
	return nil
}
