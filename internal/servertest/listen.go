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

// TakenMessage is the explanation for localhost:8888, word for word as the
// book shows it in chapter 2; every chapter's server prints the same.
const TakenMessage = `localhost:8888 で待ち受けられません。ほかのプログラムがこのアドレスを使っています。
前の章のサーバーが、別の端末で動いたままになっていませんか。
  調べる: ss -ltnp 'sport = :8888'
  止める: そのサーバーを動かしている端末で Ctrl-C を押します`

// ListenErrorAddressInUse checks a chapter's listenError on a port really
// taken: it explains the error, with the address and port.
func ListenErrorAddressInUse(t *testing.T, listenError func(addr string, err error) string) {
	ln, err := net.Listen("tcp", "localhost:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	taken := ln.Addr().String()
	_, port, err := net.SplitHostPort(taken)
	if err != nil {
		t.Fatal(err)
	}
	_, err = net.Listen("tcp", taken)
	if !errors.Is(err, syscall.EADDRINUSE) {
		t.Fatalf("listening on %s twice: %v, want EADDRINUSE", taken, err)
	}
	want := taken + " で待ち受けられません。ほかのプログラムがこのアドレスを使っています。\n" +
		"前の章のサーバーが、別の端末で動いたままになっていませんか。\n" +
		"  調べる: ss -ltnp 'sport = :" + port + "'\n" +
		"  止める: そのサーバーを動かしている端末で Ctrl-C を押します"
	if got := listenError(taken, err); got != want {
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

// AddressInUse runs the program in dir while the test holds addr
// (localhost:8888): it must print TakenMessage to stderr, nothing to
// stdout, and exit 1.
func AddressInUse(t *testing.T, dir, addr string) {
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
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Run()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Fatalf("the server ended with %v, want exit status 1\nstdout:\n%s\nstderr:\n%s", err, &stdout, &stderr)
	}
	if got := stderr.String(); got != TakenMessage+"\n" {
		t.Errorf("stderr:\n%s\nwant:\n%s", got, TakenMessage)
	}
	if stdout.Len() > 0 {
		t.Errorf("stdout: %q, want nothing", &stdout)
	}
}
