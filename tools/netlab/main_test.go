package netlab

import (
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"testing"
)

// TestMain lets the test binary stand in for a server program:
// "TESTBINARY -netlab.serve ADDR" serves "Hello World\n" on ADDR with
// net/http, and "TESTBINARY serve [-addr ADDR] [-unbuffered] [-nagle]
// [-size N]" is netlab serve (ServeOptions.Args makes its arguments).
func TestMain(m *testing.M) {
	if len(os.Args) == 3 && os.Args[1] == "-netlab.serve" {
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "Hello World\n") })
		fmt.Fprintln(os.Stderr, http.ListenAndServe(os.Args[2], h))
		os.Exit(1)
	}
	if len(os.Args) > 1 && os.Args[1] == "serve" {
		fs := flag.NewFlagSet("serve", flag.ExitOnError)
		addr := fs.String("addr", "localhost:8888", "")
		var o ServeOptions
		fs.BoolVar(&o.Unbuffered, "unbuffered", false, "")
		fs.BoolVar(&o.Nagle, "nagle", false, "")
		fs.IntVar(&o.Size, "size", 0, "")
		fs.Parse(os.Args[2:])
		ln, err := net.Listen("tcp", *addr)
		if err == nil {
			err = Serve(ln, o)
		}
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Exit(m.Run())
}
