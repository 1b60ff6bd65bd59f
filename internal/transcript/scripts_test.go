package transcript

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func TestScriptRefs(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, filepath.FromSlash(ScriptDir))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	files := map[string]string{
		"b.txtar": "start b-server\n\ninterrupt b-server\n-- file.txt --\nrun not-a-command\n",
		"a.txtar": "# comment\nrun a-run\n",
		"c.txt":   "run not-a-script\n",
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := ScriptRefs(root)
	if err != nil {
		t.Fatal(err)
	}
	want := []Ref{
		{"testdata/scripts/a.txtar", 2, "run", "a-run"},
		{"testdata/scripts/b.txtar", 1, "start", "b-server"},
		{"testdata/scripts/b.txtar", 3, "interrupt", "b-server"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ScriptRefs =\n%v\nwant\n%v", got, want)
	}

	// No script directory: no refs, no error.
	if got, err := ScriptRefs(t.TempDir()); err != nil || len(got) != 0 {
		t.Errorf("ScriptRefs with no scripts = %v, %v", got, err)
	}
}
