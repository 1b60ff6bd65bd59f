package servertest

import (
	"bufio"
	"bytes"
	"io"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
)

// A rule names a difference between the book's servers and
// net/http.Server that the tables record and the differential fuzz test
// allows. Every other difference in outcome is a failure.
type rule struct {
	name string
	// stricter says who refuses, or closes on, what the other answers:
	// the book (bookStricter), net/http where the RFC lets a server do
	// either (stdStricter), or either of them (eitherStricter).
	stricter who
	// after is true for a rule about the last request the stricter one
	// answered: it answers it, then closes, where the other goes on.
	after bool
	why   string
	// match reports whether the rule applies to a request's head.
	match func(h head) bool
}

// who is the stricter side of a rule.
type who int

const (
	bookStricter who = iota
	stdStricter
	eitherStricter
)

// rules are the differences the plan of issue #21 decides on, and those
// the RFC leaves to the server.
var rules = []rule{
	{
		name: "obs-fold", stricter: bookStricter,
		why: "a field line that starts with SP or HTAB (obs-fold): the book refuses it, as RFC 9112 §5.2 allows; net/http folds it into the line before",
		match: func(h head) bool {
			for _, f := range h.fields {
				if f != "" && (f[0] == ' ' || f[0] == '\t') {
					return true
				}
			}
			return false
		},
	},
	{
		name: "host-syntax", stricter: bookStricter,
		why: "a Host value that is not uri-host [\":\" port] (RFC 9112 §3.2, RFC 3986 §3.2.2) but whose bytes httpguts.ValidHostHeader allows ([::1, a:b, a%zz): the book answers 400, as §3.2 says it MUST; net/http answers",
		match: func(h head) bool {
			for _, v := range h.values("Host") {
				if !validHost(v) {
					return true
				}
			}
			return false
		},
	},
	{
		name: "empty-host", stricter: bookStricter,
		why: "an HTTP/1.1 request with an empty Host and no authority in its target (origin form): the target URI has no authority, and the book refuses it (RFC 9112 §3.3 lets it); net/http answers",
		match: func(h head) bool {
			if !h.atLeast11() || h.authority() != "" {
				return false
			}
			for _, v := range h.values("Host") {
				if v == "" {
					return true
				}
			}
			return false
		},
	},
	{
		name: "host-missing", stricter: bookStricter,
		why: "an HTTP/1.1 CONNECT request without Host: RFC 9112 §3.2 says a server MUST answer 400 to any HTTP/1.1 request that lacks it; net/http exempts CONNECT",
		match: func(h head) bool {
			return strings.HasPrefix(h.version(), "HTTP/1.") && h.atLeast11() && len(h.values("Host")) == 0
		},
	},
	{
		name: "http10-te", stricter: bookStricter,
		why:   "Transfer-Encoding in an HTTP/1.0 request: RFC 9112 §6.1 says to treat the framing as faulty and close; http.ReadRequest deletes the field (go.dev/issue/12785), and net/http answers by Content-Length and keeps the connection",
		match: func(h head) bool { return h.version() == "HTTP/1.0" && len(h.values("Transfer-Encoding")) > 0 },
	},
	{
		name: "te-close", stricter: bookStricter, after: true,
		why:   "after a request with Transfer-Encoding the book closes: RFC 9112 §6.1 says a server MUST when Content-Length came too (net/http does not), and chapter 4 does after every such request (its README says why)",
		match: func(h head) bool { return len(h.values("Transfer-Encoding")) > 0 },
	},
	{
		name: "empty-line", stricter: bookStricter,
		why:   "empty lines before a request line, after a POST: net/http skips them, as RFC 9112 §2.2 says a server SHOULD (at least one); the book's http.ReadRequest refuses them: a gap the plan does not close",
		match: func(h head) bool { return h.skipped > 0 },
	},
	{
		name: "short-tail", stricter: bookStricter,
		why:   "fewer than 4 bytes after a request, then the end of the input: net/http closes without a word (before each request after the first it peeks 4 bytes); the book answers 400 to what cannot be a request",
		match: func(h head) bool { return h.rest < 4 },
	},
	{
		name: "connection-token", stricter: bookStricter, after: true,
		why:   "an HTTP/1.0 request whose Connection has keep-alive only as a word inside a longer list element (keep-Alive 0000): http.ReadRequest reads the field as a list (RFC 9110 §7.6.1), finds no keep-alive element and the book closes after its answer; net/http.Server looks for the word between any delimiters and goes on",
		match: func(h head) bool { return h.version() == "HTTP/1.0" && h.connectionWord("keep-alive") },
	},
	{
		name: "connection-close-word", stricter: stdStricter, after: true,
		why:   "a Connection that has close only as a word inside a longer list element (0 Close): http.ReadRequest reads the field as a list (RFC 9110 §7.6.1), finds no close option and the book goes on; net/http.Server looks for the word between any delimiters and closes after its answer, which a server may do at any time (RFC 9112 §9.6)",
		match: func(h head) bool { return h.connectionWord("close") },
	},
	{
		name: "options-star", stricter: bookStricter,
		why:   "OPTIONS * (the server as a whole, RFC 9110 §9.3.7) with a body that does not arrive whole: net/http.Server answers it itself, not its handler (globalOptionsHandler: 200 with Content-Length: 0, after reading at most 4 KB of the body and ignoring how that ends); the book's server reads the body as for any request and answers 400 to one cut short (RFC 9112 §6.3)",
		match: func(h head) bool { return h.method() == http.MethodOptions && h.target() == "*" },
	},
	{
		name: "options-star-close", stricter: stdStricter, after: true,
		why:   "OPTIONS * with a body over 4 KB: net/http.Server's own answer reads 4 KB of it, answers 200 and closes, as a server may (RFC 9112 §9.6); the book's server reads the body whole, up to its limit, and goes on",
		match: func(h head) bool { return h.method() == http.MethodOptions && h.target() == "*" },
	},
	{
		name: "expect", stricter: stdStricter,
		why: "an Expect other than 100-continue: net/http answers 417, as RFC 9110 §10.1.1 allows; the book ignores it",
		match: func(h head) bool {
			for _, v := range h.values("Expect") {
				if !strings.EqualFold(v, "100-continue") {
					return true
				}
			}
			return false
		},
	},
	{
		name: "major-version", stricter: eitherStricter,
		why: "an HTTP version whose major number is not 1 (HTTP/2.0, HTTP/0.9 in a request line): net/http answers 505, as RFC 9110 §15.6.6 allows, but answers PRI * HTTP/2.0; the book answers them as HTTP/1.1 (the plan does not decide)",
		match: func(h head) bool {
			v := h.version()
			return len(v) == len("HTTP/x.y") && strings.HasPrefix(v, "HTTP/") && v[5] != '1'
		},
	},
	{
		name: "h2-preface", stricter: stdStricter, after: true,
		why:   "PRI * HTTP/2.0, the start of HTTP/2's connection preface: net/http answers it (for a handler that takes the connection over) and closes; the book answers it as any method and goes on",
		match: func(h head) bool { return h.line == "PRI * HTTP/2.0" },
	},
}

// ruleNamed returns the rule of that name.
func ruleNamed(name string) (rule, bool) {
	for _, r := range rules {
		if r.name == name {
			return r, true
		}
	}
	return rule{}, false
}

// A head is one request's head as it came on the wire: its request line
// and field lines, without their line ends, up to the empty line.
type head struct {
	line    string
	fields  []string
	skipped int // bytes of CR and LF net/http skipped before it
	rest    int // bytes from its start, skipped ones too, to the end of the input
}

// parseHead reads the head at the start of b, as much of it as there is.
func parseHead(b []byte) head {
	var h head
	for i, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSuffix(line, "\r")
		if i == 0 {
			h.line = line
			continue
		}
		if line == "" {
			break
		}
		h.fields = append(h.fields, line)
	}
	return h
}

func (h head) word(i int) string {
	words := strings.Split(h.line, " ")
	if i < 0 {
		i += len(words)
	}
	if i < 0 || i >= len(words) {
		return ""
	}
	return words[i]
}

func (h head) method() string  { return h.word(0) }
func (h head) target() string  { return h.word(1) }
func (h head) version() string { return h.word(-1) }

// atLeast11 reports whether the request is HTTP/1.1 or later, as
// http.ParseHTTPVersion reads its version.
func (h head) atLeast11() bool {
	major, minor, ok := http.ParseHTTPVersion(h.version())
	return ok && (major > 1 || major == 1 && minor >= 1)
}

// authority returns the authority in the request's target, as
// http.ReadRequest reads it: the host of the absolute form, or the
// authority form of CONNECT.
func (h head) authority() string {
	target := h.target()
	if h.method() == http.MethodConnect && !strings.HasPrefix(target, "/") {
		return target
	}
	u, err := url.ParseRequestURI(target)
	if err != nil {
		return ""
	}
	return u.Host
}

// values returns the values (OWS trimmed) of the field lines named name
// (case-insensitive, as field names are), as written.
func (h head) values(name string) []string {
	var vs []string
	for _, f := range h.fields {
		n, v, ok := strings.Cut(f, ":")
		if ok && strings.EqualFold(n, name) {
			vs = append(vs, strings.Trim(v, " \t"))
		}
	}
	return vs
}

// connectionWord reports whether an element of the first Connection
// field line's list (RFC 9110 §7.6.1) is not option but has it as a word,
// between spaces or tabs (ASCII case-insensitive). That is where
// net/http.Server, which looks in that line for the word between spaces,
// tabs and commas (its hasToken), and http.ReadRequest, which compares
// whole elements, disagree.
func (h head) connectionWord(option string) bool {
	lines := h.values("Connection")
	if len(lines) == 0 {
		return false
	}
	for _, e := range strings.Split(lines[0], ",") {
		e = strings.Trim(e, " \t")
		if strings.EqualFold(e, option) {
			continue
		}
		for _, w := range strings.FieldsFunc(e, func(r rune) bool { return r == ' ' || r == '\t' }) {
			if strings.EqualFold(w, option) {
				return true
			}
		}
	}
	return false
}

// splitRequests splits in into requests as net/http.Server frames them:
// http.ReadRequest, with the body read whole, and up to 4 bytes of CR and
// LF skipped after a POST. The heads are those of the requests that
// parse, then of the first that does not, then an empty one if net/http
// skipped bytes to the end of the input.
func splitRequests(in []byte) []head {
	src := bytes.NewReader(in)
	r := bufio.NewReader(src)
	offset := func() int { return len(in) - src.Len() - r.Buffered() }
	var heads []head
	afterPost := false
	for {
		skipped := 0
		if afterPost {
			peek, _ := r.Peek(4)
			for skipped < len(peek) && (peek[skipped] == '\r' || peek[skipped] == '\n') {
				skipped++
			}
			r.Discard(skipped)
		}
		start := offset()
		if start == len(in) {
			if skipped > 0 {
				heads = append(heads, head{skipped: skipped, rest: skipped})
			}
			return heads
		}
		h := parseHead(in[start:])
		h.skipped, h.rest = skipped, len(in)-start+skipped
		heads = append(heads, h)
		req, err := http.ReadRequest(r)
		if err != nil {
			return heads
		}
		if _, err := io.Copy(io.Discard, req.Body); err != nil {
			return heads
		}
		afterPost = req.Method == http.MethodPost
	}
}

// validHost reports whether v is uri-host [":" port] (RFC 9112 §3.2,
// RFC 3986 §3.2.2): an IP-literal in brackets (IPv6address or
// IPvFuture), or a reg-name (which includes IPv4address) of unreserved,
// pct-encoded and sub-delims; the port is digits, maybe none. It is
// written apart from chapter 4's validHost on purpose: the tables judge
// the chapter's check, so they must not call it.
func validHost(v string) bool {
	host, port := v, ""
	if strings.HasPrefix(v, "[") {
		end := strings.IndexByte(v, ']')
		if end < 0 {
			return false
		}
		host, port = v[:end+1], v[end+1:]
		if port != "" {
			if port[0] != ':' {
				return false
			}
			port = port[1:]
		}
		if !validIPLiteral(host[1 : len(host)-1]) {
			return false
		}
	} else {
		if i := strings.IndexByte(v, ':'); i >= 0 {
			host, port = v[:i], v[i+1:]
		}
		if !validRegName(host) {
			return false
		}
	}
	for _, c := range []byte(port) {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

func validIPLiteral(s string) bool {
	if rest, ok := strings.CutPrefix(s, "v"); ok { // IPvFuture
		hex, tail, ok := strings.Cut(rest, ".")
		if !ok || hex == "" || tail == "" {
			return false
		}
		for _, c := range []byte(hex) {
			if !isHex(c) {
				return false
			}
		}
		for _, c := range []byte(tail) {
			if !isUnreserved(c) && !isSubDelim(c) && c != ':' {
				return false
			}
		}
		return true
	}
	if strings.ContainsRune(s, '%') { // a zone is not in IPv6address
		return false
	}
	a, err := netip.ParseAddr(s)
	return err == nil && a.Is6()
}

func validRegName(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case isUnreserved(c) || isSubDelim(c):
		case c == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
			i += 2
		default:
			return false
		}
	}
	return true
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func isUnreserved(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("-._~", c) >= 0
}

func isSubDelim(c byte) bool { return strings.IndexByte("!$&'()*+,;=", c) >= 0 }
