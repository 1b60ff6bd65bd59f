// The book's transcripts, verified: the scripts in testdata/scripts run the
// chapters' programs as a reader would and compare what they print with the
// console blocks of the chapters. See internal/booktest.
package book_test

import (
	"flag"
	"testing"

	"tcpbook/internal/booktest"
)

var update = flag.Bool("update", false, "rewrite the book's console blocks from real runs (make update)")

func TestMain(m *testing.M) { booktest.Main(m) }

func TestTranscripts(t *testing.T) {
	booktest.Run(t, booktest.Params{Root: ".", Update: *update})
}
