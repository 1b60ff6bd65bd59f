package booktest

import (
	"bytes"
	"net"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"tcpbook/internal/netns"
)

// Environment of TestIsolateSerial's children.
const (
	envSerialAddr    = "BOOKTEST_SERIAL_ADDR"    // the fixed address the workers use
	envSerialControl = "BOOKTEST_SERIAL_CONTROL" // "1": the workers do not call Isolate
)

// The workers stand for a chapter's tests: each calls t.Parallel and
// Isolate, then uses the same fixed address for a while. They run only in
// TestIsolateSerial's children.
func TestSerialWorker1(t *testing.T) { serialWorker(t) }
func TestSerialWorker2(t *testing.T) { serialWorker(t) }
func TestSerialWorker3(t *testing.T) { serialWorker(t) }

func serialWorker(t *testing.T) {
	addr := os.Getenv(envSerialAddr)
	if addr == "" {
		t.Skip("runs only in TestIsolateSerial's children")
	}
	t.Parallel()
	if os.Getenv(envSerialControl) != "1" && !Isolate(t) {
		return
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("another test uses the port at the same time: %v", err)
	}
	defer ln.Close()
	// The test's work on its port; a test running beside it would find
	// the port taken meanwhile.
	time.Sleep(200 * time.Millisecond)
}

// TestIsolateSerial: without network namespaces (simulated with
// TCPBOOK_NO_NETNS=1), tests that call t.Parallel and Isolate and use one
// fixed address run one at a time, in one test binary and across two
// running side by side (as go test ./... runs packages), and say why. The
// same workers without Isolate collide, so the check can fail.
func TestIsolateSerial(t *testing.T) {
	t.Parallel()
	addr := freeAddr(t)
	tmp := t.TempDir() // the children's lock file, shared by them only
	run := func(control bool) []string {
		env := append(os.Environ(), netns.EnvOff+"=1", envSerialAddr+"="+addr, "TMPDIR="+tmp)
		if control {
			env = append(env, envSerialControl+"=1")
		}
		outs := make([]string, 2)
		var wg sync.WaitGroup
		for i := range outs {
			wg.Go(func() {
				cmd := exec.Command(os.Args[0], "-test.run=^TestSerialWorker", "-test.v", "-test.parallel=3")
				cmd.Env = env
				var out bytes.Buffer
				cmd.Stdout, cmd.Stderr = &out, &out
				if err := cmd.Run(); err != nil {
					out.WriteString("exit: " + err.Error() + "\n")
				}
				outs[i] = out.String()
			})
		}
		wg.Wait()
		return outs
	}

	for i, out := range run(false) {
		if strings.Contains(out, "exit: ") || strings.Count(out, "--- PASS: TestSerialWorker") != 3 {
			t.Errorf("child %d: want its three workers to pass, one at a time:\n%s", i, out)
		}
		if !strings.Contains(out, "NOTICE: no network namespace ("+netns.EnvOff+"=1") {
			t.Errorf("child %d does not say why its tests share the machine's network:\n%s", i, out)
		}
	}
	collided := false
	for _, out := range run(true) {
		collided = collided || strings.Contains(out, "another test uses the port at the same time")
	}
	if !collided {
		t.Errorf("without Isolate the workers did not collide: the check cannot tell serial from parallel")
	}
}
