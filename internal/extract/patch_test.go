package extract

import (
	"strings"
	"testing"
)

func TestPatch(t *testing.T) {
	const base = "// f does.\nfunc f() {\n\ta()\n\tb()\n\tc()\n}\n"
	diff := "--- x\n+++ y\n@@ -10,6 +10,6 @@\n // f does.\n func f() {\n \ta()\n-\tb()\n+\tB()\n \tc()\n }\n"
	tests := []struct {
		name, text, want, err string
	}{
		{"as written", base, "// f does.\nfunc f() {\n\ta()\n\tB()\n\tc()\n}\n", ""},
		{"moved in its file", base, "// f does.\nfunc f() {\n\ta()\n\tB()\n\tc()\n}\n", ""},
		// The base gained a line inside the hunk's context: the context
		// at the ends gives way, the changed line does not.
		{"base changed next to it", "// f does.\nfunc f() {\n\tz()\n\ta()\n\tb()\n\tc()\n}\n", "// f does.\nfunc f() {\n\tz()\n\ta()\n\tB()\n\tc()\n}\n", ""},
		{"base changed the line", "// f does.\nfunc f() {\n\ta()\n\tbb()\n\tc()\n}\n", "", "no longer applies"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			first := 10
			if tt.name == "moved in its file" {
				first = 40
			}
			got, err := Patch(tt.text, first, diff)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("Patch: %v, want an error with %q", err, tt.err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("Patch = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

// A hunk whose lines appear twice goes where its header says.
func TestPatchNearest(t *testing.T) {
	text := "x\n}\n\ny\n}\n"
	diff := "@@ -4,2 +4,3 @@\n y\n+z\n }\n"
	got, err := Patch(text, 1, diff)
	if want := "x\n}\n\ny\nz\n}\n"; err != nil || got != want {
		t.Fatalf("Patch = %q, %v; want %q", got, err, want)
	}
}

func TestPatchErrors(t *testing.T) {
	for _, diff := range []string{"", "--- a\n+++ b\n", "@@ -1 +1 @@\n?x\n", "junk\n@@ -1 +1 @@\n x\n"} {
		if _, err := Patch("x\n", 1, diff); err == nil {
			t.Errorf("Patch(%q) applied", diff)
		}
	}
}
