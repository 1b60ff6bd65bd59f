package ladder

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"hash"
	"strings"
)

// A KeyLog is the TLS 1.3 traffic secrets of a key log in the NSS format
// that SSLKEYLOGFILE makes curl and Go's crypto/tls
// (tls.Config.KeyLogWriter) write: one "LABEL client_random secret" a
// line, in hex. It maps a connection's ClientHello random to its secrets
// by label (CLIENT_HANDSHAKE_TRAFFIC_SECRET, SERVER_TRAFFIC_SECRET_0, ...).
type KeyLog map[[32]byte]map[string][]byte

// ParseKeyLog reads a key log. Comment lines (#) and blank lines are
// skipped; a line that is not three fields of label and hex says where
// it is.
func ParseKeyLog(data []byte) (KeyLog, error) {
	k := KeyLog{}
	for i, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Fields(line)
		var random [32]byte
		r, err1 := hex.DecodeString(f[min(1, len(f)-1)])
		secret, err2 := hex.DecodeString(f[len(f)-1])
		if len(f) != 3 || err1 != nil || err2 != nil || len(r) != 32 || len(secret) == 0 {
			return nil, fmt.Errorf("line %d: want LABEL CLIENT_RANDOM SECRET, in hex", i+1)
		}
		copy(random[:], r)
		if k[random] == nil {
			k[random] = map[string][]byte{}
		}
		k[random][f[0]] = secret
	}
	return k, nil
}

// A suite is a TLS 1.3 cipher suite's AEAD and hash (RFC 8446 §B.4).
type suite struct {
	keyLen int
	hash   func() hash.Hash
}

// suites are the cipher suites this decrypts, by their code; the
// standard library has no ChaCha20-Poly1305 (it is in
// golang.org/x/crypto, which the book does not depend on).
var suites = map[uint16]suite{
	0x1301: {16, sha256.New}, // TLS_AES_128_GCM_SHA256
	0x1302: {32, sha512.New384},
}

// chacha is TLS_CHACHA20_POLY1305_SHA256's code.
const chacha = 0x1303

// expandLabel is HKDF-Expand-Label with an empty context (RFC 8446 §7.1).
func expandLabel(h func() hash.Hash, secret []byte, label string, n int) []byte {
	full := "tls13 " + label
	info := []byte{byte(n >> 8), byte(n), byte(len(full))}
	info = append(info, full...)
	info = append(info, 0) // the context's length
	out, err := hkdf.Expand(h, secret, string(info), n)
	if err != nil {
		return nil // n is a key's or an IV's length, which HKDF can make
	}
	return out
}

// A protector removes one direction's record protection (RFC 8446 §5.2)
// with the keys of one traffic secret (§7.3).
type protector struct {
	aead   cipher.AEAD
	iv     []byte
	seq    uint64
	secret []byte
}

func newProtector(s suite, secret []byte) *protector {
	block, err := aes.NewCipher(expandLabel(s.hash, secret, "key", s.keyLen))
	if err != nil {
		return nil
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil
	}
	return &protector{aead: aead, iv: expandLabel(s.hash, secret, "iv", 12), secret: secret}
}

// open decrypts one record given its 5-byte header and body, and returns
// its inner content type and content (§5.2: the plaintext is the content,
// its type, and zeros), or ok false when the keys do not open it. The
// per-record nonce is the IV XOR the record's sequence number, padded
// (§5.3); the sequence number advances only for a record that opened.
func (p *protector) open(header, body []byte) (typ byte, content []byte, ok bool) {
	if p == nil {
		return 0, nil, false
	}
	nonce := bytes.Clone(p.iv)
	var seq [8]byte
	binary.BigEndian.PutUint64(seq[:], p.seq)
	for i, b := range seq {
		nonce[len(nonce)-8+i] ^= b
	}
	plain, err := p.aead.Open(nil, nonce, body, header)
	if err != nil {
		return 0, nil, false
	}
	p.seq++
	i := len(plain) - 1
	for i >= 0 && plain[i] == 0 {
		i--
	}
	if i < 0 {
		return 0, nil, false // no content type: a peer would abort (§5.4)
	}
	return plain[i], plain[:i], true
}

// A record is one TLS record of a stream: where it starts, its header and
// its body (nil when the capture lacks some of it).
type record struct {
	off          int
	header, body []byte
}

// records splits a stream into TLS records (§5.1) from its start, as far
// as the capture has their headers.
func records(s *stream) []record {
	var rs []record
	for off := 0; ; {
		h := s.known(off, 5)
		if h == nil || h[1] != 3 {
			return rs
		}
		length := int(binary.BigEndian.Uint16(h[3:]))
		rs = append(rs, record{off, h, s.known(off+5, length)})
		off += 5 + length
	}
}

// helloRetry is the random of a ServerHello that is a HelloRetryRequest
// (RFC 8446 §4.1.3).
var helloRetry = [32]byte{
	0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
	0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
}

// hello returns the random of a ClientHello or ServerHello (typ 1 or 2)
// at the start of a plaintext handshake record's body, and for a
// ServerHello its cipher suite (§4.1.2, §4.1.3: type, length, version,
// random, then a ServerHello's session ID echo and cipher suite).
func hello(body []byte, typ byte) (random [32]byte, cs uint16, ok bool) {
	if len(body) < 38 || body[0] != typ {
		return random, 0, false
	}
	copy(random[:], body[6:38])
	if typ == 2 {
		if len(body) < 39 || len(body) < 39+int(body[38])+2 {
			return random, 0, false
		}
		p := 39 + int(body[38])
		cs = binary.BigEndian.Uint16(body[p:])
	}
	return random, cs, true
}

// tlsAlerts are the alert descriptions of RFC 8446 §6 a reader is likely
// to meet, by their code.
var tlsAlerts = map[byte]string{
	0: "close_notify", 10: "unexpected_message", 20: "bad_record_mac", 40: "handshake_failure",
	42: "bad_certificate", 45: "certificate_expired", 46: "certificate_unknown", 48: "unknown_ca",
	50: "decode_error", 51: "decrypt_error", 70: "protocol_version", 80: "internal_error",
	90: "user_canceled", 109: "missing_extension", 112: "unrecognized_name", 120: "no_application_protocol",
}

// tlsConnUnits reads the records of a TLS 1.3 connection whose secrets
// the key log has, decrypting what they protect. Without the secrets (or
// the ClientHello or ServerHello), each stream reads as tlsUnits has it.
func tlsConnUnits(client, server *stream, keys KeyLog) (cu, su []unit) {
	cr, sr := records(client), records(server)
	var random [32]byte
	var cs uint16
	ok := len(cr) > 0 && cr[0].header[0] == 22
	if ok {
		random, _, ok = hello(cr[0].body, 1)
	}
	found := false
	for _, r := range sr {
		if r.header[0] != 22 {
			continue
		}
		if rnd, c, ok := hello(r.body, 2); ok && rnd != helloRetry {
			cs, found = c, true
			break
		}
	}
	secrets := keys[random]
	s, known := suites[cs]
	if !ok || !found || secrets == nil || !known {
		cu, su = tlsUnits(client), tlsUnits(server)
		if ok && found && secrets != nil && cs == chacha {
			cu, su = notChaCha(cu), notChaCha(su)
		}
		return cu, su
	}
	cu, cplain := decryptUnits(cr, s, secrets["CLIENT_HANDSHAKE_TRAFFIC_SECRET"], secrets["CLIENT_TRAFFIC_SECRET_0"])
	su, splain := decryptUnits(sr, s, secrets["SERVER_HANDSHAKE_TRAFFIC_SECRET"], secrets["SERVER_TRAFFIC_SECRET_0"])
	// The application data of both directions, read as the protocol it
	// is, names the records its units start in.
	ca, sa := tcpUnits(cplain.s, splain.s, nil)
	cu = mergeApp(cu, ca, cplain.at)
	su = mergeApp(su, sa, splain.at)
	return cu, su
}

// notChaCha says why a connection's encrypted records stay unread.
func notChaCha(units []unit) []unit {
	for i := range units {
		if units[i].text == Encrypted {
			units[i].text = Encrypted + "（ChaCha20-Poly1305 は復号しません）"
		}
	}
	return units
}

// appStream is one direction's application data, decrypted: its bytes,
// and for each record that carried some, where its content starts in
// them and where the record starts in the TCP stream.
type appStream struct {
	s  *stream
	at []appRecord
}

type appRecord struct{ plainOff, off int }

// decryptUnits reads one direction's records, opening each protected
// record with the handshake traffic secret's keys until the sender's
// Finished, then with the application traffic secret's (RFC 8446 §7.3),
// each key with its own sequence numbers from 0 (§5.3). A KeyUpdate
// (§4.6.3) moves to the next application secret (§7.2). A record that
// does not open is Encrypted, as without a key log.
func decryptUnits(rs []record, s suite, hsSecret, appSecret []byte) ([]unit, appStream) {
	var units []unit
	app := appStream{s: &stream{}}
	var keys *protector
	if hsSecret != nil {
		keys = newProtector(s, hsSecret)
	}
	var hs []byte // handshake messages decrypted so far, not yet read whole
	client := false
	for i, r := range rs {
		typ := r.header[0]
		if i == 0 && typ == 22 && len(r.body) > 0 && r.body[0] == 1 {
			client = true
		}
		if typ != 23 || r.body == nil {
			if typ == 23 && keys != nil {
				keys.seq++ // a record the capture lacks still took its number
			}
			units = append(units, unit{r.off, tlsRecord(r.header, r.body, client, false)})
			continue
		}
		inner, content, ok := keys.open(r.header, r.body)
		if !ok {
			units = append(units, unit{r.off, Encrypted})
			continue
		}
		switch inner {
		case 22:
			// Handshake messages may span records (§5.1): name those
			// that start in this one, and change keys after a Finished
			// or KeyUpdate that ends in it.
			start := len(hs)
			cont := ""
			if start > 0 {
				cont = handshakeName(hs[0])
			}
			hs = append(hs, content...)
			var names []string
			next := keys
			for len(hs) >= 4 {
				n := int(hs[1])<<16 | int(hs[2])<<8 | int(hs[3])
				if 4+n > len(hs) {
					break
				}
				if start <= 0 {
					names = append(names, handshakeName(hs[0]))
				}
				switch {
				case hs[0] == 20 && next != nil && bytes.Equal(next.secret, hsSecret) && appSecret != nil:
					next = newProtector(s, appSecret)
				case hs[0] == 24 && next != nil:
					next = newProtector(s, expandLabel(s.hash, next.secret, "traffic upd", s.hash().Size()))
				}
				start -= 4 + n
				hs = hs[4+n:]
			}
			if len(hs) > 0 && start <= 0 {
				names = append(names, handshakeName(hs[0])) // the next record goes on with it
			}
			if len(names) == 0 && cont != "" {
				names = append(names, cont+" の続き") // the middle or end of a message
			}
			if len(names) == 0 {
				names = append(names, "Handshake") // too little of a message to name it
			}
			units = append(units, unit{r.off, strings.Join(names, ", ")})
			keys = next
		case 21:
			name := "Alert"
			if len(content) == 2 {
				if d, ok := tlsAlerts[content[1]]; ok {
					name = "Alert " + d
				} else {
					name = fmt.Sprintf("Alert %d", content[1])
				}
			}
			units = append(units, unit{r.off, name})
		case 23:
			app.at = append(app.at, appRecord{len(app.s.data), r.off})
			app.s.put(len(app.s.data), content)
			units = append(units, unit{r.off, "ApplicationData"})
		default:
			units = append(units, unit{r.off, fmt.Sprintf("TLS レコード種別 %d", inner)})
		}
	}
	return units, app
}

// mergeApp names each application data record by the units of the
// decrypted application data that start in it. Both lists are in the
// order of their offsets.
func mergeApp(units, app []unit, at []appRecord) []unit {
	byOff := map[int]int{}
	for i, u := range units {
		byOff[u.off] = i
	}
	j := 0
	for i, a := range at {
		var names []string
		for ; j < len(app) && (i+1 == len(at) || app[j].off < at[i+1].plainOff); j++ {
			if app[j].off >= a.plainOff {
				names = append(names, app[j].text)
			}
		}
		if len(names) > 0 {
			units[byOff[a.off]].text = strings.Join(names, ", ")
		}
	}
	return units
}

// handshakeName names a handshake message by its type (RFC 8446 §4).
func handshakeName(typ byte) string {
	if name, ok := tlsHandshakes[typ]; ok {
		return name
	}
	return fmt.Sprintf("ハンドシェイク種別 %d", typ)
}
