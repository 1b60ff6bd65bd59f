package netlab

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"testing"
)

// TestMain lets the test binary stand in for a server program:
// "TESTBINARY -netlab.serve ADDR" serves "Hello World\n" on ADDR.
func TestMain(m *testing.M) {
	if len(os.Args) == 3 && os.Args[1] == "-netlab.serve" {
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "Hello World\n") })
		fmt.Fprintln(os.Stderr, http.ListenAndServe(os.Args[2], h))
		os.Exit(1)
	}
	os.Exit(m.Run())
}
