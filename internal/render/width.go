package render

import (
	"slices"
	"strings"
	"sync"
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
	i := printablePrefix(s)
	if i == len(s) {
		return len(s)
	}
	w := i
	for ; i < len(s); i++ {
		switch c := s[i]; {
		case c >= 0x20 && c < 0x7f:
			w++
		case c == 0xe2 && i+2 < len(s) && s[i+1] == 0x80 && s[i+2] == 0xa6 && (i+3 == len(s) || s[i+3] < 0x80):
			// "…", which the shortened names hold, between ASCII.
			w += ellipsisWidth()
			i += 2
		default:
			return twwidth.Width(s)
		}
	}
	return w
}

// printablePrefix returns the length of the longest prefix of s that is
// printable ASCII (0x20 to 0x7e), eight bytes at a time: nearly every
// symbol name is all of it.
func printablePrefix(s string) int {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	i := 0
	for ; i+8 <= len(s); i += 8 {
		b := s[i : i+8]
		x := uint64(b[0]) | uint64(b[1])<<8 | uint64(b[2])<<16 | uint64(b[3])<<24 |
			uint64(b[4])<<32 | uint64(b[5])<<40 | uint64(b[6])<<48 | uint64(b[7])<<56
		// A byte ≥ 0x80 has its high bit set; so has b-0x20 for a byte
		// < 0x20, and b+1 for 0x7f. A borrow or carry crosses into the
		// next byte only from a byte that is itself flagged.
		if (x|(x-0x2020202020202020)|(x+ones))&highs != 0 {
			break
		}
	}
	for ; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f {
			return i
		}
	}
	return i
}

// ellipsisWidth is the width of "…": one column, or two where the East
// Asian ambiguous width applies (tablewriter decides which, once). It is
// measured at its first use rather than at every start.
func ellipsisWidth() int {
	ellipsis.once.Do(func() { ellipsis.width = twwidth.Width("…") })
	return ellipsis.width
}

var ellipsis struct {
	once  sync.Once
	width int
}

// runeWidth is the width of one rune alone.
func runeWidth(r rune) int {
	switch {
	case r < 0x80:
		return 1
	case r == '…':
		return ellipsisWidth()
	}
	return twwidth.Width(string(r))
}

// prefixCols returns the longest prefix of s at most n columns wide.
func prefixCols(s string, n int) string {
	if p := printablePrefix(s); p >= min(n, len(s)) {
		return s[:min(n, len(s))]
	}
	w := 0
	for i, r := range s {
		rw := 1
		if r >= 0x80 {
			rw = runeWidth(r)
		}
		if w+rw > n {
			return s[:i]
		}
		w += rw
	}
	return s
}

// suffixCols returns the longest suffix of s at most n columns wide.
func suffixCols(s string, n int) string {
	w, i := 0, len(s)
	for i > 0 && w < n {
		if c := s[i-1]; c < 0x80 {
			// ASCII, as nearly every byte of a name is.
			w++
			i--
			continue
		}
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
	return elideName(s, DisplayWidth(s), n)
}

// elideName is ElideName for s of width w.
func elideName(s string, w, n int) string {
	if w <= n {
		return s
	}
	var buf [32][2]int
	groups := topGroups(s, buf[:0])
	// Longest first; the first of equals first. The groups do not nest,
	// so each one collapsed takes its own width off.
	slices.SortStableFunc(groups, func(a, b [2]int) int { return (b[1] - b[0]) - (a[1] - a[0]) })
	k := 0
	for k < len(groups) && w > n {
		g := groups[k]
		w -= DisplayWidth(s[g[0]+1:g[1]]) - ellipsisWidth()
		k++
	}
	if k > 0 {
		cut := groups[:k]
		slices.SortFunc(cut, func(a, b [2]int) int { return a[0] - b[0] })
		var b strings.Builder
		b.Grow(len(s))
		last := 0
		for _, g := range cut {
			b.WriteString(s[last : g[0]+1])
			b.WriteString("…")
			last = g[1]
		}
		b.WriteString(s[last:])
		s = b.String()
	}
	if w <= n || n < 3 {
		return s
	}
	head := min((n-1)*2/5, 10)
	h := prefixCols(s, head)
	return h + "…" + suffixCols(s, n-1-DisplayWidth(h))
}

// topGroups returns the top-level <...> and [...] groups of s with more
// than one character inside, as the byte offsets of their brackets, in
// order, appended to groups. Unbalanced brackets (operator<, operator>>) end the search; with
// no group closed before them, there is none.
func topGroups(s string, groups [][2]int) [][2]int {
	for i := 0; i < len(s); {
		j := strings.IndexAny(s[i:], "<[")
		if j < 0 {
			break
		}
		start := i + j
		brackets := "<>"
		if s[start] == '[' {
			brackets = "[]"
		}
		depth, k := 1, start+1
		for depth > 0 {
			m := strings.IndexAny(s[k:], brackets)
			if m < 0 {
				return groups // unbalanced to the end
			}
			k += m
			if s[k] == brackets[0] {
				depth++
			} else {
				depth--
			}
			k++
		}
		if end := k - 1; end-start > 5 || utf8.RuneCountInString(s[start+1:end]) > 1 {
			groups = append(groups, [2]int{start, end})
		}
		i = k
	}
	return groups
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
