package booktest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"tcpbook/internal/chapter"
	"tcpbook/internal/transcript"
)

// Limits on how long a script's commands may take. A command that
// overstays is killed and the script fails; nothing waits forever.
const (
	commandTimeout = 60 * time.Second
	stopTimeout    = 10 * time.Second
)

// waitTimeout is how long waitport, waitoutput, Start and WaitOutput wait.
// BOOKTEST_WAIT (a time.Duration) shortens it, for booktest's own tests of
// waits that must fail.
var waitTimeout = func() time.Duration {
	if d, err := time.ParseDuration(os.Getenv(envWait)); err == nil && d > 0 {
		return d
	}
	return 30 * time.Second
}()

type stateKey struct{}

// state is one script's: the book and what it started in the background.
type state struct {
	root    string
	book    *chapter.Book
	updates string
	env     []string
	procs   map[string]*proc
}

// proc is a command start began.
type proc struct {
	g    *group
	out  *output
	done chan struct{}
	err  error // set when done is closed
}

// runChild runs one script, in the child process.
func runChild(t *testing.T, root, script string) {
	if err := enterNetns(); err != nil {
		t.Fatalf("bringing up the loopback interface of the script's network namespace: %v", err)
	}
	book, errs := chapter.Load(root, nil)
	if len(errs) > 0 {
		t.Fatalf("the book does not load:\n%v", errs)
	}
	cmds, err := scriptCmds(transcript.ScriptCommands(), implementations)
	if err != nil {
		t.Fatal(err)
	}
	testscript.Run(t, testscript.Params{
		Files:               []string{script},
		RequireExplicitExec: true,
		Setup: func(env *testscript.Env) error {
			st := &state{root: root, book: book, updates: os.Getenv(envUpdates), procs: map[string]*proc{}}
			st.env = []string{
				"PATH=" + os.Getenv("PATH"),
				"HOME=" + env.Getenv("HOME"),
				"TMPDIR=" + env.Getenv("TMPDIR"),
				"LANG=C.UTF-8",
				envBin + "=" + os.Getenv(envBin),
			}
			env.Values[stateKey{}] = st
			env.Setenv("BOOKROOT", root)
			env.Defer(func() {
				// Whatever the script started and did not end.
				for _, p := range st.procs {
					p.g.signal(syscall.SIGKILL)
				}
				for _, p := range st.procs {
					<-p.done
				}
			})
			return nil
		},
		Cmds: cmds,
	})
}

// A cmdFunc is booktest's implementation of one of
// transcript.ScriptCommands; testscript has read its line, and
// ScriptCommand.Parse its arguments.
type cmdFunc func(ts *testscript.TestScript, call transcript.Call)

// implementations are booktest's commands. Each is in
// transcript.ScriptCommands, and each there is here (scriptCmds checks).
var implementations = map[string]cmdFunc{
	"run":        cmdRun,
	"start":      cmdStart,
	"interrupt":  cmdInterrupt,
	"waitexit":   cmdWaitexit,
	"waitoutput": cmdWaitoutput,
	"waitport":   cmdWaitport,
}

// scriptCmds makes testscript's commands from the table and the
// implementations, and fails unless they name the same commands.
func scriptCmds(table []transcript.ScriptCommand, impls map[string]cmdFunc) (map[string]func(ts *testscript.TestScript, neg bool, args []string), error) {
	cmds := map[string]func(ts *testscript.TestScript, neg bool, args []string){}
	var errs []error
	for _, c := range table {
		impl := impls[c.Name]
		if impl == nil {
			errs = append(errs, fmt.Errorf("transcript.ScriptCommands has %s, which booktest does not implement", c.Name))
			continue
		}
		cmds[c.Name] = func(ts *testscript.TestScript, neg bool, args []string) {
			call, err := c.Parse(neg, args)
			if err != nil {
				ts.Fatalf("%v", err)
			}
			impl(ts, call)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(impls)) {
		if !slices.ContainsFunc(table, func(c transcript.ScriptCommand) bool { return c.Name == name }) {
			errs = append(errs, fmt.Errorf("booktest implements %s, which transcript.ScriptCommands does not have", name))
		}
	}
	return cmds, errors.Join(errs...)
}

func getState(ts *testscript.TestScript) *state { return ts.Value(stateKey{}).(*state) }

// block finds the console block call names, which a script can verify.
func block(ts *testscript.TestScript, call transcript.Call) (*chapter.Chapter, *chapter.Block) {
	id := call.ID()
	ch, b := getState(ts).book.Transcript(id)
	switch {
	case b == nil:
		ts.Fatalf("no console block has id %s", id)
	case b.Unverified != "":
		ts.Fatalf("console block %s is marked unverified (%s); a script cannot verify it", id, b.Unverified)
	}
	return ch, b
}

func commands(ts *testscript.TestScript, ch *chapter.Chapter, b *chapter.Block) []transcript.Command {
	cmds, err := transcript.Parse(b.Body)
	if err != nil {
		ts.Fatalf("%s:%d: %v", ch.Path, b.Line, err)
	}
	return cmds
}

func (st *state) command(line string) *exec.Cmd {
	cmd := exec.Command("sh", "-c", line)
	cmd.Dir = st.root
	cmd.Env = st.env
	return cmd
}

func cmdRun(ts *testscript.TestScript, call transcript.Call) {
	st := getState(ts)
	ch, b := block(ts, call)
	neg := call.Neg
	cmds := commands(ts, ch, b)
	real := make([]transcript.Command, len(cmds))
	for i, c := range cmds {
		out := &output{}
		ts.Logf("$ %s", c.Line)
		err := runWithTimeout(st.command(c.Line), out, commandTimeout)
		ts.Logf("%s", out.String())
		last := i == len(cmds)-1
		switch {
		case errors.Is(err, errTimeout):
			ts.Fatalf("%s: still running after %v; killed", c.Line, commandTimeout)
		case err != nil && !(neg && last):
			ts.Fatalf("%s: %v", c.Line, err)
		case err == nil && neg && last:
			ts.Fatalf("%s: succeeded, but the script expects it to fail", c.Line)
		}
		real[i] = transcript.Command{Line: c.Line, Shown: c.Shown, Output: out.String()}
	}
	compare(ts, st, ch, b, cmds, real, call.Rules)
}

func cmdStart(ts *testscript.TestScript, call transcript.Call) {
	st := getState(ts)
	ch, b := block(ts, call)
	id := b.ID
	if st.procs[id] != nil {
		ts.Fatalf("%s is already started", id)
	}
	cmds := commands(ts, ch, b)
	if len(cmds) != 1 {
		ts.Fatalf("%s:%d: start needs a console block with one command, not %d", ch.Path, b.Line, len(cmds))
	}
	p := &proc{out: &output{}, done: make(chan struct{})}
	ts.Logf("$ %s &", cmds[0].Line)
	g, wait, err := startCommand(st.command(cmds[0].Line), p.out)
	if err != nil {
		ts.Fatalf("%s: %v", cmds[0].Line, err)
	}
	p.g = g
	go func() {
		p.err = wait()
		close(p.done)
	}()
	st.procs[id] = p
}

// takeProc finds what start ID began, for the command that ends it.
func takeProc(ts *testscript.TestScript, call transcript.Call) (*chapter.Chapter, *chapter.Block, *proc) {
	st := getState(ts)
	ch, b := block(ts, call)
	p := st.procs[b.ID]
	if p == nil {
		ts.Fatalf("%s %s: not started", call.Command.Name, b.ID)
	}
	delete(st.procs, b.ID)
	return ch, b, p
}

// compareProc compares everything an ended background command printed
// with its block.
func compareProc(ts *testscript.TestScript, ch *chapter.Chapter, b *chapter.Block, rules []transcript.Rule, p *proc) {
	ts.Logf("%s", p.out)
	cmds := commands(ts, ch, b)
	real := []transcript.Command{{Line: cmds[0].Line, Shown: cmds[0].Shown, Output: p.out.String()}}
	compare(ts, getState(ts), ch, b, cmds, real, rules)
}

func cmdInterrupt(ts *testscript.TestScript, call transcript.Call) {
	ch, b, p := takeProc(ts, call)
	select {
	case <-p.done:
		ts.Fatalf("%s ended before it was interrupted (%v):\n%s", b.ID, p.err, p.out)
	default:
	}
	// The reader presses Ctrl-C: the terminal sends SIGINT to the
	// foreground process group.
	p.g.signal(syscall.SIGINT)
	select {
	case <-p.done:
	case <-time.After(stopTimeout):
		p.g.signal(syscall.SIGKILL)
		<-p.done
		ts.Fatalf("%s did not end within %v of Ctrl-C:\n%s", b.ID, stopTimeout, p.out)
	}
	compareProc(ts, ch, b, call.Rules, p)
}

func cmdWaitexit(ts *testscript.TestScript, call transcript.Call) {
	ch, b, p := takeProc(ts, call)
	neg := call.Neg
	select {
	case <-p.done:
	case <-time.After(commandTimeout):
		p.g.signal(syscall.SIGKILL)
		<-p.done
		ts.Fatalf("%s did not end by itself within %v:\n%s", b.ID, commandTimeout, p.out)
	}
	switch {
	case p.err == nil && neg:
		ts.Fatalf("%s ended successfully, but the script expects it to fail", b.ID)
	case p.err != nil && !neg:
		ts.Fatalf("%s failed: %v", b.ID, p.err)
	}
	compareProc(ts, ch, b, call.Rules, p)
}

// cmdWaitoutput waits until what start ID began has printed a line
// matching a regular expression: the way to wait for a server to have
// logged something before the next client comes.
func cmdWaitoutput(ts *testscript.TestScript, call transcript.Call) {
	args := call.Args
	p := getState(ts).procs[args[0]]
	if p == nil {
		ts.Fatalf("waitoutput %s: not started", args[0])
	}
	re, err := regexp.Compile("(?m)" + args[1])
	if err != nil {
		ts.Fatalf("waitoutput: %v", err)
	}
	switch p.out.waitFor(re.MatchString, p.done, waitTimeout) {
	case errEnded:
		ts.Fatalf("%s ended (%v) without printing a line matching %q:\n%s", args[0], p.err, args[1], p.out)
	case errTimeout:
		ts.Fatalf("%s printed no line matching %q within %v:\n%s", args[0], args[1], waitTimeout, p.out)
	}
}

// compare checks each command's real output against the book's, or, when
// updating, records the block's new body.
func compare(ts *testscript.TestScript, st *state, ch *chapter.Chapter, b *chapter.Block, book, real []transcript.Command, rules []transcript.Rule) {
	same := true
	var diffs strings.Builder
	for i := range book {
		if !transcript.Equal(book[i].Output, real[i].Output, rules) {
			same = false
			fmt.Fprintf(&diffs, "$ %s\n%s", book[i].Line, transcript.Diff(book[i].Output, real[i].Output, rules))
		}
	}
	if same {
		return
	}
	if st.updates != "" {
		body := hideCheckout(transcript.Format(real), st.root)
		if err := os.WriteFile(filepath.Join(st.updates, b.ID+".txt"), []byte(body), 0o644); err != nil {
			ts.Fatalf("%v", err)
		}
		ts.Logf("%s will be rewritten from this run", b.ID)
		return
	}
	ts.Fatalf("%s:%d: transcript %s differs from a real run (update it with `make update`):\n%s", ch.Path, b.Line, b.ID, diffs.String())
}

// Checkout stands for the directory the book is checked out in, where a
// real run prints it (a panic's stack trace): a reader's differs from the
// author's, and the author's is nobody's business.
const Checkout = "/path/to/tcpbook"

// hideCheckout writes Checkout for root in a block's new body. The
// go-trace rule compares the two as equal, so the block stays verified.
func hideCheckout(body, root string) string {
	if root == "" || root == "/" {
		return body
	}
	return strings.ReplaceAll(body, strings.TrimSuffix(root, "/")+"/", Checkout+"/")
}

var (
	errTimeout = errors.New("timed out")
	errEnded   = errors.New("ended")
)

func runWithTimeout(cmd *exec.Cmd, out *output, d time.Duration) error {
	g, wait, err := startCommand(cmd, out)
	if err != nil {
		return err
	}
	done := make(chan error, 1)
	go func() { done <- wait() }()
	select {
	case err := <-done:
		return err
	case <-time.After(d):
		g.signal(syscall.SIGKILL)
		<-done
		return errTimeout
	}
}

func cmdWaitport(ts *testscript.TestScript, call transcript.Call) {
	addr := waitportAddr(call)
	st := getState(ts)
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	groups := func() []int {
		var pgids []int
		for _, p := range st.procs {
			pgids = append(pgids, p.g.pgid)
		}
		return pgids
	}
	err := waitListening(ctx, addr, groups, func() error {
		for id, p := range st.procs {
			select {
			case <-p.done:
				return fmt.Errorf("%s ended (%v) before anything listened on %s:\n%s", id, p.err, addr, p.out)
			default:
			}
		}
		return nil
	})
	if err != nil {
		ts.Fatalf("%v", err)
	}
}

// startCommand starts cmd in a process group of its own (see group), on a
// pseudo-terminal of its own (on pipes where there is none), copying what
// it prints into out. The returned wait returns once the command has
// exited and its output has been read; what it left running in its group
// is killed then.
func startCommand(cmd *exec.Cmd, out *output) (g *group, wait func() error, err error) {
	term, tty, err := openTerminal()
	if err != nil {
		cmd.Stdout, cmd.Stderr = out, out
		if g, err = startGroup(cmd); err != nil {
			return nil, nil, err
		}
		return g, func() error { return g.wait(nil) }, nil
	}
	cmd.Stdin, cmd.Stdout, cmd.Stderr = tty, tty, tty
	g, err = startGroup(cmd)
	tty.Close()
	if err != nil {
		term.Close()
		return nil, nil, err
	}
	copied := make(chan struct{})
	go func() {
		io.Copy(out, term) // ends with EIO once no process holds the terminal
		close(copied)
	}()
	return g, func() error {
		err := g.wait(copied)
		term.Close() // ends the copy if something outside the group holds the terminal
		<-copied
		return err
	}, nil
}
