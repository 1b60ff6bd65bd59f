package transcript

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"

	"github.com/rogpeppe/go-internal/txtar"
)

// ScriptDir is where the scripts that verify the book's transcripts live,
// relative to the book's root.
const ScriptDir = "testdata/scripts"

// A ScriptCommand is one of the commands internal/booktest adds to
// testscript's, as the table scriptCommands describes it. booktest
// registers exactly these commands and parses their arguments with
// ScriptCommand.Parse; mdrun check and the site read scripts with
// ScanScripts. Neither guesses at a command's shape on its own.
type ScriptCommand struct {
	Name string
	// Norm says the command takes -norm rule,... (Rules) before its
	// arguments.
	Norm bool
	// UDP says the command takes -udp (Call.UDP) before its arguments.
	UDP bool
	// Args names the command's arguments, in order. An argument named
	// "ID" is the id of a console block.
	Args []string
	// Neg says the command may be prefixed with ! (each command says
	// what ! means for it).
	Neg bool
	// Starts says the command starts the command of a console block in
	// the background; a command that Ends must end it later in the same
	// script.
	Starts bool
	// Ends says the command ends what a command that Starts began.
	Ends bool
	// Verifies says the command compares the console block with what its
	// command really printed.
	Verifies bool
}

// scriptCommands is the one table of the scripts' commands.
var scriptCommands = []ScriptCommand{
	{Name: "run", Norm: true, Args: []string{"ID"}, Neg: true, Verifies: true},
	{Name: "start", Args: []string{"ID"}, Starts: true},
	{Name: "waitport", UDP: true, Args: []string{"HOST:PORT"}},
	{Name: "interrupt", Norm: true, Args: []string{"ID"}, Ends: true, Verifies: true},
	{Name: "waitexit", Norm: true, Args: []string{"ID"}, Neg: true, Ends: true, Verifies: true},
	{Name: "waitoutput", Args: []string{"ID", "REGEXP"}},
}

// ScriptCommands returns the commands booktest adds to testscript's: a
// copy, so that no caller changes what the others see.
func ScriptCommands() []ScriptCommand {
	cmds := slices.Clone(scriptCommands)
	for i := range cmds {
		cmds[i].Args = slices.Clone(cmds[i].Args)
	}
	return cmds
}

// LookupCommand returns the command named name.
func LookupCommand(name string) (ScriptCommand, bool) {
	for _, c := range scriptCommands {
		if c.Name == name {
			c.Args = slices.Clone(c.Args)
			return c, true
		}
	}
	return ScriptCommand{}, false
}

// IDArg returns the index in Args of the argument that names a console
// block, or -1 if the command names none.
func (c ScriptCommand) IDArg() int { return slices.Index(c.Args, "ID") }

// Usage returns the command's synopsis: "[!] waitexit [-norm rule,...] ID".
func (c ScriptCommand) Usage() string {
	var b strings.Builder
	if c.Neg {
		b.WriteString("[!] ")
	}
	b.WriteString(c.Name)
	if c.Norm {
		b.WriteString(" [-norm rule,...]")
	}
	if c.UDP {
		b.WriteString(" [-udp]")
	}
	for _, a := range c.Args {
		b.WriteString(" " + a)
	}
	return b.String()
}

// A Call is a use of a ScriptCommand, its arguments parsed.
type Call struct {
	Command ScriptCommand
	Line    int    // in the script, from 1; 0 when not known
	Neg     bool   // prefixed with !
	Rules   []Rule // the rules -norm names, in the order named
	UDP     bool   // -udp: the port is UDP's
	Args    []string
}

// ID returns the console block's id the call names, or "".
func (c Call) ID() string {
	if i := c.Command.IDArg(); i >= 0 {
		return c.Args[i]
	}
	return ""
}

// Parse reads the arguments that follow the command's name in a script,
// as booktest does when it runs the command: neg says the line had !.
func (c ScriptCommand) Parse(neg bool, args []string) (Call, error) {
	call := Call{Command: c, Neg: neg}
	if neg && !c.Neg {
		return call, fmt.Errorf("%s takes no !: usage: %s", c.Name, c.Usage())
	}
	if c.Norm {
		fs := flag.NewFlagSet(c.Name, flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		norm := fs.String("norm", "", "")
		if err := fs.Parse(args); err != nil {
			return call, fmt.Errorf("%s: %v: usage: %s", c.Name, err, c.Usage())
		}
		args = fs.Args()
		if *norm != "" {
			rules, err := Lookup(strings.Split(*norm, ","))
			if err != nil {
				return call, fmt.Errorf("%s: %v", c.Name, err)
			}
			call.Rules = rules
		}
	}
	if c.UDP && len(args) > 0 && args[0] == "-udp" {
		call.UDP, args = true, args[1:]
	}
	if len(args) != len(c.Args) {
		return call, fmt.Errorf("%s: %d arguments, want %d: usage: %s", c.Name, len(args), len(c.Args), c.Usage())
	}
	call.Args = slices.Clone(args)
	return call, nil
}

// A Ref is a line of a script that names a transcript.
type Ref struct {
	Script string // slash path from the book's root
	Line   int
	Verb   string // the name of a ScriptCommand whose IDArg is not -1
	ID     string
}

func (r Ref) command() ScriptCommand {
	c, _ := LookupCommand(r.Verb)
	return c
}

// Verifies reports whether the line compares the transcript with real
// output: run does, and so do interrupt and waitexit (for what start began).
func (r Ref) Verifies() bool { return r.command().Verifies }

// Starts reports whether the line starts the transcript's command in the
// background, for a later line that Ends it.
func (r Ref) Starts() bool { return r.command().Starts }

// Ends reports whether the line ends what start began and compares its
// output: interrupt (Ctrl-C) or waitexit (it ends by itself).
func (r Ref) Ends() bool { return r.command().Ends }

// A BadLine is a line of a script that uses a ScriptCommand wrongly, or
// that testscript cannot parse at all. The script fails there when it
// runs.
type BadLine struct {
	Script string // slash path from the book's root
	Line   int
	Err    error
}

// ScriptRefs lists every line of the scripts in root/ScriptDir that names
// a transcript.
func ScriptRefs(root string) ([]Ref, error) {
	refs, _, err := ScanScripts(root)
	return refs, err
}

// ScanScripts reads the scripts in root/ScriptDir: it lists every line that
// names a transcript, and every line it cannot read as booktest would
// run it.
func ScanScripts(root string) ([]Ref, []BadLine, error) {
	files, err := ScriptFiles(root)
	if err != nil {
		return nil, nil, err
	}
	var refs []Ref
	var bad []BadLine
	for _, f := range files {
		a, err := txtar.ParseFile(f)
		if err != nil {
			return nil, nil, err
		}
		rel := ScriptDir + "/" + filepath.Base(f)
		r, b := scanScript(rel, string(a.Comment))
		refs = append(refs, r...)
		bad = append(bad, b...)
	}
	return refs, bad, nil
}

// ScriptFiles lists the scripts in root/ScriptDir, sorted.
func ScriptFiles(root string) ([]string, error) {
	files, err := filepath.Glob(filepath.Join(root, ScriptDir, "*.txtar"))
	slices.Sort(files)
	return files, err
}

// scanScript finds the lines of a script that name a transcript, and the
// lines that use a command wrongly.
func scanScript(name, script string) ([]Ref, []BadLine) {
	calls, errs := ScriptCalls(script)
	var refs []Ref
	for _, c := range calls {
		if id := c.ID(); id != "" {
			refs = append(refs, Ref{Script: name, Line: c.Line, Verb: c.Command.Name, ID: id})
		}
	}
	var bad []BadLine
	for _, e := range errs {
		bad = append(bad, BadLine{Script: name, Line: e.Line, Err: e.Err})
	}
	return refs, bad
}

// A LineError is a line of a script that cannot be read.
type LineError struct {
	Line int
	Err  error
}

func (e LineError) Error() string { return fmt.Sprintf("line %d: %v", e.Line, e.Err) }

// ScriptCalls reads a script (the comment of its txtar archive) as
// testscript does, and returns the lines that call ScriptCommands, their
// arguments parsed as booktest parses them. A line that testscript cannot
// parse, and a call whose arguments do not fit its command, is returned
// as an error instead. Lines of testscript's own commands are skipped.
//
// A line under a condition ([linux] run ID) counts whatever the
// condition, and a $VAR in an argument is not expanded: the words are
// read as the script spells them.
func ScriptCalls(script string) ([]Call, []LineError) {
	var calls []Call
	var errs []LineError
	for i, line := range strings.Split(script, "\n") {
		l, err := parseLine(line)
		if err != nil {
			errs = append(errs, LineError{i + 1, err})
			continue
		}
		if len(l.words) == 0 {
			continue
		}
		cmd, ok := LookupCommand(l.words[0])
		if !ok {
			continue
		}
		call, err := cmd.Parse(l.neg, l.words[1:])
		if err != nil {
			errs = append(errs, LineError{i + 1, err})
			continue
		}
		call.Line = i + 1
		calls = append(calls, call)
	}
	return calls, errs
}

// A scriptLine is a line of a script as testscript's engine reads it.
type scriptLine struct {
	conds []string // the [condition] prefixes, brackets and all
	neg   bool     // ! before the command
	words []string // the command and its arguments; none for a blank line
}

// parseLine reads a line of a script as testscript (v1.16.0) does: see
// splitWords for the words; then any number of words that begin with [
// and end with ] are conditions, and a word ! after them negates the
// command.
func parseLine(line string) (scriptLine, error) {
	words, err := splitWords(line)
	if err != nil || len(words) == 0 {
		return scriptLine{}, err
	}
	var l scriptLine
	for strings.HasPrefix(words[0], "[") && strings.HasSuffix(words[0], "]") {
		l.conds = append(l.conds, words[0])
		words = words[1:]
		if len(words) == 0 {
			return scriptLine{}, errors.New("missing command after condition")
		}
	}
	if words[0] == "!" {
		l.neg = true
		words = words[1:]
		if len(words) == 0 {
			return scriptLine{}, errors.New("! on line by itself")
		}
	}
	l.words = words
	return l, nil
}

// splitWords splits a line of a script into words as testscript's parser
// does (TestScript.parse in testscript.go, which is unexported): words are
// separated by spaces, tabs and carriage returns; an unquoted # ends the
// line, even in the middle of a word (a#b is the word a); text in single
// quotes is one piece of a word, spaces and # and all, and two single
// quotes inside quotes stand for one. A double quote is an ordinary
// character. Unlike testscript, it does not expand $VAR in unquoted text.
func splitWords(line string) ([]string, error) {
	var (
		words  []string
		word   string // the current word so far, without line[start:i]
		start  = -1   // where the current chunk of the word starts, or -1
		quoted = false
	)
	for i := 0; ; i++ {
		if !quoted && (i >= len(line) || line[i] == ' ' || line[i] == '\t' || line[i] == '\r' || line[i] == '#') {
			if start >= 0 {
				words = append(words, word+line[start:i])
				start, word = -1, ""
			}
			if i >= len(line) || line[i] == '#' {
				return words, nil
			}
			continue
		}
		if i >= len(line) {
			return nil, errors.New("unterminated quoted argument")
		}
		if line[i] == '\'' {
			if !quoted {
				if start >= 0 {
					word += line[start:i]
				}
				start, quoted = i+1, true
				continue
			}
			if i+1 < len(line) && line[i+1] == '\'' {
				word += line[start:i]
				start = i + 1
				i++
				continue
			}
			word += line[start:i]
			start, quoted = i+1, false
			continue
		}
		if start < 0 {
			start = i
		}
	}
}
