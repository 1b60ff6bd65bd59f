package booktest

import (
	"os"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"

	"tcpbook/internal/netns"
)

// listeningBy says whose socket listens on the port of addr (HOST:PORT,
// or udpPrefix+HOST:PORT for a UDP port): a process of one of the groups
// pgids, another program, or nobody. It reads the kernel's socket tables
// and the groups' open files rather than connecting, so the server sees
// no connection from the test.
func listeningBy(addr string, pgids []int) (netns.Who, error) {
	hostport, udp := strings.CutPrefix(addr, udpPrefix)
	port, err := portOf(hostport)
	if err != nil {
		return netns.Nobody, err
	}
	if len(pgids) == 0 {
		// No group to own it: say whether anything listens (a group
		// that no process has).
		pgids = []int{-1}
	}
	who := netns.Nobody
	for _, pgid := range pgids {
		w, err := netns.WhoListens(port, udp, pgid)
		if err != nil || w == netns.Group {
			return w, err
		}
		who = w
	}
	return who, nil
}

// openTerminal makes a pseudo-terminal, so that a command prints what it
// prints in the reader's terminal: programs and libc buffer a terminal by
// line and a pipe by block, and tools like curl print differently to a
// terminal. Output post-processing is off, so lines end in "\n" as the
// program wrote them, and the window is a fixed 80x24.
func openTerminal() (term, tty *os.File, err error) {
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY|syscall.O_CLOEXEC, 0)
	if err != nil {
		return nil, nil, err
	}
	fail := func(err error) (*os.File, *os.File, error) {
		m.Close()
		return nil, nil, err
	}
	fd := int(m.Fd())
	if err := unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0); err != nil {
		return fail(err)
	}
	n, err := unix.IoctlGetUint32(fd, unix.TIOCGPTN)
	if err != nil {
		return fail(err)
	}
	s, err := os.OpenFile("/dev/pts/"+strconv.Itoa(int(n)), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		return fail(err)
	}
	sfd := int(s.Fd())
	t, err := unix.IoctlGetTermios(sfd, unix.TCGETS)
	if err == nil {
		t.Oflag &^= unix.OPOST
		t.Lflag &^= unix.ECHO
		err = unix.IoctlSetTermios(sfd, unix.TCSETS, t)
	}
	if err == nil {
		err = unix.IoctlSetWinsize(sfd, unix.TIOCSWINSZ, &unix.Winsize{Row: 24, Col: 80})
	}
	if err != nil {
		s.Close()
		return fail(err)
	}
	return m, s, nil
}

// dieWithParent asks the kernel to kill the child when this process dies
// (strictly, the thread that starts it: see startGroup).
func dieWithParent(attr *syscall.SysProcAttr) { attr.Pdeathsig = syscall.SIGKILL }

// waitExited waits until process pid has exited, without reaping it, and
// reports whether it could.
func waitExited(pid int) bool {
	for {
		var info unix.Siginfo
		err := unix.Waitid(unix.P_PID, pid, &info, unix.WEXITED|unix.WNOWAIT, nil)
		if err != unix.EINTR {
			return err == nil
		}
	}
}
