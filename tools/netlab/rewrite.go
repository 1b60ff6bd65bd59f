package netlab

import (
	"encoding/binary"
	"net/netip"
	"syscall"
)

// The two ends of the link. They exist only inside the namespaces the link
// creates.
const (
	ClientIP = "10.77.0.1"
	ServerIP = "10.77.0.2"
)

var (
	server4   = netip.MustParseAddr(ServerIP).As4()
	loopback4 = netip.MustParseAddr("127.0.0.1").As4()
)

// toLoopback は、サーバーへ向かうパケットの宛先 ServerIP を 127.0.0.1 にします。
func toLoopback(p []byte) bool { return rewriteAddr(p, 16, server4, loopback4) }

// fromLoopback は、サーバーから戻るパケットの送信元 127.0.0.1 を ServerIP に戻します。
func fromLoopback(p []byte) bool { return rewriteAddr(p, 12, loopback4, server4) }

// rewriteAddr は、IPv4 ヘッダーの off バイト目（12 が送信元、16 が宛先）の
// アドレスが old なら new に書き換え、チェックサムを直します。
// IPv4 でないパケットには false を返し、リンクはそれを運びません。
func rewriteAddr(p []byte, off int, old, new [4]byte) bool {
	if !isIPv4(p) {
		return false
	}
	ihl := int(p[0]&0x0f) * 4 // IPv4 ヘッダーの長さ
	if ihl < 20 || len(p) < ihl || [4]byte(p[off:off+4]) != old {
		return true
	}
	copy(p[off:], new[:])
	fix := func(at int) {
		sum := binary.BigEndian.Uint16(p[at:])
		binary.BigEndian.PutUint16(p[at:], adjust(sum, old, new))
	}
	fix(10) // IPv4 ヘッダーのチェックサム
	if binary.BigEndian.Uint16(p[6:])&0x1fff != 0 {
		return true // 2 つ目以降のフラグメントには TCP や UDP のヘッダーがない
	}
	switch {
	case p[9] == syscall.IPPROTO_TCP && len(p) >= ihl+18:
		fix(ihl + 16) // TCP のチェックサムはアドレスも含めて計算する
	case p[9] == syscall.IPPROTO_UDP && len(p) >= ihl+8 && binary.BigEndian.Uint16(p[ihl+6:]) != 0:
		fix(ihl + 6)
	}
	return true
}

// adjust は、チェックサムの対象の 4 バイトが old から new に変わったときの
// 新しいインターネットチェックサムを返します（RFC 1624 の式 3、
// HC' = ~(~HC + ~m + m')）。
func adjust(sum uint16, old, new [4]byte) uint16 {
	s := uint32(^sum)
	for i := 0; i < 4; i += 2 {
		s += uint32(^binary.BigEndian.Uint16(old[i:]))
		s += uint32(binary.BigEndian.Uint16(new[i:]))
	}
	for s>>16 != 0 {
		s = s&0xffff + s>>16
	}
	return ^uint16(s)
}

// isIPv4 reports whether p can be an IPv4 packet.
func isIPv4(p []byte) bool { return len(p) >= 20 && p[0]>>4 == 4 }
