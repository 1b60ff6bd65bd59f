// Mdrun extracts, checks and renders the book's chapters.
//
// A chapter is chapters/NN/README.md. Its fenced code blocks say what they
// are with attributes after the language word (docs/writing-a-chapter.md
// has the whole contract):
//
//	```go {file=main.go}         a listing, extracted to chapters/NN/main.go
//	```go {excerpt=main.go}      lines quoted from a listing, checked to be there
//	```go                        a fragment, type-checked on its own
//	```console {#an-id}          a transcript, verified by a script in testdata/scripts
//	```console {unverified="reason"}  a transcript no script can verify
//	```console {#an-id .table}   a transcript whose output's markdown table the book shows as a table
//	```diff {from=A to=B}        the diff of two files of the repository (A#Name: one declaration)
//	```go {quote=F#Name}         a declaration of a file of the repository, with its doc comment
//	```go {file=F base=B}        a listing of a file that starts as another chapter's file B:
//	                             its declarations replace B's by name (new=, remove= for the rest)
//	```go {file=F use=G#Name}    an empty listing that stands for another program's declaration
//
// Usage:
//
//	mdrun extract [-force] [chapters/NN ...]
//	mdrun check [-vet=false] [-maxcode=50] [chapters/NN ...]
//	mdrun update [chapters/NN ...]
//	mdrun rules
//	mdrun stats [chapters/NN ...]
//	mdrun book [-o dir]
//	mdrun serve [-addr localhost:3000]
//	mdrun pdf [-o file] [-browser chromium]
//	mdrun epub [-o file]
//
// Extract writes each chapter's programs next to it, gofmt-formatted, with
// the generated-code header naming the chapter. It writes nothing unless
// every chapter is sound; it never overwrites a file that mdrun did not
// write, nor one edited by hand (unless -force, which replaces hand-edited
// generated files only); it writes each file atomically; it removes the
// generated files that no listing writes any more.
//
// Check writes nothing. It reports every problem as
// chapters/NN/README.md:LINE: message: extracted files that are stale,
// missing or orphaned; listings that are not gofmt-formatted or fail go vet
// (reported at the markdown line of the listing); fragments that do not
// type-check; excerpts that do not match their listing; transcripts that no
// script verifies and that are not marked unverified; diffs and quotes that
// are not what the files they name make now; a declaration printed in
// full, the same, in two listings; and, in a book that is rendered (it has
// book/chapters.txt), every link that mdrun book would reject and every
// chapter more than half of whose lines are in code blocks. It ends with one line saying what it checked.
//
// Update rewrites the body of every diff and quote block whose files have
// changed, and nothing else: the rest of the markdown is kept byte for
// byte, line endings too. It writes nothing if a chapter has a problem or
// a block names a file or declaration that is not there.
//
// Stats prints, for each chapter, how much of it is inside fenced code
// blocks, by lines and by characters. Check holds a rendered book's
// chapters (a book with book/chapters.txt) to at most half of their lines.
//
// Rules lists the normalisation rules that scripts may apply when they
// compare a transcript with a real run.
//
// Book renders the book as a static web site in book/site (or dir) and
// prints the path of its index.html: the front page book/index.md and the
// chapters in the order of book/chapters.txt, each with its listings'
// programs, a print page with every chapter, and a Japanese full-text
// search index. It writes nothing if a chapter has a problem (including a
// link to something that is not in the book).
//
// Serve serves the book at http://localhost:3000 (or addr), built in
// memory, and reloads the reader's open page when a chapter, book/ or a
// script in testdata/scripts changes; a problem is shown on the page
// until it is fixed.
//
// Pdf and epub write the book for reading offline, from the same
// rendering as the site (package offline), to book/dist/tcpbook.pdf and
// book/dist/tcpbook.epub, and print the path they wrote.
//
// Mdrun runs in the book's root (the directory holding go.mod and
// chapters/) or below it. With no chapters named, it works on all of them.
//
// Exit status: 0 when all is well, 1 when problems were found, 2 for a
// usage error.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// errUsage is returned after a usage message has been printed.
var errUsage = errors.New("usage")

// errProblems is returned after the problems have been printed.
var errProblems = errors.New("problems found")

const usage = `usage: mdrun <command> [flags] [chapters/NN ...]

commands:
  extract   write each chapter's programs next to it
  check     check the chapters and their programs; write nothing
  update    rewrite the diff and quote blocks from the files they name
  rules     list the normalisation rules for transcripts
  stats     how much of each chapter is inside code blocks
  book      render the book as a web site in book/site
  serve     serve the book on localhost, reloading pages as chapters change
  pdf       typeset the book as one PDF in book/dist (make pdf)
  epub      write the book as an EPUB 3 in book/dist (make epub)

Run 'mdrun <command> -h' for a command's flags. Exit status: 0 ok,
1 problems found, 2 usage.
`

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	var err error
	switch args[0] {
	case "extract":
		err = runExtract(args[1:], stdout, stderr)
	case "check":
		err = runCheck(args[1:], stdout, stderr)
	case "update":
		err = runUpdate(args[1:], stdout, stderr)
	case "rules":
		err = runRules(args[1:], stdout, stderr)
	case "stats":
		err = runStats(args[1:], stdout, stderr)
	case "book":
		err = runBook(args[1:], stdout, stderr)
	case "serve":
		err = runServe(args[1:], stdout, stderr)
	case "pdf", "epub":
		err = runOffline(args[0], args[1:], stdout, stderr)
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "mdrun: unknown command %q\n%s", args[0], usage)
		return 2
	}
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		return 2
	case errors.Is(err, errProblems):
		return 1
	default:
		fmt.Fprintf(stderr, "mdrun: %v\n", err)
		return 1
	}
}

// newFlags makes a subcommand's flag set, printing usage to stderr.
func newFlags(name, args string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: mdrun %s %s\n", name, args)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args, turning a bad flag into errUsage.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	return nil
}

// bookArgs finds the book's root and turns chapter arguments, given
// relative to the current directory, into paths relative to the root.
func bookArgs(args []string) (string, []string, error) {
	root, err := chapterRoot()
	if err != nil {
		return "", nil, err
	}
	var dirs []string
	for _, a := range args {
		abs, err := filepath.Abs(a)
		if err != nil {
			return "", nil, err
		}
		rel, err := filepath.Rel(root, abs)
		if err != nil {
			return "", nil, err
		}
		dirs = append(dirs, filepath.ToSlash(rel))
	}
	return root, dirs, nil
}
