// Tests for what a reader sees when the book's address is already taken
// (not part of the book's text): the error, from a port really taken.
package main

import (
	"bytes"
	"context"
	"errors"
	"net"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"tcpbook/internal/booktest"
)

// TestAddressInUse runs the server while the test holds localhost:8888: it
// must print the error to stderr, nothing to stdout, and exit 1.
func TestAddressInUse(t *testing.T) {
	if !booktest.Isolate(t) {
		return
	}
	bin := booktest.Build(t, "chapters/05/httpserver")
	ln, err := net.Listen("tcp", addr)
	switch {
	case errors.Is(err, syscall.EADDRINUSE):
		t.Logf("%s is taken already (no network namespace of our own)", addr)
	case err != nil:
		t.Fatal(err)
	default:
		defer ln.Close()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Run()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Fatalf("the server ended with %v, want exit status 1\nstdout:\n%s\nstderr:\n%s", err, &stdout, &stderr)
	}
	if got := stderr.String(); !strings.Contains(got, "address already in use") || strings.Count(got, "\n") != 1 {
		t.Errorf("stderr: %q, want the one-line error of listening on %s (address already in use)", got, addr)
	}
	if stdout.Len() > 0 {
		t.Errorf("stdout: %q, want nothing", &stdout)
	}
}
