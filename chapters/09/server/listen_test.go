// Tests for listenError (not part of the book's text): what a reader sees
// when another chapter's server, or anything else, still holds the
// chapter's address, from a port really taken. The first two are
// internal/servertest's. servertest.AddressInUse expects the book's
// usual port, 8888, word for word; this chapter listens on 8443, so
// TestAddressInUse runs the same check with the same message for 8443.
// The server listens before it looks for its certificates, so a busy
// port makes none.
package main

import (
	"bytes"
	"context"
	"errors"
	"net"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"tcpbook/internal/booktest"
	"tcpbook/internal/servertest"
)

func TestListenErrorAddressInUse(t *testing.T) { servertest.ListenErrorAddressInUse(t, listenError) }
func TestListenErrorOther(t *testing.T)        { servertest.ListenErrorOther(t, listenError) }

func TestAddressInUse(t *testing.T) {
	if !booktest.Isolate(t) {
		return
	}
	bin := booktest.Build(t, chapter.Dir)
	t.Chdir(t.TempDir()) // where certDir would be made
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
	want := strings.ReplaceAll(servertest.TakenMessage, "8888", "8443")
	if got := stderr.String(); got != want+"\n" {
		t.Errorf("stderr:\n%s\nwant:\n%s", got, want)
	}
	if stdout.Len() > 0 {
		t.Errorf("stdout: %q, want nothing", &stdout)
	}
	if _, err := os.Stat(certDir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("with the port taken, the server made %s (%v); want nothing made", certDir, err)
	}
}
