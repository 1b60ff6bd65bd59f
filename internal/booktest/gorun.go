package booktest

import (
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path"
	"path/filepath"
)

// goRun stands in for the go command on the scripts' PATH. It knows two
// forms, "go run ./chapters/NN [args]" and "go tool NAME [args]" (a tool
// of go.mod's tool directive, such as h2spec), runs the program built for this
// test run, and behaves as go run does: the program gets the terminal's
// input and output; Ctrl-C reaches the program (go run itself waits); when
// the program fails, it prints the error ("exit status 1",
// "signal: interrupt") and exits 1.
func goRun() {
	args := os.Args[1:]
	if len(args) < 2 || (args[0] != "run" && args[0] != "tool") {
		fmt.Fprintln(os.Stderr, `go: the book's scripts run only the programs its transcripts name: "go run ./chapters/NN" or "go tool NAME"`)
		os.Exit(2)
	}
	bin := filepath.Join(os.Getenv(envBin), binName(path.Clean(args[1])))
	if args[0] == "tool" {
		bin = filepath.Join(os.Getenv(envBin), toolBinName(args[1]))
	}
	if _, err := os.Stat(bin); err != nil {
		fmt.Fprintf(os.Stderr, "go: %s is not a program this book's transcripts run (built: %s)\n", args[1], os.Getenv(envBin))
		os.Exit(2)
	}
	signal.Notify(make(chan os.Signal, 1), os.Interrupt) // like go run: wait for the program
	cmd := exec.Command(bin, args[2:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
