package booktest

import (
	"bytes"
	"fmt"
	"maps"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"tcpbook/internal/transcript"
)

// procsIn lists the processes running a program from dir (by the first
// word of their command line; a zombie has none).
func procsIn(t *testing.T, dir string) []int {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatal(err)
	}
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		cmdline, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil {
			continue // gone
		}
		argv0, _, _ := bytes.Cut(cmdline, []byte{0})
		if strings.HasPrefix(string(argv0), dir+string(filepath.Separator)) {
			pids = append(pids, pid)
		}
	}
	return pids
}

// waitGone waits until no process runs a program from dir, and returns
// those still running after d.
func waitGone(t *testing.T, dir string, d time.Duration) []int {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		pids := procsIn(t, dir)
		if len(pids) == 0 || time.Now().After(deadline) {
			return pids
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// needProc skips a test that finds processes in /proc where there is none.
func needProc(t *testing.T) {
	if _, err := os.Stat("/proc/self/cmdline"); err != nil {
		t.Skipf("finding processes needs /proc: %v", err)
	}
}

// buildFixture builds the fixture book's programs, for a script, and
// returns the book's root and where the programs are.
func buildFixture(t *testing.T, script string) (root, bin string) {
	t.Helper()
	book, root := fixture(t, script)
	bin = t.TempDir()
	if err := buildPrograms(root, book, bin); err != nil {
		t.Fatal(err)
	}
	// No test leaves the fixture's programs running, even one that fails.
	t.Cleanup(func() {
		for _, pid := range procsIn(t, bin) {
			syscall.Kill(pid, syscall.SIGKILL)
		}
	})
	return root, bin
}

// freeAddr returns a loopback address nothing listens on now.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// TestStartEnds: what Start started, the server and the process it left
// behind in its group, does not outlive the test.
func TestStartEnds(t *testing.T) {
	needProc(t)
	_, bin := buildFixture(t, "")
	addr := freeAddr(t)
	t.Setenv("FX_ADDR", addr) // the server's environment is the test's
	t.Run("server", func(t *testing.T) {
		srv := Start(t, filepath.Join(bin, "chapters_01_server"), addr)
		WaitOutput(t, srv, "listening")
		if pids := procsIn(t, bin); len(pids) != 2 {
			t.Fatalf("want the server and its sleeping copy running, found %v", pids)
		}
	})
	if pids := waitGone(t, bin, 10*time.Second); len(pids) > 0 {
		t.Errorf("processes Start began outlived the test: %v", pids)
	}
}

// envVictim makes TestKilledTestKillsPrograms a test binary that go test
// kills: "script" runs a script, "start" calls Start.
const envVictim = "BOOKTEST_VICTIM"

// TestKilledTestKillsPrograms kills a test binary as go test -timeout
// does (SIGQUIT, which dumps the goroutines and exits: no cleanup runs)
// while what it started runs, and requires that all of it dies too: a
// script's child process and the commands it started, or the program
// Start started, with what they left behind in their process groups.
func TestKilledTestKillsPrograms(t *testing.T) {
	if os.Getenv(envScript) != "" {
		Run(t, Params{})
		return
	}
	switch os.Getenv(envVictim) {
	case "script":
		report, err := runScript(t.Name(), os.Getenv("FX_SCRIPT"), os.Getenv("FX_ROOT"), os.Getenv("FX_BIN"), "")
		t.Fatalf("the script ended (%v); it should have been killed first:\n%s", err, report)
	case "start":
		Start(t, os.Getenv("FX_SERVER"), os.Getenv("FX_ADDR"))
		time.Sleep(time.Minute)
		t.Fatal("still running a minute later; it should have been killed")
	}
	needProc(t)
	for _, mode := range []string{"script", "start"} {
		t.Run(mode, func(t *testing.T) {
			// The script waits for a line the server never prints, for
			// waitTimeout: long enough.
			root, bin := buildFixture(t, "start fx-server\nwaitport "+fixtureAddr+"\nwaitoutput fx-server never\n")
			exe, err := os.Executable()
			if err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(exe, "-test.run=^TestKilledTestKillsPrograms$", "-test.v")
			cmd.Env = append(os.Environ(), envVictim+"="+mode,
				"FX_SCRIPT="+filepath.Join(root, "testdata/scripts/s.txtar"), "FX_ROOT="+root, "FX_BIN="+bin,
				"FX_SERVER="+filepath.Join(bin, "chapters_01_server"), "FX_ADDR="+freeAddr(t))
			var out bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &out
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			exited := make(chan error, 1)
			go func() { exited <- cmd.Wait() }()
			deadline := time.After(2 * time.Minute)
			for len(procsIn(t, bin)) < 2 {
				select {
				case err := <-exited:
					t.Fatalf("the test binary ended (%v) before the server and its sleeping copy ran:\n%s", err, out.String())
				case <-deadline:
					cmd.Process.Kill()
					t.Fatalf("the server and its sleeping copy did not start within 2m:\n%s", out.String())
				case <-time.After(20 * time.Millisecond):
				}
			}
			running := procsIn(t, bin)
			cmd.Process.Signal(syscall.SIGQUIT)
			if err := <-exited; err == nil {
				t.Fatalf("the test binary survived SIGQUIT:\n%s", out.String())
			}
			if pids := waitGone(t, bin, 10*time.Second); len(pids) > 0 {
				t.Errorf("of %v, %v outlived the killed test binary", running, pids)
			}
		})
	}
}

func TestQuiet(t *testing.T) {
	stdout := os.Stdout
	t.Run("sequential", func(t *testing.T) {
		Quiet(t)
		if os.Stdout == stdout || os.Stdout.Name() != os.DevNull {
			t.Fatalf("os.Stdout is %s, want %s", os.Stdout.Name(), os.DevNull)
		}
		fmt.Println("this line goes nowhere")
		// Quiet claims the process, as t.Setenv does.
		func() {
			defer func() {
				if recover() == nil {
					t.Error("t.Parallel after Quiet did not panic")
				}
			}()
			t.Parallel()
		}()
	})
	if os.Stdout != stdout {
		t.Errorf("os.Stdout is %s after the test that called Quiet, want it back", os.Stdout.Name())
	}
	t.Run("parallel", func(t *testing.T) {
		t.Parallel()
		// What Quiet would do first: refused, with t.Setenv's reason.
		err := setenv(t, envQuiet, "1")
		if err == nil || !strings.Contains(err.Error(), "t.Parallel") {
			t.Errorf("Quiet's guard in a parallel test: %v, want a refusal", err)
		}
	})
}

// TestCommands: booktest implements exactly the commands of
// transcript.ScriptCommands, and scriptCmds notices when it does not.
func TestCommands(t *testing.T) {
	table := transcript.ScriptCommands()
	cmds, err := scriptCmds(table, implementations)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := slices.Sorted(maps.Keys(cmds)), slices.Sorted(maps.Keys(implementations)); !slices.Equal(got, want) {
		t.Errorf("testscript gets %v, want %v", got, want)
	}
	_, err = scriptCmds(append(table, transcript.ScriptCommand{Name: "waitforever"}), implementations)
	if err == nil || err.Error() != "transcript.ScriptCommands has waitforever, which booktest does not implement" {
		t.Errorf("a command booktest lacks: %v", err)
	}
	impls := maps.Clone(implementations)
	impls["sleep"] = cmdRun
	_, err = scriptCmds(table, impls)
	if err == nil || err.Error() != "booktest implements sleep, which transcript.ScriptCommands does not have" {
		t.Errorf("a command the table lacks: %v", err)
	}
}

// TestCommandDocs: the package's documentation and the guide for authors
// (docs/writing-a-chapter.md) show each command's synopsis as the table
// has it, and no other command; the guide lists the normalisation rules
// transcript.Rules has, and no other.
func TestCommandDocs(t *testing.T) {
	src, err := os.ReadFile("booktest.go")
	if err != nil {
		t.Fatal(err)
	}
	guide, err := os.ReadFile("../../docs/writing-a-chapter.md")
	if err != nil {
		t.Fatal(err)
	}
	// section returns the guide's text from the heading to the next
	// heading of any level.
	section := func(heading string) string {
		_, after, ok := strings.Cut(string(guide), "\n"+heading+"\n")
		if !ok {
			t.Fatalf("docs/writing-a-chapter.md has no heading %q", heading)
		}
		text, _, _ := strings.Cut(after, "\n#")
		return text
	}
	// firstColumn lists the code in the first column of a table's rows.
	firstColumn := func(text string) []string {
		var col []string
		for _, m := range regexp.MustCompile("(?m)^\\| `([^`]+)` \\|").FindAllStringSubmatch(text, -1) {
			col = append(col, m[1])
		}
		slices.Sort(col)
		return col
	}

	var want []string
	ja := strings.NewReplacer("rule", "規則", "REGEXP", "正規表現")
	for _, c := range transcript.ScriptCommands() {
		if !strings.Contains(string(src), "\n//\t"+c.Usage()+"\n") {
			t.Errorf("the package documentation lacks the line %q", c.Usage())
		}
		want = append(want, ja.Replace(c.Usage()))
	}
	slices.Sort(want)
	if got := firstColumn(section("## 出力例を確かめるスクリプト")); !slices.Equal(got, want) {
		t.Errorf("docs/writing-a-chapter.md lists the commands\n%q\nwant\n%q", got, want)
	}

	want = nil
	for _, r := range transcript.Rules() {
		want = append(want, r.Name)
	}
	slices.Sort(want)
	if got := firstColumn(section("### 正規化の規則")); !slices.Equal(got, want) {
		t.Errorf("docs/writing-a-chapter.md lists the rules\n%q\nwant\n%q", got, want)
	}
}
