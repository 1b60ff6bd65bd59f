package netlab

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Every committed results file of the book reads into its kind's type and
// writes back byte for byte: the types keep every field netlab ever wrote
// there, under the same name, in the same order, with the same omissions,
// so a new run's JSON keeps the shape the chapters and their tables read.
func TestResultsRoundTrip(t *testing.T) {
	files, err := filepath.Glob("../../chapters/*/results/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no results files: %v", err)
	}
	kinds := map[string]bool{}
	for _, name := range files {
		tab, err := ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		var k struct{ Kind string }
		orig, err := os.ReadFile(name)
		if err == nil {
			err = json.Unmarshal(orig, &k)
		}
		if err != nil {
			t.Fatal(err)
		}
		kinds[k.Kind] = true
		data, err := json.MarshalIndent(tab, "", "\t")
		if err != nil {
			t.Fatal(err)
		}
		if data = append(data, '\n'); !bytes.Equal(data, orig) {
			t.Errorf("%s does not write back as it was read:\n%s", name, firstDiff(orig, data))
		}
	}
	t.Logf("%d files, kinds %v", len(files), kinds)
}

// firstDiff shows where two texts part: a few lines of each from there.
func firstDiff(a, b []byte) string {
	la, lb := strings.Split(string(a), "\n"), strings.Split(string(b), "\n")
	for i := range min(len(la), len(lb)) {
		if la[i] != lb[i] {
			return fmt.Sprintf("line %d:\n-%s\n+%s", i+1,
				strings.Join(la[i:min(i+3, len(la))], "\n-"), strings.Join(lb[i:min(i+3, len(lb))], "\n+"))
		}
	}
	return "one is longer"
}
