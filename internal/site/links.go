package site

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"net/url"
	"path"
	"strings"

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
		err := scanHTML(data, func(tag string, attrs []xml.Attr, line int) {
			for _, a := range attrs {
				switch a.Name.Local {
				case "id":
					pageIDs[a.Value] = true
				case "href", "src":
					links = append(links, link{name, tag, a.Value, line})
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

// scanHTML calls f for each start tag of an HTML page. The pages are the
// book's own, made by html/template and goldmark, which encoding/xml
// reads in its lenient HTML mode.
func scanHTML(data []byte, f func(tag string, attrs []xml.Attr, line int)) error {
	d := xml.NewDecoder(bytes.NewReader(data))
	d.Strict = false
	d.AutoClose = xml.HTMLAutoClose
	d.Entity = xml.HTMLEntity
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if se, ok := tok.(xml.StartElement); ok {
			line, _ := d.InputPos()
			f(strings.ToLower(se.Name.Local), se.Attr, line)
		}
	}
}
