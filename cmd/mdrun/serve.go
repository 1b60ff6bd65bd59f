package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"tcpbook/internal/preview"
)

// pollInterval is how often serve looks for changed files where the
// operating system cannot tell it of them (see preview.Server.Watch);
// where it can, a save shows in the browser within a build and a page's
// load.
const pollInterval = 100 * time.Millisecond

func runServe(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("serve", "[-addr host:port]", stderr)
	addr := fs.String("addr", "localhost:3000", "serve the book at `host:port`")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return errUsage
	}
	root, err := chapterRoot()
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *addr)
	if errors.Is(err, syscall.EADDRINUSE) {
		return addrInUse(*addr)
	}
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	srv := preview.NewServer(root, stderr)
	go srv.Watch(ctx, pollInterval)
	hs := &http.Server{
		Handler:           srv,
		ReadHeaderTimeout: 10 * time.Second,
		// Requests end with the server, the page's event stream included.
		BaseContext: func(net.Listener) context.Context { return ctx },
	}
	host, _, _ := net.SplitHostPort(*addr)
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	if host == "" {
		host = "localhost"
	}
	fmt.Fprintf(stdout, "mdrun serve: the book is at http://%s/ (Ctrl-C to stop)\n", net.JoinHostPort(host, port))

	done := make(chan struct{})
	go func() {
		defer close(done)
		<-ctx.Done()
		srv.Close() // end the pages' event streams
		shutdown, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		hs.Shutdown(shutdown)
	}()
	if err := hs.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	<-done
	return nil
}

// addrInUse explains a busy address to a reader who ran make serve: what
// is probably there, how to find and stop it, and how to pick another.
func addrInUse(addr string) error {
	_, port, _ := net.SplitHostPort(addr)
	return fmt.Errorf(`%s is already in use: another program listens there, most likely an earlier
make serve (or mdrun serve) still running in another terminal.
  see what it is:  ss -ltnp 'sport = :%s'
  stop it:         Ctrl-C in its terminal
  or use another:  make serve ADDR=localhost:3001  (go run ./cmd/mdrun serve -addr localhost:3001)`, addr, port)
}
