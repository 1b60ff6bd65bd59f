package site

import (
	"bytes"
	"errors"
	"io"
	"net/url"
	"path"
	"strings"

	"golang.org/x/net/html"

	"tcpbook/internal/diag"
)

// CheckLinks checks every link of the site's HTML pages: a link within
// the site must lead to one of its files and, with a fragment, to an
// element of that page with that id; a page may link to the web, but it
// must not load anything (a script, a style sheet, a picture, a font)
// from outside the site. Build does not call it: the links it makes from
// markdown are checked as they are rendered, at their markdown line; the
// tests run CheckLinks over the built book, for what the template and
// the renderer add.
func CheckLinks(files map[string][]byte) diag.List {
	var errs diag.List
	ids := map[string]map[string]bool{}
	type link struct {
		page, tag, url string
		line           int
	}
	var links []link
	for name, data := range files {
		if !strings.HasSuffix(name, ".html") {
			continue
		}
		pageIDs := map[string]bool{}
		ids[name] = pageIDs
		err := scanHTML(data, func(tag string, attrs []html.Attribute, line int) {
			for _, a := range attrs {
				switch a.Key {
				case "id":
					pageIDs[a.Val] = true
				case "href", "src":
					links = append(links, link{name, tag, a.Val, line})
				}
			}
		})
		if err != nil {
			errs.Add(name, 0, "%v", err)
		}
	}
	for _, l := range links {
		u, err := url.Parse(l.url)
		switch {
		case err != nil:
			errs.Add(l.page, l.line, "bad link %q: %v", l.url, err)
			continue
		case u.Scheme != "" || u.Host != "":
			if l.tag != "a" {
				errs.Add(l.page, l.line, "<%s> loads %s from outside the site", l.tag, l.url)
			}
			continue
		}
		target := l.page
		if u.Path != "" {
			target = path.Join(path.Dir(l.page), u.Path)
			if _, ok := files[target]; !ok {
				errs.Add(l.page, l.line, "link to %s: the site has no %s", l.url, target)
				continue
			}
		}
		if u.Fragment == "" {
			continue
		}
		if pageIDs, ok := ids[target]; !ok || !pageIDs[u.Fragment] {
			errs.Add(l.page, l.line, "link to %s: %s has no element with id %q", l.url, target, u.Fragment)
		}
	}
	errs.Sort()
	return errs
}

// scanHTML calls f for each start tag of an HTML page, with the line
// the tag starts on. It reads the page as a browser does (the HTML5
// tokenizer): the text of a <script> or a <style> is not markup, however
// many < and & it holds, and attribute values are unescaped.
func scanHTML(data []byte, f func(tag string, attrs []html.Attribute, line int)) error {
	z := html.NewTokenizer(bytes.NewReader(data))
	line := 1
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			if err := z.Err(); !errors.Is(err, io.EOF) {
				return err
			}
			return nil
		}
		// Raw is the token as the page has it; it is read before Token,
		// which may reuse its bytes.
		newlines := bytes.Count(z.Raw(), []byte("\n"))
		if tt == html.StartTagToken || tt == html.SelfClosingTagToken {
			tok := z.Token()
			f(tok.Data, tok.Attr, line)
		}
		line += newlines
	}
}
