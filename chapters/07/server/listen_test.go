// Tests for listenError (not part of the book's text): what a reader sees
// when chapter 2's server, or anything else, still holds the book's
// address, from a port really taken.
package main

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

// takenMessage is the explanation for localhost:8888, word for word as the
// book shows it; chapter 2's server prints the same.
const takenMessage = `localhost:8888 で待ち受けられません。ほかのプログラムがこのアドレスを使っています。
前の章のサーバーが、別の端末で動いたままになっていませんか。
  調べる: ss -ltnp 'sport = :8888'
  止める: そのサーバーを動かしている端末で Ctrl-C を押します`

func TestListenErrorAddressInUse(t *testing.T) {
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

func TestListenErrorOther(t *testing.T) {
	_, err := net.Listen("tcp", "localhost:88888")
	if err == nil {
		t.Fatal("listening on port 88888 succeeded")
	}
	if got := listenError("localhost:88888", err); got != err.Error() {
		t.Errorf("listenError = %q, want the error itself, %q", got, err)
	}
}

// TestAddressInUse runs the server while the test holds localhost:8888: it
// must print the explanation to stderr, nothing to stdout, and exit 1.
func TestAddressInUse(t *testing.T) {
	t.Parallel()
	if !booktest.Isolate(t) {
		return
	}
	bin := booktest.Build(t, "chapters/07/server")
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
	if got := stderr.String(); got != takenMessage+"\n" {
		t.Errorf("stderr:\n%s\nwant:\n%s", got, takenMessage)
	}
	if stdout.Len() > 0 {
		t.Errorf("stdout: %q, want nothing", &stdout)
	}
}
