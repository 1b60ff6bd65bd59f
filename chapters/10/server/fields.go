package main

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"golang.org/x/net/http2/hpack"
)

// HTTP/2 のリクエストのフィールド（RFC 9113 §8.2、§8.3）。HTTP/1.1 の
// リクエスト行の代わりに、:method、:scheme、:path、:authority の
// 疑似ヘッダーがあります。決まりに合わないリクエストは「形の崩れた」
// （malformed）もので、PROTOCOL_ERROR のストリームエラーにします（§8.1.1）。

// newRequest は、フィールドブロックをデコードしたフィールドから、
// リクエストを作ります。
func newRequest(fields []hpack.HeaderField) (*http.Request, error) {
	pseudo := map[string]string{}
	header := http.Header{}
	for i, f := range fields {
		if !strings.HasPrefix(f.Name, ":") {
			if err := checkField(f); err != nil {
				return nil, err
			}
			header.Add(f.Name, f.Value)
			continue
		}
		_, dup := pseudo[f.Name]
		switch {
		case dup:
			return nil, fmt.Errorf("疑似ヘッダー %s が 2 つあります", f.Name)
		case i > len(pseudo): // 前にふつうのフィールドがあった
			return nil, fmt.Errorf("疑似ヘッダー %s が、ふつうのフィールドのあとにあります", f.Name)
		case f.Name != ":method" && f.Name != ":scheme" && f.Name != ":path" && f.Name != ":authority":
			return nil, fmt.Errorf("リクエストにない疑似ヘッダー %s があります", f.Name)
		}
		pseudo[f.Name] = f.Value
	}
	method, path := pseudo[":method"], pseudo[":path"]
	switch {
	case method == "":
		return nil, errors.New(":method がありません")
	case method == http.MethodConnect:
		// CONNECT には :scheme と :path がなく、:authority だけがある（§8.5）
		if pseudo[":authority"] == "" || pseudo[":scheme"] != "" || pseudo[":path"] != "" {
			return nil, errors.New("CONNECT の疑似ヘッダーが :authority だけではありません")
		}
	case pseudo[":scheme"] == "":
		return nil, errors.New(":scheme がありません")
	case path == "":
		return nil, errors.New(":path がないか、空です")
	case path != "*" && !strings.HasPrefix(path, "/"), path == "*" && method != http.MethodOptions:
		return nil, fmt.Errorf(":path %.40q は / で始まっていません", path)
	}
	u, err := url.ParseRequestURI(path)
	if method == http.MethodConnect {
		u, err = &url.URL{Host: pseudo[":authority"]}, nil
	}
	if err != nil {
		return nil, fmt.Errorf(":path: %v", err)
	}
	cl, err := contentLength(header)
	if err != nil {
		return nil, err
	}
	host := pseudo[":authority"]
	if host == "" {
		host = header.Get("Host")
	}
	return &http.Request{
		Method: method, URL: u, RequestURI: path, Host: host,
		Proto: "HTTP/2.0", ProtoMajor: 2, Header: header, ContentLength: cl,
	}, nil
}

// checkField は、ふつうのフィールド（疑似ヘッダーでないもの）を確かめます。
// 名前は小文字のトークンで（§8.2.1）、HTTP/1.1 のコネクションのためのフィールドは
// 使えません（§8.2.2）。値には NUL、CR、LF を含めず、前後に空白を置けません。
func checkField(f hpack.HeaderField) error {
	if !isToken(f.Name) || strings.ToLower(f.Name) != f.Name {
		return fmt.Errorf("フィールド名 %.40q が小文字のトークンではありません", f.Name)
	}
	switch f.Name {
	case "connection", "proxy-connection", "keep-alive", "transfer-encoding", "upgrade":
		return fmt.Errorf("HTTP/2 では使えないフィールド %s があります", f.Name)
	case "te":
		if f.Value != "trailers" {
			return fmt.Errorf("te の値 %.40q が trailers ではありません", f.Value)
		}
	}
	if strings.ContainsAny(f.Value, "\x00\r\n") || strings.Trim(f.Value, " \t") != f.Value {
		return fmt.Errorf("フィールド %s の値 %.40q に使えない文字があります", f.Name, f.Value)
	}
	return nil
}

// checkTrailers は、ボディのあとの HEADERS（トレーラー）を確かめます。
// 疑似ヘッダーは置けません（§8.1）。
func checkTrailers(fields []hpack.HeaderField) error {
	for _, f := range fields {
		if strings.HasPrefix(f.Name, ":") {
			return fmt.Errorf("トレーラーに疑似ヘッダー %s があります", f.Name)
		}
		if err := checkField(f); err != nil {
			return err
		}
	}
	return nil
}

// contentLength は、content-length の値を返します。なければ -1 です。
// 同じ値がいくつあってもかまいませんが、違う値があれば形が崩れています。
func contentLength(h http.Header) (int64, error) {
	vs := h.Values("Content-Length")
	if len(vs) == 0 {
		return -1, nil
	}
	for _, v := range vs {
		if v != vs[0] {
			return 0, fmt.Errorf("content-length が %q と %q の 2 つあります", vs[0], v)
		}
	}
	n, err := strconv.ParseInt(vs[0], 10, 64)
	if err != nil || n < 0 || strings.TrimLeft(vs[0], "0123456789") != "" {
		return 0, fmt.Errorf("content-length の値 %.40q が数ではありません", vs[0])
	}
	return n, nil
}
