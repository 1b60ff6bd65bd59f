package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"time"
)

// certValidity は、作る証明書の有効期間です。
const certValidity = 90 * 24 * time.Hour

// caFile、certFile、keyFile は、dir の中の CA の証明書、サーバーの証明書、
// サーバーの秘密鍵のパスを返します。
func caFile(dir string) string   { return filepath.Join(dir, "ca.pem") }
func certFile(dir string) string { return filepath.Join(dir, "cert.pem") }
func keyFile(dir string) string  { return filepath.Join(dir, "key.pem") }

// loadCert は、dir からサーバーの証明書と秘密鍵を読みます。どれかのファイルが
// ないか、証明書の期限が切れていれば、CA とサーバーの証明書を作り直して
// dir に書き、made に true を返します。
func loadCert(dir string) (cert tls.Certificate, made bool, err error) {
	cert, err = tls.LoadX509KeyPair(certFile(dir), keyFile(dir))
	if err == nil {
		_, err = os.Stat(caFile(dir))
	}
	switch {
	case errors.Is(err, os.ErrNotExist):
	case err != nil:
		return cert, false, fmt.Errorf("%v\n%s を消してから起動し直すと、作り直します", err, dir)
	case time.Now().Before(cert.Leaf.NotAfter):
		return cert, false, nil
	}
	cert, err = makeCerts(dir, time.Now())
	return cert, err == nil, err
}

// makeCerts は、CA と、その CA が署名した localhost のサーバーの証明書を作り、
// dir に書きます。CA の秘密鍵は署名に使ったら捨てるので、この CA が
// 署名するのは、このサーバーの証明書だけです。
func makeCerts(dir string, now time.Time) (tls.Certificate, error) {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, err
	}
	ca := &x509.Certificate{
		Subject:               pkix.Name{CommonName: "tcpbook chapter 9 local CA"},
		NotBefore:             now.Add(-time.Hour), // 時計が少しずれていても使えるように
		NotAfter:              now.Add(certValidity),
		IsCA:                  true,
		BasicConstraintsValid: true,
		MaxPathLenZero:        true, // この CA の下に、別の CA は作れない
		KeyUsage:              x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, ca, ca, &caKey.PublicKey, caKey)
	if err != nil {
		return tls.Certificate{}, err
	}
	if ca, err = x509.ParseCertificate(caDER); err != nil {
		return tls.Certificate{}, err
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, err
	}
	leaf := &x509.Certificate{
		Subject:     pkix.Name{CommonName: "localhost"},
		DNSNames:    []string{"localhost"},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		NotBefore:   now.Add(-time.Hour),
		NotAfter:    now.Add(certValidity),
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	leafDER, err := x509.CreateCertificate(rand.Reader, leaf, ca, &key.PublicKey, caKey)
	if err != nil {
		return tls.Certificate{}, err
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return tls.Certificate{}, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return tls.Certificate{}, err
	}
	// 古い証明書を消し、新しい証明書は最後に書く。途中で止まっても、
	// 証明書がないので、次に起動したとき作り直す
	if err := os.Remove(certFile(dir)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return tls.Certificate{}, err
	}
	for _, f := range []struct {
		path, kind string
		der        []byte
		perm       os.FileMode
	}{
		{caFile(dir), "CERTIFICATE", caDER, 0o644},
		{keyFile(dir), "PRIVATE KEY", keyDER, 0o600}, // 秘密鍵は自分だけが読める
		{certFile(dir), "CERTIFICATE", leafDER, 0o644},
	} {
		data := pem.EncodeToMemory(&pem.Block{Type: f.kind, Bytes: f.der})
		if err := os.WriteFile(f.path, data, f.perm); err != nil {
			return tls.Certificate{}, err
		}
	}
	return tls.LoadX509KeyPair(certFile(dir), keyFile(dir))
}
