package site

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestThemePalette: book.css writes each colour of the palette once, as
// light-dark(light, dark), and the root's color-scheme picks which: not
// a block of dark colours for data-theme="dark" and the same again for a
// system that prefers dark. (The browser tests check that the colours
// follow data-theme and the system.)
func TestThemePalette(t *testing.T) {
	src, err := os.ReadFile(filepath.Join("../..", ThemeDir, "book.css"))
	if err != nil {
		t.Fatal(err)
	}
	css := regexp.MustCompile(`(?s)/\*.*?\*/`).ReplaceAllString(string(src), "")
	// Paper has a palette of its own.
	if i := strings.Index(css, "@media print"); i >= 0 {
		end := matchingBrace(css, strings.Index(css[i:], "{")+i)
		if end < 0 {
			t.Fatal("book.css: @media print has no end")
		}
		css = css[:i] + css[end+1:]
	}
	if strings.Contains(css, "prefers-color-scheme") {
		t.Errorf("book.css asks for prefers-color-scheme: the root's color-scheme light dark follows the system")
	}
	decl := regexp.MustCompile(`(--[\w-]+)\s*:\s*([^;]*);`)
	colour := regexp.MustCompile(`#[0-9a-fA-F]{3,8}\b|rgba?\(|light-dark\(`)
	seen := map[string]int{}
	colours := 0
	for _, m := range decl.FindAllStringSubmatch(css, -1) {
		if !colour.MatchString(m[2]) {
			continue // --aside-fg: var(--note-fg), say
		}
		seen[m[1]]++
		if seen[m[1]] == 2 {
			t.Errorf("book.css declares %s more than once", m[1])
		}
		if strings.Contains(m[2], "light-dark(") {
			colours++
		}
	}
	if colours < 10 {
		t.Errorf("book.css has %d light-dark() colours; is the palette elsewhere?", colours)
	}
	for _, want := range []string{
		"color-scheme: light dark;",
		`:root[data-theme="light"] { color-scheme: light; }`,
		`:root[data-theme="dark"] { color-scheme: dark; }`,
	} {
		if !strings.Contains(css, want) {
			t.Errorf("book.css lacks %s", want)
		}
	}
}

// matchingBrace returns the index of the } that closes the { at open, or
// -1.
func matchingBrace(s string, open int) int {
	depth := 0
	for i := open; i < len(s); i++ {
		switch s[i] {
		case '{':
			depth++
		case '}':
			depth--
			if depth == 0 {
				return i
			}
		}
	}
	return -1
}
