package ladder

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"
)

// A unit is one message, record or frame that starts at offset off of a
// direction's byte stream: what a segment that carries its first byte
// shows as its summary.
type unit struct {
	off  int
	text string
}

// A stream is one direction's bytes, as far as the capture kept them:
// have[i] says whether byte i is known.
type stream struct {
	data []byte
	have []bool
}

// put stores b at off. A capture's segments come nearly in order, so a
// segment more than a megabyte past what is there, or past 16 MB, is
// not stored (it is no capture of the lab's, or its summary is lost).
func (s *stream) put(off int, b []byte) {
	if off < 0 || off > len(s.data)+1<<20 || off+len(b) > 1<<24 {
		return
	}
	if end := off + len(b); end > len(s.data) {
		s.data = append(s.data, make([]byte, end-len(s.data))...)
		s.have = append(s.have, make([]bool, end-len(s.have))...)
	}
	copy(s.data[off:], b)
	for i := range b {
		s.have[off+i] = true
	}
}

// known returns the n bytes at off, or nil when the capture lacks any.
func (s *stream) known(off, n int) []byte {
	if off < 0 || n < 0 || off+n > len(s.data) {
		return nil
	}
	for _, h := range s.have[off : off+n] {
		if !h {
			return nil
		}
	}
	return s.data[off : off+n]
}

// The protocols a TCP connection's streams are read as.
const (
	protoUnknown = iota
	protoHTTP1
	protoHTTP2
	protoTLS
)

// preface is the HTTP/2 client connection preface (RFC 9113 §3.4).
const preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"

// sniff says what protocol a connection speaks from the first bytes of
// the client's stream.
func sniff(client *stream) int {
	switch b := client.known(0, min(len(client.data), 24)); {
	case len(b) == 0:
		return protoUnknown
	case strings.HasPrefix(preface, string(b)) || strings.HasPrefix(string(b), preface):
		return protoHTTP2
	case len(b) >= 3 && b[0] == 22 && b[1] == 3: // a TLS handshake record (RFC 8446 §5.1)
		return protoTLS
	case requestLine(string(b)+" HTTP/1.1") != "":
		return protoHTTP1
	}
	return protoUnknown
}

// tcpUnits reads both streams of a TCP connection into units; a TLS
// connection's protected records are read with keys when it has the
// connection's secrets.
func tcpUnits(client, server *stream, keys KeyLog) (cu, su []unit) {
	switch sniff(client) {
	case protoHTTP1:
		var methods []string
		cu, methods = http1Units(client, true, nil)
		su, _ = http1Units(server, false, methods)
	case protoHTTP2:
		cu = h2Units(client, 0, true)
		su = h2Units(server, 0, false)
	case protoTLS:
		if keys != nil {
			return tlsConnUnits(client, server, keys)
		}
		cu = tlsUnits(client)
		su = tlsUnits(server)
	}
	return cu, su
}

// requestLine returns s's first line if it is an HTTP/1.x request line
// (RFC 9112 §3: method SP request-target SP HTTP-version).
func requestLine(s string) string {
	line, _, _ := strings.Cut(s, "\r\n")
	parts := strings.Split(line, " ")
	if len(parts) != 3 || !isToken(parts[0]) || parts[1] == "" || !strings.HasPrefix(parts[2], "HTTP/1.") {
		return ""
	}
	return line
}

// statusLine returns the status code of s's first line if it is an
// HTTP/1.x status line (RFC 9112 §4: HTTP-version SP status-code SP
// [reason-phrase]), else 0.
func statusLine(s string) (string, int) {
	line, _, _ := strings.Cut(s, "\r\n")
	if !strings.HasPrefix(line, "HTTP/1.") || len(line) < 12 || line[8] != ' ' {
		return "", 0
	}
	code, err := strconv.Atoi(line[9:12])
	if err != nil || (len(line) > 12 && line[12] != ' ') {
		return "", 0
	}
	return line, code
}

func isToken(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range []byte(s) {
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`"(),/:;<=>?@[\]{}`, c) >= 0 {
			return false
		}
	}
	return true
}

// http1Units reads an HTTP/1.x stream (RFC 9112) message by message:
// each message's start line is a unit, and so is each chunk of a chunked
// body (§7.1). A response's body length follows §6.3, for which it needs
// the methods of the requests (a response to HEAD has none). It stops
// where the capture lacks bytes or the stream is not HTTP/1; after 101
// Switching Protocols to h2c, or at the HTTP/2 preface, it reads HTTP/2
// frames (RFC 9113 §3.1, §3.4).
func http1Units(s *stream, requests bool, methods []string) (units []unit, seen []string) {
	off := 0
	for off < len(s.data) {
		if requests && s.known(off, len(preface)) != nil && string(s.known(off, len(preface))) == preface {
			return append(units, h2Units(s, off, true)...), seen
		}
		head := headerEnd(s, off)
		if head < 0 {
			// The capture kept the start line but not the whole head
			// (netlab -snaplen): name the message, and read no further.
			if i := bytes.Index(s.data[off:], []byte("\r\n")); i > 0 && s.known(off, i) != nil {
				line := string(s.data[off : off+i])
				if _, code := statusLine(line); requestLine(line) != "" && requests || code != 0 && !requests {
					units = append(units, unit{off, line})
				}
			}
			return units, seen
		}
		msg := string(s.data[off:head])
		var line string
		code := 0
		if requests {
			line = requestLine(msg)
			if line != "" {
				seen = append(seen, line[:strings.IndexByte(line, ' ')])
			}
		} else {
			line, code = statusLine(msg)
		}
		if line == "" {
			return units, seen
		}
		units = append(units, unit{off, line})
		hdr := headers(msg)
		body := head
		switch {
		case code == 101:
			if strings.EqualFold(hdr["upgrade"], "h2c") {
				return append(units, h2Units(s, head, false)...), seen
			}
			return units, seen // another protocol, which this does not read
		case code/100 == 1:
			off = head // an interim response: the final one follows
			continue
		case code == 204 || code == 304:
		case !requests && len(methods) > 0 && methods[0] == "HEAD":
		case strings.Contains(strings.ToLower(hdr["transfer-encoding"]), "chunked"):
			var more []unit
			more, body = chunks(s, head)
			units = append(units, more...)
			if body < 0 {
				return units, seen
			}
		case hdr["content-length"] != "":
			n, err := strconv.Atoi(hdr["content-length"])
			if err != nil || n < 0 {
				return units, seen
			}
			body = head + n
		case !requests:
			return units, seen // the body runs to the end of the connection
		}
		if !requests && len(methods) > 0 {
			methods = methods[1:]
		}
		off = body
	}
	return units, seen
}

// headerEnd is the offset just past the blank line that ends the header
// section starting at off, or -1.
func headerEnd(s *stream, off int) int {
	i := bytes.Index(s.data[off:], []byte("\r\n\r\n"))
	if i < 0 || s.known(off, i+4) == nil {
		return -1
	}
	return off + i + 4
}

// headers returns the header fields of a message's head, names in lower
// case.
func headers(msg string) map[string]string {
	h := map[string]string{}
	lines := strings.Split(msg, "\r\n")
	for _, l := range lines[1:] {
		if name, v, ok := strings.Cut(l, ":"); ok {
			h[strings.ToLower(strings.TrimSpace(name))] = strings.TrimSpace(v)
		}
	}
	return h
}

// chunks reads a chunked body (RFC 9112 §7.1) from off: a unit for each
// chunk, and the offset past the body, or -1 when it could not be read
// to its end.
func chunks(s *stream, off int) ([]unit, int) {
	var units []unit
	for {
		if off >= len(s.data) {
			return units, -1
		}
		i := bytes.Index(s.data[off:], []byte("\r\n"))
		if i < 0 || s.known(off, i+2) == nil {
			return units, -1
		}
		sizeText, _, _ := strings.Cut(string(s.data[off:off+i]), ";")
		size, err := strconv.ParseUint(strings.TrimSpace(sizeText), 16, 31)
		if err != nil {
			return units, -1
		}
		if size == 0 {
			units = append(units, unit{off, "最後のチャンク"})
			// Trailer fields, then the blank line.
			end := off + i + 2
			if string(s.known(end, 2)) == "\r\n" {
				return units, end + 2
			}
			if e := headerEnd(s, end); e >= 0 {
				return units, e
			}
			return units, -1
		}
		units = append(units, unit{off, fmt.Sprintf("チャンク %d バイト", size)})
		off += i + 2 + int(size) + 2
	}
}

// h2FrameTypes are the frame types of RFC 9113 §6, by their code.
var h2FrameTypes = []string{"DATA", "HEADERS", "PRIORITY", "RST_STREAM", "SETTINGS", "PUSH_PROMISE", "PING", "GOAWAY", "WINDOW_UPDATE", "CONTINUATION"}

// h2Units reads HTTP/2 frames (RFC 9113 §4.1: a 9-byte header of length,
// type, flags and stream identifier) from off, after the client's
// connection preface if the stream starts with it.
func h2Units(s *stream, off int, client bool) []unit {
	var units []unit
	if client && string(s.known(off, len(preface))) == preface {
		units = append(units, unit{off, "HTTP/2 プリフェイス"})
		off += len(preface)
	}
	for {
		h := s.known(off, 9)
		if h == nil {
			return units
		}
		length := int(h[0])<<16 | int(h[1])<<8 | int(h[2])
		units = append(units, unit{off, h2Frame(h)})
		off += 9 + length
	}
}

// h2Frame names a frame by its 9-byte header: its type, the flags that
// say something to a reader (§6), and its stream when not 0.
func h2Frame(h []byte) string {
	typ, flags := h[3], h[4]
	stream := binary.BigEndian.Uint32(h[5:]) & 0x7fffffff
	name := fmt.Sprintf("フレーム種別 0x%x", typ)
	if int(typ) < len(h2FrameTypes) {
		name = h2FrameTypes[typ]
	}
	var out []string
	out = append(out, name)
	switch typ {
	case 0: // DATA
		if flags&0x1 != 0 {
			out = append(out, "END_STREAM")
		}
	case 1: // HEADERS
		if flags&0x1 != 0 {
			out = append(out, "END_STREAM")
		}
	case 4, 6: // SETTINGS, PING
		if flags&0x1 != 0 {
			out = append(out, "ACK")
		}
	}
	if stream != 0 {
		out = append(out, fmt.Sprintf("ストリーム %d", stream))
	}
	return strings.Join(out, " ")
}

// TLS record content types (RFC 8446 §5.1) and handshake message types
// (§4), by their code.
var (
	tlsContentTypes = map[byte]string{20: "ChangeCipherSpec", 21: "Alert", 22: "Handshake", 23: "ApplicationData"}
	tlsHandshakes   = map[byte]string{
		0: "HelloRequest", 1: "ClientHello", 2: "ServerHello", 4: "NewSessionTicket", 5: "EndOfEarlyData",
		8: "EncryptedExtensions", 11: "Certificate", 12: "ServerKeyExchange", 13: "CertificateRequest",
		14: "ServerHelloDone", 15: "CertificateVerify", 16: "ClientKeyExchange", 20: "Finished", 24: "KeyUpdate",
	}
)

// Encrypted is what a record is called whose content the capture alone
// cannot read: every application_data record (in TLS 1.3 that is the
// whole handshake after ServerHello, RFC 8446 §5.2), and a TLS 1.2
// handshake record after its sender's ChangeCipherSpec.
// With a key log (keylog=), a TLS 1.3 connection's records are
// decrypted instead: see tlsConnUnits.
const Encrypted = "暗号化されたレコード"

// tlsUnits reads TLS records (RFC 8446 §5.1: content type, legacy
// version, 2-byte length) from the start of the stream.
func tlsUnits(s *stream) []unit {
	var units []unit
	encrypted := false
	client := false
	for off := 0; ; {
		h := s.known(off, 5)
		if h == nil || h[1] != 3 {
			return units
		}
		length := int(binary.BigEndian.Uint16(h[3:]))
		body := s.known(off+5, length)
		if off == 0 && h[0] == 22 && len(body) > 0 && body[0] == 1 {
			client = true
		}
		units = append(units, unit{off, tlsRecord(h, body, client, encrypted)})
		if h[0] == 20 {
			encrypted = true
		}
		off += 5 + length
	}
}

// tlsRecord names one record: its handshake messages, or its type.
func tlsRecord(h, body []byte, client, encrypted bool) string {
	typ := h[0]
	if typ == 23 || (typ == 22 && encrypted) {
		return Encrypted
	}
	if typ == 22 && len(body) >= 4 {
		// One record may hold several handshake messages (§5.1), each
		// with a 1-byte type and a 3-byte length (§4).
		var names []string
		for len(body) >= 4 {
			n := int(body[1])<<16 | int(body[2])<<8 | int(body[3])
			name, ok := tlsHandshakes[body[0]]
			if !ok {
				name = fmt.Sprintf("ハンドシェイク種別 %d", body[0])
			}
			names = append(names, name)
			if 4+n > len(body) {
				break
			}
			body = body[4+n:]
		}
		return strings.Join(names, ", ")
	}
	if name, ok := tlsContentTypes[typ]; ok {
		return name
	}
	return fmt.Sprintf("TLS レコード種別 %d", typ)
}

// QUIC versions whose long header packet types this reads: version 1
// (RFC 9000 §17.2) and version 2 (RFC 9369 §3.2), which numbers them
// differently.
const (
	quicV1 = 0x00000001
	quicV2 = 0x6b3343cf
)

// quicSummary names the QUIC packets of one UDP datagram (RFC 9000 §12.2:
// it may hold several, coalesced), or "" when it is not QUIC as far as
// its first byte and version tell. A short header has no version to tell
// it by: it is taken for one only in a flow that is QUIC (one whose
// datagrams include a long header of version 1 or 2).
func quicSummary(d []byte, quic bool) string {
	var names []string
	for len(d) > 0 {
		b := d[0]
		if b&0x80 == 0 {
			// A short header (§17.3): a 1-RTT packet, to the datagram's end.
			if b&0x40 == 0 || !quic {
				break
			}
			names = append(names, "1-RTT")
			break
		}
		if len(d) < 7 {
			break
		}
		version := binary.BigEndian.Uint32(d[1:])
		if version == 0 { // Version Negotiation (§17.2.1)
			names = append(names, "Version Negotiation")
			break
		}
		var types []string
		switch version {
		case quicV1:
			types = []string{"Initial", "0-RTT", "Handshake", "Retry"}
		case quicV2:
			types = []string{"Retry", "Initial", "0-RTT", "Handshake"}
		default:
			names = append(names, fmt.Sprintf("QUIC バージョン 0x%08x", version))
			d = nil
			continue
		}
		typ := types[(b>>4)&3]
		names = append(names, typ)
		if typ == "Retry" {
			break // to the datagram's end (§17.2.5)
		}
		// Destination and source connection IDs, each after its length
		// byte (§17.2); an Initial's token (§17.2.2); then the Length of
		// the packet number and payload.
		p := 5
		for range 2 {
			if p >= len(d) {
				return joinQUIC(names)
			}
			p += 1 + int(d[p])
		}
		if typ == "Initial" {
			n, l := varint(d[min(p, len(d)):])
			if l == 0 {
				return joinQUIC(names)
			}
			p += l + int(n)
		}
		if p > len(d) {
			break
		}
		n, l := varint(d[p:])
		if l == 0 || p+l+int(n) > len(d) {
			break
		}
		d = d[p+l+int(n):]
	}
	return joinQUIC(names)
}

func joinQUIC(names []string) string {
	if len(names) == 0 {
		return ""
	}
	return "QUIC " + strings.Join(names, ", ")
}

// varint reads a QUIC variable-length integer (RFC 9000 §16) and returns
// it and its length, or 0, 0.
func varint(b []byte) (uint64, int) {
	if len(b) == 0 {
		return 0, 0
	}
	n := 1 << (b[0] >> 6)
	if len(b) < n {
		return 0, 0
	}
	v := uint64(b[0] & 0x3f)
	for _, c := range b[1:n] {
		v = v<<8 | uint64(c)
	}
	return v, n
}

// isQUIC says whether a UDP flow's datagrams include a long header of a
// version this reads.
func isQUIC(payloads [][]byte) bool {
	for _, d := range payloads {
		if len(d) >= 5 && d[0]&0x80 != 0 {
			if v := binary.BigEndian.Uint32(d[1:]); v == quicV1 || v == quicV2 {
				return true
			}
		}
	}
	return false
}
