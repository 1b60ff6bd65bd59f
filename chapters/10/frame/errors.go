package frame

import (
	"errors"
	"fmt"
)

// ErrCode は、RST_STREAM と GOAWAY で送るエラーコードです（RFC 9113 §7）。
type ErrCode uint32

const (
	ErrCodeNo                 ErrCode = 0x0
	ErrCodeProtocol           ErrCode = 0x1
	ErrCodeInternal           ErrCode = 0x2
	ErrCodeFlowControl        ErrCode = 0x3
	ErrCodeSettingsTimeout    ErrCode = 0x4
	ErrCodeStreamClosed       ErrCode = 0x5
	ErrCodeFrameSize          ErrCode = 0x6
	ErrCodeRefusedStream      ErrCode = 0x7
	ErrCodeCancel             ErrCode = 0x8
	ErrCodeCompression        ErrCode = 0x9
	ErrCodeConnect            ErrCode = 0xa
	ErrCodeEnhanceYourCalm    ErrCode = 0xb
	ErrCodeInadequateSecurity ErrCode = 0xc
	ErrCodeHTTP11Required     ErrCode = 0xd
)

var errCodeNames = [...]string{
	"NO_ERROR", "PROTOCOL_ERROR", "INTERNAL_ERROR", "FLOW_CONTROL_ERROR",
	"SETTINGS_TIMEOUT", "STREAM_CLOSED", "FRAME_SIZE_ERROR", "REFUSED_STREAM",
	"CANCEL", "COMPRESSION_ERROR", "CONNECT_ERROR", "ENHANCE_YOUR_CALM",
	"INADEQUATE_SECURITY", "HTTP_1_1_REQUIRED",
}

func (c ErrCode) String() string {
	if int(c) < len(errCodeNames) {
		return errCodeNames[c]
	}
	return fmt.Sprintf("UNKNOWN_0x%x", uint32(c))
}

// SettingID は、SETTINGS フレームで知らせる設定の ID です（RFC 9113 §6.5.2）。
type SettingID uint16

const (
	SettingHeaderTableSize      SettingID = 0x1
	SettingEnablePush           SettingID = 0x2
	SettingMaxConcurrentStreams SettingID = 0x3
	SettingInitialWindowSize    SettingID = 0x4
	SettingMaxFrameSize         SettingID = 0x5
	SettingMaxHeaderListSize    SettingID = 0x6
	// SettingEnableConnectProtocol は RFC 8441 §3、
	// SettingNoRFC7540Priorities は RFC 9218 §2.1 で足された設定です。
	SettingEnableConnectProtocol SettingID = 0x8
	SettingNoRFC7540Priorities   SettingID = 0x9
)

var settingNames = map[SettingID]string{
	SettingHeaderTableSize:       "HEADER_TABLE_SIZE",
	SettingEnablePush:            "ENABLE_PUSH",
	SettingMaxConcurrentStreams:  "MAX_CONCURRENT_STREAMS",
	SettingInitialWindowSize:     "INITIAL_WINDOW_SIZE",
	SettingMaxFrameSize:          "MAX_FRAME_SIZE",
	SettingMaxHeaderListSize:     "MAX_HEADER_LIST_SIZE",
	SettingEnableConnectProtocol: "ENABLE_CONNECT_PROTOCOL",
	SettingNoRFC7540Priorities:   "NO_RFC7540_PRIORITIES",
}

func (id SettingID) String() string {
	if n, ok := settingNames[id]; ok {
		return n
	}
	return fmt.Sprintf("UNKNOWN_0x%x", uint16(id))
}

// ConnError は、コネクション全体を終わらせるエラーです（RFC 9113 §5.4.1）。
// 受け取った側は、Code を入れた GOAWAY を送ってコネクションを閉じます。
type ConnError struct {
	Code   ErrCode
	Reason string
}

func (e *ConnError) Error() string {
	return fmt.Sprintf("コネクションエラー %v: %s", e.Code, e.Reason)
}

// StreamError は、ストリーム 1 本だけを終わらせるエラーです（RFC 9113 §5.4.2）。
// 受け取った側は、Code を入れた RST_STREAM をそのストリームに送ります。
// コネクションはそのまま使えます。
type StreamError struct {
	StreamID uint32
	Code     ErrCode
	Reason   string
}

func (e *StreamError) Error() string {
	return fmt.Sprintf("ストリーム %d のエラー %v: %s", e.StreamID, e.Code, e.Reason)
}

func connError(code ErrCode, format string, args ...any) error {
	return &ConnError{Code: code, Reason: fmt.Sprintf(format, args...)}
}

func streamError(id uint32, code ErrCode, format string, args ...any) error {
	return &StreamError{StreamID: id, Code: code, Reason: fmt.Sprintf(format, args...)}
}

// IsConnError は、err が（包まれていても）ConnError なら、それを返します。
func IsConnError(err error) (*ConnError, bool) {
	var ce *ConnError
	ok := errors.As(err, &ce)
	return ce, ok
}

// IsStreamError は、err が（包まれていても）StreamError なら、それを返します。
func IsStreamError(err error) (*StreamError, bool) {
	var se *StreamError
	ok := errors.As(err, &se)
	return se, ok
}
