package preview

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/fsnotify/fsnotify"

	"tcpbook/internal/site"
	"tcpbook/internal/transcript"
)

// Watch rebuilds the site each time the files it is made from change,
// until ctx is done. It learns of changes from the operating system's file
// notifications (inotify, kqueue, ReadDirectoryChangesW), and where there
// are none, or they fail, it looks every interval instead. It watches
// directories, not files, so that a file that an editor saves by writing
// another and renaming it over the first is seen too, and it watches
// directories made later, such as a new chapter's. It builds once the
// files have stopped changing for a moment (settle), so that it never
// builds from a file that an editor has only half written.
func (s *Server) Watch(ctx context.Context, interval time.Duration) {
	if err := s.notify(ctx); err != nil {
		fmt.Fprintf(s.log, "mdrun serve: no file notifications (%v); looking for changes every %v instead\n", err, interval)
		s.poll(ctx, interval)
	}
}

// settle is how long the watched files must stay unchanged before Watch
// builds: an editor writes a file in pieces far quicker than this, and a
// reader waits for a build far longer.
const settle = 15 * time.Millisecond

// notify is Watch with file notifications. It returns an error, having
// built nothing more, if it cannot watch the files; nil when ctx is done.
func (s *Server) notify(ctx context.Context) error {
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return err
	}
	defer w.Close()
	// Look once at the start: the files may have changed since NewServer
	// built the site, before they were watched.
	look := true
	for {
		if !look {
			select {
			case <-ctx.Done():
				return nil
			case _, ok := <-w.Events:
				if !ok {
					return errStopped
				}
			case _, ok := <-w.Errors:
				// Lost notifications (an overflow, say): look at the
				// files, which is what an event makes Watch do.
				if !ok {
					return errStopped
				}
			}
		}
		if err := quiet(ctx, w.Events, w.Errors); err != nil {
			return err
		}
		if ctx.Err() != nil {
			return nil
		}
		look = false
		st, dirs := s.watchStamp()
		added, err := watchDirs(w, dirs)
		if err != nil {
			return err
		}
		if added {
			// What changed in a directory before it was watched is seen
			// by looking again, after.
			st, _ = s.watchStamp()
		}
		if st == s.stamp {
			continue
		}
		s.stamp = st
		s.mu.Lock()
		sources := s.sources
		s.mu.Unlock()
		s.rebuild()
		s.mu.Lock()
		look = !slices.Equal(sources, s.sources)
		s.mu.Unlock()
		// When the build names other files that diffs and quotes show,
		// look again, which watches them: one of them may have changed
		// since the build read it.
	}
}

// quiet waits until no notification has come for settle: the files have
// stopped changing for a moment. It returns early when ctx is done.
func quiet(ctx context.Context, events <-chan fsnotify.Event, errs <-chan error) error {
	t := time.NewTimer(settle)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
			return nil
		case _, ok := <-events:
			if !ok {
				return errStopped
			}
		case _, ok := <-errs:
			if !ok {
				return errStopped
			}
		}
		t.Reset(settle)
	}
}

var errStopped = errors.New("the notifications stopped")

// watchDirs makes w watch the directories dirs, and no others. It reports
// whether it added any. A directory already watched is added again, which
// costs little: if it has been removed and made again since, it is the
// new one that is then watched.
func watchDirs(w *fsnotify.Watcher, dirs []string) (added bool, err error) {
	watched := w.WatchList()
	for _, d := range watched {
		if !slices.Contains(dirs, d) {
			_ = w.Remove(d) // it may be gone, and its watch with it
		}
	}
	for _, d := range dirs {
		if err := w.Add(d); err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				// Gone since it was listed: its parent, watched, tells.
				continue
			}
			return added, err
		}
		added = added || !slices.Contains(watched, d)
	}
	return added, nil
}

// poll is Watch without file notifications: it looks at the files every
// interval.
func (s *Server) poll(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		st, _ := s.watchStamp()
		if st == s.stamp {
			continue
		}
		for {
			select {
			case <-ctx.Done():
				return
			case <-time.After(settle):
			}
			again, _ := s.watchStamp()
			if again == st {
				break
			}
			st = again
		}
		s.stamp = st
		s.rebuild()
	}
}

// watchStamp is a digest of the names, sizes and times of the files the
// site is made from: the chapters, book/ (but not the site written in it,
// nor the browser tests' screenshots), the scripts that verify
// transcripts, and the files that diffs and quotes show. It returns the
// directories to watch for changes to them as well: those it walked, the
// directories of the files that diffs and quotes show, and for a directory
// that is not there (yet), the nearest one above it that is.
func (s *Server) watchStamp() ([sha256.Size]byte, []string) {
	h := sha256.New()
	var dirs []string
	watch := func(dir string) {
		for dir != s.root && len(dir) > len(s.root) {
			if info, err := os.Stat(dir); err == nil && info.IsDir() {
				break
			}
			dir = filepath.Dir(dir)
		}
		if !slices.Contains(dirs, dir) {
			dirs = append(dirs, dir)
		}
	}
	s.mu.Lock()
	sources := s.sources
	s.mu.Unlock()
	for _, p := range sources {
		file := filepath.Join(s.root, filepath.FromSlash(p))
		if info, err := os.Stat(file); err == nil {
			fmt.Fprintf(h, "%s %d %d\n", p, info.Size(), info.ModTime().UnixNano())
		}
		watch(filepath.Dir(file))
	}
	for _, dir := range []string{"chapters", "book", transcript.ScriptDir} {
		top := filepath.Join(s.root, filepath.FromSlash(dir))
		_ = filepath.WalkDir(top, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				if p == top {
					watch(top)
				}
				return nil
			}
			if d.IsDir() && p != top && (d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".") || p == filepath.Join(s.root, filepath.FromSlash(site.SiteDir)) || p == filepath.Join(s.root, filepath.FromSlash(site.ShotDir))) {
				return fs.SkipDir
			}
			if d.IsDir() {
				watch(p)
			}
			if info, err := d.Info(); err == nil {
				fmt.Fprintf(h, "%s %d %d\n", p, info.Size(), info.ModTime().UnixNano())
			}
			return nil
		})
	}
	var sum [sha256.Size]byte
	h.Sum(sum[:0])
	return sum, dirs
}
