// Package transcript reads the book's console blocks, compares them with
// real output under named normalisation rules, rewrites them from real
// output, and finds the scripts that verify them.
//
// A console block is a series of commands, each a line starting with "$ "
// (a line ending in a backslash continues on the next), followed by what
// the command printed, stdout and stderr interleaved as a terminal shows
// them.
package transcript

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/rogpeppe/go-internal/diff"
)

// A Command is one command of a transcript and its output.
type Command struct {
	Line   string // the command, without "$ ", continuation lines joined
	Shown  string // the command as the block shows it, "$ " and all
	Output string // what it printed, each line ending in a newline
}

// Parse splits a console block's body into its commands. Text before the
// first "$ " line is returned as an error.
func Parse(body string) ([]Command, error) {
	var cmds []Command
	lines := splitLines(body)
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		if !strings.HasPrefix(l, "$ ") {
			if len(cmds) == 0 {
				return nil, fmt.Errorf("output before the first \"$ \" command line")
			}
			cmds[len(cmds)-1].Output += withNewline(l)
			continue
		}
		shown := withNewline(l)
		cmd := strings.TrimSuffix(strings.TrimPrefix(l, "$ "), "\n")
		for strings.HasSuffix(cmd, `\`) && i+1 < len(lines) {
			i++
			shown += withNewline(lines[i])
			cmd = cmd[:len(cmd)-1] + " " + strings.TrimSpace(lines[i])
		}
		cmds = append(cmds, Command{Line: cmd, Shown: shown})
	}
	return cmds, nil
}

// Format is the inverse of Parse.
func Format(cmds []Command) string {
	var b strings.Builder
	for _, c := range cmds {
		b.WriteString(c.Shown)
		b.WriteString(c.Output)
	}
	return b.String()
}

// withNewline makes the last line of s end in a newline. A transcript is
// made of lines: output whose last line has no newline is shown with one,
// as the shell's next prompt starts on a new line.
func withNewline(s string) string {
	if s != "" && !strings.HasSuffix(s, "\n") {
		return s + "\n"
	}
	return s
}

// A Rule replaces a value that legitimately changes from run to run with a
// fixed placeholder, in the book's text and in the real output alike,
// before they are compared. Rules are chosen per command by a script
// (run -norm name,name ID); the comparison is otherwise exact.
type Rule struct {
	Name string
	Doc  string
	subs []sub
}

// sub is one replacement of a rule.
type sub struct {
	re   *regexp.Regexp
	repl string
}

func one(re, repl string) []sub { return []sub{{regexp.MustCompile(re), repl}} }

// rules are the normalisation rules a script may name.
var rules = []Rule{
	{
		Name: "ephemeral-port",
		Doc: "a port the kernel picked from its ephemeral range (Linux: 32768-60999), after a loopback address: " +
			"127.0.0.1:45678 becomes 127.0.0.1:PORT. Ports a program chose, like 8888, stay as they are.",
		subs: one(`(127\.0\.0\.1|\[::1\]|localhost):(?:3276[89]|327[7-9][0-9]|32[89][0-9]{2}|3[3-9][0-9]{3}|[45][0-9]{4}|60[0-9]{3})\b`, "${1}:PORT"),
	},
	{
		Name: "http-date",
		Doc:  "an HTTP date in the IMF-fixdate form of RFC 9110 §5.6.7 (Sun, 06 Nov 1994 08:49:37 GMT) becomes DATE.",
		subs: one(`\b(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), [0-9]{2} (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [0-9]{4} [0-9]{2}:[0-9]{2}:[0-9]{2} GMT\b`, "DATE"),
	},
	{
		Name: "curl-version",
		Doc:  "curl's version in its User-Agent (curl/7.88.1) becomes curl/VERSION.",
		subs: one(`\bcurl/[0-9]+\.[0-9]+\.[0-9]+(?:-[0-9A-Za-z.]+)?`, "curl/VERSION"),
	},
	{
		Name: "curl-elapsed",
		Doc:  "the time curl reports in an error (Failed to connect to localhost port 8888 after 3 ms) becomes after N ms.",
		subs: one(`\b(Failed to connect to \S+ port [0-9]+ after) [0-9]+ ms\b`, "$1 N ms"),
	},
	{
		Name: "curl-pointer",
		Doc:  "a memory address in one of curl's verbose notes (* Found bundle for host: 0x5581896e9200 [serially]) becomes 0x?.",
		subs: one(`(?m)^(\* .*)\b0x[0-9a-f]+\b`, "${1}0x?"),
	},
	{
		Name: "go-trace",
		Doc: "in the stack trace of a Go panic: the goroutine's number (goroutine 7 [running] becomes goroutine N [running]), " +
			"the directory the book is checked out in (/home/you/book/chapters/02/main.go:31 becomes .../chapters/02/main.go:31) " +
			"and the program-counter offset at the end of a frame (+0x1a5 becomes +0x?), which depend on the run, the checkout " +
			"and the Go version. Function names and line numbers stay as they are.",
		subs: []sub{
			{regexp.MustCompile(`(?m)^goroutine [0-9]+ \[`), "goroutine N ["},
			{regexp.MustCompile(`(?m)^\t/\S*?/(chapters/\S+\.go:[0-9]+)(?: \+0x[0-9a-f]+)?$`), "\t.../$1 +0x?"},
		},
	},
}

// Rules returns the normalisation rules a script may name, in the order
// mdrun rules lists them: a copy, so that no caller changes what the
// others see.
func Rules() []Rule { return slices.Clone(rules) }

// Lookup returns the rules with the given names, in the order named.
func Lookup(names []string) ([]Rule, error) {
	var found []Rule
	for _, n := range names {
		i := slices.IndexFunc(rules, func(r Rule) bool { return r.Name == n })
		if i < 0 {
			var known []string
			for _, r := range rules {
				known = append(known, r.Name)
			}
			return nil, fmt.Errorf("unknown normalisation rule %q (known: %s)", n, strings.Join(known, ", "))
		}
		found = append(found, rules[i])
	}
	return found, nil
}

// normalize applies rules to s.
func normalize(s string, rules []Rule) string {
	for _, r := range rules {
		for _, sub := range r.subs {
			s = sub.re.ReplaceAllString(s, sub.repl)
		}
	}
	return s
}

// Equal reports whether the book's output and a real run's agree after
// normalisation.
func Equal(book, real string, rules []Rule) bool {
	return normalize(withNewline(book), rules) == normalize(withNewline(real), rules)
}

// Diff shows how a real run's output differs from the book's, after
// normalisation, as a unified diff from the book (---) to the run (+++).
func Diff(book, real string, rules []Rule) string {
	a := normalize(withNewline(book), rules)
	b := normalize(withNewline(real), rules)
	d := string(diff.Diff("book", []byte(a), "run", []byte(b)))
	return strings.TrimPrefix(d, "diff book run\n")
}

// splitLines splits s into its lines, each ending in a newline. Unlike
// strings.SplitAfter, it does not add an empty last line (which Diff would
// show as a line common to both).
func splitLines(s string) []string {
	l := strings.SplitAfter(s, "\n")
	if l[len(l)-1] == "" {
		l = l[:len(l)-1]
	}
	return l
}
