package godecl

import (
	"errors"
	"go/scanner"
	"slices"
	"testing"
)

func TestParseFragment(t *testing.T) {
	src := "// a is a.\nconst (\n\ta = 1\n\tb = 2\n)\n\n// loose comment\n\n// T is a type.\ntype T struct{}\n\nfunc (t *T) M() {} // trailing\n\nimport \"fmt\"\n"
	decls, _, err := ParseFragment("x.go", []byte(src))
	if err == nil {
		t.Fatalf("an import after declarations parsed: %v", decls)
	}
	src = "import \"fmt\"\n\n// a is a.\nconst (\n\ta = 1\n\tb = 2\n)\n\n// loose comment\n\n// T is a type.\ntype T struct{}\n\nfunc (t *T) M() { fmt.Println() } // trailing\n"
	decls, hasPkg, err := ParseFragment("x.go", []byte(src))
	if err != nil || hasPkg {
		t.Fatalf("ParseFragment: %v, package %v", err, hasPkg)
	}
	type want struct {
		kind        Kind
		names       []string
		first, last int
	}
	wants := []want{
		{Import, []string{"import"}, 1, 1},
		{Other, []string{"a", "b"}, 3, 7},
		{Other, []string{"T"}, 9, 12}, // the loose comment goes with the declaration after it
		{Other, []string{"T.M"}, 14, 14},
	}
	if len(decls) != len(wants) {
		t.Fatalf("got %d declarations: %+v", len(decls), decls)
	}
	for i, w := range wants {
		d := decls[i]
		if d.Kind != w.kind || !slices.Equal(d.Names, w.names) || d.First != w.first || d.Last != w.last {
			t.Errorf("declaration %d = %+v, want %+v", i, d, w)
		}
	}
}

func TestParseWhole(t *testing.T) {
	src := "// Package p does.\npackage p\n\n// f does.\nfunc f() {}\n"
	decls, hasPkg, err := ParseFragment("x.go", []byte(src))
	if err != nil || !hasPkg || len(decls) != 2 {
		t.Fatalf("ParseFragment = %+v, %v, %v", decls, hasPkg, err)
	}
	if d := decls[0]; d.Kind != Package || d.First != 1 || d.Last != 2 {
		t.Errorf("package clause = %+v", d)
	}
	if d := decls[1]; d.Name() != "f" || d.First != 4 || d.Last != 5 {
		t.Errorf("f = %+v", d)
	}
}

func TestParseFragmentError(t *testing.T) {
	_, _, err := ParseFragment("x.go", []byte("func f() {\n\tx :=\n}\n"))
	if err == nil {
		t.Fatal("parsed")
	}
	if line, ok := errLineOf(err); !ok || line != 3 {
		t.Errorf("error %v at line %d, want line 3 (the fragment's own numbering)", err, line)
	}
}

func errLineOf(err error) (int, bool) {
	var e *scanner.Error
	if errors.As(err, &e) {
		return e.Pos.Line, true
	}
	return 0, false
}
