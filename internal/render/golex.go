package render

import (
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/alecthomas/chroma/v2"
)

// Tokenising Go is most of the time that a build of the book takes:
// chroma's Go lexer tries its rules one by one, as regular expressions
// (regexp2, which backtracks), at every position. lexGo makes the same
// tokens as chroma's Go lexer does, coalesced (chroma.Coalesce), by
// looking at the character where each token starts. It follows the
// rules of chroma's lexers/go.go in their order, and where that order,
// Unicode's classes of characters (regexp2's \s, \w, \d and \b take
// every script's letters, digits and spaces) or a backtracking match
// could make a difference it does not decide: it gives up, and the
// text is left to chroma. It gives up on any character outside ASCII
// except in a comment or a string, on a character no rule takes (chroma
// makes it an Error token), on a carriage return (chroma makes it a line
// feed), on a backslash before a line feed, and on a raw string that
// holds {{ (which chroma highlights as a Go template).
//
// The tests compare its tokens with chroma's for every Go file of the
// repository and every Go block of the book, and fuzz it.

// goPiece is a token as chroma's lexer emits it, before coalescing.
type goPiece struct {
	typ   chroma.TokenType
	value string
}

var (
	goNamespace   = words("import", "package")
	goDeclaration = words("var", "func", "struct", "map", "chan", "type", "interface", "const")
	goKeyword     = words("break", "default", "select", "case", "defer", "go", "else", "goto", "switch", "fallthrough", "if", "range", "continue", "for", "return")
	goConstant    = words("true", "false", "iota", "nil")
	goBuiltin     = words("uint", "uint8", "uint16", "uint32", "uint64", "int", "int8", "int16", "int32", "int64", "float", "float32", "float64", "complex64", "complex128", "byte", "rune", "string", "bool", "error", "uintptr", "print", "println", "panic", "recover", "close", "complex", "real", "imag", "len", "cap", "append", "copy", "delete", "new", "make", "clear", "min", "max")
	goType        = words("uint", "uint8", "uint16", "uint32", "uint64", "int", "int8", "int16", "int32", "int64", "float", "float32", "float64", "complex64", "complex128", "byte", "rune", "string", "bool", "error", "uintptr", "any")

	// The number rules, in chroma's order, anchored.
	goNumbers = []struct {
		re  *regexp.Regexp
		typ chroma.TokenType
	}{
		{regexp.MustCompile(`^\d+i`), chroma.LiteralNumber},
		{regexp.MustCompile(`^\d+\.\d*([Ee][-+]\d+)?i`), chroma.LiteralNumber},
		{regexp.MustCompile(`^\.\d+([Ee][-+]\d+)?i`), chroma.LiteralNumber},
		{regexp.MustCompile(`^\d+[Ee][-+]\d+i`), chroma.LiteralNumber},
		{regexp.MustCompile(`^\d+(\.\d+[eE][+\-]?\d+|\.\d*|[eE][+\-]?\d+)`), chroma.LiteralNumberFloat},
		{regexp.MustCompile(`^\.\d+([eE][+\-]?\d+)?`), chroma.LiteralNumberFloat},
		{regexp.MustCompile(`^0[0-7]+`), chroma.LiteralNumberOct},
		{regexp.MustCompile(`^0[xX][0-9a-fA-F_]+`), chroma.LiteralNumberHex},
		{regexp.MustCompile(`^0b[01_]+`), chroma.LiteralNumberBin},
		{regexp.MustCompile(`^(0|[1-9][0-9_]*)`), chroma.LiteralNumberInteger},
	}

	// The operators, in the order of chroma's alternation: the first
	// that the text starts with is taken.
	goOperators = []string{"<<=", ">>=", "<<", ">>", "<=", ">=", "&^=", "&^", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "&&", "||", "<-", "++", "--", "==", "!=", ":=", "..."}
)

func words(ws ...string) map[string]bool {
	m := map[string]bool{}
	for _, w := range ws {
		m[w] = true
	}
	return m
}

func isWord(c byte) bool {
	return c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// isSpace is regexp2's \s for ASCII.
func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}

// lexGo tokenises text as chroma's Go lexer does, coalesced, or reports
// that it cannot be sure to.
func lexGo(text string) ([]chroma.Token, bool) {
	if strings.Contains(text, "\r") || strings.Contains(text, "\\\n") || !utf8.ValidString(text) {
		return nil, false
	}
	var pieces []goPiece
	emit := func(t chroma.TokenType, v string) { pieces = append(pieces, goPiece{t, v}) }
	// spaces emits a run of white space as chroma's root state does:
	// a line feed alone, and any other run of spaces whole, line
	// feeds and all. It reports false at a character outside ASCII,
	// which may be a space to regexp2.
	spaces := func(s string) bool {
		for s != "" {
			if s[0] == '\n' {
				emit(chroma.TextWhitespace, "\n")
				s = s[1:]
				continue
			}
			n := 0
			for n < len(s) && isSpace(s[n]) {
				n++
			}
			if n == 0 {
				return false
			}
			emit(chroma.TextWhitespace, s[:n])
			s = s[n:]
		}
		return true
	}
	i := 0
	for i < len(text) {
		c := text[i]
		rest := text[i:]
		switch {
		case c >= 0x80:
			return nil, false
		case isSpace(c):
			n := 1
			if c != '\n' {
				for n < len(rest) && isSpace(rest[n]) {
					n++
				}
				if n < len(rest) && rest[n] >= 0x80 {
					return nil, false // a space to regexp2?
				}
			}
			emit(chroma.TextWhitespace, rest[:n])
			i += n
			continue
		case strings.HasPrefix(rest, "//"):
			end := strings.IndexAny(rest, "\n\r")
			if end < 0 {
				end = len(rest)
			}
			switch {
			case len(rest) > 2 && rest[2] >= 0x80:
				return nil, false // a space to regexp2?
			case len(rest) > 2 && !isSpace(rest[2]):
				emit(chroma.CommentPreproc, rest[:end])
			default:
				emit(chroma.CommentSingle, rest[:end])
			}
			i += end
			continue
		case strings.HasPrefix(rest, "/*"):
			if end := strings.Index(rest[2:], "*/"); end >= 0 {
				emit(chroma.CommentMultiline, rest[:end+4])
				i += end + 4
				continue
			}
			// Never closed: chroma's rule does not match, and the
			// slash is an operator.
		case c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z':
			n := 1
			for n < len(rest) && isWord(rest[n]) {
				n++
			}
			if n < len(rest) && rest[n] >= 0x80 {
				return nil, false // a letter to regexp2?
			}
			w := rest[:n]
			switch {
			case goNamespace[w]:
				emit(chroma.KeywordNamespace, w)
			case goDeclaration[w]:
				emit(chroma.KeywordDeclaration, w)
			case goKeyword[w]:
				emit(chroma.Keyword, w)
			case goConstant[w]:
				emit(chroma.KeywordConstant, w)
			case goBuiltin[w] && n < len(rest) && rest[n] == '(':
				emit(chroma.NameBuiltin, w)
				emit(chroma.Punctuation, "(")
				n++
			case goType[w]:
				emit(chroma.KeywordType, w)
			default:
				// A name called: the name, the spaces up to the
				// parenthesis, the parenthesis.
				s := n
				for s < len(rest) && isSpace(rest[s]) {
					s++
				}
				if s < len(rest) && rest[s] >= 0x80 {
					return nil, false
				}
				if s < len(rest) && rest[s] == '(' {
					emit(chroma.NameFunction, w)
					if !spaces(rest[n:s]) {
						return nil, false
					}
					emit(chroma.Punctuation, "(")
					n = s + 1
				} else {
					emit(chroma.NameOther, w)
				}
			}
			i += n
			continue
		}
		if isDigit(c) || c == '.' && len(rest) > 1 && isDigit(rest[1]) {
			// A number is made of these; the rules see no further.
			span := 1
			for span < len(rest) && (isWord(rest[span]) || strings.IndexByte(".+-", rest[span]) >= 0) {
				span++
			}
			matched := false
			for _, r := range goNumbers {
				if loc := r.re.FindStringIndex(rest[:span]); loc != nil {
					emit(r.typ, rest[:loc[1]])
					i += loc[1]
					matched = true
					break
				}
			}
			if matched {
				continue
			}
		}
		switch c {
		case '\'':
			n := charLiteral(rest)
			if n == 0 {
				return nil, false
			}
			emit(chroma.LiteralStringChar, rest[:n])
			i += n
			continue
		case '`':
			end := strings.IndexByte(rest[1:], '`')
			if end < 0 {
				return nil, false
			}
			body := rest[1 : end+1]
			if strings.Contains(body, "{{") {
				return nil, false // a Go template, to chroma
			}
			emit(chroma.LiteralString, "`")
			// The template lexer's root state: runs of anything but
			// {, and each { alone.
			for body != "" {
				n := strings.IndexByte(body, '{')
				switch {
				case n < 0:
					n = len(body)
				case n == 0:
					n = 1
				}
				emit(chroma.LiteralString, body[:n])
				body = body[n:]
			}
			emit(chroma.LiteralString, "`")
			i += end + 2
			continue
		case '"':
			n := 1
			for n < len(rest) && rest[n] != '"' {
				if rest[n] == '\\' && n+1 < len(rest) && (rest[n+1] == '\\' || rest[n+1] == '"') {
					n += 2
					continue
				}
				n++
			}
			if n == len(rest) {
				return nil, false // never closed: regexp2 backtracks
			}
			emit(chroma.LiteralString, rest[:n+1])
			i += n + 1
			continue
		}
		op := ""
		for _, o := range goOperators {
			if strings.HasPrefix(rest, o) {
				op = o
				break
			}
		}
		if op == "" && strings.IndexByte("+-*/%&", c) >= 0 {
			op = rest[:1]
		}
		if op != "" {
			emit(chroma.Operator, op)
			i += len(op)
			continue
		}
		if strings.IndexByte("|^<>=!()[]{}.,;:~", c) >= 0 {
			emit(chroma.Punctuation, rest[:1])
			i++
			continue
		}
		return nil, false // an Error token to chroma
	}
	return coalesce(pieces), true
}

// charLiteral is the length of the character literal text starts with,
// as chroma's rule matches it, or 0.
func charLiteral(text string) int {
	closes := func(n int) int {
		if n < len(text) && text[n] == '\'' {
			return n + 1
		}
		return 0
	}
	hex := func(from, n int) bool {
		if from+n > len(text) {
			return false
		}
		for _, c := range []byte(text[from : from+n]) {
			if !isDigit(c) && !('a' <= c && c <= 'f') && !('A' <= c && c <= 'F') {
				return false
			}
		}
		return true
	}
	if len(text) < 3 {
		return 0
	}
	if text[1] != '\\' {
		// Any one character but a backslash.
		_, size := utf8.DecodeRuneInString(text[1:])
		return closes(1 + size)
	}
	// An escape: the alternatives in chroma's order, each tried until
	// one is followed by the closing quote.
	if strings.IndexByte(`'"\abfnrtv`, text[2]) >= 0 {
		if n := closes(3); n > 0 {
			return n
		}
	}
	if text[2] == 'x' && hex(3, 2) {
		if n := closes(5); n > 0 {
			return n
		}
	}
	for k := 3; k >= 1; k-- { // \\[0-7]{1,3}, greedy
		ok := 2+k <= len(text)
		for j := 2; ok && j < 2+k; j++ {
			ok = '0' <= text[j] && text[j] <= '7'
		}
		if ok {
			if n := closes(2 + k); n > 0 {
				return n
			}
		}
	}
	if text[2] == 'u' && hex(3, 4) {
		if n := closes(7); n > 0 {
			return n
		}
	}
	if text[2] == 'U' && hex(3, 8) {
		if n := closes(11); n > 0 {
			return n
		}
	}
	return 0
}

// coalesce joins adjacent pieces of a type, as chroma.Coalesce does: not
// onto a token of 8192 bytes or more.
func coalesce(pieces []goPiece) []chroma.Token {
	var out []chroma.Token
	var cur strings.Builder
	typ := chroma.TokenType(-1)
	flush := func() {
		if typ != -1 {
			out = append(out, chroma.Token{Type: typ, Value: cur.String()})
		}
	}
	for _, p := range pieces {
		if p.value == "" {
			continue
		}
		if p.typ == typ && cur.Len() < 8192 {
			cur.WriteString(p.value)
			continue
		}
		flush()
		cur = strings.Builder{}
		cur.WriteString(p.value)
		typ = p.typ
	}
	flush()
	return out
}
