// Tests of RFC 9113's size and stream-id rules, one table per section:
// each raw frame is read with Read and parsed with its type's Parse, and the
// error must be a connection error or a stream error with the code the
// section names.
package frame

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
)

// want is the outcome of reading a frame: ok, or an error of a kind and code.
type want struct {
	kind string // "", "conn" or "stream"
	code ErrCode
}

var (
	ok = want{}
)

func conn(c ErrCode) want   { return want{"conn", c} }
func stream(c ErrCode) want { return want{"stream", c} }

type rule struct {
	name  string
	frame Frame
	want  want
}

func raw(t Type, flags Flags, id uint32, payload ...byte) Frame {
	return Frame{Header: Header{Length: uint32(len(payload)), Type: t, Flags: flags, StreamID: id}, Payload: payload}
}

func checkRules(t *testing.T, rules []rule) {
	t.Helper()
	for _, r := range rules {
		t.Run(r.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := Write(&buf, r.frame); err != nil {
				t.Fatal(err)
			}
			f, err := Read(&buf, DefaultMaxFrameSize)
			if err == nil && int(f.Type) < len(typeNames) {
				_, err = parseAny(f)
			}
			got := ok
			if ce, isConn := IsConnError(err); isConn {
				got = conn(ce.Code)
			} else if se, isStream := IsStreamError(err); isStream {
				got = stream(se.Code)
				if se.StreamID != r.frame.StreamID {
					t.Errorf("stream error on stream %d, want %d", se.StreamID, r.frame.StreamID)
				}
			} else if err != nil {
				t.Fatalf("error %v is neither a connection nor a stream error", err)
			}
			if got != r.want {
				t.Errorf("%v: got %+v (%v), want %+v", r.frame, got, err, r.want)
			}
		})
	}
}

func parseAny(f Frame) (any, error) {
	switch f.Type {
	case TypeData:
		return ParseData(f)
	case TypeHeaders:
		return ParseHeaders(f)
	case TypePriority:
		return ParsePriority(f)
	case TypeRSTStream:
		return ParseRSTStream(f)
	case TypeSettings:
		return ParseSettings(f)
	case TypePushPromise:
		return ParsePushPromise(f)
	case TypePing:
		return ParsePing(f)
	case TypeGoAway:
		return ParseGoAway(f)
	case TypeWindowUpdate:
		return ParseWindowUpdate(f)
	case TypeContinuation:
		return ParseContinuation(f)
	}
	return nil, nil
}

// §4.1: the R bit is ignored; unknown types and unknown flags are not errors.
func TestSection4_1(t *testing.T) {
	var buf bytes.Buffer
	buf.Write([]byte{0, 0, 0, byte(TypePing), 0, 0x80, 0, 0, 0})
	h, err := ReadHeader(&buf)
	if err != nil || h.StreamID != 0 {
		t.Errorf("R bit: got %+v, %v; want stream 0", h, err)
	}
	checkRules(t, []rule{
		{"unknown type", raw(0xfa, 0xff, 1, 1, 2, 3), ok},
		{"unknown flag on PING", raw(TypePing, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0), ok},
	})
}

// §4.2: a frame longer than SETTINGS_MAX_FRAME_SIZE is a FRAME_SIZE_ERROR;
// Read returns it before reading the payload.
func TestSection4_2(t *testing.T) {
	checkRules(t, []rule{
		{"DATA of 2^14", raw(TypeData, 0, 1, make([]byte, DefaultMaxFrameSize)...), ok},
		{"DATA of 2^14+1", raw(TypeData, 0, 1, make([]byte, DefaultMaxFrameSize+1)...), conn(ErrCodeFrameSize)},
		{"HEADERS of 2^14+1", raw(TypeHeaders, FlagEndHeaders, 1, make([]byte, DefaultMaxFrameSize+1)...), conn(ErrCodeFrameSize)},
	})
	// The payload of a frame that is too long is not read (nor allocated).
	r := &countingReader{r: strings.NewReader("\xff\xff\xff\x00\x00\x00\x00\x00\x01" + strings.Repeat("x", 100))}
	if _, err := Read(r, DefaultMaxFrameSize); err == nil {
		t.Fatal("a 2^24-1 frame was read with a 2^14 limit")
	}
	if r.n != HeaderLen {
		t.Errorf("read %d bytes, want only the %d of the header", r.n, HeaderLen)
	}
	if err := Write(io.Discard, raw(TypeData, 0, 1, make([]byte, MaxFrameSizeLimit+1)...)); err == nil {
		t.Error("Write took a payload longer than 2^24-1")
	}
}

type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

// A frame cut short after its header is io.ErrUnexpectedEOF, not io.EOF
// (which means the peer closed between frames).
func TestTruncated(t *testing.T) {
	if _, err := Read(strings.NewReader(""), DefaultMaxFrameSize); err != io.EOF {
		t.Errorf("empty: %v, want EOF", err)
	}
	if _, err := Read(strings.NewReader("\x00\x00\x08\x06\x00\x00\x00\x00\x00abc"), DefaultMaxFrameSize); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("cut payload: %v, want ErrUnexpectedEOF", err)
	}
	if _, err := Read(strings.NewReader("\x00\x00"), DefaultMaxFrameSize); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("cut header: %v, want ErrUnexpectedEOF", err)
	}
}

// §6.1 DATA.
func TestSection6_1(t *testing.T) {
	checkRules(t, []rule{
		{"ok", raw(TypeData, FlagEndStream, 1, 'x'), ok},
		{"stream 0", raw(TypeData, 0, 0, 'x'), conn(ErrCodeProtocol)},
		{"padded, pad fits", raw(TypeData, FlagPadded, 1, 2, 'x', 0, 0), ok},
		{"padded, pad fills all", raw(TypeData, FlagPadded, 1, 3, 0, 0, 0), ok},
		{"padded, pad too long", raw(TypeData, FlagPadded, 1, 4, 0, 0, 0), conn(ErrCodeProtocol)},
		{"padded, empty", raw(TypeData, FlagPadded, 1), conn(ErrCodeFrameSize)},
	})
}

// §6.2 HEADERS (and §5.3.1: a stream cannot depend on itself).
func TestSection6_2(t *testing.T) {
	checkRules(t, []rule{
		{"ok", raw(TypeHeaders, FlagEndHeaders, 1, 0x82), ok},
		{"stream 0", raw(TypeHeaders, FlagEndHeaders, 0, 0x82), conn(ErrCodeProtocol)},
		{"pad too long", raw(TypeHeaders, FlagEndHeaders|FlagPadded, 1, 2, 0x82), conn(ErrCodeProtocol)},
		{"priority, pad too long", raw(TypeHeaders, FlagPadded|FlagPriority, 1, 1, 0, 0, 0, 0, 0), conn(ErrCodeProtocol)},
		{"priority short", raw(TypeHeaders, FlagPriority, 1, 0, 0, 0), conn(ErrCodeFrameSize)},
		{"priority ok", raw(TypeHeaders, FlagPriority, 3, 0, 0, 0, 1, 15, 0x82), ok},
		{"depends on itself", raw(TypeHeaders, FlagPriority, 3, 0, 0, 0, 3, 15, 0x82), stream(ErrCodeProtocol)},
	})
	// Even with a stream error, the block is returned for HPACK to decode.
	h, err := ParseHeaders(raw(TypeHeaders, FlagPriority|FlagEndHeaders, 3, 0x80, 0, 0, 3, 15, 0x82))
	if err == nil || !bytes.Equal(h.Block, []byte{0x82}) || !h.Priority.Exclusive {
		t.Errorf("got %+v, %v; want the block 82 with the stream error", h, err)
	}
}

// §6.3 PRIORITY.
func TestSection6_3(t *testing.T) {
	checkRules(t, []rule{
		{"ok", raw(TypePriority, 0, 3, 0, 0, 0, 1, 15), ok},
		{"stream 0", raw(TypePriority, 0, 0, 0, 0, 0, 1, 15), conn(ErrCodeProtocol)},
		{"length 4", raw(TypePriority, 0, 3, 0, 0, 0, 1), stream(ErrCodeFrameSize)},
		{"length 6", raw(TypePriority, 0, 3, 0, 0, 0, 1, 15, 0), stream(ErrCodeFrameSize)},
		{"depends on itself", raw(TypePriority, 0, 3, 0, 0, 0, 3, 15), stream(ErrCodeProtocol)},
	})
}

// §6.4 RST_STREAM.
func TestSection6_4(t *testing.T) {
	checkRules(t, []rule{
		{"ok", raw(TypeRSTStream, 0, 1, 0, 0, 0, 8), ok},
		{"stream 0", raw(TypeRSTStream, 0, 0, 0, 0, 0, 8), conn(ErrCodeProtocol)},
		{"length 3", raw(TypeRSTStream, 0, 1, 0, 0, 8), conn(ErrCodeFrameSize)},
		{"length 5", raw(TypeRSTStream, 0, 1, 0, 0, 0, 8, 0), conn(ErrCodeFrameSize)},
	})
}

// §6.5 SETTINGS and §6.5.2's value ranges.
func TestSection6_5(t *testing.T) {
	s := func(id SettingID, v uint32) Frame { return Settings{Params: []Setting{{id, v}}}.Frame() }
	checkRules(t, []rule{
		{"empty", raw(TypeSettings, 0, 0), ok},
		{"ack", raw(TypeSettings, FlagAck, 0), ok},
		{"stream 1", raw(TypeSettings, 0, 1), conn(ErrCodeProtocol)},
		{"ack with payload", raw(TypeSettings, FlagAck, 0, 0, 1, 0, 0, 0, 0), conn(ErrCodeFrameSize)},
		{"length 5", raw(TypeSettings, 0, 0, 0, 1, 0, 0, 0), conn(ErrCodeFrameSize)},
		{"unknown id", s(0xabcd, 7), ok},
		{"ENABLE_PUSH 1", s(SettingEnablePush, 1), ok},
		{"ENABLE_PUSH 2", s(SettingEnablePush, 2), conn(ErrCodeProtocol)},
		{"INITIAL_WINDOW_SIZE 2^31-1", s(SettingInitialWindowSize, 1<<31-1), ok},
		{"INITIAL_WINDOW_SIZE 2^31", s(SettingInitialWindowSize, 1<<31), conn(ErrCodeFlowControl)},
		{"MAX_FRAME_SIZE 2^14-1", s(SettingMaxFrameSize, 1<<14-1), conn(ErrCodeProtocol)},
		{"MAX_FRAME_SIZE 2^14", s(SettingMaxFrameSize, 1<<14), ok},
		{"MAX_FRAME_SIZE 2^24-1", s(SettingMaxFrameSize, 1<<24-1), ok},
		{"MAX_FRAME_SIZE 2^24", s(SettingMaxFrameSize, 1<<24), conn(ErrCodeProtocol)},
		{"ENABLE_CONNECT_PROTOCOL 2", s(SettingEnableConnectProtocol, 2), conn(ErrCodeProtocol)},
	})
}

// §6.6 PUSH_PROMISE.
func TestSection6_6(t *testing.T) {
	checkRules(t, []rule{
		{"ok", raw(TypePushPromise, FlagEndHeaders, 1, 0, 0, 0, 2, 0x82), ok},
		{"stream 0", raw(TypePushPromise, FlagEndHeaders, 0, 0, 0, 0, 2), conn(ErrCodeProtocol)},
		{"short", raw(TypePushPromise, FlagEndHeaders, 1, 0, 0, 2), conn(ErrCodeFrameSize)},
		{"pad too long", raw(TypePushPromise, FlagPadded, 1, 1, 0, 0, 0, 2), conn(ErrCodeProtocol)},
	})
}

// §6.7 PING.
func TestSection6_7(t *testing.T) {
	checkRules(t, []rule{
		{"ok", raw(TypePing, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8), ok},
		{"stream 1", raw(TypePing, 0, 1, 1, 2, 3, 4, 5, 6, 7, 8), conn(ErrCodeProtocol)},
		{"length 7", raw(TypePing, 0, 0, 1, 2, 3, 4, 5, 6, 7), conn(ErrCodeFrameSize)},
		{"length 9", raw(TypePing, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9), conn(ErrCodeFrameSize)},
	})
}

// §6.8 GOAWAY.
func TestSection6_8(t *testing.T) {
	checkRules(t, []rule{
		{"ok", raw(TypeGoAway, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0), ok},
		{"with debug data", raw(TypeGoAway, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 'x'), ok},
		{"stream 1", raw(TypeGoAway, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0), conn(ErrCodeProtocol)},
		{"length 7", raw(TypeGoAway, 0, 0, 0, 0, 0, 1, 0, 0, 0), conn(ErrCodeFrameSize)},
	})
}

// §6.9 WINDOW_UPDATE.
func TestSection6_9(t *testing.T) {
	checkRules(t, []rule{
		{"ok", raw(TypeWindowUpdate, 0, 1, 0, 0, 0, 1), ok},
		{"connection ok", raw(TypeWindowUpdate, 0, 0, 0x7f, 0xff, 0xff, 0xff), ok},
		{"increment 0 on a stream", raw(TypeWindowUpdate, 0, 1, 0, 0, 0, 0), stream(ErrCodeProtocol)},
		{"increment 0 on the connection", raw(TypeWindowUpdate, 0, 0, 0, 0, 0, 0), conn(ErrCodeProtocol)},
		{"R bit only is 0", raw(TypeWindowUpdate, 0, 1, 0x80, 0, 0, 0), stream(ErrCodeProtocol)},
		{"length 3", raw(TypeWindowUpdate, 0, 1, 0, 0, 1), conn(ErrCodeFrameSize)},
		{"length 5", raw(TypeWindowUpdate, 0, 0, 0, 0, 0, 1, 0), conn(ErrCodeFrameSize)},
	})
}

// §6.10 CONTINUATION.
func TestSection6_10(t *testing.T) {
	checkRules(t, []rule{
		{"ok", raw(TypeContinuation, FlagEndHeaders, 1, 0x82), ok},
		{"stream 0", raw(TypeContinuation, FlagEndHeaders, 0, 0x82), conn(ErrCodeProtocol)},
	})
}

// String prints a frame in one line, as the client's trace shows it.
func TestString(t *testing.T) {
	for _, c := range []struct {
		f    Frame
		want string
	}{
		{Headers{StreamID: 1, EndStream: true, EndHeaders: true, Block: make([]byte, 14)}.Frame(),
			"HEADERS stream=1 flags=END_STREAM|END_HEADERS len=14"},
		{Data{StreamID: 3, Data: []byte("abc")}.Frame(), "DATA stream=3 len=3"},
		{Settings{Ack: true}.Frame(), "SETTINGS stream=0 flags=ACK len=0"},
		{Settings{Params: []Setting{{SettingMaxConcurrentStreams, 100}, {SettingInitialWindowSize, 65535}}}.Frame(),
			"SETTINGS stream=0 len=12 MAX_CONCURRENT_STREAMS=100 INITIAL_WINDOW_SIZE=65535"},
		{WindowUpdate{Increment: 983041}.Frame(), "WINDOW_UPDATE stream=0 len=4 increment=983041"},
		{RSTStream{StreamID: 5, Code: ErrCodeRefusedStream}.Frame(), "RST_STREAM stream=5 len=4 code=REFUSED_STREAM"},
		{GoAway{LastStreamID: 7, Code: ErrCodeProtocol, Debug: []byte("bad")}.Frame(),
			`GOAWAY stream=0 len=11 last_stream=7 code=PROTOCOL_ERROR debug="bad"`},
		{Ping{Ack: true, Data: [8]byte{1}}.Frame(), "PING stream=0 flags=ACK len=8 data=0100000000000000"},
		{raw(TypeData, 0x40|FlagEndStream, 1), "DATA stream=1 flags=END_STREAM|0x40 len=0"},
		{raw(0x20, 0, 0), "UNKNOWN_0x20 stream=0 len=0"},
	} {
		if got := c.f.String(); got != c.want {
			t.Errorf("got  %s\nwant %s", got, c.want)
		}
	}
}
