package booktest

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"tcpbook/internal/chapter"
	"tcpbook/internal/extract"
	"tcpbook/internal/netns"
	"tcpbook/internal/transcript"
)

func TestMain(m *testing.M) {
	if addr := os.Getenv(envTestListen); addr != "" {
		testServer(addr)
	}
	Main(m)
}

// envTestListen makes the test binary a server for booktest's own tests:
// it listens on the address it names ("-": nowhere; udpPrefix+HOST:PORT:
// a UDP socket bound there) until it is killed, and does what
// envTestInterrupt says on SIGINT.
const envTestListen = "BOOKTEST_TEST_LISTEN"

func testServer(addr string) {
	handleInterrupt(os.Getenv(envTestInterrupt))
	if addr != "-" {
		ln, err := listenOn(addr)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		defer ln.Close()
	}
	time.Sleep(time.Hour)
	os.Exit(0)
}

const fixtureChapter = "# 練習\n\n```go {file=main.go}\n" + `package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Println("hallo")
	fmt.Fprintln(os.Stderr, "to stderr")
	if len(os.Args) > 1 {
		os.Exit(3)
	}
}
` + "```\n\n```console {#fx-run}\n$ go run ./chapters/01\nhallo\nto stderr\n```\n\n" +
	"```console {#fx-wrong}\n$ go run ./chapters/01\nhello\nto stderr\n```\n\n" +
	"```console {#fx-fail}\n$ go run ./chapters/01 x\nhallo\nto stderr\nexit status 3\n```\n\n" +
	"```go {file=\"server/main.go\"}\n" + fixtureServer + "```\n\n" +
	"```console {#fx-server}\n$ go run ./chapters/01/server\nlistening\nsignal: interrupt\n```\n\n" +
	"```console {#fx-server-wrong}\n$ go run ./chapters/01/server\nlistening\nbye\n```\n"

// fixtureServer listens on FX_ADDR (or fixtureAddr), logs each client,
// and leaves a process behind in its process group, as a program may: a
// copy of itself that sleeps. Ctrl-C ends both.
const fixtureServer = `package main

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"time"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "sleep" {
		time.Sleep(time.Hour)
		return
	}
	addr := os.Getenv("FX_ADDR")
	if addr == "" {
		addr = "127.0.0.1:18888"
	}
	exe, err := os.Executable()
	if err == nil {
		err = exec.Command(exe, "sleep").Start()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println("listening")
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		fmt.Println("accepted")
		c.Close()
	}
}
`

// fixtureAddr is where the fixture's server listens in a script.
const fixtureAddr = "127.0.0.1:18888"

// fixture writes a small book with one chapter and the given script.
func fixture(t *testing.T, script string) (*chapter.Book, string) {
	t.Helper()
	root := t.TempDir()
	write := func(name, data string) {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("go.mod", "module fixture\n\ngo 1.25\n")
	write("chapters/01/README.md", fixtureChapter)
	write("testdata/scripts/s.txtar", script)
	book, errs := chapter.Load(root, nil)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	plan, errs := extract.Prepare(book, extract.Options{})
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	if err := plan.Apply(func(string, ...any) {}); err != nil {
		t.Fatal(err)
	}
	return book, root
}

// TestHarness runs the harness on a fixture book: the child processes it
// starts run this same test, which then runs their one script.
func TestHarness(t *testing.T) {
	if os.Getenv(envScript) != "" {
		Run(t, Params{})
		return
	}
	nsErr := netns.Probe()
	if nsErr != nil {
		t.Logf("NOTICE: %v; the fixture's scripts run without a namespace", nsErr)
	}
	// parallel lets a case run in parallel with the others, unless it
	// listens on the fixture's port and the scripts share this
	// machine's network.
	parallel := func(t *testing.T, listens bool) {
		if nsErr == nil || !listens {
			t.Parallel()
		}
	}
	run := func(t *testing.T, script, updates string, env ...string) (*chapter.Book, string, string, error) {
		book, root := fixture(t, script)
		bin := t.TempDir()
		if err := buildPrograms(root, book, bin); err != nil {
			t.Fatal(err)
		}
		report, err := runScript("TestHarness", filepath.Join(root, "testdata/scripts/s.txtar"), root, bin, updates, env...)
		return book, root, report, err
	}

	t.Run("match", func(t *testing.T) {
		parallel(t, true)
		script := "run fx-run\n! run fx-fail\n" +
			"start fx-server\nwaitport " + fixtureAddr + "\ninterrupt fx-server\n" +
			"start fx-run\nwaitexit fx-run\n" +
			"start fx-fail\n! waitexit fx-fail\n"
		if _, _, report, err := run(t, script, ""); err != nil {
			t.Fatalf("want the script to pass: %v\n%s", err, report)
		}
	})
	t.Run("mismatch", func(t *testing.T) {
		t.Parallel()
		_, _, report, err := run(t, "run fx-wrong\n", "")
		if err == nil {
			t.Fatalf("want the script to fail, it passed:\n%s", report)
		}
		for _, want := range []string{"transcript fx-wrong differs from a real run", "--- book\n", "-hello\n", "+hallo\n"} {
			if !strings.Contains(report, want) {
				t.Errorf("report lacks %q:\n%s", want, report)
			}
		}
	})
	t.Run("exit-status", func(t *testing.T) {
		t.Parallel()
		// Without !, a failing command fails the script even when its
		// output matches.
		_, _, report, err := run(t, "run fx-fail\n", "")
		if err == nil || !strings.Contains(report, "exit status 1") {
			t.Fatalf("want a failure naming the exit status, got %v:\n%s", err, report)
		}
	})
	t.Run("update", func(t *testing.T) {
		t.Parallel()
		updates := t.TempDir()
		book, root, report, err := run(t, "run fx-run\nrun fx-wrong\n", updates)
		if err != nil {
			t.Fatalf("in update mode a differing transcript is recorded, not failed: %v\n%s", err, report)
		}
		if err := applyUpdates(t, book, updates); err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(filepath.Join(root, "chapters/01/README.md"))
		if err != nil {
			t.Fatal(err)
		}
		want := strings.Replace(fixtureChapter, "$ go run ./chapters/01\nhello\n", "$ go run ./chapters/01\nhallo\n", 1)
		if string(got) != want {
			t.Errorf("rewritten chapter:\n%s\nwant:\n%s", got, want)
		}
	})

	// Each command fails when what it checks is not so, and says why;
	// a wait fails within its deadline (BOOKTEST_WAIT shortens it).
	const wait = 2 * time.Second
	failures := []struct {
		name    string
		script  string
		listens bool     // uses the fixture's port
		want    []string // in the report
		// long: the program must end before the wait does, and go run
		// may take longer than 2s to build it on a busy machine (CI saw
		// "nothing listens ... after 2s" instead of "ended"): wait 20s,
		// which the program's end cuts short.
		long bool
	}{
		{name: "run-unknown-id", script: "run fx-nosuch\n",
			want: []string{"no console block has id fx-nosuch"}},
		{name: "run-usage", script: "run fx-run fx-wrong\n",
			want: []string{"run: 2 arguments, want 1: usage: [!] run [-norm rule,...] ID"}},
		{name: "run-unknown-rule", script: "run -norm nosuch fx-run\n",
			want: []string{`run: unknown normalisation rule "nosuch"`}},
		{name: "start-unknown-id", script: "start fx-nosuch\n",
			want: []string{"no console block has id fx-nosuch"}},
		{name: "start-twice", script: "start fx-server\nstart fx-server\n", listens: true,
			want: []string{"fx-server is already started"}},
		{name: "start-neg", script: "! start fx-server\n",
			want: []string{"start takes no !: usage: start ID"}},
		{name: "interrupt-differs", script: "start fx-server-wrong\nwaitport " + fixtureAddr + "\ninterrupt fx-server-wrong\n", listens: true,
			want: []string{"transcript fx-server-wrong differs from a real run", "-bye\n", "+signal: interrupt\n"}},
		{name: "interrupt-not-started", script: "interrupt fx-server\n",
			want: []string{"interrupt fx-server: not started"}},
		{name: "interrupt-neg", script: "start fx-server\n! interrupt fx-server\n", listens: true,
			want: []string{"interrupt takes no !"}},
		{name: "waitexit-succeeds", script: "start fx-run\n! waitexit fx-run\n",
			want: []string{"fx-run ended successfully, but the script expects it to fail"}},
		{name: "waitexit-fails", script: "start fx-fail\nwaitexit fx-fail\n",
			want: []string{"fx-fail failed: exit status 1"}},
		{name: "waitexit-differs", script: "start fx-wrong\nwaitexit fx-wrong\n",
			want: []string{"transcript fx-wrong differs from a real run", "-hello\n", "+hallo\n"}},
		{name: "waitoutput-never", script: "start fx-server\nwaitport " + fixtureAddr + "\nwaitoutput fx-server never\n", listens: true,
			want: []string{`fx-server printed no line matching "never" within 2s`, "listening"}},
		{name: "waitoutput-ended", script: "start fx-run\nwaitoutput fx-run never\n",
			want: []string{`fx-run ended (<nil>) without printing a line matching "never"`}, long: true},
		{name: "waitoutput-not-started", script: "waitoutput fx-server listening\n",
			want: []string{"waitoutput fx-server: not started"}},
		{name: "waitport-nobody", script: "waitport 127.0.0.1:18889\n",
			want: []string{"nothing listens on 127.0.0.1:18889 after 2s"}},
		{name: "waitport-ended", script: "start fx-run\nwaitport 127.0.0.1:18889\n",
			want: []string{"fx-run ended (<nil>) before anything listened on 127.0.0.1:18889"}, long: true},
	}
	for _, tc := range failures {
		t.Run(tc.name, func(t *testing.T) {
			parallel(t, tc.listens)
			start := time.Now()
			w := wait
			if tc.long {
				w = 20 * time.Second
			}
			_, _, report, err := run(t, tc.script, "", envWait+"="+w.String())
			if err == nil {
				t.Fatalf("want the script to fail, it passed:\n%s", report)
			}
			for _, want := range tc.want {
				if !strings.Contains(report, want) {
					t.Errorf("report lacks %q:\n%s", want, report)
				}
			}
			// Building the fixture and starting a child take a few
			// seconds on a busy machine; a wait that ignored its
			// deadline would take 30.
			if d := time.Since(start); d > 25*time.Second {
				t.Errorf("the script took %v to fail", d)
			}
		})
	}

	t.Run("left-running", func(t *testing.T) {
		parallel(t, true)
		// A script that does not end what it started (mdrun check
		// reports it) leaves nothing running when it ends.
		book, root := fixture(t, "start fx-server\nwaitport "+fixtureAddr+"\n")
		bin := t.TempDir()
		if err := buildPrograms(root, book, bin); err != nil {
			t.Fatal(err)
		}
		if report, err := runScript("TestHarness", filepath.Join(root, "testdata/scripts/s.txtar"), root, bin, ""); err != nil {
			t.Fatalf("want the script to pass: %v\n%s", err, report)
		}
		if pids := waitGone(t, bin, 10*time.Second); len(pids) > 0 {
			t.Errorf("processes of the fixture's programs outlived their script: %v", pids)
		}
	})
}

func TestBusyPorts(t *testing.T) {
	dir := t.TempDir()
	script := filepath.Join(dir, "s.txtar")
	if err := os.WriteFile(script, []byte("start x\nwaitport localhost:8888\n  waitport 127.0.0.1:9999\nwaitport localhost:8888\nwaitport -udp localhost:8443\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	got := strings.Join(scriptPorts([]string{script}), " ")
	if want := "localhost:8888 127.0.0.1:9999 udp/localhost:8443"; got != want {
		t.Errorf("scriptPorts = %q, want %q", got, want)
	}
}

// TestHideCheckout: a block rewritten from a real run never shows the
// author's checkout, only the placeholder the go-trace rule accepts.
func TestHideCheckout(t *testing.T) {
	body := "panic: EOF\n\nmain.main.func1()\n\t/home/author/src/tcpbook/chapters/02/naive/main.go:35 +0x4d1\nexit status 2\n"
	got := hideCheckout(body, "/home/author/src/tcpbook")
	want := "panic: EOF\n\nmain.main.func1()\n\t/path/to/tcpbook/chapters/02/naive/main.go:35 +0x4d1\nexit status 2\n"
	if got != want {
		t.Errorf("hideCheckout:\n got %q\nwant %q", got, want)
	}
	if got := hideCheckout("/home/author/src/tcpbook2/x", "/home/author/src/tcpbook"); got != "/home/author/src/tcpbook2/x" {
		t.Errorf("a sibling directory was rewritten: %q", got)
	}
	rules, err := transcript.Lookup([]string{"go-trace"})
	if err != nil {
		t.Fatal(err)
	}
	if !transcript.Equal(want, body, rules) {
		t.Errorf("the go-trace rule does not accept %s for the checkout", Checkout)
	}
}

// TestToolPrograms: a transcript may run a tool of the repository, or a
// chapter's program kept as plain files, which the scripts then build like
// a chapter's program; the programs the chapter's listings write, paths out
// of the root and other commands are not tools.
func TestToolPrograms(t *testing.T) {
	src := "# 測る\n\n```go {file=\"server/main.go\"}\npackage main\n\nfunc main() {}\n```\n\n```console {#ch09-table}\n$ go run ./tools/netlab/cmd/netlab table chapters/09/results/x.json\n| a |\n$ go run ./chapters/09/server\n$ go run ../outside\n$ curl localhost:8888\n$ go run ./tools/netlab/cmd/netlab/ info\n$ go run ./chapters/09/client -n 2\n```\n"
	ch, errs := chapter.Parse("chapters/09/README.md", []byte(src))
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	got := toolPrograms(ch)
	if want := []string{"tools/netlab/cmd/netlab", "chapters/09/client"}; !slices.Equal(got, want) {
		t.Errorf("toolPrograms = %q, want %q", got, want)
	}
}

// TestGoTools: a transcript may run a tool of go.mod's tool directive with
// go tool, also after a pipe; go tool's own flags and other commands are
// not tools, and a tool run twice is built once.
func TestGoTools(t *testing.T) {
	src := "# 試す\n\n```console {#ch10-h2spec}\n$ go tool h2spec -p 8888 | tail -n 1\n145 tests\n$ go tool -n h2spec\n$ go run ./chapters/10/server\n$ echo x | go tool h2spec -t -k -p 8443\n$ go tool\n```\n"
	ch, errs := chapter.Parse("chapters/10/README.md", []byte(src))
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	if got, want := goTools(ch), []string{"h2spec"}; !slices.Equal(got, want) {
		t.Errorf("goTools = %q, want %q", got, want)
	}
}

// TestRootPaths: the paths a script names under $BOOKROOT are the ones two
// scripts running at once must not share, each once and in order.
func TestRootPaths(t *testing.T) {
	script := "rm $BOOKROOT/chapters/09/certs\nstart ch10-server # $BOOKROOT/chapters/09/certs/\nexec cat '$BOOKROOT/a/./b'\nrun ch10-curl\n"
	got := rootPaths([]byte(script))
	if want := []string{"a/b", "chapters/09/certs"}; !slices.Equal(got, want) {
		t.Errorf("rootPaths = %q, want %q", got, want)
	}
	if got := rootPaths([]byte("run ch02-curl\n")); len(got) != 0 {
		t.Errorf("rootPaths of a script naming no path = %q, want none", got)
	}
}
