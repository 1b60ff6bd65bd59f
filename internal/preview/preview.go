// Package preview serves a book while it is being written, as mdrun serve
// does: it builds the site with package site, rebuilds it when a chapter,
// the book's own files, a script or a file that a chapter shows changes,
// and each open page reloads itself when its site is replaced. While the
// book has problems the pages show them, and the last good site is
// served.
package preview

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"tcpbook/internal/render"
	"tcpbook/internal/site"
	"tcpbook/internal/transcript"
)

// A Server serves the book at a root directory while it is being written.
// It is an http.Handler; Watch rebuilds its site as the files change.
type Server struct {
	root  string
	log   io.Writer
	cache *render.Cache     // highlighted code, from build to build
	stamp [sha256.Size]byte // of the watched files; Watch's own

	mu       sync.Mutex
	current  *site.Site // the last good site, a reload script in each page
	version  string     // changes with each site; the pages compare it
	problems string
	notes    string   // the last build's, said once
	sources  []string // the last build's Site.Sources, watched too
	waiters  map[chan struct{}]bool
	builds   int

	closed chan struct{}
	close  sync.Once
}

// NewServer returns a server of the book at root, built once; log
// receives a line for each rebuild.
func NewServer(root string, log io.Writer) *Server {
	s := &Server{root: root, log: log, cache: render.NewCache(), waiters: map[chan struct{}]bool{}, closed: make(chan struct{})}
	s.stamp = s.watchStamp()
	s.rebuild()
	if len(s.sources) > 0 {
		// Now that the build has named them, watch the files that
		// diffs and quotes show as well.
		s.stamp = s.watchStamp()
	}
	return s
}

// Close ends the pages' event streams, which otherwise last as long as
// the pages are open; http.Server.Shutdown waits for them.
func (s *Server) Close() {
	s.close.Do(func() { close(s.closed) })
}

// Watch rebuilds the site each time the files it is made from change,
// looking every interval, until ctx is done. It builds once the files
// have stopped changing for a moment, so that it never builds from a
// file that an editor has only half written.
func (s *Server) Watch(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		st := s.watchStamp()
		if st == s.stamp {
			continue
		}
		for {
			select {
			case <-ctx.Done():
				return
			case <-time.After(settle):
			}
			again := s.watchStamp()
			if again == st {
				break
			}
			st = again
		}
		s.stamp = st
		s.rebuild()
	}
}

// settle is how long the watched files must stay unchanged before Watch
// builds.
const settle = 15 * time.Millisecond

func (s *Server) rebuild() {
	start := time.Now()
	built, notes, errs := site.BuildDir(s.root, site.Options{Cache: s.cache})
	s.mu.Lock()
	defer s.mu.Unlock()
	s.builds++
	if built != nil {
		s.sources = built.Sources
	}
	if n := strings.Join(notes, "\n"); n != s.notes {
		s.notes = n
		for _, n := range notes {
			fmt.Fprintf(s.log, "mdrun serve: %s\n", n)
		}
	}
	if len(errs) > 0 {
		s.problems = errs.Error()
		fmt.Fprintf(s.log, "%s\nmdrun serve: the book has problems; its pages show them until they are fixed\n", errs)
	} else {
		s.problems = ""
		s.version = strconv.FormatInt(time.Now().UnixNano(), 36)
		s.current = withReload(built, s.version)
		if s.builds > 1 {
			fmt.Fprintf(s.log, "mdrun serve: rebuilt in %v\n", time.Since(start).Round(time.Millisecond))
		}
	}
	for c := range s.waiters {
		select {
		case c <- struct{}{}:
		default:
		}
	}
}

// watchStamp is a digest of the names, sizes and times of the files the
// site is made from: the chapters, book/ (but not the site written in it,
// nor the browser tests' screenshots), the scripts that verify
// transcripts, and the files that diffs and quotes show.
func (s *Server) watchStamp() [sha256.Size]byte {
	h := sha256.New()
	s.mu.Lock()
	sources := s.sources
	s.mu.Unlock()
	for _, p := range sources {
		if info, err := os.Stat(filepath.Join(s.root, filepath.FromSlash(p))); err == nil {
			fmt.Fprintf(h, "%s %d %d\n", p, info.Size(), info.ModTime().UnixNano())
		}
	}
	for _, dir := range []string{"chapters", "book", transcript.ScriptDir} {
		_ = filepath.WalkDir(filepath.Join(s.root, dir), func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return nil
			}
			if d.IsDir() && p != filepath.Join(s.root, dir) && (d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".") || p == filepath.Join(s.root, filepath.FromSlash(site.SiteDir)) || p == filepath.Join(s.root, filepath.FromSlash(site.ShotDir))) {
				return fs.SkipDir
			}
			if info, err := d.Info(); err == nil {
				fmt.Fprintf(h, "%s %d %d\n", p, info.Size(), info.ModTime().UnixNano())
			}
			return nil
		})
	}
	var sum [sha256.Size]byte
	h.Sum(sum[:0])
	return sum
}

// state is what a page learns from the server's events.
type state struct {
	Version  string `json:"version"`
	Problems string `json:"problems,omitempty"`
}

func (s *Server) state() state {
	s.mu.Lock()
	defer s.mu.Unlock()
	return state{Version: s.version, Problems: s.problems}
}

const (
	eventsPath = "/_mdrun/events"
	reloadPath = "/_mdrun/reload.js"
)

// ServeHTTP serves the current site, with a script in each page that
// reloads it when the site changes.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case eventsPath:
		s.serveEvents(w, r)
		return
	case reloadPath:
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
		w.Header().Set("Cache-Control", "no-cache")
		io.WriteString(w, reloadJS)
		return
	}
	s.mu.Lock()
	current, problems := s.current, s.problems
	s.mu.Unlock()
	if current == nil {
		// No site yet: a page that shows the problems, and reloads
		// when they are fixed.
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusInternalServerError)
		fmt.Fprintf(w, "<!DOCTYPE html>\n<html lang=\"ja\"><head><meta charset=\"utf-8\"><title>mdrun serve</title></head>\n"+
			"<body><h1>mdrun serve</h1><pre>%s</pre>\n<script src=\"%s\" data-version=\"\"></script></body></html>\n",
			html.EscapeString(problems), reloadPath)
		return
	}
	current.ServeHTTP(w, r)
}

// withReload returns the site with a script in each page that reloads the
// page when the server has a newer site than version. It is done once a
// build, not on each request.
func withReload(s *site.Site, version string) *site.Site {
	tag := []byte(fmt.Sprintf(`<script src="%s" data-version="%s"></script>`+"\n</body>", reloadPath, version))
	out := &site.Site{Files: make(map[string][]byte, len(s.Files))}
	for name, data := range s.Files {
		if strings.HasSuffix(name, ".html") {
			data = bytes.Replace(data, []byte("</body>"), tag, 1)
		}
		out.Files[name] = data
	}
	return out
}

// serveEvents sends the site's state now and each time it changes, as
// server-sent events.
func (s *Server) serveEvents(w http.ResponseWriter, r *http.Request) {
	flusher, ok := w.(http.Flusher)
	if !ok {
		http.Error(w, "streaming unsupported", http.StatusInternalServerError)
		return
	}
	c := make(chan struct{}, 1)
	s.mu.Lock()
	s.waiters[c] = true
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.waiters, c)
		s.mu.Unlock()
	}()
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	for {
		data, _ := json.Marshal(s.state())
		if _, err := fmt.Fprintf(w, "data: %s\n\n", data); err != nil {
			return
		}
		flusher.Flush()
		select {
		case <-r.Context().Done():
			return
		case <-s.closed:
			return
		case <-c:
		}
	}
}

// reloadJS reloads the page when the server has a new site, and shows the
// book's problems while it has some.
const reloadJS = `(function () {
  "use strict";
  var version = document.currentScript.dataset.version;
  var box = null;
  var events = new EventSource("` + eventsPath + `");
  events.onmessage = function (e) {
    var st = JSON.parse(e.data);
    document.documentElement.dataset.mdrunServe = "listening";
    if (st.problems) {
      if (!box) {
        box = document.createElement("pre");
        box.className = "mdrun-problems";
        box.setAttribute("role", "alert");
        document.body.append(box);
      }
      box.textContent = "mdrun serve: この本には問題があります。直すとページが読み込み直されます。\n\n" + st.problems;
      return;
    }
    if (box) {
      box.remove();
      box = null;
    }
    if (st.version !== version) {
      events.close();
      location.reload();
    }
  };
})();
`
