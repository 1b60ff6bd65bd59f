package ladder

import (
	"encoding/hex"
	"strings"
	"testing"
)

// units reads one direction's bytes whole.
func streamOf(b []byte) *stream {
	s := &stream{}
	s.put(0, b)
	return s
}

func texts(us []unit) string {
	var out []string
	for _, u := range us {
		out = append(out, u.text)
	}
	return strings.Join(out, " | ")
}

func unhex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestHTTP1 reads requests and responses laid out as RFC 9110 §1.2's
// example exchange and RFC 9112's chunked coding (§7.1) have them.
func TestHTTP1(t *testing.T) {
	req := "GET /hello.txt HTTP/1.1\r\nUser-Agent: curl/7.64.1\r\nHost: www.example.com\r\nAccept-Language: en, mi\r\n\r\n"
	resp := "HTTP/1.1 200 OK\r\nDate: Mon, 27 Jul 2009 12:28:53 GMT\r\nServer: Apache\r\nContent-Length: 51\r\nContent-Type: text/plain\r\n\r\nHello World! My content includes a trailing CRLF.\r\n"
	chunked := "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nWiki\r\n5;name=x\r\npedia\r\n0\r\n\r\n"
	for _, c := range []struct {
		name     string
		requests bool
		methods  []string
		in, want string
	}{
		{"request", true, nil, req, "GET /hello.txt HTTP/1.1"},
		{"pipelined requests", true, nil, req + "POST /form HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc" + req,
			"GET /hello.txt HTTP/1.1 | POST /form HTTP/1.1 | GET /hello.txt HTTP/1.1"},
		{"response with a length", false, []string{"GET"}, resp + resp, "HTTP/1.1 200 OK | HTTP/1.1 200 OK"},
		{"chunked", false, []string{"GET"}, chunked + resp,
			"HTTP/1.1 200 OK | チャンク 4 バイト | チャンク 5 バイト | 最後のチャンク | HTTP/1.1 200 OK"},
		{"a response to HEAD has no body", false, []string{"HEAD", "GET"}, strings.Replace(resp, "Hello World! My content includes a trailing CRLF.\r\n", "", 1) + resp,
			"HTTP/1.1 200 OK | HTTP/1.1 200 OK"},
		{"interim, then 204", false, []string{"GET", "GET"}, "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n" + resp,
			"HTTP/1.1 100 Continue | HTTP/1.1 204 No Content | HTTP/1.1 200 OK"},
		{"no length: to the end", false, []string{"GET"}, "HTTP/1.0 200 OK\r\n\r\nHTTP/1.1 200 OK\r\n\r\n", "HTTP/1.0 200 OK"},
		{"a start line, its head cut short", false, []string{"GET"}, "HTTP/1.1 404 Not Found\r\nContent-Le", "HTTP/1.1 404 Not Found"},
		{"not HTTP", true, nil, "hello\r\n\r\n", ""},
		{"h2c upgrade", false, []string{"GET"}, "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n" + string(unhex(t, "000000 04 00 00000000")),
			"HTTP/1.1 101 Switching Protocols | SETTINGS"},
		{"the preface after an upgrade request", true, nil, req + preface + string(unhex(t, "000000 04 00 00000000")),
			"GET /hello.txt HTTP/1.1 | HTTP/2 プリフェイス | SETTINGS"},
	} {
		got, _ := http1Units(streamOf([]byte(c.in)), c.requests, c.methods)
		if texts(got) != c.want {
			t.Errorf("%s: got %q, want %q", c.name, texts(got), c.want)
		}
	}
}

// TestHTTP2 reads frame headers laid out as RFC 9113 §4.1 has them:
// length (24 bits), type, flags, R and stream identifier (31 bits).
func TestHTTP2(t *testing.T) {
	for _, c := range []struct{ hex, want string }{
		{"000000 04 00 00000000", "SETTINGS"},
		{"000000 04 01 00000000", "SETTINGS ACK"},
		{"00000d 01 05 00000001", "HEADERS END_STREAM ストリーム 1"},
		{"00000d 01 04 00000003", "HEADERS ストリーム 3"},
		{"000005 00 01 00000003", "DATA END_STREAM ストリーム 3"},
		{"000004 08 00 00000000", "WINDOW_UPDATE"},
		{"000008 06 01 00000000", "PING ACK"},
		{"000008 07 00 00000000", "GOAWAY"},
		{"000004 03 00 80000005", "RST_STREAM ストリーム 5"}, // the R bit is not the stream's
		{"000000 09 04 00000001", "CONTINUATION ストリーム 1"},
		{"000000 0a 00 00000000", "フレーム種別 0xa"},
	} {
		if got := h2Frame(unhex(t, c.hex)); got != c.want {
			t.Errorf("%s: got %q, want %q", c.hex, got, c.want)
		}
	}
	// A stream: the preface, then frames one after another by their
	// lengths, until the bytes run out.
	in := preface + string(unhex(t, "000006 04 00 00000000 000300000064 000004 08 00 00000000 00010000 000002 01 05 00000001"))
	got := texts(h2Units(streamOf([]byte(in)), 0, true))
	if want := "HTTP/2 プリフェイス | SETTINGS | WINDOW_UPDATE | HEADERS END_STREAM ストリーム 1"; got != want {
		t.Errorf("stream: got %q, want %q", got, want)
	}
}

// TestTLS reads records whose first bytes are those of RFC 8448's TLS 1.3
// traces (§3): the ClientHello and ServerHello records, then the server's
// encrypted records, and a TLS 1.2 flight (RFC 5246 §7.3).
func TestTLS(t *testing.T) {
	hello := func(h string, n int) []byte { // a record header, then n bytes
		b := unhex(t, h)
		return append(b, make([]byte, n)...)
	}
	for _, c := range []struct {
		name string
		in   [][]byte
		want string
	}{
		{"client", [][]byte{hello("16 03 01 00 c4 01 00 00 c0 03 03", 0xc4-6)}, "ClientHello"},
		{"server 1.3", [][]byte{
			hello("16 03 03 00 5a 02 00 00 56 03 03", 0x5a-6),
			hello("14 03 03 00 01 01", 0),
			hello("17 03 03 02 a2", 0x2a2),
		}, "ServerHello | ChangeCipherSpec | " + Encrypted},
		{"server 1.2, messages in one record", [][]byte{
			append(hello("16 03 03 00 0a 02 00 00 02", 2), unhex(t, "0e 00 00 00")...),
			hello("14 03 03 00 01 01", 0),
			hello("16 03 03 00 28 14 00 00 0c", 0x28-4), // Finished, encrypted after ChangeCipherSpec
		}, "ServerHello, ServerHelloDone | ChangeCipherSpec | " + Encrypted},
		{"alert", [][]byte{hello("15 03 03 00 02 02 28", 0)}, "Alert"},
	} {
		var all []byte
		for _, r := range c.in {
			all = append(all, r...)
		}
		if got := texts(tlsUnits(streamOf(all))); got != c.want {
			t.Errorf("%s: got %q, want %q", c.name, got, c.want)
		}
	}
}

// TestQUIC reads the first bytes of RFC 9001 Appendix A's packets (the
// client's Initial A.2, the server's Initial A.3, the Retry A.4, the
// short-header packet A.5), and datagrams that coalesce packets (RFC
// 9000 §12.2), as laid out in RFC 9000 §17.
func TestQUIC(t *testing.T) {
	pad := func(h string, n int) []byte { return append(unhex(t, h), make([]byte, n)...) }
	clientInitial := pad("c0 00000001 08 8394c8f03e515708 00 00 449e", 0x049e)
	serverInitial := pad("c1 00000001 00 08 f067a5502a4262b5 00 4075", 0x75)
	handshake := pad("e0 00000001 00 08 f067a5502a4262b5 40 20", 0x20)
	for _, c := range []struct {
		name string
		in   []byte
		want string
	}{
		{"client Initial", clientInitial, "QUIC Initial"},
		{"server Initial and Handshake", append(append([]byte{}, serverInitial...), handshake...), "QUIC Initial, Handshake"},
		{"Initial, Handshake and 1-RTT", append(append(append([]byte{}, serverInitial...), handshake...), unhex(t, "4c fe4189655e5cd55c41f69080575d7999c25a5bfb")...), "QUIC Initial, Handshake, 1-RTT"},
		{"Retry", unhex(t, "ff 00000001 00 08 f067a5502a4262b5 746f6b656e 04a265ba2eff4d829058fb3f0f2496ba"), "QUIC Retry"},
		{"0-RTT", pad("d0 00000001 08 8394c8f03e515708 00 05", 5), "QUIC 0-RTT"},
		{"short header", unhex(t, "4c fe4189655e5cd55c41f69080575d7999c25a5bfb"), "QUIC 1-RTT"},
		{"version 2 Initial", pad("d0 6b3343cf 00 00 00 05", 5), "QUIC Initial"},
		{"version negotiation", unhex(t, "80 00000000 00 00 00000001"), "QUIC Version Negotiation"},
		{"not QUIC", []byte("hello"), ""},
		{"empty", nil, ""},
		{"a short header outside a QUIC flow", unhex(t, "4c fe4189655e5cd55c41f69080575d7999c25a5bfb"), ""},
	} {
		quic := c.name != "not QUIC" && !strings.HasPrefix(c.name, "a short header outside")
		if got := quicSummary(c.in, quic); got != c.want {
			t.Errorf("%s: got %q, want %q", c.name, got, c.want)
		}
	}
}

// TestFlags spells flags out, in the order they are said.
func TestFlags(t *testing.T) {
	for f, want := range map[byte]string{0x02: "SYN", 0x12: "SYN ACK", 0x10: "ACK", 0x18: "PSH ACK", 0x11: "FIN ACK", 0x14: "RST ACK", 0x04: "RST", 0x19: "FIN PSH ACK", 0: "-"} {
		if got := flagNames(f); got != want {
			t.Errorf("%#x: got %q, want %q", f, got, want)
		}
	}
}

// TestSummarize names the units that start in a segment.
func TestSummarize(t *testing.T) {
	units := []unit{{0, "GET /slow HTTP/1.1"}, {40, "GET /a HTTP/1.1"}, {80, "GET /b HTTP/1.1"}, {120, "GET /c HTTP/1.1"}}
	for _, c := range []struct {
		off, n int
		want   string
	}{
		{0, 40, "GET /slow HTTP/1.1"},
		{0, 80, "GET /slow HTTP/1.1, GET /a HTTP/1.1"},
		{0, 200, "GET /slow HTTP/1.1 ほか 3 件"},
		{10, 20, ""},
		{30, 20, "GET /a HTTP/1.1"},
	} {
		if got := summarize(units, c.off, c.n); got != c.want {
			t.Errorf("%d+%d: got %q, want %q", c.off, c.n, got, c.want)
		}
	}
}
