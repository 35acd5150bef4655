package report

import (
	"fmt"
	"html"
	"strings"
	"unicode/utf8"
)

// Every string that comes from a file goes through esc (HTML text and
// attribute values) or jsonText (the embedded JSON data) before it reaches
// the page. Nothing read from a file is ever written raw.

// visible makes control characters, bidi controls and invalid UTF-8 visible
// as escapes, so that a name cannot hide text, reorder what is around it or
// break a line: "\x1b" becomes "\x1b" spelled out, U+202E becomes "<U+202E>".
func visible(s string) string {
	if !needsVisible(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, r)
		case r >= 0x80 && r < 0xa0:
			fmt.Fprintf(&b, `\u%04x`, r)
		case isBidiOrInvisible(r):
			fmt.Fprintf(&b, "<U+%04X>", r)
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

func needsVisible(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c >= 0x7f {
			return true
		}
	}
	return false
}

// isBidiOrInvisible reports the format characters that change how the text
// around them is shown: the bidi embeddings, overrides and isolates, the
// marks, zero-width characters and the line and paragraph separators.
func isBidiOrInvisible(r rune) bool {
	switch {
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
		return true
	case r == 0x200e, r == 0x200f, r == 0x061c: // LRM, RLM, ALM
		return true
	case r >= 0x200b && r <= 0x200d, r == 0x2060, r == 0xfeff: // zero width
		return true
	case r == 0x2028, r == 0x2029:
		return true
	}
	return false
}

// esc returns s made visible and escaped for HTML text or a quoted
// attribute value, in HTML and in inline SVG alike: html.EscapeString's
// &amp; &lt; &gt; &#34; &#39;.
func esc(s string) string { return html.EscapeString(visible(s)) }

// jsonText escapes encoded JSON for embedding in a script element: no
// "</script", no "<!--", and no line separators that old JavaScript
// parsers take for line ends (< > & U+2028 U+2029 as \u escapes).
func jsonText(b []byte) string {
	var sb strings.Builder
	sb.Grow(len(b))
	for i := 0; i < len(b); i++ {
		switch c := b[i]; {
		case c == '<':
			sb.WriteString(`\u003c`)
		case c == '>':
			sb.WriteString(`\u003e`)
		case c == '&':
			sb.WriteString(`\u0026`)
		case c == 0xe2 && i+2 < len(b) && b[i+1] == 0x80 && b[i+2] == 0xa8:
			sb.WriteString(`\u2028`)
			i += 2
		case c == 0xe2 && i+2 < len(b) && b[i+1] == 0x80 && b[i+2] == 0xa9:
			sb.WriteString(`\u2029`)
			i += 2
		default:
			sb.WriteByte(c)
		}
	}
	return sb.String()
}
