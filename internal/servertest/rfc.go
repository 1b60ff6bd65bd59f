package servertest

import (
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"tcpbook/internal/booktest"
)

// nextRequest follows every row's input, pipelined: a request that
// shows what the server made of the bytes before it (answered as a
// request of its own, read as a body, or never reached after a close).
// A POST to /, which every chapter's server answers at once with
// "Hello next" (chapter 7's GET takes a second to stream, and chapters
// 7 and 8 answer unknown paths with 404).
const nextRequest = "POST /?next HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nnext"

// An rfcRow is one input and what becomes of it: the outcome the book's
// servers must give, and net/http.Server's, as Outcome.String writes
// them.
type rfcRow struct {
	name string
	in   string // nextRequest follows
	// book is the book's outcome; alternatives the plan leaves open are
	// separated by "|", and UC stands for Server.UnknownCoding.
	book string
	std  string // net/http.Server's, with the oracle's handler (see StdServer)
	// rule names the difference when book and std differ in Class (see
	// rules): the book on purpose stricter, or net/http stricter where
	// the RFC lets a server choose.
	rule string
	why  string // the RFC section, and why
}

// An rfcTable is the rows for one section of RFC 9112.
type rfcTable struct {
	name string
	rows []rfcRow
}

const (
	rowPost   = "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"
	rowTE     = "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: "
	rowLength = "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: "
	rowChunk  = rowTE + "chunked\r\n\r\n"
	rowField  = "GET / HTTP/1.1\r\nHost: x\r\n"
)

// rfcTables are the tables, one per section of RFC 9112 that the
// servers implement.
var rfcTables = []rfcTable{
	{"request-line", []rfcRow{ // RFC 9112 §2, §3
		{"get", "GET / HTTP/1.1\r\nHost: x\r\n\r\n", "200 200", "200 200", "", "§3: method SP request-target SP HTTP-version"},
		{"head", "HEAD / HTTP/1.1\r\nHost: x\r\n\r\n", "200 200", "200 200", "", "RFC 9110 §9.3.2: no body in the response"},
		{"post", rowPost, "200 200", "200 200", "", "§6.2: a body of Content-Length bytes"},
		{"unknown-method", "FOO / HTTP/1.1\r\nHost: x\r\n\r\n", "200 200", "200 200", "", "§3.1: any token; RFC 9110 §9.1 says SHOULD 501, but the book answers every method, as the oracle's handler does"},
		{"lower-case-method", "get / HTTP/1.1\r\nHost: x\r\n\r\n", "200 200", "200 200", "", "§3.1: the method is case-sensitive: get is another (unknown) method"},
		{"method-not-token", "G(ET / HTTP/1.1\r\nHost: x\r\n\r\n", "400 close", "400 close", "", "§3.1: method = token; §3: SHOULD 400 for an invalid request-line"},
		{"absolute-form", "GET http://x/ HTTP/1.1\r\nHost: x\r\n\r\n", "200 200", "200 200", "", "§3.2.2: a server MUST accept the absolute form"},
		{"asterisk-form", "OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n", "200 200", "200 200", "", "§3.2.4: OPTIONS * is the server as a whole"},
		{"asterisk-not-options", "GET * HTTP/1.1\r\nHost: x\r\n\r\n", "200 200", "200 200", "", "§3.2.4 defines * for OPTIONS only, but asks nothing of a server that gets it with another method: both answer"},
		{"authority-form", "CONNECT x:80 HTTP/1.1\r\nHost: x:80\r\n\r\n", "200 200", "200 200", "", "§3.2.3: CONNECT's target; neither server tunnels, both answer as to any method"},
		{"connect-without-host", "CONNECT x:80 HTTP/1.1\r\n\r\n", "400 close", "200 200", "host-missing", "§3.2: MUST 400 to an HTTP/1.1 request without Host, CONNECT too"},
		{"target-not-uri", "GET x HTTP/1.1\r\nHost: x\r\n\r\n", "400 close", "400 close", "", "§3.2: x is none of the four forms"},
		{"two-spaces", "GET  / HTTP/1.1\r\nHost: x\r\n\r\n", "400 close", "400 close", "", "§3: single SP; a server may parse on whitespace instead, both refuse"},
		{"bare-lf", "GET / HTTP/1.1\nHost: x\n\n", "200 200", "200 200", "", "§2.2: a recipient MAY take a bare LF as the line end; both do"},
		{"empty-line-first", "\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n", "400 close", "400 close", "", "§2.2: SHOULD ignore an empty line before the request line; net/http does only after a POST, the book never"},
		{"empty-line-after-post", rowPost + "\r\n", "200 400 close", "200 200", "empty-line", "§2.2: SHOULD ignore at least one empty line before a request line (old clients send CRLF after a POST body)"},
		{"http10", "GET / HTTP/1.0\r\n\r\n", "200 close", "200 close", "", "§9.3: an HTTP/1.0 connection closes after the response unless kept alive"},
		{"http11-close", "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", "200 close", "200 close", "", "§9.6: close after the response"},
		{"http12", "GET / HTTP/1.2\r\nHost: x\r\n\r\n", "200 200", "200 200", "", "RFC 9110 §6.2: a higher minor version is processed as the highest the server knows, 1.1"},
		{"http20", "GET / HTTP/2.0\r\nHost: x\r\n\r\n", "200 200|505 close", "505 close", "major-version", "§2.3, RFC 9110 §15.6.6: a server MAY refuse another major version with 505; the plan does not decide"},
		{"http09", "GET / HTTP/0.9\r\nHost: x\r\n\r\n", "200 close|505 close", "505 close", "major-version", "RFC 9110 §15.6.6: as HTTP/2.0 (and HTTP/0.9 had no version in its request line)"},
		{"version-lower-case", "GET / http/1.1\r\nHost: x\r\n\r\n", "400 close", "400 close", "", "§2.3: HTTP-name is case-sensitive"},
		{"version-two-digits", "GET / HTTP/1.10\r\nHost: x\r\n\r\n", "400 close", "400 close", "", "§2.3: one digit each"},
		{"no-version", "GET /\r\n\r\n", "400 close", "400 close", "", "§3: HTTP/0.9's request line is not HTTP/1.1's"},
	}},
	{"host", []rfcRow{ // RFC 9112 §3.2, §3.3; RFC 3986 §3.2.2
		{"missing", "GET / HTTP/1.1\r\n\r\n", "400 close", "400 close", "", "§3.2: MUST 400 to an HTTP/1.1 request without Host"},
		{"missing-http10", "GET / HTTP/1.0\r\n\r\n", "200 close", "200 close", "", "§3.2: HTTP/1.0 needs no Host"},
		{"twice-same", "GET / HTTP/1.1\r\nHost: x\r\nHost: x\r\n\r\n", "400 close", "400 close", "", "§3.2: MUST 400 to more than one Host line"},
		{"twice-different", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", "400 close", "400 close", "", "§3.2: MUST 400 to more than one Host line"},
		{"empty", "GET / HTTP/1.1\r\nHost:\r\n\r\n", "400 close", "200 200", "empty-host", "§3.3: no authority for the target URI: the book refuses, as it may"},
		{"empty-http10", "GET / HTTP/1.0\r\nHost:\r\n\r\n", "200 close", "200 close", "", "an empty reg-name is uri-host; the book refuses an empty Host only in HTTP/1.1 (§3.3)"},
		{"ipv6-unclosed", "GET / HTTP/1.1\r\nHost: [::1\r\n\r\n", "400 close", "200 200", "host-syntax", "§3.2: MUST 400 to an invalid Host; [::1 is no IP-literal"},
		{"ipv6-unclosed-http10", "GET / HTTP/1.0\r\nHost: [::1\r\n\r\n", "400 close", "200 close", "host-syntax", "§3.2: any request with an invalid Host, whatever its version"},
		{"ipv6-port", "GET / HTTP/1.1\r\nHost: [::1]:8888\r\n\r\n", "200 200", "200 200", "", "RFC 3986 §3.2.2: IP-literal, port"},
		{"ipv6-junk", "GET / HTTP/1.1\r\nHost: [::1]x\r\n\r\n", "400 close", "200 200", "host-syntax", "RFC 3986 §3.2.2: only \":\" port may follow the IP-literal"},
		{"ipv-future", "GET / HTTP/1.1\r\nHost: [v1.x]\r\n\r\n", "200 200", "200 200", "", "RFC 3986 §3.2.2: IPvFuture is an IP-literal"},
		{"space", "GET / HTTP/1.1\r\nHost: a b\r\n\r\n", "400 close", "400 close", "", "§3.2: SP is in no part of uri-host"},
		{"slash", "GET / HTTP/1.1\r\nHost: a/b\r\n\r\n", "400 close", "400 close", "", "§3.2: / ends the authority; it is not in a reg-name"},
		{"port-not-digits", "GET / HTTP/1.1\r\nHost: a:b\r\n\r\n", "400 close", "200 200", "host-syntax", "RFC 3986 §3.2.3: port = *DIGIT"},
		{"two-colons", "GET / HTTP/1.1\r\nHost: a:1:2\r\n\r\n", "400 close", "200 200", "host-syntax", "RFC 3986 §3.2.2: : is not in a reg-name"},
		{"empty-port", "GET / HTTP/1.1\r\nHost: a:\r\n\r\n", "200 200", "200 200", "", "RFC 3986 §3.2.3: port = *DIGIT, so none is a port"},
		{"pct-encoded", "GET / HTTP/1.1\r\nHost: %41\r\n\r\n", "200 200", "200 200", "", "RFC 3986 §3.2.2: pct-encoded is in a reg-name"},
		{"pct-not-hex", "GET / HTTP/1.1\r\nHost: a%zz\r\n\r\n", "400 close", "200 200", "host-syntax", "RFC 3986 §2.1: % and two hex digits"},
		{"ipv4", "GET / HTTP/1.1\r\nHost: 127.0.0.1:8888\r\n\r\n", "200 200", "200 200", "", "RFC 3986 §3.2.2: IPv4address"},
		{"sub-delims", "GET / HTTP/1.1\r\nHost: a!$&'()*+,;=b\r\n\r\n", "200 200", "200 200", "", "RFC 3986 §3.2.2: sub-delims are in a reg-name"},
		{"userinfo", "GET / HTTP/1.1\r\nHost: u@x\r\n\r\n", "400 close", "400 close", "", "§3.2: Host has no userinfo; @ is in no part of uri-host"},
		{"quote", "GET / HTTP/1.1\r\nHost: a\"b\r\n\r\n", "400 close", "400 close", "", "RFC 3986 §3.2.2: \" is in no part of uri-host"},
		{"absolute-form-wins", "GET http://x/ HTTP/1.1\r\nHost: y\r\n\r\n", "200 200", "200 200", "", "§3.2.2: the target's authority wins over Host"},
		{"absolute-form-empty-host", "GET http://localhost/ HTTP/1.1\r\nHost:\r\n\r\n", "200 200", "200 200", "", "§3.2.2: the target has the authority; an empty Host is what a client sends without one (§3.2)"},
		{"absolute-form-invalid-host", "GET http://x/ HTTP/1.1\r\nHost: [::1\r\n\r\n", "400 close", "200 200", "host-syntax", "§3.2: MUST 400 to an invalid Host, whatever the target"},
		{"absolute-form-no-host", "GET http://x/ HTTP/1.1\r\n\r\n", "400 close", "400 close", "", "§3.2: MUST 400 to an HTTP/1.1 request without Host, whatever the target"},
	}},
	{"fields", []rfcRow{ // RFC 9112 §5; RFC 9110 §5.1, §5.5, §5.6.2
		{"token-name", rowField + "X-!#$%&'*+.^_`|~: 1\r\n\r\n", "200 200", "200 200", "", "RFC 9110 §5.6.2: all tchar"},
		{"name-not-token", rowField + "X(A: 1\r\n\r\n", "400 close", "400 close", "", "RFC 9110 §5.1: field-name = token"},
		{"space-in-name", rowField + "X A: 1\r\n\r\n", "400 close", "400 close", "", "RFC 9110 §5.1: field-name = token"},
		{"space-before-colon", rowField + "X-A : 1\r\n\r\n", "400 close", "400 close", "", "§5.1: MUST 400 to whitespace between field name and colon"},
		{"tab-before-colon", rowField + "X-A\t: 1\r\n\r\n", "400 close", "400 close", "", "§5.1: MUST 400 to whitespace between field name and colon"},
		{"content-length-space-before-colon", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length : 5\r\n\r\nhello", "400 close", "400 close", "", "§5.1: MUST 400; read as no length, hello would be a request of its own"},
		{"empty-name", rowField + ": x\r\n\r\n", "400 close", "400 close", "", "RFC 9110 §5.1: a token has one character at least"},
		{"no-colon", rowField + "X-A\r\n\r\n", "400 close", "400 close", "", "§5: field-name \":\" OWS field-value OWS"},
		{"obs-fold", rowField + "X-A: 1\r\n 2\r\n\r\n", "400 close", "200 200", "obs-fold", "§5.2: a server MAY reject obs-fold with 400; net/http folds it"},
		{"obs-fold-tab", rowField + "X-A: 1\r\n\t2\r\n\r\n", "400 close", "200 200", "obs-fold", "§5.2: as obs-fold"},
		{"space-before-first-field", "GET / HTTP/1.1\r\n Host: x\r\n\r\n", "400 close", "400 close", "", "§2.2: whitespace between the start line and the first field: MUST reject or skip the line"},
		{"nul-in-value", rowField + "X-A: a\x00b\r\n\r\n", "400 close", "400 close", "", "RFC 9110 §5.5: NUL MUST be rejected or replaced"},
		{"cr-in-value", rowField + "X-A: a\rb\r\n\r\n", "400 close", "400 close", "", "RFC 9110 §5.5: CR MUST be rejected or replaced"},
		{"del-in-value", rowField + "X-A: a\x7fb\r\n\r\n", "400 close", "400 close", "", "RFC 9110 §5.5: DEL is not field-vchar"},
		{"esc-in-value", rowField + "X-A: \x1b[2J\r\n\r\n", "400 close", "400 close", "", "RFC 9110 §5.5: ESC is not field-vchar"},
		{"tab-and-obs-text", rowField + "X-A: a\tb\xff\r\n\r\n", "200 200", "200 200", "", "RFC 9110 §5.5: HTAB and obs-text are allowed in a value"},
		{"empty-value", rowField + "X-A:\r\n\r\n", "200 200", "200 200", "", "RFC 9110 §5.5: a field value may be empty"},
	}},
	{"transfer-encoding", []rfcRow{ // RFC 9112 §6.1, §6.3
		{"chunked", rowChunk + "5\r\nhello\r\n0\r\n\r\n", "200 close|200 200", "200 200", "te-close", "§7.1; the book may close after any request with Transfer-Encoding (chapter 4 does), which §9.3 allows"},
		{"chunked-case", rowTE + "Chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n", "200 close|200 200", "200 200", "te-close", "§7: coding names are case-insensitive"},
		{"chunked-twice", rowTE + "chunked, chunked\r\n\r\n0\r\n\r\n", "400 close", "501 close", "", "§6.1: MUST NOT apply chunked more than once; both refuse"},
		{"chunked-two-lines", rowTE + "chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", "400 close", "501 close", "", "§6.1: two lines are one list, chunked, chunked"},
		{"unknown-then-chunked", rowTE + "gzip, chunked\r\n\r\n0\r\n\r\n", "UC close", "501 close", "", "§6.1: SHOULD 501 to a coding the server does not know"},
		{"chunked-not-last", rowTE + "chunked, gzip\r\n\r\n0\r\n\r\n", "400 close", "501 close", "", "§6.3: MUST 400 when the final coding is not chunked"},
		{"identity", rowTE + "identity\r\n\r\n", "400 close", "501 close", "", "§6.3: the final coding is not chunked"},
		{"empty", rowTE + "\r\n\r\n", "400 close", "501 close", "", "§6.1: 1#transfer-coding, and none is not chunked"},
		{"space-before-colon", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding : chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n", "400 close", "400 close", "", "§5.1: MUST 400; read as no framing, the chunks would be requests"},
		{"with-content-length", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 40\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n", "200 close", "200 200 200", "te-close", "§6.1: Transfer-Encoding wins, and a server MUST close after answering; net/http answers the smuggled GET and the next"},
		{"content-length-first", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n", "200 close", "200 200", "te-close", "§6.1: whatever the order"},
		{"http10-keep-alive", "POST / HTTP/1.0\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\nContent-Length: 0\r\n\r\n", "400 close", "200 200", "http10-te", "§6.1: Transfer-Encoding in HTTP/1.0: faulty framing, MUST close; net/http reads by Content-Length and goes on"},
		{"http10-no-length", "POST / HTTP/1.0\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\n\r\n", "400 close", "200 200", "http10-te", "§6.1: as with Content-Length; net/http reads no body"},
		{"http10-chunked-body", "POST / HTTP/1.0\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n", "400 close", "200 400 close", "http10-te", "§6.1: net/http takes the chunks for the next request"},
		{"http10-close", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", "400 close", "200 close", "http10-te", "§6.1: without keep-alive too"},
	}},
	{"content-length", []rfcRow{ // RFC 9112 §6.2, §6.3; RFC 9110 §8.6
		{"five", rowPost, "200 200", "200 200", "", "§6.2"},
		{"leading-zeros", rowLength + "005\r\n\r\nhello", "200 200", "200 200", "", "RFC 9110 §8.6: 1*DIGIT"},
		{"whitespace", rowLength + " 5 \r\n\r\nhello", "200 200", "200 200", "", "§5: OWS around the value is not part of it"},
		{"plus", rowLength + "+5\r\n\r\nhello", "400 close", "400 close", "", "RFC 9110 §8.6: 1*DIGIT; §6.3: invalid, MUST 400"},
		{"minus", rowLength + "-1\r\n\r\nhello", "400 close", "400 close", "", "RFC 9110 §8.6: 1*DIGIT"},
		{"hex", rowLength + "0x5\r\n\r\nhello", "400 close", "400 close", "", "RFC 9110 §8.6: 1*DIGIT"},
		{"list-same", rowLength + "5, 5\r\n\r\nhello", "400 close", "400 close", "", "RFC 9110 §8.6: MAY accept a list of one repeated value, or reject it; both reject"},
		{"two-lines-same", rowLength + "5\r\nContent-Length: 5\r\n\r\nhello", "200 200", "200 200", "", "RFC 9110 §8.6: the same value twice MAY be taken as one"},
		{"two-lines-different", rowLength + "5\r\nContent-Length: 6\r\n\r\nhello", "400 close", "400 close", "", "§6.3: differing lengths: invalid, MUST 400 and close"},
		{"huge", rowLength + "99999999999999999999\r\n\r\nhello", "400 close", "400 close", "", "§6.3: a length that overflows is invalid"},
		{"over-limit", rowLength + "1048577\r\n\r\nhello", "413 close", "413 close", "", "RFC 9110 §15.5.14: 413 for a body over the server's limit, refused before reading it"},
		{"shorter-than-body", rowLength + "3\r\n\r\nhello", "200 200", "200 200", "", "§6.3: the length decides: lo and the next request make one request, loPOST"},
		{"longer-than-input", rowLength + "100\r\n\r\nhello", "400 close", "400 close", "", "§8: the body ends early (the input ends): incomplete, refused"},
	}},
	{"chunked", []rfcRow{ // RFC 9112 §7.1
		{"two-chunks", rowChunk + "3\r\nhel\r\n2\r\nlo\r\n0\r\n\r\n", "200 close|200 200", "200 200", "te-close", "§7.1"},
		{"extension", rowChunk + "5;a=b;c\r\nhello\r\n0;d\r\n\r\n", "200 close|200 200", "200 200", "te-close", "§7.1.1: extensions are ignored"},
		{"extension-bws", rowChunk + "5 ;a=b\r\nhello\r\n0\r\n\r\n", "400 close", "400 close", "", "§7.1.1 allows BWS before ;, but both readers refuse it"},
		{"trailer", rowChunk + "5\r\nhello\r\n0\r\nX-T: 1\r\n\r\n", "200 close|200 200", "200 200", "te-close", "§7.1.2: a trailer section"},
		{"not-hex", rowChunk + "zz\r\nhello\r\n0\r\n\r\n", "400 close", "400 close", "", "§7.1: chunk-size = 1*HEXDIG"},
		{"overflow", rowChunk + "ffffffffffffffffffff\r\nhello\r\n0\r\n\r\n", "400 close", "400 close", "", "§7.1: MUST anticipate overflow and treat it as an error"},
		{"no-crlf-after-data", rowChunk + "5\r\nhelloXX0\r\n\r\n", "400 close", "400 close", "", "§7.1: chunk-data CRLF"},
		{"bare-lf-after-size", rowChunk + "5\nhello\r\n0\r\n\r\n", "400 close", "400 close", "", "§7.1: chunk-size [ chunk-ext ] CRLF (§2.2's bare LF is for the head only)"},
		{"bare-lf-after-data", rowChunk + "5\r\nhello\n0\r\n\r\n", "400 close", "400 close", "", "§7.1: chunk-data CRLF"},
		{"bare-lf-last-chunk", rowChunk + "5\r\nhello\r\n0\n\n", "400 close", "400 close", "", "§7.1: last-chunk ends in CRLF"},
		{"no-last-chunk", rowChunk + "5\r\nhello\r\n", "400 close", "400 close", "", "§7.1: the body ends with the last chunk; the next request is no chunk"},
		{"short-data", rowChunk + "a\r\nhello\r\n0\r\n\r\n", "400 close", "400 close", "", "§7.1: 10 bytes of data, and the rest is not CRLF"},
	}},
	{"http10", []rfcRow{ // RFC 9112 §9.3, RFC 9110 §7.2, §10.1.1
		{"no-host", "GET / HTTP/1.0\r\n\r\n", "200 close", "200 close", "", "§3.2: HTTP/1.0 needs no Host; §9.3: no persistence without keep-alive"},
		{"keep-alive", "POST / HTTP/1.0\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nhi", "200 200", "200 200", "", "§9.3: keep-alive asked for, with a length to delimit the body"},
		{"close", "POST / HTTP/1.0\r\nConnection: close\r\nContent-Length: 2\r\n\r\nhi", "200 close", "200 close", "", "§9.6"},
		{"expect-ignored", "POST / HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\nhi", "200 close", "200 close", "", "RFC 9110 §10.1.1: MUST ignore 100-continue in an HTTP/1.0 request"},
		{"twice-host", "GET / HTTP/1.0\r\nHost: a\r\nHost: a\r\n\r\n", "400 close", "400 close", "", "§3.2: more than one Host line, whatever the version"},
	}},
}

// RFC runs the tables on a chapter's request loop, handle (as FuzzHandle
// takes it), in memory, and on net/http.Server: each row's outcome must
// be the table's for both. Call it as a top-level test's whole body (it
// silences the server's log with booktest.Quiet).
func RFC(t *testing.T, handle func(net.Conn), s Server) {
	booktest.Quiet(t)
	std := NewStdServer(t, s.MaxBodyBytes)
	// All rows at once, not t.Parallel's few at a time: chapter 7's
	// server takes a second over each GET.
	var wg sync.WaitGroup
	for _, table := range rfcTables {
		wg.Go(func() {
			t.Run(table.name, func(t *testing.T) {
				var rows sync.WaitGroup
				for _, row := range table.rows {
					rows.Go(func() { t.Run(row.name, func(t *testing.T) { row.check(t, handle, s, std) }) })
				}
				rows.Wait()
			})
		})
	}
	wg.Wait()
}

// check runs the row on handle and on std.
func (row rfcRow) check(t *testing.T, handle func(net.Conn), s Server, std *StdServer) {
	in := []byte(row.in + nextRequest)
	why := fmt.Sprintf("(%s)", row.why)
	if row.rule != "" {
		r, _ := ruleNamed(row.rule)
		why += "\nwhere the book and net/http differ: " + r.why
	}
	bookOut := runBook(t, handle, in)
	want := strings.ReplaceAll(row.book, "UC", strconv.Itoa(s.UnknownCoding))
	if got := parseOutcome(bookOut); !slices.Contains(strings.Split(want, "|"), got.String()) {
		t.Errorf("the book's server: %s, want %s %s\ninput:  %q\noutput: %q", got, want, why, in, bookOut)
	}
	stdOut := std.Run(t, in)
	if got := parseOutcome(stdOut); got.String() != row.std {
		t.Errorf("net/http.Server: %s, want %s (the table is wrong about net/http) %s\ninput:  %q\noutput: %q", got, row.std, why, in, stdOut)
	}
}
