// Command gzipcost は、この章の計測の 1 つです。サーバーの文書の先頭の
// 何バイトかを、2 つの圧縮レベルで gzip にし、圧縮したあとの大きさと、
// 1 回の圧縮にかかる CPU 時間（このプロセスのユーザーとシステムの時間）を
// markdown の表で書きます。サーバーの gzipBytes と同じく、gzip.Writer を
// Reset で使い回します。そのあと、gzip のボディに Content-Encoding の行を
// 足しても元より小さくなるのは、文書の何バイトからかを書きます。
//
// 文書は、サーバーのソース（-doc）の定数 document から読みます。
// 本文では引用しない、手で書いたプログラムです。
package main

import (
	"bytes"
	"compress/gzip"
	"flag"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unicode/utf8"
)

// contentEncodingLine は、gzip のレスポンスがヘッダーに足す行です。
const contentEncodingLine = "Content-Encoding: gzip\r\n"

var levels = []struct {
	name  string
	level int
}{{"BestSpeed", gzip.BestSpeed}, {"DefaultCompression", gzip.DefaultCompression}}

func main() {
	doc := flag.String("doc", "chapters/06/server/document.go", "文書の定数 document があるサーバーのソース")
	sizes := flag.String("sizes", "64,128,192,256,384,512,1024,2048,0", "測る先頭の大きさ（バイト）、コンマ区切り。0 は文書全体")
	cpuFor := flag.Duration("cpu", 300*time.Millisecond, "1 つの大きさを圧縮し続けて CPU 時間を測る長さ")
	flag.Parse()
	document, err := readDocument(*doc)
	if err != nil {
		fmt.Fprintln(os.Stderr, "gzipcost:", err)
		os.Exit(1)
	}
	fmt.Printf("%s、CPU %d 個。文書の先頭を gzip にしたもの（gzip.Writer を使い回す）: ボディごとの大きさと 1 回の CPU 時間\n", runtime.Version(), runtime.NumCPU())
	head := "| ボディ（バイト） |"
	delim := "|--:|"
	for _, lv := range levels {
		head += " " + lv.name + "（バイト、元との比） | CPU（µs） |"
		delim += "--:|--:|"
	}
	fmt.Println(head)
	fmt.Println(delim)
	for _, f := range strings.Split(*sizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 0 {
			fmt.Fprintf(os.Stderr, "gzipcost: -sizes %q: 0 以上の整数をコンマで区切ります\n", *sizes)
			os.Exit(2)
		}
		if n == 0 {
			n = len(document)
		}
		body := prefix(document, n)
		row := fmt.Sprintf("| %d |", len(body))
		for _, lv := range levels {
			size, cpu := cost(body, lv.level, *cpuFor)
			row += fmt.Sprintf(" %d (%.0f%%) | %.1f |", size, 100*float64(size)/float64(len(body)), cpu)
		}
		fmt.Println(row)
	}
	fmt.Println()
	for _, lv := range levels {
		fmt.Printf("%s: gzip のボディに %q を足しても元のボディより小さくなるのは、この文書の %d バイトから\n", lv.name, contentEncodingLine, breakEven(document, lv.level))
	}
}

// readDocument は、Go のソース name から、文字列の定数 document を読みます。
func readDocument(name string) ([]byte, error) {
	f, err := parser.ParseFile(token.NewFileSet(), name, nil, 0)
	if err != nil {
		return nil, err
	}
	if obj := f.Scope.Lookup("document"); obj != nil {
		if spec, ok := obj.Decl.(*ast.ValueSpec); ok && len(spec.Values) == 1 {
			if lit, ok := spec.Values[0].(*ast.BasicLit); ok && lit.Kind == token.STRING {
				s, err := strconv.Unquote(lit.Value)
				return []byte(s), err
			}
		}
	}
	return nil, fmt.Errorf("%s: 文字列の定数 document がありません", name)
}

// prefix は、b の先頭 n バイト以下を、文字の境目で切って返します。
func prefix(b []byte, n int) []byte {
	b = b[:min(n, len(b))]
	for len(b) > 0 && !utf8.Valid(b) {
		b = b[:len(b)-1]
	}
	return b
}

// gzipSize は、zw を Reset して b を圧縮し、その大きさを返します。
func gzipSize(zw *gzip.Writer, b []byte) int {
	var buf bytes.Buffer
	zw.Reset(&buf)
	zw.Write(b)
	zw.Close()
	return buf.Len()
}

// cost は、b を level で圧縮した大きさと、1 回あたりの CPU 時間（µs）を
// 返します。1 つの Writer を使い回して、d のあいだ、少なくとも 10 回圧縮します。
func cost(b []byte, level int, d time.Duration) (int, float64) {
	zw, err := gzip.NewWriterLevel(nil, level)
	if err != nil {
		panic(err) // levels は正しいレベルだけ
	}
	size := gzipSize(zw, b)
	start, n := cpu(), 0
	for begin := time.Now(); time.Since(begin) < d || n < 10; n++ {
		gzipSize(zw, b)
	}
	return size, float64(cpu()-start) / float64(time.Microsecond) / float64(n)
}

// cpu は、このプロセスが使った CPU 時間（ユーザーとシステム）です。
func cpu() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// breakEven は、文書の先頭を 8 バイトずつ短くしながら調べ、それより長い
// どの先頭も、level で圧縮して Content-Encoding の行を足してなお元より
// 小さくなる、いちばん小さな大きさを返します。
func breakEven(document []byte, level int) int {
	zw, err := gzip.NewWriterLevel(nil, level)
	if err != nil {
		panic(err)
	}
	from := len(document) + 1
	for n := len(document); n > 0; n -= 8 {
		b := prefix(document, n)
		if gzipSize(zw, b)+len(contentEncodingLine) >= len(b) {
			break
		}
		from = len(b)
	}
	return from
}
