// Command servers は、第11章の計測（make bench-ch11）のために、第10章の
// サーバー（TCP の 8443 で TLS の h2、8888 で h2c）と第11章のサーバー
// （UDP の 8443 で HTTP/3）をいっしょに動かします。netlab client の -server
// は 1 つのプログラムしか起動しないので、HTTP/3 と HTTP/2 を同じリンクで、
// 同じ乱数の順番に混ぜて測るために、これを 1 つのサーバーとして渡します。
//
//	servers CH10 CH11
//
// 第10章のサーバーが 2 つのポートで待ち受けを始めてから第11章のサーバーを
// 起動し（どちらも第9章の証明書を使うので、作るのは先の 1 つだけです）、
// 両方が待ち受けを始めたら「両方のサーバーが待ち受けています」と出力します。
// 2 つのサーバーの出力は、このプログラムの標準出力と標準エラー出力に流します。
// どちらかが終われば、もう一方を止めて、終了コード 1 で終わります。
// netlab はサーバーを SIGKILL で止めるので、このプログラムが終わると
// カーネルが 2 つのサーバーにも SIGKILL を送るようにします（Pdeathsig）。
package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"strings"
	"syscall"
	"time"
)

// readyTimeout は、1 つのサーバーが待ち受けを始めるのを待つ時間の上限です。
const readyTimeout = 10 * time.Second

// ready は、それぞれのサーバーが待ち受けを始めたときに出力する行の一部です。
// 第10章のサーバーは TLS の行のあとに平文の行を出力するので、平文の行を待ちます。
var ready = []string{
	"で平文の接続を待ち受けています",
	"で QUIC（UDP）の接続を待ち受けています",
}

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "使い方: servers 第10章のサーバー 第11章のサーバー")
		os.Exit(2)
	}
	// Pdeathsig は、子を起動したスレッドが終わったときに届く。main の
	// ゴルーチンをこのスレッドに固定し、終わるまで離さない
	runtime.LockOSThread()
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "servers:", err)
		os.Exit(1)
	}
}

// run は、exes のサーバーを順に起動し、それぞれが待ち受けを始めるのを待ってから
// 次を起動します。どれかが終わるか、SIGINT か SIGTERM を受け取るまで戻りません。
func run(exes []string) error {
	exited := make(chan error, len(exes))
	var cmds []*exec.Cmd
	defer func() {
		for _, c := range cmds {
			c.Process.Kill()
		}
	}()
	for i, exe := range exes {
		c, up, err := start(exe, ready[i], exited)
		if err != nil {
			return err
		}
		cmds = append(cmds, c)
		select {
		case <-up:
		case err := <-exited:
			return err
		case <-time.After(readyTimeout):
			return fmt.Errorf("%s が %v たっても待ち受けを始めません", exe, readyTimeout)
		}
	}
	fmt.Println("両方のサーバーが待ち受けています")
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	select {
	case s := <-sig:
		fmt.Printf("%v を受け取りました。2 つのサーバーを止めます\n", s)
		return nil
	case err := <-exited:
		return err
	}
}

// start は exe を起動し、その標準出力をこのプログラムの標準出力へ流します。
// 返す up は、readyLine を含む行を出力したときに閉じます。exe が終わると、
// その理由を exited に送ります。
func start(exe, readyLine string, exited chan<- error) (*exec.Cmd, <-chan struct{}, error) {
	c := exec.Command(exe)
	c.Stderr = os.Stderr
	c.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	out, err := c.StdoutPipe()
	if err != nil {
		return nil, nil, err
	}
	if err := c.Start(); err != nil {
		return nil, nil, err
	}
	up := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(out)
		seen := false
		for sc.Scan() {
			fmt.Println(sc.Text())
			if !seen && strings.Contains(sc.Text(), readyLine) {
				seen = true
				close(up)
			}
		}
		io.Copy(io.Discard, out) // 長すぎる行のあとも、サーバーを止めない
		err := c.Wait()
		if err == nil {
			err = errors.New("終了コード 0")
		}
		exited <- fmt.Errorf("%s が終わりました: %w", exe, err)
	}()
	return c, up, nil
}
