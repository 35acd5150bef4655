package render

import "strings"

// Kind says what a column holds, and so how it may give way when a table
// is wider than the line: which text may wrap, which may lose its start or
// its middle, and which must never be cut.
type Kind uint8

// The kinds of column. A column without a kind is Fixed.
const (
	// Fixed text is never cut: numbers, addresses, hashes, flags, the
	// words soinspect itself prints.
	Fixed Kind = iota
	// Name is a symbol, type, package or version name. It keeps its end
	// (the function and its parameters) and first loses the contents of
	// its template argument lists, then its middle (see ElideName).
	Name
	// Path is a file path, directory or pluginpath. It loses whole
	// leading elements ("…/plugins/plugin1"), never its last one.
	Path
	// Paths is a cell of several paths, one a line: the cell joins them
	// with List.
	Paths
	// Prose is a sentence or a list of words. It wraps at spaces onto
	// more lines and loses nothing; in Markdown the reader's renderer
	// wraps it.
	Prose
)

// listSep separates the items of a Paths cell: NUL can occur in no path,
// no ELF string and no pluginpath, so an item read from a file can never
// split itself in two.
const listSep = "\x00"

// List joins items into one cell of a Paths column, one item a line.
func List(items ...string) string { return strings.Join(items, listSep) }

// visibleCell makes a cell visible, its lines joined by "\n": a Prose
// cell keeps its newlines, a Paths cell puts one item a line, and in any
// other cell a newline from a file shows as ^J.
func visibleCell(c string, k Kind) string {
	sep := ""
	switch k {
	case Prose:
		sep = "\n"
	case Paths:
		sep = listSep
	}
	if sep == "" || !strings.Contains(c, sep) {
		return Visible(c)
	}
	lines := strings.Split(c, sep)
	for i := range lines {
		lines[i] = Visible(lines[i])
	}
	return strings.Join(lines, "\n")
}

// cellWidth is the width of a visible cell: of its widest line.
func cellWidth(c string) int {
	if strings.IndexByte(c, '\n') < 0 {
		return DisplayWidth(c)
	}
	w := 0
	for _, l := range strings.Split(c, "\n") {
		w = max(w, DisplayWidth(l))
	}
	return w
}

// weight is how wide a column of kind k counts when the fitter picks the
// widest to take from: prose counts a quarter wider, so it wraps before an
// identifier of about its width loses anything.
func weight(k Kind, w int) int {
	if k == Prose {
		return w * 5 / 4
	}
	return w
}

// fit computes the width of each column so that the table's lines are at
// most width columns: nat are the natural widths, floor the narrowest each
// column may become. It takes from the widest column that may give way
// (see weight), down to the next widest, until the table fits; it reports
// false when even the floors do not fit.
func fit(nat, floor []int, kinds []Kind, width int) ([]int, bool) {
	n := len(nat)
	target := append([]int(nil), nat...)
	total := 3*n + 1
	for _, w := range nat {
		total += w
	}
	for width > 0 && total > width {
		best := -1
		for c := range n {
			if target[c] > floor[c] && (best < 0 || weight(kinds[c], target[c]) > weight(kinds[best], target[best])) {
				best = c
			}
		}
		if best < 0 {
			return target, false
		}
		// Down to the next widest (in the same weighing), at least one.
		next := 0
		for c := range n {
			if c != best && target[c] > floor[c] {
				if w := weight(kinds[c], target[c]); w <= weight(kinds[best], target[best]) {
					next = max(next, w)
				}
			}
		}
		goal := next
		if kinds[best] == Prose {
			goal = next * 4 / 5
		}
		d := min(total-width, target[best]-max(floor[best], goal))
		d = max(d, 1)
		target[best] -= d
		total -= d
	}
	return target, true
}

// floorOf is the narrowest a column of kind k may become, given its
// natural width, its header's width and its visible cells.
func floorOf(k Kind, nat, header int, cells []string) int {
	switch k {
	case Name:
		return min(nat, max(header, 16))
	case Prose:
		return min(nat, max(header, 16))
	case Path, Paths:
		f := header
		for _, c := range cells {
			for _, l := range strings.Split(c, "\n") {
				f = max(f, pathFloor(l))
			}
		}
		return min(nat, max(f, 12))
	}
	return nat
}

// shorten fits one line of a column of kind k to n columns.
func shorten(line string, k Kind, n int) string {
	return shortenW(line, -1, k, n)
}

// shortenW is shorten for a line of width w, or of a width yet to measure
// when w < 0.
func shortenW(line string, w int, k Kind, n int) string {
	switch k {
	case Name:
		if w < 0 {
			w = DisplayWidth(line)
		}
		return elideName(line, w, n)
	case Path, Paths:
		return ElidePath(line, n)
	case Prose:
		return WrapText(line, n)
	}
	return line
}
