package main

import (
	"errors"
	"fmt"
	"net"
	"syscall"
)

// listenError は、addr で待ち受けられなかったときに表示する説明を返します。
// アドレスがふさがっているときは、よくある原因と、それを調べて止める方法を書きます。
func listenError(addr string, err error) string {
	if !errors.Is(err, syscall.EADDRINUSE) {
		return err.Error()
	}
	_, port, _ := net.SplitHostPort(addr)
	return fmt.Sprintf("%s で待ち受けられません。ほかのプログラムがこのアドレスを使っています。\n"+
		"前の章のサーバーが、別の端末で動いたままになっていませんか。\n"+
		"  調べる: ss -ltnp 'sport = :%s'\n"+
		"  止める: そのサーバーを動かしている端末で Ctrl-C を押します", addr, port)
}
