package main

import (
	"bytes"
	"net"
	"strings"
	"testing"
)

// TestServeAddrInUse: a busy address gets an answer a reader can act on,
// not only the kernel's "bind: address already in use".
func TestServeAddrInUse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	addr := ln.Addr().String()
	_, port, _ := net.SplitHostPort(addr)

	t.Chdir("../..") // the repository's root: a book
	var stdout, stderr bytes.Buffer
	if code := run([]string{"serve", "-addr", addr}, &stdout, &stderr); code != 1 {
		t.Fatalf("mdrun serve on a busy address exited %d, want 1; stderr:\n%s", code, &stderr)
	}
	for _, want := range []string{
		addr + " is already in use",
		"make serve (or mdrun serve) still running",
		"ss -ltnp 'sport = :" + port + "'",
		"Ctrl-C",
		"make serve ADDR=localhost:3001",
		"go run ./cmd/mdrun serve -addr localhost:3001",
	} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("stderr does not say %q:\n%s", want, &stderr)
		}
	}
	if stdout.Len() > 0 {
		t.Errorf("stdout: %q, want nothing (the book is not served)", &stdout)
	}
}
