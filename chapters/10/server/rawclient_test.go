// A client of raw frames for the server's tests (not part of the book's
// text): it writes frames built with package frame and reads the server's
// with it, so a test says exactly what goes on the wire, and does not
// share the server's reading code.
package main

import (
	"bytes"
	"net"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/http2/hpack"

	"tcpbook/chapters/10/frame"
)

type rawClient struct {
	conn   net.Conn
	enc    *hpack.Encoder
	encBuf bytes.Buffer
	dec    *hpack.Decoder
	frames chan frame.Frame // the server's frames; closed when it closes
	t      *testing.T
	// streams holds what came on each stream, from every frame until
	// has read (so answers that come interleaved are all kept, and their
	// HEADERS decoded in the order they came, as HPACK's state needs).
	streams map[uint32]*rawStream
}

// rawStream is what came on one stream: its response so far.
type rawStream struct {
	resp rawResponse
	body strings.Builder
	done bool  // END_STREAM or RST_STREAM came
	err  error // the HEADERS did not decode
}

// dialRaw connects to addr, sends the preface and SETTINGS, and reads the
// server's frames into c.frames.
func dialRaw(t *testing.T, addr string, settings ...frame.Setting) *rawClient {
	c := dialRawQuiet(t, addr, settings...)
	c.startReading()
	return c
}

// dialRawQuiet is dialRaw without the reading: the server's frames wait
// in the socket until startReading.
func dialRawQuiet(t *testing.T, addr string, settings ...frame.Setting) *rawClient {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	c := &rawClient{conn: conn, dec: hpack.NewDecoder(4096, nil), frames: make(chan frame.Frame, 1<<16), t: t, streams: map[uint32]*rawStream{}}
	c.enc = hpack.NewEncoder(&c.encBuf)
	if _, err := conn.Write([]byte(frame.ClientPreface)); err != nil {
		t.Fatal(err)
	}
	c.write(frame.Settings{Params: settings}.Frame())
	return c
}

func (c *rawClient) startReading() {
	go func() {
		defer close(c.frames)
		for {
			f, err := frame.Read(c.conn, frame.MaxFrameSizeLimit)
			if err != nil {
				return
			}
			c.frames <- f
		}
	}()
}

// write writes frames; an error (the server closed) is the caller's to
// notice by reading.
func (c *rawClient) write(fs ...frame.Frame) error {
	c.conn.SetWriteDeadline(time.Now().Add(10 * time.Second))
	var b bytes.Buffer
	for _, f := range fs {
		frame.Write(&b, f)
	}
	_, err := c.conn.Write(b.Bytes())
	return err
}

// block encodes a request's fields with the client's HPACK context.
func (c *rawClient) block(method, path string, extra ...hpack.HeaderField) []byte {
	c.encBuf.Reset()
	for _, f := range append([]hpack.HeaderField{
		{Name: ":method", Value: method}, {Name: ":scheme", Value: "http"},
		{Name: ":path", Value: path}, {Name: ":authority", Value: "localhost"},
	}, extra...) {
		c.enc.WriteField(f)
	}
	return bytes.Clone(c.encBuf.Bytes())
}

// request opens stream id with a request in one HEADERS frame.
func (c *rawClient) request(id uint32, method, path string, endStream bool, extra ...hpack.HeaderField) error {
	return c.write(frame.Headers{StreamID: id, EndStream: endStream, EndHeaders: true, Block: c.block(method, path, extra...)}.Frame())
}

// until returns the first frame that ok accepts, failing the test if the
// connection closes or 15 s pass first. Every frame it reads on a stream
// is kept for response, ok's or not.
func (c *rawClient) until(t *testing.T, ok func(frame.Frame) bool) frame.Frame {
	t.Helper()
	timeout := time.After(15 * time.Second)
	for {
		select {
		case f, open := <-c.frames:
			if !open {
				t.Fatal("the server closed the connection")
			}
			c.keep(f)
			if ok(f) {
				return f
			}
		case <-timeout:
			t.Fatal("no such frame in 15 s")
		}
	}
}

// closed waits for the server to close the connection.
func (c *rawClient) closed(t *testing.T) {
	t.Helper()
	timeout := time.After(15 * time.Second)
	for {
		select {
		case _, open := <-c.frames:
			if !open {
				return
			}
		case <-timeout:
			t.Fatal("the server did not close the connection in 15 s")
		}
	}
}

type rawResponse struct{ status, body string }

// keep adds a frame on a stream to what came on it: HEADERS decoded (in
// the order they came), DATA to the body, RST_STREAM as the status.
func (c *rawClient) keep(f frame.Frame) {
	if f.StreamID == 0 {
		return
	}
	st := c.streams[f.StreamID]
	if st == nil {
		st = &rawStream{}
		c.streams[f.StreamID] = st
	}
	switch f.Type {
	case frame.TypeHeaders:
		h, _ := frame.ParseHeaders(f)
		fields, err := c.dec.DecodeFull(h.Block)
		if err != nil {
			st.err, st.done = err, true
			return
		}
		for _, hf := range fields {
			if hf.Name == ":status" {
				st.resp.status = hf.Value
			}
		}
		st.done = st.done || h.EndStream
	case frame.TypeData:
		d, _ := frame.ParseData(f)
		st.body.Write(d.Data)
		st.done = st.done || d.EndStream
	case frame.TypeRSTStream:
		rst, _ := frame.ParseRSTStream(f)
		st.resp.status = "RST_STREAM " + rst.Code.String()
		st.done = true
	}
}

// response reads the response on stream id: its :status and body. The
// other streams' frames that come first are kept for their own response.
func (c *rawClient) response(t *testing.T, id uint32) rawResponse {
	t.Helper()
	done := func() bool { st := c.streams[id]; return st != nil && st.done }
	if !done() {
		c.until(t, func(frame.Frame) bool { return done() })
	}
	st := c.streams[id]
	if st.err != nil {
		t.Fatalf("stream %d: HEADERS: %v", id, st.err)
	}
	r := st.resp
	r.body = st.body.String()
	return r
}

// sync sends a PING and waits for its ACK: the server reads frames in
// order, so it has handled every frame written before.
func (c *rawClient) sync(t *testing.T) {
	t.Helper()
	data := [8]byte{'s', 'y', 'n', 'c'}
	c.write(frame.Ping{Data: data}.Frame())
	c.until(t, func(f frame.Frame) bool {
		p, err := frame.ParsePing(f)
		return f.Type == frame.TypePing && err == nil && p.Ack && p.Data == data
	})
}
