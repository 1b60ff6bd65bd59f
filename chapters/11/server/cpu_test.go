//go:build linux

// A benchmark for chapter 11's measurements (not part of the book's text):
// where HTTP/3 does not win. The same handler answers GET / over loopback
// on one kept connection, as HTTP/3 (this chapter's server, QUIC in
// quic-go, in user space, over UDP) and as HTTP/2 over TLS 1.3 and TCP
// (net/http's server and client, TCP in the kernel). Besides ns/op it
// reports the process's CPU time per request (client and server together,
// user and system, from getrusage), and for HTTP/3 the UDP datagrams per
// request both ways:
//
//	go test ./chapters/11/server -run '^$' -bench CPU -count 10
package main

import (
	"context"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/quic-go/quic-go"
	"github.com/quic-go/quic-go/http3"
)

func BenchmarkCPU(b *testing.B) {
	b.Run("h3", benchH3)
	b.Run("h2-tls-tcp", benchH2)
}

// cpuTime is the process's CPU time so far, user and system.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// quiet sends the server's log lines to /dev/null until the returned
// function is called, so that they do not break the benchmark's lines.
func quiet(b *testing.B) func() {
	null, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		b.Fatal(err)
	}
	stdout := os.Stdout
	os.Stdout = null
	return func() {
		os.Stdout = stdout
		null.Close()
	}
}

// fetch runs b.N GETs of / with get and reports the CPU time per request.
func fetch(b *testing.B, get func() error) {
	if err := get(); err != nil { // the connection, made before the clock starts
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	start := cpuTime(b)
	for b.Loop() {
		if err := get(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64((cpuTime(b)-start).Microseconds())/float64(b.N), "cpu-µs/req")
}

func benchH3(b *testing.B) {
	defer quiet(b)()
	cert, roots := testCerts(b)
	udp, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer udp.Close()
	srv, err := listen(udp, cert)
	if err != nil {
		b.Fatal(err)
	}
	go srv.ServeListener(srv.ln)
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := quic.DialAddr(ctx, udp.LocalAddr().String(),
		&tls.Config{RootCAs: roots, ServerName: "localhost", NextProtos: []string{http3.NextProtoH3}}, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.CloseWithError(0, "")
	cc := (&http3.Transport{}).NewClientConn(conn)
	u := "https://localhost/"
	stats := conn.ConnectionStats()
	fetch(b, func() error { return roundTrip(cc, u) })
	after := conn.ConnectionStats()
	b.ReportMetric(float64(after.PacketsSent+after.PacketsReceived-stats.PacketsSent-stats.PacketsReceived)/float64(b.N), "datagrams/req")
}

func benchH2(b *testing.B) {
	defer quiet(b)()
	cert, roots := testCerts(b)
	ts := httptest.NewUnstartedServer(http.HandlerFunc(handler))
	ts.TLS = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS13}
	ts.EnableHTTP2 = true
	ts.StartTLS()
	defer ts.Close()
	tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots, ServerName: "localhost"}, ForceAttemptHTTP2: true}
	defer tr.CloseIdleConnections()
	u := ts.URL + "/"
	resp, err := tr.RoundTrip(httptest.NewRequest(http.MethodGet, u, nil))
	if err != nil {
		b.Fatal(err)
	}
	resp.Body.Close()
	if resp.ProtoMajor != 2 {
		b.Fatalf("%s, want HTTP/2", resp.Proto)
	}
	fetch(b, func() error { return roundTrip(tr, u) })
}

// roundTrip sends GET u with rt and reads the response.
func roundTrip(rt http.RoundTripper, u string) error {
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	resp, err := rt.RoundTrip(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, err = io.Copy(io.Discard, resp.Body)
	return err
}
