package render

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Visible makes s safe to show on a terminal, so that a name read from a
// hostile file can neither run terminal commands nor hide what it is:
// control characters print as readelf prints them (ESC as ^[, DEL as ^?),
// C1 controls, bidirectional overrides and other invisible formatting
// characters as \uXXXX, and bytes that are not UTF-8 as \xNN. Printable
// text, ASCII or not, is returned as it is (and without copying).
func Visible(s string) string {
	for i := printablePrefix(s); i < len(s); i++ {
		if b := s[i]; b < 0x20 || b >= 0x7f {
			if b >= 0x80 && !needsEscapeFrom(s[i:]) {
				return s
			}
			return visibleFrom(s, i)
		}
	}
	return s
}

// needsEscapeFrom reports whether s, which starts with a non-ASCII byte,
// holds anything Visible must escape.
func needsEscapeFrom(s string) bool {
	for i := 0; i < len(s); {
		if s[i] < 0x80 {
			if s[i] < 0x20 || s[i] == 0x7f {
				return true
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n <= 1 || hiddenRune(r) {
			return true
		}
		i += n
	}
	return false
}

// hiddenRune reports whether r must not reach a terminal as it is: C0 and
// C1 controls, format characters (bidirectional overrides and isolates,
// zero-width characters), line and paragraph separators, private use and
// unassigned code points.
func hiddenRune(r rune) bool {
	return !unicode.IsGraphic(r) && r != ' '
}

func visibleFrom(s string, i int) string {
	var b strings.Builder
	b.Grow(len(s) + 8)
	b.WriteString(s[:i])
	for i < len(s) {
		c := s[i]
		switch {
		case c < 0x20:
			b.WriteByte('^')
			b.WriteByte(c + 0x40)
			i++
		case c == 0x7f:
			b.WriteString("^?")
			i++
		case c < 0x80:
			b.WriteByte(c)
			i++
		default:
			r, n := utf8.DecodeRuneInString(s[i:])
			switch {
			case r == utf8.RuneError && n <= 1:
				b.WriteString(`\x`)
				b.WriteString(hex2(c))
			case hiddenRune(r):
				if r > 0xffff {
					b.WriteString(`\U`)
					b.WriteString(pad0(strconv.FormatInt(int64(r), 16), 8))
				} else {
					b.WriteString(`\u`)
					b.WriteString(pad0(strconv.FormatInt(int64(r), 16), 4))
				}
			default:
				b.WriteString(s[i : i+n])
			}
			i += n
		}
	}
	return b.String()
}

func hex2(c byte) string {
	const digits = "0123456789abcdef"
	return string([]byte{digits[c>>4], digits[c&15]})
}

func pad0(s string, n int) string {
	if len(s) >= n {
		return s
	}
	return strings.Repeat("0", n-len(s)) + s
}

// Markdown makes s, read from a file, safe as Markdown text: visible (see
// Visible), and escaped so that it prints as itself (see markdownText).
func Markdown(s string) string { return markdownText(Visible(s)) }

// markdownText escapes visible text for a Markdown table cell or line:
// HTML cannot start (< > and entity-like &), a | cannot end the cell,
// and backticks, emphasis and link brackets print as themselves.
func markdownText(s string) string {
	if !strings.ContainsAny(s, "\\`*_[]<>|&") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '&':
			if entityAt(s[i:]) {
				b.WriteString("&amp;")
			} else {
				b.WriteByte(c)
			}
		case '\\', '`', '*', '_', '[', ']', '|':
			b.WriteByte('\\')
			b.WriteByte(c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// entityAt reports whether s starts with what a Markdown renderer would
// read as an HTML entity: &name; &#123; &#x1f;.
func entityAt(s string) bool {
	i := 1
	for i < len(s) && i < 40 {
		c := s[i]
		if c == ';' {
			return i > 1
		}
		if !(c == '#' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return false
		}
		i++
	}
	return false
}

// codeSpan puts visible text in a Markdown code span: nothing in it is
// read as Markdown or HTML, only | needs its backslash (GFM tables split
// cells at it even inside code), and a fence longer than any run of
// backticks inside holds names that contain backticks.
func codeSpan(s string) string {
	if s == "" {
		return ""
	}
	longest := longestBackticks(s)
	s = strings.ReplaceAll(s, "|", `\|`)
	fence := strings.Repeat("`", longest+1)
	if longest > 0 || s[0] == ' ' && s[len(s)-1] == ' ' {
		return fence + " " + s + " " + fence
	}
	return fence + s + fence
}

// longestBackticks returns the length of the longest run of backticks in
// s: a Markdown code fence must be longer.
func longestBackticks(s string) int {
	run, longest := 0, 0
	for i := 0; i < len(s); i++ {
		if s[i] == '`' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	return longest
}
