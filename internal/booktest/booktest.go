// Package booktest runs the scripts in testdata/scripts that verify the
// book's transcripts: each script runs the chapters' programs as a reader
// would, and compares what they print with the book's console blocks.
//
// The scripts are testscript scripts (github.com/rogpeppe/go-internal/testscript)
// with six more commands. transcript.ScriptCommands is the table of them
// (their arguments, which names a console block, which starts, ends or
// verifies one), from which booktest registers them and mdrun check reads
// the scripts:
//
//	[!] run [-norm rule,...] ID
//		Run the commands of console block ID, one after another, and
//		compare their output with the block. With !, the last command
//		must fail.
//	start ID
//		Start the one command of console block ID in the background, as
//		in a second terminal.
//	waitport [-udp] HOST:PORT
//		Wait until what the script started listens on HOST:PORT (with
//		-udp, has a UDP socket bound there, as a QUIC server does). On
//		Linux this reads /proc/net/tcp (udp) and makes no connection,
//		so a server's log shows only the reader's clients; and a socket
//		counts only if a process the script started holds it, so
//		another program listening there does not end the wait.
//	interrupt [-norm rule,...] ID
//		Press Ctrl-C on what start ID began (SIGINT to its process
//		group), and compare its output with the block.
//	[!] waitexit [-norm rule,...] ID
//		Wait for what start ID began to end by itself (a crash, say),
//		and compare its output with the block. With !, it must fail.
//	waitoutput ID REGEXP
//		Wait until what start ID began has printed a line matching
//		REGEXP: a server has logged a client before the next one comes.
//
// A line is read as testscript reads it: words are separated by spaces, a
// single-quoted text is one word ('a # b'), and an unquoted # ends the
// line, even in the middle of a word.
//
// Each command runs on a pseudo-terminal of its own, so it prints what
// it prints in the reader's terminal (line-buffered, and tools like curl
// print differently to a terminal than to a pipe). The output is read as
// the terminal shows it: a carriage return before a line feed is dropped.
//
// The commands run with sh -c in the book's root, exactly as the block shows
// them after "$ ". A go command on the scripts' PATH stands in for the
// toolchain's: "go run ./chapters/NN" runs the program built once for the
// whole test run, and behaves as go run does (it prints "exit status N" when
// the program fails, and "signal: interrupt" when Ctrl-C killed it).
//
// Each command, and each program Start starts, runs in a process group of
// its own, with whatever it starts in turn. The group is killed when the
// command has ended (what it left running is killed with it), when the
// script or test ends, and when the test binary dies first: go test
// -timeout kills the test binary without running its cleanups, and a
// watchdog process per group then kills the group (see group).
//
// On Linux every script runs in a network namespace of its own (as root, or
// in an unprivileged user namespace; see internal/netns), so scripts run in
// parallel, each with its own localhost:8888, whatever else listens on the
// machine's. Where no namespace can be made (macOS; a Linux that forbids
// unprivileged user namespaces; TCPBOOK_NO_NETNS=1), the run says why,
// scripts run one at a time, and a script that waits for a port holds a
// machine-wide lock while it runs, as Isolate's tests do, so that no other
// test binary uses the port meanwhile; it fails at once, naming the port,
// if something else already listens there.
//
// With Params.Update, a block whose output differs from the real run is
// rewritten with the real output instead of failing the test. Blocks that
// match after normalisation are left as they are, so an update does not
// churn port numbers and dates.
package booktest

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"go/parser"
	"go/token"
	"io"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
	"github.com/rogpeppe/go-internal/txtar"

	"tcpbook/internal/chapter"
	"tcpbook/internal/netns"
	"tcpbook/internal/safefile"
	"tcpbook/internal/transcript"
)

// Environment variables that carry the parent's decisions to the child
// process that runs one script, and to the go stand-in.
const (
	envScript  = "BOOKTEST_SCRIPT"  // the script a child runs
	envBin     = "BOOKTEST_BIN"     // where the chapter programs were built
	envUpdates = "BOOKTEST_UPDATES" // where a child leaves rewritten blocks
	envNetns   = "BOOKTEST_NETNS"   // "1" when the child has its own network namespace
	envRoot    = "BOOKTEST_ROOT"    // the book's root
	envWait    = "BOOKTEST_WAIT"    // shortens waitTimeout, for booktest's own tests
)

// Main must be called from the TestMain of the package that calls Run.
// It installs the go stand-in on the scripts' PATH.
func Main(m *testing.M) {
	if realGo, err := exec.LookPath("go"); err == nil && os.Getenv("BOOKTEST_GO") == "" {
		os.Setenv("BOOKTEST_GO", realGo)
	}
	testscript.Main(m, map[string]func(){"go": goRun})
}

// Params configures Run.
type Params struct {
	Root   string // the book's root: go.mod, chapters/, testdata/scripts/
	Update bool   // rewrite blocks from real output instead of failing
}

// Run runs every script in Root/testdata/scripts as a subtest.
func Run(t *testing.T, p Params) {
	if script := os.Getenv(envScript); script != "" {
		runChild(t, os.Getenv(envRoot), script)
		return
	}
	root, err := filepath.Abs(p.Root)
	if err != nil {
		t.Fatal(err)
	}
	scripts, err := transcript.ScriptFiles(root)
	if err != nil || len(scripts) == 0 {
		t.Fatalf("no scripts in %s: %v", transcript.ScriptDir, err)
	}
	book, errs := chapter.Load(root, nil)
	if len(errs) > 0 {
		t.Fatalf("the book does not load:\n%v", errs)
	}
	// go test caches a passing result until a file the test opened
	// changes; the programs are read by the go command, not by this
	// process, so read them here too.
	if err := readInputs(root); err != nil {
		t.Fatal(err)
	}
	bin := t.TempDir()
	start := time.Now()
	if err := buildPrograms(root, book, bin); err != nil {
		t.Fatal(err)
	}
	t.Logf("built the chapters' programs once for all scripts in %v", time.Since(start).Round(time.Millisecond))
	nsErr := netns.Probe()
	if nsErr != nil {
		noticeShared(t, nsErr)
	} else {
		// Prove the isolation on every run: hold the scripts' ports on
		// the machine's own network while they run, as an author's
		// chapter server in another terminal would.
		for _, addr := range scriptPorts(scripts) {
			if ln, err := listenOn(addr); err == nil {
				t.Cleanup(func() { ln.Close() })
				t.Logf("holding %s on this machine's network while the scripts run in their own", addr)
			}
		}
	}
	updates := ""
	if p.Update {
		updates = t.TempDir()
	}
	t.Run("script", func(t *testing.T) {
		for _, s := range scripts {
			name := strings.TrimSuffix(filepath.Base(s), ".txtar")
			t.Run(name, func(t *testing.T) {
				if nsErr == nil {
					t.Parallel()
				}
				unlock, err := lockRootPaths(s)
				if err != nil {
					t.Fatal(err)
				}
				defer unlock()
				report, err := runScript(topName(t), s, root, bin, updates)
				if err != nil {
					t.Errorf("%s: %v\n%s", filepath.Base(s), err, report)
				} else if testing.Verbose() {
					t.Logf("%s", report)
				}
			})
		}
	})
	if p.Update && !t.Failed() {
		if err := applyUpdates(t, book, updates); err != nil {
			t.Fatal(err)
		}
	}
}

// readInputs reads every file under chapters/ and the scripts' directory,
// so that go test's cache knows the result depends on them.
func readInputs(root string) error {
	for _, dir := range []string{"chapters", transcript.ScriptDir} {
		err := filepath.WalkDir(filepath.Join(root, dir), func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			_, err = os.ReadFile(p)
			return err
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// buildPrograms builds every chapter program once, concurrently, with the
// real go command, into bin: chapters/04/server becomes bin/chapters_04_server.
// It builds them as go run does ("go run -exec cp" copies the executable
// instead of running it), so the scripts run exactly what a reader's
// go run runs, and a warm build cache makes this nearly free: go run
// caches linked executables, go build does not.
func buildPrograms(root string, book *chapter.Book, bin string) error {
	var dirs, tools []string
	for _, ch := range book.Chapters {
		for _, name := range ch.FileNames() {
			d := path.Dir(path.Join(ch.Dir, name))
			if slices.Contains(dirs, d) || !isMain(filepath.Join(root, filepath.FromSlash(path.Join(ch.Dir, name)))) {
				continue // a package the programs import (chapter 10's frame) is built with them
			}
			dirs = append(dirs, d)
		}
		for _, d := range toolPrograms(ch) {
			if !slices.Contains(dirs, d) {
				dirs = append(dirs, d)
			}
		}
		for _, name := range goTools(ch) {
			if !slices.Contains(tools, name) {
				tools = append(tools, name)
			}
		}
	}
	var wg sync.WaitGroup
	errs := make([]error, len(dirs)+len(tools))
	for i, d := range dirs {
		wg.Go(func() { errs[i] = goBuild(root, d, filepath.Join(bin, binName(d))) })
	}
	for i, name := range tools {
		wg.Go(func() { errs[len(dirs)+i] = goToolBuild(root, name, filepath.Join(bin, toolBinName(name))) })
	}
	wg.Wait()
	return errors.Join(errs...)
}

// goTools lists the tools of go.mod's tool directive that ch's transcripts
// run with go tool (h2spec, whose summary chapter 10 shows): their names,
// as go tool takes them.
func goTools(ch *chapter.Chapter) []string {
	var names []string
	for _, b := range ch.Blocks {
		if b.Kind != chapter.Transcript {
			continue
		}
		cmds, err := transcript.Parse(b.Body)
		if err != nil {
			continue // mdrun check reports it
		}
		for _, c := range cmds {
			for _, seg := range strings.Split(c.Line, "|") {
				f := strings.Fields(seg)
				if len(f) < 3 || f[0] != "go" || f[1] != "tool" || strings.HasPrefix(f[2], "-") || slices.Contains(names, f[2]) {
					continue
				}
				names = append(names, f[2])
			}
		}
	}
	return names
}

// goToolBuild builds the tool name of go.mod's tool directive into dst, as
// go tool does: "go tool -n NAME" builds it into the build cache and
// prints where, and the executable is copied from there.
func goToolBuild(root, name, dst string) error {
	goCmd := cmp.Or(os.Getenv("BOOKTEST_GO"), "go")
	cmd := exec.Command(goCmd, "tool", "-n", name)
	cmd.Dir = root
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return fmt.Errorf("building go tool %s: %v\n%s", name, err, stderr.String())
	}
	exe, err := os.ReadFile(strings.TrimSpace(string(out)))
	if err != nil {
		return fmt.Errorf("building go tool %s: %v", name, err)
	}
	return os.WriteFile(dst, exe, 0o755)
}

// toolBinName is where buildPrograms puts the tool name: a name no
// directory of the root makes with binName.
func toolBinName(name string) string { return "go-tool-" + name }

// toolPrograms lists the programs that ch's transcripts run with go run
// and that no listing of ch writes: a tool such as ./tools/netlab/cmd/netlab,
// whose output a chapter shows, or a chapter's program kept as plain Go
// files that the chapter quotes (chapter 10's client); slash paths from the
// root, inside it.
func toolPrograms(ch *chapter.Chapter) []string {
	var dirs, listed []string
	for _, name := range ch.FileNames() {
		listed = append(listed, path.Dir(path.Join(ch.Dir, name)))
	}
	for _, b := range ch.Blocks {
		if b.Kind != chapter.Transcript {
			continue
		}
		cmds, err := transcript.Parse(b.Body)
		if err != nil {
			continue // mdrun check reports it
		}
		for _, c := range cmds {
			f := strings.Fields(c.Line)
			if len(f) < 3 || f[0] != "go" || f[1] != "run" || !strings.HasPrefix(f[2], "./") {
				continue
			}
			d := path.Clean(f[2])
			if d == "." || d == ".." || strings.HasPrefix(d, "../") || slices.Contains(listed, d) || slices.Contains(dirs, d) {
				continue // outside the root, or built from the chapter's listings
			}
			dirs = append(dirs, d)
		}
	}
	return dirs
}

// goBuild builds the program in dir (a slash path from root) into dst, as
// go run does: "go run -exec cp" copies the executable it would run.
// BOOKTEST_GO names another go command.
func goBuild(root, dir, dst string) error {
	goCmd := cmp.Or(os.Getenv("BOOKTEST_GO"), "go")
	cmd := exec.Command(goCmd, "run", "-exec", "cp", "./"+dir, dst)
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("building ./%s: %v\n%s", dir, err, out)
	}
	return nil
}

func binName(dir string) string { return strings.ReplaceAll(path.Clean(dir), "/", "_") }

// runScript runs one script in a child process: the test binary again,
// running the test named testName, in a network namespace of its own when
// it can have one, with env added to its environment. Where it cannot, a
// script that waits for a port runs alone on this machine's network
// (lockNetwork), and fails at once, naming the port, if something else
// already listens there. It returns what the script printed, and an error
// if the script failed.
func runScript(testName, script, root, bin, updates string, env ...string) (string, error) {
	if netns.Probe() != nil {
		if ports := scriptPorts([]string{script}); len(ports) > 0 {
			unlock, err := lockNetwork()
			if err != nil {
				return "", err
			}
			defer unlock()
			if busy := busyPorts(ports); len(busy) > 0 {
				return "", fmt.Errorf("%s already accepts connections, and without a network namespace the script needs it: stop what listens there and run the tests again", strings.Join(busy, ", "))
			}
		}
	}
	env = append([]string{envScript + "=" + script, envBin + "=" + bin, envUpdates + "=" + updates, envRoot + "=" + root}, env...)
	report, skipped, err := reexec(testName, env...)
	if err == nil && skipped != "" {
		// Its blocks would count as verified.
		err = fmt.Errorf("the script skipped (%s): a script that verifies the book's transcripts may not skip", skipped)
	}
	return report, err
}

// reexec runs the test named name again, in a child process, in a
// network namespace of its own when one can be made, with env added. It
// returns what the test printed without go test's framing, and the name of
// the test or subtest that skipped, if one did. The child runs in a process
// group of its own, which dies with this process (see group): a test
// binary that go test -timeout kills takes its children with it, and
// they take whatever they started.
func reexec(name string, env ...string) (report, skipped string, err error) {
	exe, err := os.Executable()
	if err != nil {
		return "", "", err
	}
	cmd := exec.Command(exe, "-test.run=^"+regexp.QuoteMeta(name)+"$", "-test.v")
	cmd.Env = append(os.Environ(), env...)
	if attr, err := netns.Attr(); err == nil {
		cmd.SysProcAttr = attr
		cmd.Env = append(cmd.Env, envNetns+"=1")
	}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	g, err := startGroup(cmd)
	if err != nil {
		return "", "", err
	}
	timer := time.AfterFunc(childTimeout, func() { g.signal(syscall.SIGKILL) })
	err = g.wait(nil)
	if !timer.Stop() {
		err = fmt.Errorf("killed after %v: %v", childTimeout, err)
	}
	for _, l := range strings.Split(out.String(), "\n") {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(l), "--- SKIP: "); ok && skipped == "" {
			skipped, _, _ = strings.Cut(rest, " ")
		}
	}
	return childReport(out.Bytes()), skipped, err
}

// childTimeout bounds a child test process: one script, or one isolated
// test.
const childTimeout = 5 * time.Minute

func topName(t *testing.T) string {
	name, _, _ := strings.Cut(t.Name(), "/")
	return name
}

// childReport keeps what the script printed and drops the go test
// framing around it.
func childReport(out []byte) string {
	var keep []string
	for _, l := range strings.Split(string(out), "\n") {
		t := strings.TrimSpace(l)
		if t == "" || t == "PASS" || t == "FAIL" || strings.HasPrefix(t, "=== ") ||
			strings.HasPrefix(t, "--- PASS") || strings.HasPrefix(t, "--- SKIP") || strings.HasPrefix(t, "ok ") || strings.HasPrefix(t, "PASS\t") {
			continue
		}
		keep = append(keep, l)
	}
	return strings.Join(keep, "\n")
}

// applyUpdates rewrites the blocks the children found out of date.
func applyUpdates(t *testing.T, book *chapter.Book, dir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	bodies := map[string]string{}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			return err
		}
		bodies[strings.TrimSuffix(e.Name(), ".txt")] = string(b)
	}
	for _, ch := range book.Chapters {
		mine := map[string]string{}
		for id, body := range bodies {
			if ch.Block(id) != nil {
				mine[id] = body
				t.Logf("updated %s in %s", id, ch.Path)
			}
		}
		if len(mine) == 0 {
			continue
		}
		if err := writeChapter(book.Root, ch.Path, transcript.Rewrite(ch, mine)); err != nil {
			return err
		}
	}
	return nil
}

// writeChapter replaces the chapter at p (a slash path from root) with
// data, atomically.
func writeChapter(root, p string, data []byte) error {
	dir, err := os.OpenRoot(root)
	if err != nil {
		return err
	}
	defer dir.Close()
	if err := safefile.Write(dir, filepath.FromSlash(p), data, 0o644); err != nil {
		return fmt.Errorf("%s: %v", p, err)
	}
	return nil
}

// udpPrefix marks a UDP port among the addresses scripts wait for
// (waitport -udp HOST:PORT is udpPrefix+HOST:PORT).
const udpPrefix = "udp/"

// listenOn listens on addr (udpPrefix+HOST:PORT: binds a UDP socket
// there) until the returned socket is closed.
func listenOn(addr string) (io.Closer, error) {
	if hostport, udp := strings.CutPrefix(addr, udpPrefix); udp {
		return net.ListenPacket("udp", hostport)
	}
	return net.Listen("tcp", addr)
}

// waitportAddr is the address a waitport call names: HOST:PORT, or
// udpPrefix+HOST:PORT with -udp.
func waitportAddr(c transcript.Call) string {
	if c.UDP {
		return udpPrefix + c.Args[0]
	}
	return c.Args[0]
}

// scriptPorts lists the addresses the scripts wait for.
func scriptPorts(scripts []string) []string {
	var addrs []string
	for _, s := range scripts {
		a, err := txtar.ParseFile(s)
		if err != nil {
			continue
		}
		calls, _ := transcript.ScriptCalls(string(a.Comment))
		for _, c := range calls {
			if c.Command.Name != "waitport" {
				continue
			}
			if addr := waitportAddr(c); !slices.Contains(addrs, addr) {
				addrs = append(addrs, addr)
			}
		}
	}
	return addrs
}

// waitListening waits until a process of one of the groups pgids (a
// function: a script's started commands change) listens on hostport:
// another program listening there (another test's server, a reader's in
// another terminal) does not end the wait. check is called between looks;
// its error ends the wait.
func waitListening(ctx context.Context, hostport string, pgids func() []int, check func() error) error {
	var who netns.Who
	for {
		var err error
		who, err = listeningBy(hostport, pgids())
		if err != nil {
			return err
		}
		if who == netns.Group {
			return nil
		}
		if err := check(); err != nil {
			return err
		}
		select {
		case <-ctx.Done():
			if who == netns.Other {
				return fmt.Errorf("another program listens on %s, not the one started, after %v", hostport, waitTimeout)
			}
			return fmt.Errorf("nothing listens on %s after %v", hostport, waitTimeout)
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// portOf returns the port of hostport.
func portOf(hostport string) (uint16, error) {
	_, portStr, err := net.SplitHostPort(hostport)
	if err != nil {
		return 0, err
	}
	port, err := strconv.ParseUint(portStr, 10, 16)
	if err != nil {
		return 0, fmt.Errorf("bad port in %s", hostport)
	}
	return uint16(port), nil
}

// enterNetns brings up the loopback interface when this process is a
// child given a network namespace of its own, where lo starts down.
func enterNetns() error {
	if os.Getenv(envNetns) != "1" {
		return nil
	}
	return netns.LoopbackUp()
}

// busyPorts lists the addresses of addrs that something on this machine
// already listens on.
func busyPorts(addrs []string) []string {
	var busy []string
	for _, addr := range addrs {
		if who, _ := listeningBy(addr, nil); who != netns.Nobody {
			busy = append(busy, addr)
		}
	}
	return busy
}

// output collects what a command prints on stdout and stderr, in order,
// and lets a waiter know when more arrives.
type output struct {
	mu     sync.Mutex
	buf    bytes.Buffer
	notify chan struct{} // closed and replaced on every write
}

func (o *output) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.notify != nil {
		close(o.notify)
		o.notify = nil
	}
	return o.buf.Write(p)
}

// waitFor waits until what was written matches, failing with errEnded
// once done is closed without a match and with errTimeout after d.
func (o *output) waitFor(match func(string) bool, done <-chan struct{}, d time.Duration) error {
	deadline := time.After(d)
	for {
		// Take the channel before looking: a write in between closes it.
		changed := o.changed()
		if match(o.String()) {
			return nil
		}
		select {
		case <-changed:
		case <-done:
			if match(o.String()) {
				return nil
			}
			return errEnded
		case <-deadline:
			return errTimeout
		}
	}
}

// changed returns a channel closed at the next write.
func (o *output) changed() <-chan struct{} {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.notify == nil {
		o.notify = make(chan struct{})
	}
	return o.notify
}

// String returns the output as a terminal shows it: a carriage return
// before a line feed shows nothing, so it is dropped (HTTP's CRLF line
// ends, printed raw, read as ordinary lines).
func (o *output) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return strings.ReplaceAll(o.buf.String(), "\r\n", "\n")
}

// rootLocks holds a lock for each path of the book's root that a script
// names as $BOOKROOT/PATH: the scripts run in parallel, each in its own
// network namespace but on the one file system, and a script that removes
// chapter 9's certificate directory (so that the server makes a CA on its
// first start, as on a fresh clone) must not do so while another script's
// server uses the certificates there. Chapters 9 and 10 both do.
var (
	rootLocksMu sync.Mutex
	rootLocks   = map[string]*sync.Mutex{}
)

// rootPathRE matches $BOOKROOT/PATH in a script.
var rootPathRE = regexp.MustCompile(`\$BOOKROOT/([^\s'"#]+)`)

// rootPaths returns the paths of the book's root that script names as
// $BOOKROOT/PATH, cleaned, sorted and without repeats.
func rootPaths(script []byte) []string {
	var paths []string
	for _, m := range rootPathRE.FindAllSubmatch(script, -1) {
		if p := path.Clean(string(m[1])); !slices.Contains(paths, p) {
			paths = append(paths, p)
		}
	}
	slices.Sort(paths)
	return paths
}

// lockRootPaths locks the paths of the book's root that the script file
// names, in sorted order so that two scripts never wait for each other in
// a circle, and returns the function that unlocks them.
func lockRootPaths(file string) (func(), error) {
	script, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	var held []*sync.Mutex
	for _, p := range rootPaths(script) {
		rootLocksMu.Lock()
		mu := rootLocks[p]
		if mu == nil {
			mu = new(sync.Mutex)
			rootLocks[p] = mu
		}
		rootLocksMu.Unlock()
		mu.Lock()
		held = append(held, mu)
	}
	return func() {
		for _, mu := range held {
			mu.Unlock()
		}
	}, nil
}

// isMain reports whether the Go file at file belongs to package main: a
// chapter's listings may also write a package that its programs import.
// A file that cannot be read or parsed counts as main, so that building it
// reports the problem.
func isMain(file string) bool {
	f, err := parser.ParseFile(token.NewFileSet(), file, nil, parser.PackageClauseOnly)
	return err != nil || f.Name.Name == "main"
}
