// Tests that check this package against golang.org/x/net/http2's Framer,
// both ways: frames built here are read by the Framer with the same fields,
// and frames the Framer writes are read here with the same fields.
package frame

import (
	"bytes"
	"reflect"
	"testing"

	"golang.org/x/net/http2"
)

// oracleCases are frames with every flag and optional field of each type.
var oracleCases = []struct {
	name  string
	frame Frame                               // built by this package
	write func(fr *http2.Framer) error        // the same frame, written by x/net
	check func(t *testing.T, got http2.Frame) // fields as x/net reads them
}{
	{
		name:  "DATA",
		frame: Data{StreamID: 1, EndStream: true, Data: []byte("hello")}.Frame(),
		write: func(fr *http2.Framer) error { return fr.WriteData(1, true, []byte("hello")) },
		check: func(t *testing.T, got http2.Frame) {
			d := got.(*http2.DataFrame)
			eq(t, d.StreamEnded(), true)
			eq(t, string(d.Data()), "hello")
		},
	},
	{
		name:  "DATA padded",
		frame: Data{StreamID: 3, Padded: true, PadLength: 7, Data: []byte("abc")}.Frame(),
		write: func(fr *http2.Framer) error { return fr.WriteDataPadded(3, false, []byte("abc"), make([]byte, 7)) },
		check: func(t *testing.T, got http2.Frame) {
			d := got.(*http2.DataFrame)
			eq(t, d.StreamEnded(), false)
			eq(t, string(d.Data()), "abc")
			eq(t, d.Length, uint32(1+3+7))
		},
	},
	{
		name: "HEADERS padded with priority",
		frame: Headers{StreamID: 5, EndStream: true, EndHeaders: true, Padded: true, PadLength: 4,
			HasPriority: true, Priority: PriorityParam{StreamDep: 3, Exclusive: true, Weight: 200},
			Block: []byte{0x82, 0x86, 0x84}}.Frame(),
		write: func(fr *http2.Framer) error {
			return fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 5, BlockFragment: []byte{0x82, 0x86, 0x84},
				EndStream: true, EndHeaders: true, PadLength: 4,
				Priority: http2.PriorityParam{StreamDep: 3, Exclusive: true, Weight: 200}})
		},
		check: func(t *testing.T, got http2.Frame) {
			h := got.(*http2.HeadersFrame)
			eq(t, h.StreamEnded(), true)
			eq(t, h.HeadersEnded(), true)
			eq(t, h.HasPriority(), true)
			eq(t, h.Priority, http2.PriorityParam{StreamDep: 3, Exclusive: true, Weight: 200})
			eq(t, h.HeaderBlockFragment(), []byte{0x82, 0x86, 0x84})
		},
	},
	{
		name:  "HEADERS without END_HEADERS",
		frame: Headers{StreamID: 7, Block: []byte{0x82}}.Frame(),
		write: func(fr *http2.Framer) error {
			return fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 7, BlockFragment: []byte{0x82}})
		},
		check: func(t *testing.T, got http2.Frame) {
			h := got.(*http2.HeadersFrame)
			eq(t, h.HeadersEnded(), false)
			eq(t, h.HeaderBlockFragment(), []byte{0x82})
		},
	},
	{
		name:  "PRIORITY",
		frame: Priority{StreamID: 9, PriorityParam: PriorityParam{StreamDep: 1, Weight: 15}}.Frame(),
		write: func(fr *http2.Framer) error {
			return fr.WritePriority(9, http2.PriorityParam{StreamDep: 1, Weight: 15})
		},
		check: func(t *testing.T, got http2.Frame) {
			eq(t, got.(*http2.PriorityFrame).PriorityParam, http2.PriorityParam{StreamDep: 1, Weight: 15})
		},
	},
	{
		name:  "RST_STREAM",
		frame: RSTStream{StreamID: 1, Code: ErrCodeCancel}.Frame(),
		write: func(fr *http2.Framer) error { return fr.WriteRSTStream(1, http2.ErrCodeCancel) },
		check: func(t *testing.T, got http2.Frame) {
			eq(t, got.(*http2.RSTStreamFrame).ErrCode, http2.ErrCodeCancel)
		},
	},
	{
		name: "SETTINGS",
		frame: Settings{Params: []Setting{{SettingMaxConcurrentStreams, 100}, {SettingInitialWindowSize, 1 << 20},
			{SettingMaxHeaderListSize, 16 << 10}}}.Frame(),
		write: func(fr *http2.Framer) error {
			return fr.WriteSettings(http2.Setting{ID: http2.SettingMaxConcurrentStreams, Val: 100},
				http2.Setting{ID: http2.SettingInitialWindowSize, Val: 1 << 20},
				http2.Setting{ID: http2.SettingMaxHeaderListSize, Val: 16 << 10})
		},
		check: func(t *testing.T, got http2.Frame) {
			s := got.(*http2.SettingsFrame)
			eq(t, s.IsAck(), false)
			var all []http2.Setting
			s.ForeachSetting(func(st http2.Setting) error { all = append(all, st); return nil })
			eq(t, all, []http2.Setting{{ID: http2.SettingMaxConcurrentStreams, Val: 100},
				{ID: http2.SettingInitialWindowSize, Val: 1 << 20}, {ID: http2.SettingMaxHeaderListSize, Val: 16 << 10}})
		},
	},
	{
		name:  "SETTINGS ACK",
		frame: Settings{Ack: true}.Frame(),
		write: func(fr *http2.Framer) error { return fr.WriteSettingsAck() },
		check: func(t *testing.T, got http2.Frame) { eq(t, got.(*http2.SettingsFrame).IsAck(), true) },
	},
	{
		name:  "PUSH_PROMISE padded",
		frame: PushPromise{StreamID: 1, EndHeaders: true, Padded: true, PadLength: 2, PromisedID: 2, Block: []byte{0x82}}.Frame(),
		write: func(fr *http2.Framer) error {
			return fr.WritePushPromise(http2.PushPromiseParam{StreamID: 1, PromiseID: 2, BlockFragment: []byte{0x82},
				EndHeaders: true, PadLength: 2})
		},
		check: func(t *testing.T, got http2.Frame) {
			p := got.(*http2.PushPromiseFrame)
			eq(t, p.PromiseID, uint32(2))
			eq(t, p.HeadersEnded(), true)
			eq(t, p.HeaderBlockFragment(), []byte{0x82})
		},
	},
	{
		name:  "PING ACK",
		frame: Ping{Ack: true, Data: [8]byte{1, 2, 3, 4, 5, 6, 7, 8}}.Frame(),
		write: func(fr *http2.Framer) error { return fr.WritePing(true, [8]byte{1, 2, 3, 4, 5, 6, 7, 8}) },
		check: func(t *testing.T, got http2.Frame) {
			p := got.(*http2.PingFrame)
			eq(t, p.IsAck(), true)
			eq(t, p.Data, [8]byte{1, 2, 3, 4, 5, 6, 7, 8})
		},
	},
	{
		name:  "GOAWAY",
		frame: GoAway{LastStreamID: 41, Code: ErrCodeEnhanceYourCalm, Debug: []byte("too many resets")}.Frame(),
		write: func(fr *http2.Framer) error {
			return fr.WriteGoAway(41, http2.ErrCodeEnhanceYourCalm, []byte("too many resets"))
		},
		check: func(t *testing.T, got http2.Frame) {
			g := got.(*http2.GoAwayFrame)
			eq(t, g.LastStreamID, uint32(41))
			eq(t, g.ErrCode, http2.ErrCodeEnhanceYourCalm)
			eq(t, string(g.DebugData()), "too many resets")
		},
	},
	{
		name:  "WINDOW_UPDATE",
		frame: WindowUpdate{StreamID: 0, Increment: 1<<31 - 1}.Frame(),
		write: func(fr *http2.Framer) error { return fr.WriteWindowUpdate(0, 1<<31-1) },
		check: func(t *testing.T, got http2.Frame) {
			eq(t, got.(*http2.WindowUpdateFrame).Increment, uint32(1<<31-1))
		},
	},
	{
		name:  "CONTINUATION",
		frame: Continuation{StreamID: 3, EndHeaders: true, Block: []byte{0x84}}.Frame(),
		write: func(fr *http2.Framer) error { return fr.WriteContinuation(3, true, []byte{0x84}) },
		check: func(t *testing.T, got http2.Frame) {
			c := got.(*http2.ContinuationFrame)
			eq(t, c.HeadersEnded(), true)
			eq(t, c.HeaderBlockFragment(), []byte{0x84})
		},
	},
}

func eq(t *testing.T, got, want any) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

// TestOracleReadsOurs writes each frame with Write and reads it with x/net's Framer.
func TestOracleReadsOurs(t *testing.T) {
	for _, c := range oracleCases {
		t.Run(c.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := Write(&buf, c.frame); err != nil {
				t.Fatal(err)
			}
			fr := http2.NewFramer(nil, &buf)
			got, err := fr.ReadFrame()
			if c.frame.Type == TypeContinuation {
				buf.Reset()
				// The Framer wants a HEADERS before a CONTINUATION; read it raw.
				fr = http2.NewFramer(nil, bytes.NewReader(headersThen(t, c.frame)))
				if _, err = fr.ReadFrame(); err == nil {
					got, err = fr.ReadFrame()
				}
			}
			if err != nil {
				t.Fatal(err)
			}
			h := got.Header()
			eq(t, uint8(h.Type), uint8(c.frame.Type))
			eq(t, uint8(h.Flags), uint8(c.frame.Flags))
			eq(t, h.StreamID, c.frame.StreamID)
			eq(t, h.Length, uint32(len(c.frame.Payload)))
			c.check(t, got)
			if buf.Len() != 0 {
				t.Errorf("%d bytes left after the frame", buf.Len())
			}
		})
	}
}

// headersThen returns a HEADERS frame without END_HEADERS on c's stream, then c.
func headersThen(t *testing.T, c Frame) []byte {
	var buf bytes.Buffer
	if err := Write(&buf, Headers{StreamID: c.StreamID, Block: []byte{0x82}}.Frame()); err != nil {
		t.Fatal(err)
	}
	if err := Write(&buf, c); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestOursReadsOracle writes each frame with x/net's Framer, reads it with
// Read, and expects the same header and payload as the frame built here, and
// the type's Parse to give back the fields it was built from.
func TestOursReadsOracle(t *testing.T) {
	for _, c := range oracleCases {
		t.Run(c.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := c.write(http2.NewFramer(&buf, nil)); err != nil {
				t.Fatal(err)
			}
			got, err := Read(&buf, MaxFrameSizeLimit)
			if err != nil {
				t.Fatal(err)
			}
			eq(t, got.Header, c.frame.Header)
			if !bytes.Equal(got.Payload, c.frame.Payload) {
				t.Errorf("payload %x, want %x", got.Payload, c.frame.Payload)
			}
			eq(t, parse(t, got), parse(t, c.frame))
		})
	}
}

// parse parses f with the Parse function of its type.
func parse(t *testing.T, f Frame) any {
	t.Helper()
	var v any
	var err error
	switch f.Type {
	case TypeData:
		v, err = ParseData(f)
	case TypeHeaders:
		v, err = ParseHeaders(f)
	case TypePriority:
		v, err = ParsePriority(f)
	case TypeRSTStream:
		v, err = ParseRSTStream(f)
	case TypeSettings:
		v, err = ParseSettings(f)
	case TypePushPromise:
		v, err = ParsePushPromise(f)
	case TypePing:
		v, err = ParsePing(f)
	case TypeGoAway:
		v, err = ParseGoAway(f)
	case TypeWindowUpdate:
		v, err = ParseWindowUpdate(f)
	case TypeContinuation:
		v, err = ParseContinuation(f)
	}
	if err != nil {
		t.Fatalf("%v: %v", f, err)
	}
	return v
}

// TestBuildParseRoundTrip checks that Parse gives back what Frame was built from.
func TestBuildParseRoundTrip(t *testing.T) {
	values := []any{
		Data{StreamID: 1, EndStream: true, Padded: true, PadLength: 0, Data: []byte("x")},
		Headers{StreamID: 3, EndHeaders: true, HasPriority: true, Priority: PriorityParam{StreamDep: 1, Weight: 255}, Block: []byte{0x82}},
		Priority{StreamID: 3, PriorityParam: PriorityParam{StreamDep: 5, Exclusive: true}},
		RSTStream{StreamID: 7, Code: ErrCodeProtocol},
		Settings{Params: []Setting{{SettingEnablePush, 0}, {SettingID(0xff), 42}}},
		PushPromise{StreamID: 1, PromisedID: 2, Block: []byte{}},
		Ping{Data: [8]byte{8}},
		GoAway{LastStreamID: 3, Code: ErrCodeNo, Debug: []byte{}},
		WindowUpdate{StreamID: 9, Increment: 1},
		Continuation{StreamID: 9, Block: []byte{1, 2}},
	}
	for _, v := range values {
		f := v.(interface{ Frame() Frame }).Frame()
		var buf bytes.Buffer
		if err := Write(&buf, f); err != nil {
			t.Fatal(err)
		}
		got, err := Read(&buf, DefaultMaxFrameSize)
		if err != nil {
			t.Fatal(err)
		}
		eq(t, parse(t, got), v)
	}
}
