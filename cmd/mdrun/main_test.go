package main

import (
	"errors"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"tcpbook/internal/ladder"
	"tcpbook/internal/ladder/laddertest"
)

var update = flag.Bool("update", false, "rewrite the cmp files of failing scripts in testdata/script")

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"mdrun": func() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) },
	})
}

// TestScripts runs testdata/script/*.txtar. Each script builds a small
// book in $WORK (go.mod and chapters/NN/README.md) and runs mdrun on it.
//
// Besides testscript's commands, a script may use
//
//	status N command [args...]
//
// which runs command like exec and requires it to exit with status N, for
// mdrun's contract of 0 ok, 1 problems, 2 usage, and
//
//	pcap [-client] fixture FILE
//
// which writes a two-sided capture of laddertest's (FILE, the client's
// side, and beside it the server's, as netlab names them), or with
// -client only FILE.
func TestScripts(t *testing.T) {
	goEnv := goEnv(t, "GOCACHE", "GOMODCACHE", "GOPATH")
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/script",
		RequireExplicitExec: true,
		RequireUniqueNames:  true,
		UpdateScripts:       *update,
		Setup: func(env *testscript.Env) error {
			// mdrun check runs go list and go vet: share the build cache,
			// and never reach the network or another toolchain.
			for k, v := range goEnv {
				env.Setenv(k, v)
			}
			env.Setenv("GOPROXY", "off")
			env.Setenv("GOTOOLCHAIN", "local")
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"status": cmdStatus,
			"pcap":   cmdPcap,
		},
	})
}

func cmdStatus(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: status N command [args...]")
	}
	want, err := strconv.Atoi(args[0])
	if err != nil {
		ts.Fatalf("usage: status N command [args...]")
	}
	got := 0
	var exit *exec.ExitError
	switch err := ts.Exec(args[1], args[2:]...); {
	case errors.As(err, &exit):
		got = exit.ExitCode()
	case err != nil:
		ts.Fatalf("%v", err)
	}
	if got != want {
		ts.Fatalf("%s exited with status %d, want %d", args[1], got, want)
	}
}

// goEnv asks the go command for the values of vars.
func goEnv(t *testing.T, vars ...string) map[string]string {
	out, err := exec.Command("go", append([]string{"env"}, vars...)...).Output()
	if err != nil {
		t.Fatalf("go env: %v", err)
	}
	values := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
	if len(values) != len(vars) {
		t.Fatalf("go env %s printed %q", strings.Join(vars, " "), out)
	}
	m := map[string]string{}
	for i, v := range vars {
		m[v] = values[i]
	}
	return m
}

func cmdPcap(ts *testscript.TestScript, neg bool, args []string) {
	oneSide := len(args) > 0 && args[0] == "-client"
	if oneSide {
		args = args[1:]
	}
	if neg || len(args) != 2 {
		ts.Fatalf("usage: pcap [-client] fixture FILE")
	}
	c, s, err := laddertest.Write(args[0])
	ts.Check(err)
	file := ts.MkAbs(args[1])
	ts.Check(os.MkdirAll(filepath.Dir(file), 0o755))
	ts.Check(os.WriteFile(file, c, 0o644))
	if !oneSide {
		ts.Check(os.WriteFile(ladder.ServerPcap(file), s, 0o644))
	}
}
