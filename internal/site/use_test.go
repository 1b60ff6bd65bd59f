package site

import (
	"strings"
	"testing"
)

// A listing with use= is one line naming the declaration it stands for,
// linked to the chapter that shows it, at that listing, and to its
// program's page, at its line; the program's page has the declaration.
func TestUse(t *testing.T) {
	s := buildBook(t, "testdata/use")
	page := string(s.Files["02.html"])
	for _, want := range []string{
		`<span class="badge">使う</span>`,
		`<code>client/main.go</code> の <code>shout</code> は、<a href="01.html#listing-main.go-2">第1章</a>の <a href="chapters/01/main.go.html#L13"><code>main.go</code></a> の <code>shout</code> をそのまま使います。`,
		`<a class="whole" href="chapters/02/client/main.go.html#L`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("02.html lacks %s", want)
		}
	}
	if strings.Contains(page, "<pre") && strings.Contains(page, "strings.ToUpper") {
		t.Error("02.html prints shout again")
	}
	if prog := string(s.Files["chapters/02/client/main.go.html"]); !strings.Contains(prog, "shout makes s loud") {
		t.Error("the client's page lacks shout")
	}
}
