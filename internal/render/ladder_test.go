package render

import (
	"encoding/xml"
	"io"
	"io/fs"
	"strings"
	"testing"

	"tcpbook/internal/chapter"
	"tcpbook/internal/ladder"
	"tcpbook/internal/ladder/laddertest"
)

// TestLadder draws a ladder block as an SVG with a title and a
// description that its aria-labelledby names, an arrow per packet (one of
// them lost), and the text form folded below; a body that is not a text
// form is shown as it is.
func TestLadder(t *testing.T) {
	c, s := laddertest.HTTP(0)
	body, err := ladder.Body(func(p string) ([]byte, error) {
		switch p {
		case "chapters/01/get.pcap":
			return c, nil
		case "chapters/01/get.server.pcap":
			return s, nil
		}
		return nil, fs.ErrNotExist
	}, &ladder.Spec{Pcap: "chapters/01/get.pcap"})
	if err != nil {
		t.Fatal(err)
	}
	src := "# 第 1 章\n\n```ladder {pcap=get.pcap}\n" + body + "```\n\n```ladder {pcap=get.pcap}\nnot a ladder <b>\n```\n"
	ch, errs := chapter.Parse("chapters/01/README.md", []byte(src))
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	page, errs := Chapter(ch, Options{})
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	html := string(page.HTML)
	start := strings.Index(html, "<svg")
	end := strings.Index(html, "</svg>") + len("</svg>")
	if start < 0 || end < start {
		t.Fatalf("no SVG in\n%s", html)
	}
	svg := html[start:end]
	for _, want := range []string{
		`<figure class="ladder" id="ladder-get.pcap-1">`,
		`<span class="badge">✓ キャプチャから作図</span> <code>get.pcap</code>`,
		`<details class="ladder-text"><summary>テキストで読む</summary>`,
		strings.ReplaceAll(body[:40], "<", "&lt;"),
		// The second block, shown as code, escaped.
		`not a ladder &lt;b&gt;`,
	} {
		if !strings.Contains(html, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	for _, want := range []string{
		`role="img" aria-labelledby="ladder-get.pcap-1-svg-title ladder-get.pcap-1-svg-desc"`,
		`<title id="ladder-get.pcap-1-svg-title">get.pcap のパケットのやりとり</title>`,
		`<desc id="ladder-get.pcap-1-svg-desc">クライアントとサーバーの間の 12 個のパケット（クライアントから 7 個、サーバーから 5 個）、うち失われたもの 1 個。`,
		`>クライアント</text>`, `>サーバー</text>`,
		`>2 SYN ACK</text>`, // labelled by the text form's 番号 first
		`>4 PSH ACK  GET /hello HTTP/1.1</text>`,
		`>5 PSH ACK  HTTP/1.1 200…（失われた）</text>`, // cut to fit a phone; the tooltip and the text have it whole
		` PSH ACK  12 バイト</text>`,
	} {
		if !strings.Contains(svg, want) {
			t.Errorf("the SVG lacks %q", want)
		}
	}
	if n := strings.Count(svg, `<g class="ladder-packet `); n != 12 {
		t.Errorf("%d arrows, want 12", n)
	}
	if n := strings.Count(svg, `ladder-packet to-client lost`); n != 1 {
		t.Errorf("%d lost arrows, want 1", n)
	}
	// Well-formed XML, every element closed.
	dec := xml.NewDecoder(strings.NewReader(svg))
	for {
		_, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("the SVG is not well-formed: %v", err)
		}
	}
}
