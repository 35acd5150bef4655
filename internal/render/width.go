package render

import (
	"strings"
	"unicode/utf8"

	"github.com/olekukonko/tablewriter/pkg/twwidth"
)

// Every width in this package is a count of terminal columns, measured as
// tablewriter measures the cells it draws: a CJK character takes two
// columns, a combining mark none. Text that is printable ASCII, nearly
// every symbol name, takes a fast path with no decoding.

// DisplayWidth is the number of terminal columns s takes once printed. s
// should be visible text (see Visible): control characters have no width.
func DisplayWidth(s string) int {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 || s[i] < 0x20 {
			return twwidth.Width(s)
		}
	}
	return len(s)
}

// runeWidth is the width of one rune alone.
func runeWidth(r rune) int {
	if r < 0x80 {
		return 1
	}
	return twwidth.Width(string(r))
}

// ascii reports whether s is all ASCII.
func ascii(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// prefixCols returns the longest prefix of s at most n columns wide.
func prefixCols(s string, n int) string {
	if ascii(s) {
		return s[:min(n, len(s))]
	}
	w := 0
	for i, r := range s {
		rw := runeWidth(r)
		if w+rw > n {
			return s[:i]
		}
		w += rw
	}
	return s
}

// suffixCols returns the longest suffix of s at most n columns wide.
func suffixCols(s string, n int) string {
	if ascii(s) {
		return s[len(s)-min(n, len(s)):]
	}
	w, i := 0, len(s)
	for i > 0 {
		r, size := utf8.DecodeLastRuneInString(s[:i])
		rw := runeWidth(r)
		if w+rw > n {
			break
		}
		w += rw
		i -= size
	}
	return s[i:]
}

// Elide shortens s to at most n columns by replacing its middle with "…",
// keeping more of the end than of the start: the end of a C++ or Go name
// (the function and its parameters) says more than its namespaces.
func Elide(s string, n int) string {
	if n < 3 || DisplayWidth(s) <= n {
		return s
	}
	head := (n - 1) * 2 / 5
	h := prefixCols(s, head)
	return h + "…" + suffixCols(s, n-1-DisplayWidth(h))
}

// ElideName shortens a symbol name to at most n columns the way a reader
// would: first it collapses the contents of top-level template or type
// argument lists, longest first ("std::basic_string<…>::append(char
// const*)"), keeping the function name and parameters in view; if that is
// not enough it elides the middle, keeping a little of the start (the
// namespace) and as much of the end as fits.
func ElideName(s string, n int) string {
	w := DisplayWidth(s)
	if w <= n {
		return s
	}
	for w > n {
		lo, hi := longestGroup(s)
		if hi-lo < 2 {
			break
		}
		s = s[:lo+1] + "…" + s[hi:]
		w = DisplayWidth(s)
	}
	if w <= n || n < 3 {
		return s
	}
	head := min((n-1)*2/5, 10)
	h := prefixCols(s, head)
	return h + "…" + suffixCols(s, n-1-DisplayWidth(h))
}

// longestGroup finds the longest top-level <...> or [...] group of s with
// more than one character inside, returning the byte offsets of its
// brackets, or (0, 0). Unbalanced brackets (operator<, operator>>) stop the
// search. A group already collapsed to "…" counts as one character.
func longestGroup(s string) (lo, hi int) {
	depth, start := 0, 0
	var open, close byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case depth == 0 && (c == '<' || c == '['):
			open, close = c, '>'
			if c == '[' {
				close = ']'
			}
			depth, start = 1, i
		case depth > 0 && c == open:
			depth++
		case depth > 0 && c == close:
			depth--
			inner := s[start+1 : i]
			if depth == 0 && inner != "…" && utf8.RuneCountInString(inner) > 1 && i-start > hi-lo {
				lo, hi = start, i
			}
		}
	}
	if depth != 0 && hi == 0 {
		return 0, 0
	}
	return lo, hi
}

// ElidePath shortens a path or a pluginpath to at most n columns by
// dropping whole leading elements ("…/plugins/plugin1"): its end names
// the thing. When even the last element does not fit, its middle goes.
func ElidePath(s string, n int) string {
	if DisplayWidth(s) <= n {
		return s
	}
	// Try cuts after each '/', leftmost first: the longest tail that fits.
	for i := 0; i < len(s); i++ {
		if s[i] == '/' && i+1 < len(s) {
			tail := s[i:]
			if 1+DisplayWidth(tail) <= n {
				return "…" + tail
			}
		}
	}
	last := s[strings.LastIndexByte(s, '/')+1:]
	return Elide(last, n)
}

// pathFloor is the narrowest a path can be shown without cutting into its
// last element: "…/" and the last element.
func pathFloor(s string) int {
	i := strings.LastIndexByte(strings.TrimRight(s, "/"), '/')
	if i < 0 {
		return DisplayWidth(s)
	}
	return min(DisplayWidth(s), 1+DisplayWidth(s[i:]))
}

// WrapText breaks s into lines of at most n columns at spaces, and at each
// "\n" it holds. A word longer than n is broken, not shortened: after a
// '/', '|', ',', '.' or ':' where one falls in the second half of a line,
// otherwise at n columns. Lines are joined with "\n", which tables render
// as one cell of several lines.
func WrapText(s string, n int) string {
	if n < 1 {
		n = 1
	}
	var lines []string
	for _, para := range strings.Split(s, "\n") {
		var cur strings.Builder
		curW := 0
		flush := func() {
			lines = append(lines, cur.String())
			cur.Reset()
			curW = 0
		}
		words := strings.Fields(para)
		if len(words) == 0 {
			lines = append(lines, "")
			continue
		}
		for _, word := range words {
			ww := DisplayWidth(word)
			if curW > 0 && curW+1+ww > n {
				flush()
			}
			if ww > n {
				chunks := breakWord(word, n)
				for _, c := range chunks[:len(chunks)-1] {
					if curW > 0 {
						flush()
					}
					cur.WriteString(c)
					flush()
				}
				word = chunks[len(chunks)-1]
				ww = DisplayWidth(word)
			}
			if curW > 0 {
				cur.WriteByte(' ')
				curW++
			}
			cur.WriteString(word)
			curW += ww
		}
		flush()
	}
	return strings.Join(lines, "\n")
}

// breakWord cuts a word wider than n columns into pieces of at most n.
func breakWord(word string, n int) []string {
	var out []string
	for DisplayWidth(word) > n {
		head := prefixCols(word, n)
		if cut := strings.LastIndexAny(head, "/|,.:-"); cut >= 0 && DisplayWidth(head[:cut+1]) >= n/2 {
			head = head[:cut+1]
		}
		if head == "" { // a character wider than n
			_, size := utf8.DecodeRuneInString(word)
			head = word[:size]
		}
		out = append(out, head)
		word = word[len(head):]
	}
	return append(out, word)
}
