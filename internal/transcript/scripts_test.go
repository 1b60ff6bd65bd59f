package transcript

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

func TestScriptRefs(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, filepath.FromSlash(ScriptDir))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	files := map[string]string{
		"b.txtar": "start b-server\n\ninterrupt b-server\nrun 'unterminated\n-- file.txt --\nrun not-a-command\n",
		"a.txtar": "# comment\nrun a-run\n",
		"c.txt":   "run not-a-script\n",
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want := []Ref{
		{"testdata/scripts/a.txtar", 2, "run", "a-run"},
		{"testdata/scripts/b.txtar", 1, "start", "b-server"},
		{"testdata/scripts/b.txtar", 3, "interrupt", "b-server"},
	}
	got, err := ScriptRefs(root)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ScriptRefs =\n%v\nwant\n%v", got, want)
	}
	refs, bad, err := ScanScripts(root)
	if err != nil || !reflect.DeepEqual(refs, want) {
		t.Errorf("ScanScripts = %v, _, %v; want the refs of ScriptRefs", refs, err)
	}
	if len(bad) != 1 || bad[0].Script != "testdata/scripts/b.txtar" || bad[0].Line != 4 || bad[0].Err.Error() != "unterminated quoted argument" {
		t.Errorf("ScanScripts bad lines = %v, want b.txtar:4 unterminated", bad)
	}

	// No script directory: no refs, no error.
	if got, err := ScriptRefs(t.TempDir()); err != nil || len(got) != 0 {
		t.Errorf("ScriptRefs with no scripts = %v, %v", got, err)
	}
}

func TestScanScript(t *testing.T) {
	script := "# run ch01-commented\n" + // 1
		"run ch01-a\n" + // 2
		"! run -norm ephemeral-port,http-date ch01-b\n" + // 3
		"start ch01-server\n" + // 4
		"waitport localhost:8888\n" +
		"  interrupt   -norm ephemeral-port ch01-server  \n" + // 6
		"run ch01-c # the client\n" + // 7
		"[linux] run ch01-d\n" + // 8
		"[!windows] [short] ! run ch01-e\n" + // 9
		"run\n" + // 10: no id, a bad line
		"exec run ch01-f\n" +
		"stdout 'run ch01-g'\n" +
		"running ch01-h\n" +
		"\n" +
		"interrupt ch01-x#y\n" + // 15: testscript ends the line at an unquoted #, even inside a word
		"waitoutput ch01-server 'a # b'\n" + // 16: a quoted # is not a comment
		"waitoutput ch01-server a' # 'b\n" + // 17: nor inside a word
		"run 'ch01-quoted'\n" + // 18
		"run ch01-i '# not a comment'\n" + // 19: two arguments, a bad line
		"waitexit ch01-j#\n" // 20
	want := []Ref{
		{"s.txtar", 2, "run", "ch01-a"},
		{"s.txtar", 3, "run", "ch01-b"},
		{"s.txtar", 4, "start", "ch01-server"},
		{"s.txtar", 6, "interrupt", "ch01-server"},
		{"s.txtar", 7, "run", "ch01-c"},
		{"s.txtar", 8, "run", "ch01-d"},
		{"s.txtar", 9, "run", "ch01-e"},
		{"s.txtar", 15, "interrupt", "ch01-x"},
		{"s.txtar", 16, "waitoutput", "ch01-server"},
		{"s.txtar", 17, "waitoutput", "ch01-server"},
		{"s.txtar", 18, "run", "ch01-quoted"},
		{"s.txtar", 20, "waitexit", "ch01-j"},
	}
	got, bad := scanScript("s.txtar", script)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("scanScript =\n%v\nwant\n%v", got, want)
	}
	var badLines []int
	for _, b := range bad {
		badLines = append(badLines, b.Line)
	}
	if want := []int{10, 19}; !slices.Equal(badLines, want) {
		t.Errorf("bad lines %v, want %v: %v", badLines, want, bad)
	}
	calls, _ := ScriptCalls(script)
	for _, c := range calls {
		if c.Line == 17 && c.Args[1] != "a # b" {
			t.Errorf("line 17: REGEXP %q, want %q", c.Args[1], "a # b")
		}
		if c.Line == 3 && (!c.Neg || len(c.Rules) != 2 || c.Rules[0].Name != "ephemeral-port" || c.Rules[1].Name != "http-date") {
			t.Errorf("line 3: neg %v, rules %v", c.Neg, c.Rules)
		}
	}
}

// TestSplitWordsLikeTestscript runs lines through testscript's own parser
// (a command that records the words it is given) and through parseLine,
// and requires the same words, and the same !.
func TestSplitWordsLikeTestscript(t *testing.T) {
	lines := []string{
		"words a b c",
		"words   a\tb \r",
		"words a#b c",
		"words a #b c",
		"words a# b",
		"words 'a # b' c",
		"words a' # 'b",
		"words 'Don''t communicate by sharing memory.'",
		"words '' x ''",
		"words ''''",
		"words 'a'b'c'",
		`words "a b" "#"`,
		"words '$HOME' '#'",
		"words 'tab\there'",
		"! words x",
		"[yes] words y",
		"[yes] [!no] ! words z '['",
		"words [x] !",
		"words a'#'",
		"  # words not-a-call",
		"words # a comment 'with an unterminated quote",
		"words '' '#'#'",
	}
	dir := t.TempDir()
	file := filepath.Join(dir, "words.txtar")
	if err := os.WriteFile(file, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	type seen struct {
		neg   bool
		words []string
	}
	var got []seen
	// testscript runs each script as a parallel subtest: t.Run returns
	// once it has run.
	t.Run("testscript", func(t *testing.T) {
		testscript.Run(t, testscript.Params{
			Files: []string{file},
			Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
				"words": func(ts *testscript.TestScript, neg bool, args []string) {
					got = append(got, seen{neg, append([]string{"words"}, args...)})
				},
			},
			Condition: func(cond string) (bool, error) {
				switch cond {
				case "yes":
					return true, nil
				case "no":
					return false, nil
				}
				return false, fmt.Errorf("unknown condition %q", cond)
			},
		})
	})
	var want []seen
	for _, line := range lines {
		l, err := parseLine(line)
		if err != nil {
			t.Fatalf("parseLine(%q): %v", line, err)
		}
		if len(l.words) > 0 {
			want = append(want, seen{l.neg, l.words})
		}
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("testscript read\n%v\nparseLine read\n%v", got, want)
	}
}

func TestParseLine(t *testing.T) {
	tests := []struct {
		line  string
		conds []string
		neg   bool
		words []string
		err   string
	}{
		{line: ""},
		{line: "   "},
		{line: "# comment"},
		{line: "run x", words: []string{"run", "x"}},
		{line: "[linux] [!short] ! run x", conds: []string{"[linux]", "[!short]"}, neg: true, words: []string{"run", "x"}},
		{line: "[linux]#", err: "missing command after condition"},
		{line: "!", err: "! on line by itself"},
		{line: "[linux] ! # nothing", err: "! on line by itself"},
		{line: "run 'x", err: "unterminated quoted argument"},
		{line: "run 'x''", err: "unterminated quoted argument"},
		{line: "run x 'a''b' \"c\"", words: []string{"run", "x", "a'b", `"c"`}},
		{line: "!run x", words: []string{"!run", "x"}}, // not negated: testscript wants the ! apart
		{line: "[ linux ] run", words: []string{"[", "linux", "]", "run"}},
	}
	for _, tt := range tests {
		l, err := parseLine(tt.line)
		if tt.err != "" {
			if err == nil || err.Error() != tt.err {
				t.Errorf("parseLine(%q) error %v, want %q", tt.line, err, tt.err)
			}
			continue
		}
		if err != nil || !slices.Equal(l.conds, tt.conds) || l.neg != tt.neg || !slices.Equal(l.words, tt.words) {
			t.Errorf("parseLine(%q) = %q %v %q, %v; want %q %v %q", tt.line, l.conds, l.neg, l.words, err, tt.conds, tt.neg, tt.words)
		}
	}
}

func TestCommandParse(t *testing.T) {
	tests := []struct {
		line string
		id   string
		args []string
		err  string
	}{
		{line: "run x", id: "x", args: []string{"x"}},
		{line: "run -norm=http-date x", id: "x", args: []string{"x"}},
		{line: "run -norm '' x", id: "x", args: []string{"x"}},
		{line: "! waitexit -norm go-trace x", id: "x", args: []string{"x"}},
		{line: "waitoutput x -y", id: "x", args: []string{"x", "-y"}}, // no flags: a REGEXP may start with -
		{line: "waitport localhost:8888", args: []string{"localhost:8888"}},
		{line: "waitport -udp localhost:8443", args: []string{"localhost:8443"}},
		{line: "waitport -udp", err: "waitport: 0 arguments, want 1: usage: waitport [-udp] HOST:PORT"},
		{line: "run", err: "run: 0 arguments, want 1: usage: [!] run [-norm rule,...] ID"},
		{line: "run x y", err: "run: 2 arguments, want 1"},
		{line: "run -norm", err: "run: flag needs an argument: -norm"},
		{line: "run -n x", err: "flag provided but not defined: -n"},
		{line: "run -norm nosuch x", err: `run: unknown normalisation rule "nosuch"`},
		{line: "! start x", err: "start takes no !: usage: start ID"},
		{line: "! interrupt x", err: "interrupt takes no !"},
		{line: "! waitoutput x y", err: "waitoutput takes no !"},
		{line: "! waitport h:1", err: "waitport takes no !"},
		{line: "start -norm http-date x", err: "start: 3 arguments, want 1"},
	}
	for _, tt := range tests {
		calls, errs := ScriptCalls(tt.line)
		if tt.err != "" {
			if len(errs) != 1 || !strings.Contains(errs[0].Err.Error(), tt.err) {
				t.Errorf("%q: errors %v, want one containing %q", tt.line, errs, tt.err)
			}
			continue
		}
		if len(errs) > 0 || len(calls) != 1 {
			t.Errorf("%q: %v, %v", tt.line, calls, errs)
			continue
		}
		if c := calls[0]; c.ID() != tt.id || !slices.Equal(c.Args, tt.args) || c.Line != 1 {
			t.Errorf("%q: ID %q, Args %q, Line %d; want %q, %q, 1", tt.line, c.ID(), c.Args, c.Line, tt.id, tt.args)
		}
	}
}

// TestCommandTable checks the table's promises to its readers.
func TestCommandTable(t *testing.T) {
	names := map[string]bool{}
	for _, c := range ScriptCommands() {
		if names[c.Name] {
			t.Errorf("%s is in the table twice", c.Name)
		}
		names[c.Name] = true
		if (c.Starts || c.Ends || c.Verifies) && c.IDArg() < 0 {
			t.Errorf("%s starts, ends or verifies, but names no console block", c.Name)
		}
		if c.Ends && !c.Verifies {
			t.Errorf("%s ends what start began without comparing its output", c.Name)
		}
		if c.Starts && c.Ends {
			t.Errorf("%s both starts and ends", c.Name)
		}
		if got, ok := LookupCommand(c.Name); !ok || !reflect.DeepEqual(got, c) {
			t.Errorf("LookupCommand(%q) = %v, %v", c.Name, got, ok)
		}
	}
	if !slices.ContainsFunc(ScriptCommands(), func(c ScriptCommand) bool { return c.Starts }) ||
		!slices.ContainsFunc(ScriptCommands(), func(c ScriptCommand) bool { return c.Ends }) {
		t.Errorf("no command starts, or none ends")
	}
	// What ScriptCommands returns is the caller's.
	cmds := ScriptCommands()
	cmds[0].Args[0] = "changed"
	cmds[0].Verifies = !cmds[0].Verifies
	if again := ScriptCommands(); again[0].Args[0] == "changed" || again[0].Verifies == cmds[0].Verifies {
		t.Errorf("changing what ScriptCommands returned changed the table")
	}
	if got := (ScriptCommand{Name: "w", Norm: true, Neg: true, Args: []string{"ID", "X"}}).Usage(); got != "[!] w [-norm rule,...] ID X" {
		t.Errorf("Usage = %q", got)
	}
}

func TestRefVerifies(t *testing.T) {
	for verb, want := range map[string][3]bool{
		// Verifies, Starts, Ends
		"run":        {true, false, false},
		"start":      {false, true, false},
		"interrupt":  {true, false, true},
		"waitexit":   {true, false, true},
		"waitoutput": {false, false, false},
		"exec":       {false, false, false},
	} {
		r := Ref{Verb: verb}
		if got := [3]bool{r.Verifies(), r.Starts(), r.Ends()}; got != want {
			t.Errorf("%s: Verifies, Starts, Ends = %v, want %v", verb, got, want)
		}
	}
}
