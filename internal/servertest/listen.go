package servertest

import (
	"bytes"
	"context"
	"errors"
	"net"
	"os/exec"
	"syscall"
	"testing"
	"time"

	"tcpbook/internal/booktest"
)

// TakenMessage is the explanation for addr, a host:port, word for word as
// the book shows it for localhost:8888 in chapter 2; every chapter's
// server prints the same for its own address.
func TakenMessage(addr string) string {
	_, port, _ := net.SplitHostPort(addr)
	return addr + " で待ち受けられません。ほかのプログラムがこのアドレスを使っています。\n" +
		"前の章のサーバーが、別の端末で動いたままになっていませんか。\n" +
		"  調べる: ss -ltnp 'sport = :" + port + "'\n" +
		"  止める: そのサーバーを動かしている端末で Ctrl-C を押します"
}

// ListenErrorAddressInUse checks a chapter's listenError on a port really
// taken: it explains the error, with the address and port.
func ListenErrorAddressInUse(t *testing.T, listenError func(addr string, err error) string) {
	ln, err := net.Listen("tcp", "localhost:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	taken := ln.Addr().String()
	_, err = net.Listen("tcp", taken)
	if !errors.Is(err, syscall.EADDRINUSE) {
		t.Fatalf("listening on %s twice: %v, want EADDRINUSE", taken, err)
	}
	if got, want := listenError(taken, err), TakenMessage(taken); got != want {
		t.Errorf("listenError:\n%s\nwant:\n%s", got, want)
	}
}

// ListenErrorOther checks that a chapter's listenError gives any other
// error as it is.
func ListenErrorOther(t *testing.T, listenError func(addr string, err error) string) {
	_, err := net.Listen("tcp", "localhost:88888")
	if err == nil {
		t.Fatal("listening on port 88888 succeeded")
	}
	if got := listenError("localhost:88888", err); got != err.Error() {
		t.Errorf("listenError = %q, want the error itself, %q", got, err)
	}
}

// AddressInUse runs the program in dir while the test holds addr (such as
// localhost:8888): it must print TakenMessage(addr) to stderr, nothing to
// stdout, and exit 1. It runs the program in an empty working directory
// and returns it, for a test of what the program must not have made there.
func AddressInUse(t *testing.T, dir, addr string) (workdir string) {
	t.Parallel()
	if !booktest.Isolate(t) {
		return
	}
	bin := booktest.Build(t, dir)
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
	cmd.Dir = t.TempDir()
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Run()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Fatalf("the server ended with %v, want exit status 1\nstdout:\n%s\nstderr:\n%s", err, &stdout, &stderr)
	}
	if got, want := stderr.String(), TakenMessage(addr); got != want+"\n" {
		t.Errorf("stderr:\n%s\nwant:\n%s", got, want)
	}
	if stdout.Len() > 0 {
		t.Errorf("stdout: %q, want nothing", &stdout)
	}
	return cmd.Dir
}
