// A fuzz test of Read and the Parse functions (not part of the book's
// text): on any bytes they return a frame or an error, never panic, and a
// frame read is written back byte for byte (but for the R bit, which Read
// drops); what a Parse accepts, its type's Frame builds again into a frame
// that parses the same (padding aside).
package frame

import (
	"bytes"
	"reflect"
	"testing"
)

func FuzzRead(f *testing.F) {
	for _, c := range oracleCases {
		var b bytes.Buffer
		Write(&b, c.frame)
		f.Add(b.Bytes())
	}
	f.Add([]byte("\x00\x00\x05\x01\x28\x00\x00\x00\x03\x02\x00\x00\x00\x03")) // padded, priority, too short
	f.Fuzz(func(t *testing.T, in []byte) {
		fr, err := Read(bytes.NewReader(in), DefaultMaxFrameSize)
		if err != nil {
			return
		}
		var out bytes.Buffer
		if err := Write(&out, fr); err != nil {
			t.Fatal(err)
		}
		want := bytes.Clone(in[:HeaderLen+len(fr.Payload)])
		want[5] &= 0x7f
		if !bytes.Equal(out.Bytes(), want) {
			t.Fatalf("read %x, wrote %x", want, out.Bytes())
		}
		_ = fr.String()
		v, err := parseAny(fr)
		if err != nil || v == nil {
			return
		}
		if padded(v) {
			return // the padding's bytes need not be zero
		}
		// Built again, it reads the same (reserved bits are dropped).
		again, err := parseAny(v.(interface{ Frame() Frame }).Frame())
		if err != nil || !reflect.DeepEqual(normal(again), normal(v)) {
			t.Fatalf("%v: parsed %+v, built and parsed again %+v, %v", fr, v, again, err)
		}
	})
}

// normal makes empty byte slices nil, which Frame and Read do not keep apart.
func normal(v any) any {
	switch v := v.(type) {
	case Data:
		v.Data = bytes.Clone(v.Data)
		if len(v.Data) == 0 {
			v.Data = nil
		}
		return v
	case Headers:
		if len(v.Block) == 0 {
			v.Block = nil
		}
		return v
	case PushPromise:
		if len(v.Block) == 0 {
			v.Block = nil
		}
		return v
	case GoAway:
		if len(v.Debug) == 0 {
			v.Debug = nil
		}
		return v
	case Continuation:
		if len(v.Block) == 0 {
			v.Block = nil
		}
		return v
	}
	return v
}

func padded(v any) bool {
	switch v := v.(type) {
	case Data:
		return v.Padded
	case Headers:
		return v.Padded
	case PushPromise:
		return v.Padded
	}
	return false
}
