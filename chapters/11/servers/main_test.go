package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestMain lets the test binary play every program of these tests, by the
// name it is run as (symbolic links to it): servers itself, and fake
// servers that print the ready line of chapter 10's server (fake10) or
// chapter 11's (fake11) with their process ID and then wait, or that exit
// at once (fakeexit).
func TestMain(m *testing.M) {
	switch filepath.Base(os.Args[0]) {
	case "servers":
		main()
	case "fake10":
		fmt.Printf("pid %d: localhost:8888 %s（HTTP/2 と HTTP/1.1）\n", os.Getpid(), ready[0])
		time.Sleep(time.Hour) // a server that runs until it is killed
	case "fake11":
		fmt.Printf("pid %d: localhost:8443 %s（HTTP/3）\n", os.Getpid(), ready[1])
		time.Sleep(time.Hour)
	case "fakeexit":
		fmt.Println("待ち受けられません")
		os.Exit(3)
	}
	os.Exit(m.Run())
}

// links makes symbolic links to the test binary under the given names in
// a temporary directory and returns their paths.
func links(t *testing.T, names ...string) []string {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	var paths []string
	for _, n := range names {
		p := filepath.Join(dir, n)
		if err := os.Symlink(exe, p); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	return paths
}

// TestKilledTakesServersAlong starts servers with two fake servers, waits
// for its ready line, kills it as netlab does (SIGKILL) and checks that
// both servers end too.
func TestKilledTakesServersAlong(t *testing.T) {
	p := links(t, "servers", "fake10", "fake11")
	cmd := exec.Command(p[0], p[1], p[2])
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	var pids []int
	pidRE := regexp.MustCompile(`^pid (\d+): `)
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		if m := pidRE.FindStringSubmatch(sc.Text()); m != nil {
			pid, _ := strconv.Atoi(m[1])
			pids = append(pids, pid)
		}
		if sc.Text() == "両方のサーバーが待ち受けています" {
			break
		}
	}
	if len(pids) != 2 {
		t.Fatalf("saw the ready lines of %d servers before servers' own, want 2 (scan error: %v)", len(pids), sc.Err())
	}
	cmd.Process.Kill()
	cmd.Wait()
	deadline := time.Now().Add(5 * time.Second)
	for _, pid := range pids {
		for alive(pid) {
			if time.Now().After(deadline) {
				t.Errorf("server %d still runs 5 s after servers was killed", pid)
				syscall.Kill(pid, syscall.SIGKILL)
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
}

// alive reports whether process pid runs (exists and is not a zombie).
func alive(pid int) bool {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	// the state follows the command name in parentheses: "123 (fake10) S ..."
	_, rest, _ := bytes.Cut(stat, []byte(") "))
	return !bytes.HasPrefix(rest, []byte("Z"))
}

// TestServerExits checks that servers ends with an error, naming the
// program, when one of its servers exits.
func TestServerExits(t *testing.T) {
	p := links(t, "servers", "fake10", "fakeexit")
	cmd := exec.Command(p[0], p[1], p[2])
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	done := make(chan error, 1)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.ExitCode() != 1 {
			t.Errorf("servers ended with %v, want exit status 1", err)
		}
	case <-time.After(20 * time.Second):
		cmd.Process.Kill()
		t.Fatal("servers still runs 20 s after one of its servers exited")
	}
	if !strings.Contains(stderr.String(), "fakeexit が終わりました") {
		t.Errorf("stderr = %q, want it to name the server that ended", stderr.String())
	}
}
