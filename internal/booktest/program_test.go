package booktest

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"sync"
	"testing"
	"time"
)

// envTestInterrupt says what the test server (envTestListen) does on
// SIGINT: "ignore" it, "exit3", or "chatter": print chatterLines from
// several goroutines to its standard output and error, then exit 0.
// Unset, SIGINT kills it. It prints its working directory once it
// listens.
const envTestInterrupt = "BOOKTEST_TEST_INTERRUPT"

const (
	chatterGoroutines = 8
	chatterLines      = 200 // each
)

func chatterLine(g, i int) string { return fmt.Sprintf("goroutine %d line %d\n", g, i) }

// handleInterrupt sets up what the test server does on SIGINT, before it
// listens: Start returns only after that.
func handleInterrupt(mode string) {
	switch mode {
	case "":
		return
	case "ignore":
		signal.Ignore(os.Interrupt)
	case "exit3", "chatter":
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, os.Interrupt)
		go func() {
			<-sig
			if mode == "exit3" {
				os.Exit(3)
			}
			var wg sync.WaitGroup
			for g := range chatterGoroutines {
				w := os.Stdout
				if g%2 == 1 {
					w = os.Stderr
				}
				wg.Go(func() {
					for i := range chatterLines {
						fmt.Fprint(w, chatterLine(g, i))
					}
				})
			}
			wg.Wait()
			os.Exit(0)
		}()
	default:
		fmt.Fprintf(os.Stderr, "%s=%q: want ignore, exit3 or chatter\n", envTestInterrupt, mode)
		os.Exit(2)
	}
	wd, err := os.Getwd()
	fmt.Println("working directory:", wd, err)
}

// startTestProgram starts the test binary as a server with Start (in dir,
// unless it is ""), doing mode on SIGINT.
func startTestProgram(t *testing.T, dir, mode string) *Server {
	t.Helper()
	addr := freeAddr(t)
	t.Setenv(envTestListen, addr) // the program's environment is the test's
	t.Setenv(envTestInterrupt, mode)
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return StartIn(t, dir, exe, addr)
}

// TestInterrupt: Interrupt and Wait report how a program ends on Ctrl-C,
// keep all it printed, and report one that does not end; StartIn runs it
// where it is told.
func TestInterrupt(t *testing.T) {
	t.Run("exit status", func(t *testing.T) {
		dir := t.TempDir()
		srv := startTestProgram(t, dir, "exit3")
		WaitOutput(t, srv, "working directory: "+dir+" <nil>\n")
		if err := srv.Interrupt(); err != nil {
			t.Fatal(err)
		}
		err := srv.Wait(waitTimeout)
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.ExitCode() != 3 {
			t.Errorf("Wait after Ctrl-C: %v; want exit status 3\n%s", err, srv.Output())
		}
		if err := srv.Interrupt(); err == nil || !strings.Contains(err.Error(), "the program ended: exit status 3") {
			t.Errorf("Interrupt after the end: %v; want an error saying it ended", err)
		}
	})

	t.Run("ignored", func(t *testing.T) {
		srv := startTestProgram(t, "", "ignore")
		if err := srv.Interrupt(); err != nil {
			t.Fatal(err)
		}
		if err := srv.Wait(300 * time.Millisecond); err == nil || !strings.Contains(err.Error(), "still runs 300ms later") {
			t.Errorf("Wait on a program that ignores Ctrl-C: %v; want an error saying it still runs", err)
		}
		if err := srv.Alive(); err != nil {
			t.Errorf("Wait ended the program: %v", err)
		}
	})

	t.Run("output", func(t *testing.T) {
		wd, err := os.Getwd()
		if err != nil {
			t.Fatal(err)
		}
		srv := startTestProgram(t, "", "chatter")
		WaitOutput(t, srv, "working directory: "+wd+" <nil>\n")
		if err := srv.Interrupt(); err != nil {
			t.Fatal(err)
		}
		if err := srv.Wait(waitTimeout); err != nil {
			t.Fatalf("Wait after Ctrl-C: %v; want exit status 0\n%s", err, srv.Output())
		}
		out := srv.Output()
		for g := range chatterGoroutines {
			for i := range chatterLines {
				if n := strings.Count(out, chatterLine(g, i)); n != 1 {
					t.Fatalf("the output has %q %d times, want once:\n%s", chatterLine(g, i), n, out)
				}
			}
		}
		if got, want := strings.Count(out, "\n"), 1+chatterGoroutines*chatterLines; got != want {
			t.Errorf("the output has %d lines, want %d:\n%s", got, want, out)
		}
	})
}
