package booktest

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// A group is a command started in a process group of its own, with
// everything it starts in turn: the shell of a script's command, the go
// stand-in and the chapter's program under it, and whatever that program
// starts. The group never outlives this process:
//
//   - When the command's wait returns, what is left of the group is
//     killed.
//   - A watchdog, a small shell in a process group of its own, holds the
//     read end of a pipe whose write end only this process has. When this
//     process dies without ending the group (go test -timeout panics in
//     the test binary, or sends it SIGQUIT, or SIGKILL), the kernel closes
//     the pipe, and the watchdog kills the group.
//   - On Linux the command itself also gets SIGKILL from the kernel when
//     this process dies (Pdeathsig), should the watchdog not have started.
type group struct {
	cmd   *exec.Cmd
	pgid  int
	guard *os.File // write end of the watchdog's pipe

	waited chan struct{} // closed once the command has been waited for
	once   sync.Once
	err    error
}

// watchdogScript waits for a line on its standard input: a line means
// the group has ended and there is nothing to do; the end of the input
// means the process that started the group died first. It ignores the
// terminal's Ctrl-C and hang-up, which are meant for the test binary.
const watchdogScript = `trap '' INT HUP; read -r line || kill -KILL -"$1" 2>/dev/null`

// startGroup starts cmd in a process group of its own that dies with this
// process (see group).
func startGroup(cmd *exec.Cmd) (*group, error) {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Setpgid = true
	dieWithParent(cmd.SysProcAttr)
	if cmd.WaitDelay == 0 {
		// Output on a pipe is read until every process that holds the
		// pipe has closed it, then for at most this long.
		cmd.WaitDelay = stopTimeout
	}
	g := &group{cmd: cmd, waited: make(chan struct{})}
	started := make(chan error)
	go func() {
		// The kernel sends Pdeathsig when the thread that started the
		// child ends, not the process; and the Go runtime ends a thread
		// when a goroutine locked to it exits (chapter 5's programs do
		// that on purpose). So the child is started from a thread no
		// other goroutine can have, held until the child has been waited
		// for.
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		err := cmd.Start()
		started <- err
		if err == nil {
			<-g.waited
		}
	}()
	if err := <-started; err != nil {
		return nil, err
	}
	g.pgid = cmd.Process.Pid
	guard, err := startWatchdog(g.pgid)
	if err != nil {
		g.signal(syscall.SIGKILL)
		g.wait(nil)
		return nil, fmt.Errorf("starting the watchdog of %s: %v", cmd.Path, err)
	}
	g.guard = guard
	return g, nil
}

// startWatchdog starts the watchdog of process group pgid, and returns the
// write end of its pipe.
func startWatchdog(pgid int) (*os.File, error) {
	r, w, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	defer r.Close()
	cmd := exec.Command("/bin/sh", "-c", watchdogScript, "booktest-watchdog", strconv.Itoa(pgid))
	cmd.Stdin = r
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		w.Close()
		return nil, err
	}
	go cmd.Wait()
	return w, nil
}

// signal sends sig to every process of the group.
func (g *group) signal(sig syscall.Signal) {
	syscall.Kill(-g.pgid, sig)
}

// wait waits for the command to end, then for drained to be closed (what
// it printed has all been read) for at most stopTimeout, then kills what
// is left of its group, and stops the watchdog. A nil drained is not
// waited for. It returns the command's error; it may be called more than
// once.
func (g *group) wait(drained <-chan struct{}) error {
	g.once.Do(func() {
		// Where the leader can be waited for without reaping it, its
		// process group id stays reserved until the group is killed, so
		// the kill cannot reach another group that reused the number.
		reaped := false
		if !waitExited(g.pgid) {
			g.err = g.cmd.Wait()
			reaped = true
		}
		if drained != nil {
			select {
			case <-drained:
			case <-time.After(stopTimeout):
				// Something the command left behind still holds the
				// terminal: it is killed with the rest.
			}
		}
		g.signal(syscall.SIGKILL)
		if !reaped {
			g.err = g.cmd.Wait()
		}
		close(g.waited)
		if g.guard != nil {
			g.guard.Write([]byte("ended\n"))
			g.guard.Close()
		}
	})
	<-g.waited
	return g.err
}
