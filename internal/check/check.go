// Package check proves a book's markdown and its extracted programs agree:
// every extracted file is current, every listing is gofmt-formatted and
// passes go vet, every fragment type-checks, every excerpt quotes its
// listing, every diff and quote is what the files it names make now, every
// ladder is what its capture gives, and every transcript is verified by a script or says why not.
// It writes nothing in the book.
package check

import (
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"

	"tcpbook/internal/chapter"
	"tcpbook/internal/diag"
	"tcpbook/internal/extract"
	"tcpbook/internal/source"
	"tcpbook/internal/transcript"
)

// Options selects the checks.
type Options struct {
	// Vet runs go vet on the programs as the markdown has them.
	Vet bool
	// MaxCode is the largest share (percent) of a chapter's lines that
	// may be in code blocks; 0 checks nothing.
	MaxCode int
}

// Summary counts what was checked.
type Summary struct {
	Programs, Files, Fragments, Excerpts int
	Diffs, Quotes, Ladders               int
	Verified, Unverified                 int
}

func (s Summary) String() string {
	ladders := ""
	if s.Ladders > 0 {
		ladders = ", " + Count(s.Ladders, "ladder")
	}
	return fmt.Sprintf("%s (%s), %s, %s, %s, %s%s, %s (%d verified by scripts, %d unverified)",
		Count(s.Programs, "program"), Count(s.Files, "file"), Count(s.Fragments, "fragment"),
		Count(s.Excerpts, "excerpt"), Count(s.Diffs, "diff"), Count(s.Quotes, "quote"), ladders,
		Count(s.Verified+s.Unverified, "transcript"), s.Verified, s.Unverified)
}

// Count says "1 thing" or "n things".
func Count(n int, thing string) string {
	if n == 1 {
		return "1 " + thing
	}
	return fmt.Sprintf("%d %ss", n, thing)
}

// Book checks every chapter of book and returns what it checked and every
// problem found.
func Book(book *chapter.Book, opts Options) (Summary, diag.List) {
	var sum Summary
	var all []*extract.File
	programs := map[string]bool{}
	set, errs := extract.GenerateBook(book.Root, book.Chapters)
	res := source.NewResolverSet(book.Root, set)
	for _, ch := range book.Chapters {
		files := set.Chapter(ch)
		errs.Append(extract.CheckFormat(files))
		errs.Append(onDisk(book.Root, ch, files))
		errs.Append(excerpts(ch, files))
		errs.Append(refs(res, set, ch))
		for _, f := range files {
			programs[path.Dir(f.Path())] = true
		}
		for _, f := range files {
			if !f.Broken {
				all = append(all, f)
			}
		}
		for _, b := range ch.Blocks {
			switch b.Kind {
			case chapter.Excerpt:
				sum.Excerpts++
			case chapter.Fragment:
				sum.Fragments++
			case chapter.Diff:
				sum.Diffs++
			case chapter.Quote:
				sum.Quotes++
			case chapter.Ladder:
				sum.Ladders++
			}
		}
	}
	sum.Programs, sum.Files = len(programs), len(all)
	errs.Append(reprints(book))
	if opts.MaxCode > 0 {
		errs.Append(codeShares(book, opts.MaxCode))
	}
	gc := newGoCache(book.Root)
	errs.Append(fragments(book, gc, all))
	v, u, tErrs := transcripts(book)
	sum.Verified, sum.Unverified = v, u
	errs.Append(tErrs)
	if opts.Vet && len(all) > 0 {
		errs.Append(vet(book.Root, gc, all))
	}
	errs.Sort()
	return sum, errs
}

// onDisk compares the extracted files with what the markdown makes.
func onDisk(root string, ch *chapter.Chapter, files []*extract.File) diag.List {
	var errs diag.List
	dir, err := os.OpenRoot(filepath.Join(root, filepath.FromSlash(ch.Dir)))
	if err != nil {
		errs.Add(ch.Path, 0, "%v", err)
		return errs
	}
	defer dir.Close()
	for _, f := range files {
		if f.Broken {
			continue
		}
		state, why, err := extract.Inspect(dir, f.Name, ch.Path, f.Content)
		line := f.Blocks[0].Line
		switch {
		case err != nil:
			errs.Add(ch.Path, line, "listing %s: cannot read %s: %v", f.Name, f.Path(), err)
		case state == extract.Missing:
			errs.Add(ch.Path, line, "listing %s: %s does not exist; run `"+extract.Command+"`", f.Name, f.Path())
		case state == extract.Foreign:
			errs.Add(ch.Path, line, "listing %s: %s is in the way: %s", f.Name, f.Path(), why)
		case state == extract.Edited:
			errs.Add(ch.Path, line, "listing %s: %s was edited by hand; move the edits into the markdown and run `"+extract.Command+" -force`", f.Name, f.Path())
		case state == extract.Stale:
			have, _ := dir.ReadFile(filepath.FromSlash(f.Name))
			errs.Add(ch.Path, staleLine(f, have), "listing %s: %s is stale; run `"+extract.Command+"`", f.Name, f.Path())
		}
	}
	if ch.Incomplete {
		// A file no listing seems to write may be written by the block
		// Parse reported: that report is the one to act on.
		return errs
	}
	orphans, err := extract.Orphans(dir, ch, files)
	if err != nil {
		errs.Add(ch.Path, 0, "%v", err)
	}
	for _, o := range orphans {
		errs.Add(ch.Path, 0, "%s is orphaned: it was generated from this chapter but no listing writes it; run `"+extract.Command+"` to remove it", path.Join(ch.Dir, o))
	}
	return errs
}

// staleLine finds the markdown line of the first line where the file on
// disk differs from the listing.
func staleLine(f *extract.File, have []byte) int {
	want := strings.Split(string(f.Content), "\n")
	got := strings.Split(string(have), "\n")
	for i := range want {
		// The lines mdrun adds (the checksum line differs whenever the
		// file does) map to no markdown line: a listing's lines do.
		if i < len(f.Lines) && f.Lines[i] == 0 {
			continue
		}
		if i >= len(got) || got[i] != want[i] {
			return f.MarkdownLine(i + 1)
		}
	}
	return f.Blocks[0].Line
}

// excerpts checks that each excerpt appears in the file it quotes.
func excerpts(ch *chapter.Chapter, files []*extract.File) diag.List {
	var errs diag.List
	bodies := map[string][]string{}
	for _, f := range files {
		bodies[f.Name] = strings.Split(strings.TrimSuffix(string(f.Content), "\n"), "\n")
	}
	for _, b := range ch.Blocks {
		if b.Kind != chapter.Excerpt || bodies[b.File] == nil {
			continue
		}
		if msg := matchExcerpt(bodies[b.File], b.Body); msg != "" {
			errs.Add(ch.Path, b.Line, "excerpt of %s: %s", b.File, msg)
		}
	}
	return errs
}

// transcripts checks that each transcript is verified by a script, or
// marked unverified, that one marked .table has a table to show, that
// every id a script names exists, that what a script starts it also
// ends, and that every line of a script that uses one of booktest's
// commands uses it as booktest reads it. Which command does what is
// transcript.ScriptCommands' to say.
func transcripts(book *chapter.Book) (verified, unverified int, errs diag.List) {
	refs, bad, err := transcript.ScanScripts(book.Root)
	if err != nil {
		errs.Add(transcript.ScriptDir, 0, "%v", err)
		return 0, 0, errs
	}
	for _, b := range bad {
		errs.Add(b.Script, b.Line, "%v", b.Err)
	}
	complete := len(book.Chapters) > 0 && allChapters(book)
	byID := map[string][]transcript.Ref{}
	ended := map[string]bool{}
	var enders []string // the commands that end what start began
	for _, c := range transcript.ScriptCommands() {
		if c.Ends {
			enders = append(enders, c.Name)
		}
	}
	for _, r := range refs {
		if r.Ends() {
			ended[r.Script+" "+r.ID] = true
		}
	}
	for _, r := range refs {
		if r.Starts() && !ended[r.Script+" "+r.ID] {
			var ends []string
			for _, e := range enders {
				ends = append(ends, e+" "+r.ID)
			}
			errs.Add(r.Script, r.Line, "%s %s without %s: its output would never be compared", r.Verb, r.ID, strings.Join(ends, " or "))
		}
		byID[r.ID] = append(byID[r.ID], r)
		if _, b := book.Transcript(r.ID); b == nil && complete {
			errs.Add(r.Script, r.Line, "%s %s: no console block has this id", r.Verb, r.ID)
		}
	}
	for _, ch := range book.Chapters {
		for _, b := range ch.Blocks {
			if b.Kind != chapter.Transcript {
				continue
			}
			if b.Table {
				if msg := transcript.TableProblem(b.Body); msg != "" {
					errs.Add(ch.Path, b.Line, "transcript %s is marked .table, but %s", b.ID, msg)
				}
			}
			checked := false
			for _, r := range byID[b.ID] {
				if r.Verifies() {
					checked = true
					if b.Unverified != "" {
						errs.Add(ch.Path, b.Line, "transcript %s is marked unverified, but %s:%d verifies it; drop the unverified attribute", b.ID, r.Script, r.Line)
					}
				}
			}
			switch {
			case b.Unverified != "":
				unverified++
			case checked:
				verified++
			case b.ID != "":
				errs.Add(ch.Path, b.Line, "transcript %s is verified by no script in %s (add one that runs it, or mark it {unverified=\"reason\"})", b.ID, transcript.ScriptDir)
			}
		}
	}
	return verified, unverified, errs
}

// allChapters reports whether book holds every chapter, so that an id no
// chapter has is really missing rather than in a chapter not loaded.
func allChapters(book *chapter.Book) bool {
	dirs, err := chapter.ChapterDirs(book.Root)
	return err == nil && len(dirs) == len(book.Chapters)
}
