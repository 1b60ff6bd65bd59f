// A fuzz test of the HTTP/2 connection (not part of the book's text):
// after the preface, any bytes. The server must not panic, must not hang
// once the client closes, and must leave no handler behind.
package main

import (
	"bytes"
	"io"
	"net"
	"testing"
	"time"

	"golang.org/x/net/http2/hpack"

	"tcpbook/chapters/10/frame"
)

func FuzzH2(f *testing.F) {
	var enc bytes.Buffer
	e := hpack.NewEncoder(&enc)
	for _, hf := range []hpack.HeaderField{{Name: ":method", Value: "POST"}, {Name: ":scheme", Value: "http"},
		{Name: ":path", Value: "/"}, {Name: ":authority", Value: "x"}, {Name: "content-length", Value: "3"}} {
		e.WriteField(hf)
	}
	block := enc.Bytes()
	seed := func(fs ...frame.Frame) []byte {
		var b bytes.Buffer
		frame.Write(&b, frame.Settings{}.Frame())
		for _, fr := range fs {
			frame.Write(&b, fr)
		}
		return b.Bytes()
	}
	f.Add(seed(frame.Headers{StreamID: 1, EndHeaders: true, Block: block}.Frame(),
		frame.Data{StreamID: 1, EndStream: true, Data: []byte("abc")}.Frame()))
	f.Add(seed(frame.Headers{StreamID: 1, Block: block[:3]}.Frame(),
		frame.Continuation{StreamID: 1, EndHeaders: true, Block: block[3:]}.Frame(),
		frame.RSTStream{StreamID: 1, Code: frame.ErrCodeCancel}.Frame()))
	f.Add(seed(frame.Settings{Params: []frame.Setting{{ID: frame.SettingInitialWindowSize, Value: 0}}}.Frame(),
		frame.Headers{StreamID: 1, EndHeaders: true, Block: block}.Frame(),
		frame.Data{StreamID: 1, EndStream: true, Data: []byte("abc")}.Frame(),
		frame.WindowUpdate{StreamID: 1, Increment: 5}.Frame(),
		frame.Ping{Data: [8]byte{1}}.Frame(), frame.GoAway{}.Frame()))
	f.Fuzz(func(t *testing.T, in []byte) {
		client, srv := net.Pipe()
		s := &server{conns: map[net.Conn]bool{}}
		s.add(srv)
		done := make(chan struct{})
		go func() {
			handle(srv, s)
			close(done)
		}()
		go io.Copy(io.Discard, client)
		client.SetWriteDeadline(time.Now().Add(2 * time.Second))
		client.Write(append([]byte(frame.ClientPreface), in...))
		client.Close()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatal("the server did not return 10 s after the client closed")
		}
	})
}
