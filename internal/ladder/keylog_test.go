package ladder

import (
	"bytes"
	"encoding/hex"
	"errors"
	"io/fs"
	"strings"
	"testing"
)

// dump reads a hex dump as RFC 8448 prints it, spaces and line breaks
// and all.
func dump(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.Join(strings.Fields(s), ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// The traffic secrets and protected records of RFC 8448 §3, "Simple
// 1-RTT Handshake" (TLS_AES_128_GCM_SHA256).
const (
	rfc8448Random = "cb 34 ec b1 e7 81 63 ba 1c 38 c6 da cb 19 6a 6d ff a2 1a 8d 99 12 ec 18 a2 ef 62 83 02 4d ec e7"

	rfc8448ClientHS  = "b3 ed db 12 6e 06 7f 35 a7 80 b3 ab f4 5e 2d 8f 3b 1a 95 07 38 f5 2e 96 00 74 6a 0e 27 a5 5a 21"
	rfc8448ServerHS  = "b6 7b 7d 69 0c c1 6c 4e 75 e5 42 13 cb 2d 37 b4 e9 c9 12 bc de d9 10 5d 42 be fd 59 d3 91 ad 38"
	rfc8448ClientApp = "9e 40 64 6c e7 9a 7f 9d c0 5a f8 88 9b ce 65 52 87 5a fa 0b 06 df 00 87 f7 92 eb b7 c1 75 04 a5"
	rfc8448ServerApp = "a1 1a f9 f0 55 31 f8 56 ad 47 11 6b 45 a9 50 32 82 04 b4 f4 4b fb 6b 3a 4b 4f 1f 3f cb 63 16 43"

	// The server's flight: EncryptedExtensions, Certificate,
	// CertificateVerify and Finished in one record.
	rfc8448ServerFlight = `17 03 03 02 a2 d1 ff 33 4a 56 f5 bf f6 59 4a 07
    cc 87 b5 80 23 3f 50 0f 45 e4 89 e7 f3 3a f3 5e df 78 69 fc f4 0a a4 0a a2 b8 ea 73 f8 48 a7 ca
    07 61 2e f9 f9 45 cb 96 0b 40 68 90 51 23 ea 78 b1 11 b4 29 ba 91 91 cd 05 d2 a3 89 28 0f 52 61
    34 aa dc 7f c7 8c 4b 72 9d f8 28 b5 ec f7 b1 3b d9 ae fb 0e 57 f2 71 58 5b 8e a9 bb 35 5c 7c 79
    02 07 16 cf b9 b1 18 3e f3 ab 20 e3 7d 57 a6 b9 d7 47 76 09 ae e6 e1 22 a4 cf 51 42 73 25 25 0c
    7d 0e 50 92 89 44 4c 9b 3a 64 8f 1d 71 03 5d 2e d6 5b 0e 3c dd 0c ba e8 bf 2d 0b 22 78 12 cb b3
    60 98 72 55 cc 74 41 10 c4 53 ba a4 fc d6 10 92 8d 80 98 10 e4 b7 ed 1a 8f d9 91 f0 6a a6 24 82
    04 79 7e 36 a6 a7 3b 70 a2 55 9c 09 ea d6 86 94 5b a2 46 ab 66 e5 ed d8 04 4b 4c 6d e3 fc f2 a8
    94 41 ac 66 27 2f d8 fb 33 0e f8 19 05 79 b3 68 45 96 c9 60 bd 59 6e ea 52 0a 56 a8 d6 50 f5 63
    aa d2 74 09 96 0d ca 63 d3 e6 88 61 1e a5 e2 2f 44 15 cf 95 38 d5 1a 20 0c 27 03 42 72 96 8a 26
    4e d6 54 0c 84 83 8d 89 f7 2c 24 46 1a ad 6d 26 f5 9e ca ba 9a cb bb 31 7b 66 d9 02 f4 f2 92 a3
    6a c1 b6 39 c6 37 ce 34 31 17 b6 59 62 22 45 31 7b 49 ee da 0c 62 58 f1 00 d7 d9 61 ff b1 38 64
    7e 92 ea 33 0f ae ea 6d fa 31 c7 a8 4d c3 bd 7e 1b 7a 6c 71 78 af 36 87 90 18 e3 f2 52 10 7f 24
    3d 24 3d c7 33 9d 56 84 c8 b0 37 8b f3 02 44 da 8c 87 c8 43 f5 e5 6e b4 c5 e8 28 0a 2b 48 05 2c
    f9 3b 16 49 9a 66 db 7c ca 71 e4 59 94 26 f7 d4 61 e6 6f 99 88 2b d8 9f c5 08 00 be cc a6 2d 6c
    74 11 6d bd 29 72 fd a1 fa 80 f8 5d f8 81 ed be 5a 37 66 89 36 b3 35 58 3b 59 91 86 dc 5c 69 18
    a3 96 fa 48 a1 81 d6 b6 fa 4f 9d 62 d5 13 af bb 99 2f 2b 99 2f 67 f8 af e6 7f 76 91 3f a3 88 cb
    56 30 c8 ca 01 e0 c6 5d 11 c6 6a 1e 2a c4 c8 59 77 b7 c7 a6 99 9b bf 10 dc 35 ae 69 f5 51 56 14
    63 6c 0b 9b 68 c1 9e d2 e3 1c 0b 3b 66 76 30 38 eb ba 42 f3 b3 8e dc 03 99 f3 a9 f2 3f aa 63 97
    8c 31 7f c9 fa 66 a7 3f 60 f0 50 4d e9 3b 5b 84 5e 27 55 92 c1 23 35 ee 34 0b bc 4f dd d5 02 78
    40 16 e4 b3 be 7e f0 4d da 49 f4 b4 40 a3 0c b5 d2 af 93 98 28 fd 4a e3 79 4e 44 f9 4d f5 a6 31
    ed e4 2c 17 19 bf da bf 02 53 fe 51 75 be 89 8e 75 0e dc 53 37 0d 2b`
	rfc8448ServerTicket = `17 03 03 00 de 3a 6b 8f 90 41 4a 97 d6 95 9c 34 87 68 0d e5 13 4a 2b 24
    0e 6c ff ac 11 6e 95 d4 1d 6a f8 f6 b5 80 dc f3 d1 1d 63 c7 58 db 28 9a 01 59 40 25 2f 55 71 3e
    06 1d c1 3e 07 88 91 a3 8e fb cf 57 53 ad 8e f1 70 ad 3c 73 53 d1 6d 9d a7 73 b9 ca 7f 2b 9f a1
    b6 c0 d4 a3 d0 3f 75 e0 9c 30 ba 1e 62 97 2a c4 6f 75 f7 b9 81 be 63 43 9b 29 99 ce 13 06 46 15
    13 98 91 d5 e4 c5 b4 06 f1 6e 3f c1 81 a7 7c a4 75 84 00 25 db 2f 0a 77 f8 1b 5a b0 5b 94 c0 13
    46 75 5f 69 23 2c 86 51 9d 86 cb ee ac 87 aa c3 47 d1 43 f9 60 5d 64 f6 50 db 4d 02 3e 70 e9 52
    ca 49 fe 51 37 12 1c 74 bc 26 97 68 7e 24 87 46 d6 df 35 30 05 f3 bc e1 86 96 12 9c 81 53 55 6b
    3b 6c 67 79 b3 7b f1 59 85 68 4f`
	rfc8448ServerData = `17 03 03 00 43 2e 93 7e 11 ef 4a c7 40 e5 38 ad 36 00 5f c4
    a4 69 32 fc 32 25 d0 5f 82 aa 1b 36 e3 0e fa f9 7d 90 e6 df fc 60 2d cb 50 1a 59 a8 fc c4 9c 4b
    f2 e5 f0 a2 1c 00 47 c2 ab f3 32 54 0d d0 32 e1 67 c2 95 5d`
	rfc8448ServerAlert = "17 03 03 00 13 b5 8f d6 71 66 eb f5 99 d2 47 20 cf be 7e fa 7a 88 64 a9"

	rfc8448ClientFinished = `17 03 03 00 35 75 ec 4d c2 38 cc e6 0b 29 80 44 a7 1e 21 9c
    56 cc 77 b0 51 7f e9 b9 3c 7a 4b fc 44 d8 7f 38 f8 03 38 ac 98 fc 46 de b3 84 bd 1c ae ac ab 68
    67 d7 26 c4 05 46`
	rfc8448ClientData = `17 03 03 00 43 a2 3f 70 54 b6 2c 94 d0 af fa fe 82 28 ba 55
    cb ef ac ea 42 f9 14 aa 66 bc ab 3f 2b 98 19 a8 a5 b4 6b 39 5b d5 4a 9a 20 44 1e 2b 62 97 4e 1f
    5a 62 92 a2 97 70 14 bd 1e 3d ea e6 3a ee bb 21 69 49 15 e4`
	rfc8448ClientAlert = "17 03 03 00 13 c9 87 27 60 65 56 66 b7 4d 7f f1 15 3e fd 6d b6 d0 b0 e3"
)

// TestExpandLabel derives the traffic keys and IVs RFC 8448 §3 gives
// for its traffic secrets (RFC 8446 §7.3).
func TestExpandLabel(t *testing.T) {
	for _, c := range []struct{ secret, key, iv string }{
		{rfc8448ServerHS, "3f ce 51 60 09 c2 17 27 d0 f2 e4 e8 6e e4 03 bc", "5d 31 3e b2 67 12 76 ee 13 00 0b 30"},
		{rfc8448ClientHS, "db fa a6 93 d1 76 2c 5b 66 6a f5 d9 50 25 8d 01", "5b d3 c7 1b 83 6e 0b 76 bb 73 26 5f"},
		{rfc8448ServerApp, "9f 02 28 3b 6c 9c 07 ef c2 6b b9 f2 ac 92 e3 56", "cf 78 2b 88 dd 83 54 9a ad f1 e9 84"},
		{rfc8448ClientApp, "17 42 2d da 59 6e d5 d9 ac d8 90 e3 c6 3f 50 51", "5b 78 92 3d ee 08 57 90 33 e5 23 d9"},
	} {
		s := suites[0x1301]
		secret := dump(t, c.secret)
		if got := expandLabel(s.hash, secret, "key", s.keyLen); !bytes.Equal(got, dump(t, c.key)) {
			t.Errorf("key of %.11s… = % x, want %s", c.secret, got, c.key)
		}
		if got := expandLabel(s.hash, secret, "iv", 12); !bytes.Equal(got, dump(t, c.iv)) {
			t.Errorf("iv of %.11s… = % x, want %s", c.secret, got, c.iv)
		}
	}
}

// rfc8448Streams are RFC 8448 §3's connection as two streams: a
// ClientHello and a ServerHello cut down to what the decoder reads of
// them (the client's random, the server's cipher suite), then the RFC's
// protected records byte for byte.
func rfc8448Streams(t *testing.T) (client, server *stream) {
	random := dump(t, rfc8448Random)
	ch := append([]byte{1, 0, 0, 34, 3, 3}, random...)
	sh := append([]byte{2, 0, 0, 38, 3, 3}, make([]byte, 32)...)
	sh = append(sh, 0, 0x13, 0x01, 0)
	var c, s []byte
	c = append(c, 22, 3, 1, 0, byte(len(ch)))
	c = append(c, ch...)
	for _, r := range []string{rfc8448ClientFinished, rfc8448ClientData, rfc8448ClientAlert} {
		c = append(c, dump(t, r)...)
	}
	s = append(s, 22, 3, 3, 0, byte(len(sh)))
	s = append(s, sh...)
	for _, r := range []string{rfc8448ServerFlight, rfc8448ServerTicket, rfc8448ServerData, rfc8448ServerAlert} {
		s = append(s, dump(t, r)...)
	}
	return streamOf(c), streamOf(s)
}

func rfc8448Keys(t *testing.T) KeyLog {
	r := strings.Join(strings.Fields(rfc8448Random), "")
	log := "# RFC 8448 §3\n"
	for _, l := range []struct{ label, secret string }{
		{"CLIENT_HANDSHAKE_TRAFFIC_SECRET", rfc8448ClientHS},
		{"SERVER_HANDSHAKE_TRAFFIC_SECRET", rfc8448ServerHS},
		{"CLIENT_TRAFFIC_SECRET_0", rfc8448ClientApp},
		{"SERVER_TRAFFIC_SECRET_0", rfc8448ServerApp},
	} {
		log += l.label + " " + r + " " + strings.Join(strings.Fields(l.secret), "") + "\n"
	}
	k, err := ParseKeyLog([]byte(log))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// TestRFC8448 decrypts RFC 8448 §3's records with its secrets: the
// server's flight is four handshake messages in one record under the
// handshake keys, then under the application keys a NewSessionTicket
// (sequence number 0), the application data (1) and close_notify (2);
// the client's Finished is under its handshake keys, its data and alert
// under its application keys.
func TestRFC8448(t *testing.T) {
	client, server := rfc8448Streams(t)
	cu, su := tcpUnits(client, server, rfc8448Keys(t))
	if got, want := texts(cu), "ClientHello | Finished | ApplicationData | Alert close_notify"; got != want {
		t.Errorf("client: %s\nwant    %s", got, want)
	}
	if got, want := texts(su), "ServerHello | EncryptedExtensions, Certificate, CertificateVerify, Finished | NewSessionTicket | ApplicationData | Alert close_notify"; got != want {
		t.Errorf("server: %s\nwant    %s", got, want)
	}

	// The application data is 00 01 … 31 both ways.
	var payload []byte
	for i := range 50 {
		payload = append(payload, byte(i))
	}
	for _, dir := range []struct {
		name    string
		records []record
		hs, app string
	}{
		{"client", records(client), rfc8448ClientHS, rfc8448ClientApp},
		{"server", records(server), rfc8448ServerHS, rfc8448ServerApp},
	} {
		_, app := decryptUnits(dir.records, suites[0x1301], dump(t, dir.hs), dump(t, dir.app))
		if !bytes.Equal(app.s.data, payload) {
			t.Errorf("%s's application data = % x, want 00 01 … 31", dir.name, app.s.data)
		}
	}

	// Without the secrets, or with another connection's, nothing opens.
	other := KeyLog{}
	for r, s := range rfc8448Keys(t) {
		r[0] ^= 1
		other[r] = s
	}
	for _, keys := range []KeyLog{{}, other} {
		cu, su := tcpUnits(client, server, keys)
		if got, want := texts(cu)+" / "+texts(su), strings.Join([]string{
			"ClientHello", Encrypted, Encrypted, Encrypted + " / ServerHello", Encrypted, Encrypted, Encrypted, Encrypted,
		}, " | "); got != want {
			t.Errorf("keys of no connection: %s\nwant %s", got, want)
		}
	}
}

// TestKeyLogWrongKeys gives each side the other's secrets: no record
// opens, and each stays Encrypted rather than naming garbage.
func TestKeyLogWrongKeys(t *testing.T) {
	client, _ := rfc8448Streams(t)
	units, app := decryptUnits(records(client), suites[0x1301], dump(t, rfc8448ServerHS), dump(t, rfc8448ServerApp))
	if got, want := texts(units), "ClientHello | "+Encrypted+" | "+Encrypted+" | "+Encrypted; got != want {
		t.Errorf("%s, want %s", got, want)
	}
	if len(app.s.data) != 0 {
		t.Errorf("application data % x from the wrong keys", app.s.data)
	}
}

// TestKeyLogChaCha says why a ChaCha20-Poly1305 connection's records stay
// unread: the standard library does not have it.
func TestKeyLogChaCha(t *testing.T) {
	client, server := rfc8448Streams(t)
	server.data[5+4+2+32+2] = 0x03 // TLS_CHACHA20_POLY1305_SHA256
	_, su := tcpUnits(client, server, rfc8448Keys(t))
	if got := su[1].text; got != Encrypted+"（ChaCha20-Poly1305 は復号しません）" {
		t.Errorf("server's flight: %s", got)
	}
}

func TestParseKeyLogErrors(t *testing.T) {
	for _, bad := range []string{
		"CLIENT_RANDOM 00\n",
		"SERVER_TRAFFIC_SECRET_0 " + strings.Repeat("ab", 32) + "\n",
		"# fine\nSERVER_TRAFFIC_SECRET_0 " + strings.Repeat("ab", 32) + " zz\n",
	} {
		if _, err := ParseKeyLog([]byte(bad)); err == nil || !strings.HasPrefix(err.Error(), "line ") {
			t.Errorf("ParseKeyLog(%q) = %v, want a line's error", bad, err)
		}
	}
}

// TestKeyLogCurl decrypts the TLS 1.3 connection chapter 9 captured (curl
// the client, chapter 9's Go server; testdata/README.md) with the key log
// curl wrote: the server's flight after ServerHello, the client's
// Finished, the request and the response all read.
func TestKeyLogCurl(t *testing.T) {
	d, err := Load(readTestdata, &Spec{Pcap: "tls13.pcap", Keylog: "tls13.keys"})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range d.Rows {
		if r.Summary != "" {
			got = append(got, r.Summary)
		}
	}
	want := []string{"ClientHello", "ServerHello ほか 6 件", "ChangeCipherSpec, Finished", "GET / HTTP/1.1", "HTTP/1.1 200 OK", "Alert close_notify", "Alert close_notify"}
	if strings.Join(got, " | ") != strings.Join(want, " | ") {
		t.Errorf("summaries:\n%s\nwant\n%s", strings.Join(got, " | "), strings.Join(want, " | "))
	}
	// What the server's first segment holds, record by record.
	c, _ := readTestdata("tls13.pcap")
	s, _ := readTestdata("tls13.server.pcap")
	cp, err1 := readPcap(c)
	sp, err2 := readPcap(s)
	if err := errors.Join(err1, err2); err != nil {
		t.Fatal(err)
	}
	conns := pair(flows(cp), flows(sp))
	cl, sv := streams(conns[0])
	k, _ := readTestdata("tls13.keys")
	keys, err := ParseKeyLog(k)
	if err != nil {
		t.Fatal(err)
	}
	_, su := tcpUnits(cl.s, sv.s, keys)
	if got, want := texts(su), "ServerHello | ChangeCipherSpec | EncryptedExtensions | Certificate | CertificateVerify | Finished | NewSessionTicket | HTTP/1.1 200 OK | Alert close_notify"; got != want {
		t.Errorf("server: %s\nwant    %s", got, want)
	}
	// Without keylog= the diagram is as before.
	plain, err := Load(readTestdata, &Spec{Pcap: "tls13.pcap"})
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(plain.Text(), Encrypted); n != 5 {
		t.Errorf("%d encrypted records without the key log, want 5:\n%s", n, plain.Text())
	}
}

// TestKeyLogMissing: a keylog= that names no file says which.
func TestKeyLogMissing(t *testing.T) {
	_, err := Load(readTestdata, &Spec{Pcap: "tls13.pcap", Keylog: "nope.keys"})
	if err == nil || !errors.Is(err, fs.ErrNotExist) || !strings.HasPrefix(err.Error(), "nope.keys: ") {
		t.Errorf("err = %v, want nope.keys: not exist", err)
	}
	_, err = Load(func(p string) ([]byte, error) {
		if p == "bad.keys" {
			return []byte("CLIENT_RANDOM xyz\n"), nil
		}
		return readTestdata(p)
	}, &Spec{Pcap: "tls13.pcap", Keylog: "bad.keys"})
	if err == nil || !strings.HasPrefix(err.Error(), "bad.keys: line 1: ") {
		t.Errorf("err = %v, want bad.keys: line 1: …", err)
	}
}

// seal protects content as a record of inner type typ with p's keys and
// next sequence number (RFC 8446 §5.2), for tests that need records the
// RFC does not give.
func seal(p *protector, typ byte, content []byte) []byte {
	n := len(content) + 1 + p.aead.Overhead()
	h := []byte{23, 3, 3, byte(n >> 8), byte(n)}
	nonce := bytes.Clone(p.iv)
	for i := range 8 {
		nonce[len(nonce)-1-i] ^= byte(p.seq >> (8 * i))
	}
	p.seq++
	return p.aead.Seal(h, nonce, append(bytes.Clone(content), typ), h)
}

// TestKeyLogSplitMessage: a handshake message that spans records is
// named in the record it starts in, "の続き" in one that holds only its
// middle; the keys change after a Finished that ends in a later record.
func TestKeyLogSplitMessage(t *testing.T) {
	s := suites[0x1301]
	hs, app := dump(t, rfc8448ServerHS), dump(t, rfc8448ServerApp)
	w := newProtector(s, hs)
	msg := func(typ byte, n int) []byte {
		return append([]byte{typ, byte(n >> 16), byte(n >> 8), byte(n)}, make([]byte, n)...)
	}
	ee, cert, fin := msg(8, 2), msg(11, 300), msg(20, 32)
	flight := append(append(bytes.Clone(ee), cert...), fin...)
	var data []byte
	for _, part := range [][]byte{flight[:100], flight[100:200], flight[200 : len(flight)-10], flight[len(flight)-10:]} {
		data = append(data, seal(w, 22, part)...)
	}
	w = newProtector(s, app)
	data = append(data, seal(w, 23, []byte("HTTP/1.1 204 No Content\r\n\r\n"))...)
	units, _ := decryptUnits(records(streamOf(data)), s, hs, app)
	if got, want := texts(units), "EncryptedExtensions, Certificate | Certificate の続き | Finished | Finished の続き | ApplicationData"; got != want {
		t.Errorf("%s\nwant %s", got, want)
	}
}

// TestKeyLogKeyUpdate: after a KeyUpdate the records are under the next
// application traffic secret (RFC 8446 §7.2), each from sequence 0.
func TestKeyLogKeyUpdate(t *testing.T) {
	s := suites[0x1301]
	hs, app := dump(t, rfc8448ClientHS), dump(t, rfc8448ClientApp)
	w := newProtector(s, hs)
	data := seal(w, 22, append([]byte{20, 0, 0, 32}, make([]byte, 32)...))
	w = newProtector(s, app)
	data = append(data, seal(w, 23, []byte("GET / HTTP/1.1\r\n\r\n"))...)
	data = append(data, seal(w, 22, []byte{24, 0, 0, 1, 0})...)
	w = newProtector(s, expandLabel(s.hash, app, "traffic upd", 32))
	data = append(data, seal(w, 23, []byte("GET /next HTTP/1.1\r\n\r\n"))...)
	data = append(data, seal(w, 21, []byte{1, 0})...)
	units, plain := decryptUnits(records(streamOf(data)), s, hs, app)
	if got, want := texts(units), "Finished | ApplicationData | KeyUpdate | ApplicationData | Alert close_notify"; got != want {
		t.Errorf("%s\nwant %s", got, want)
	}
	if got := string(plain.s.data); got != "GET / HTTP/1.1\r\n\r\nGET /next HTTP/1.1\r\n\r\n" {
		t.Errorf("application data %q", got)
	}
}
