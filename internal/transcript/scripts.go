package transcript

import (
	"path/filepath"
	"slices"
	"strings"

	"github.com/rogpeppe/go-internal/txtar"
)

// ScriptDir is where the scripts that verify the book's transcripts live,
// relative to the book's root.
const ScriptDir = "testdata/scripts"

// A Ref is a line of a script that names a transcript.
type Ref struct {
	Script string // slash path from the book's root
	Line   int
	Verb   string // run, start, interrupt, waitexit or waitoutput
	ID     string
}

// Verifies reports whether the line compares the transcript with real
// output: run does, and so do interrupt and waitexit (for what start began).
func (r Ref) Verifies() bool { return r.Verb == "run" || r.Ends() }

// Ends reports whether the line ends what start began and compares its
// output: interrupt (Ctrl-C) or waitexit (it ends by itself).
func (r Ref) Ends() bool { return r.Verb == "interrupt" || r.Verb == "waitexit" }

// ScriptRefs lists every line of the scripts in root/ScriptDir that names
// a transcript.
func ScriptRefs(root string) ([]Ref, error) {
	files, err := filepath.Glob(filepath.Join(root, ScriptDir, "*.txtar"))
	if err != nil {
		return nil, err
	}
	slices.Sort(files)
	var refs []Ref
	for _, f := range files {
		a, err := txtar.ParseFile(f)
		if err != nil {
			return nil, err
		}
		rel := ScriptDir + "/" + filepath.Base(f)
		refs = append(refs, scanScript(rel, string(a.Comment))...)
	}
	return refs, nil
}

// scanScript finds the lines of a script that name a transcript. It reads
// a line as testscript does: a # starts a comment, and the command may
// follow [condition] prefixes and then !.
func scanScript(name, script string) []Ref {
	var refs []Ref
	for i, line := range strings.Split(script, "\n") {
		line, _, _ = strings.Cut(line, "#")
		words := strings.Fields(line)
		for len(words) > 0 && strings.HasPrefix(words[0], "[") && strings.HasSuffix(words[0], "]") {
			words = words[1:]
		}
		if len(words) > 0 && words[0] == "!" {
			words = words[1:]
		}
		if len(words) < 2 {
			continue
		}
		switch words[0] {
		case "run", "start", "interrupt", "waitexit":
			refs = append(refs, Ref{Script: name, Line: i + 1, Verb: words[0], ID: words[len(words)-1]})
		case "waitoutput": // waitoutput ID REGEXP
			refs = append(refs, Ref{Script: name, Line: i + 1, Verb: words[0], ID: words[1]})
		}
	}
	return refs
}
