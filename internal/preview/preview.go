// Package preview serves a book while it is being written, as mdrun serve
// does: it builds the site with package site, rebuilds it when a chapter,
// the book's own files, a script or a file that a chapter shows changes,
// and each open page reloads itself when its site is replaced. While the
// book has problems the pages show them, and the last good site is
// served.
package preview

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/http"
	"path"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"tcpbook/internal/render"
	"tcpbook/internal/site"
)

// A Server serves the book at a root directory while it is being written.
// It is an http.Handler; Watch rebuilds its site as the files change.
type Server struct {
	root  string
	log   io.Writer
	cache *render.Cache     // highlighted code, from build to build
	stamp [sha256.Size]byte // of the watched files; Watch's own

	mu       sync.Mutex
	current  *site.Site             // the last good site, a reload script in each page
	index    func() ([]byte, error) // its search index, made when asked for
	version  string                 // changes with each site; the pages compare it
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
	s.stamp, _ = s.watchStamp()
	s.rebuild()
	if len(s.sources) > 0 {
		// Now that the build has named them, watch the files that
		// diffs and quotes show as well.
		s.stamp, _ = s.watchStamp()
	}
	return s
}

// Close ends the pages' event streams, which otherwise last as long as
// the pages are open; http.Server.Shutdown waits for them.
func (s *Server) Close() {
	s.close.Do(func() { close(s.closed) })
}

func (s *Server) rebuild() {
	start := time.Now()
	// The search index is a third of a build's work, and the longest
	// part of it; a page loads it only when the reader searches, so it
	// is made then, once a site.
	var index func() ([]byte, error)
	built, notes, errs := site.BuildDir(s.root, site.Options{
		Cache:       s.cache,
		SearchIndex: func(makeIndex func() ([]byte, error)) { index = sync.OnceValues(makeIndex) },
	})
	var version string
	var current *site.Site
	if len(errs) == 0 {
		version = strconv.FormatInt(time.Now().UnixNano(), 36)
		current = withReload(built, version)
	}
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
		s.version, s.current, s.index = version, current, index
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
		w.Header().Set("ETag", reloadJSTag)
		http.ServeContent(w, r, "reload.js", time.Time{}, strings.NewReader(reloadJS))
		return
	}
	s.mu.Lock()
	current, index, problems := s.current, s.index, s.problems
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
	// The site serves each file with no-cache: the browser asks again
	// each time a page loads. A file that a build leaves as it was (the
	// style sheets, the scripts) is answered with 304 Not Modified, so
	// that a page reloaded after a rebuild loads quicker. The pages
	// themselves change with each build, their reload scripts too.
	name := strings.TrimPrefix(path.Clean("/"+r.URL.Path), "/")
	if name == searchIndex && index != nil {
		data, err := index()
		if err != nil {
			fmt.Fprintf(s.log, "mdrun serve: %s: %v\n", searchIndex, err)
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Cache-Control", "no-cache")
		w.Header().Set("ETag", etag(data))
		http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(data))
		return
	}
	if data, ok := current.Files[name]; ok && !strings.HasSuffix(name, ".html") {
		w.Header().Set("ETag", etag(data))
	}
	current.ServeHTTP(w, r)
}

// searchIndex is the site's search index, which the server makes only
// when a page asks for it (see site.Options).
const searchIndex = "search-index.js"

// etag is an entity tag of a file's contents.
func etag(data []byte) string {
	sum := sha256.Sum256(data)
	return `"` + base64.RawURLEncoding.EncodeToString(sum[:16]) + `"`
}

var reloadJSTag = etag([]byte(reloadJS))

// withReload returns the site with a script in each page that reloads the
// page when the server has a newer site than version. It is done once a
// build, not on each request.
func withReload(s *site.Site, version string) *site.Site {
	tag := []byte(fmt.Sprintf(`<script src="%s" data-version="%s"></script>`+"\n</body>", reloadPath, version))
	out := &site.Site{Files: make(map[string][]byte, len(s.Files))}
	for name, data := range s.Files {
		if strings.HasSuffix(name, ".html") {
			// The page's own </body> is its last: one in its text
			// is escaped (&lt;/body>), and scanning from the end is
			// quick.
			if i := bytes.LastIndex(data, []byte("</body>")); i >= 0 {
				data = slices.Concat(data[:i], tag, data[i+len("</body>"):])
			}
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
// book's problems while it has some. A page that the reader leaves closes
// its event stream, and opens it again if the browser shows it again from
// its back-forward cache: a browser keeps six connections at most to a
// server, and the streams of pages kept in that cache would otherwise hold
// them all, so that the seventh page waits a minute to load.
const reloadJS = `(function () {
  "use strict";
  var version = document.currentScript.dataset.version;
  var box = null;
  var events = null;
  function listen() {
    events = new EventSource("` + eventsPath + `");
    events.onmessage = onState;
  }
  function onState(e) {
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
  }
  listen();
  addEventListener("pagehide", function () {
    events.close();
    document.documentElement.dataset.mdrunServe = "";
  });
  addEventListener("pageshow", function (e) {
    if (e.persisted) {
      listen();
    }
  });
})();
`
