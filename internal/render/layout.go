package render

import (
	"runtime"
	"slices"
	"strings"
	"sync"
)

// layoutCells turns the rows into visible, fitted cells: every line made
// visible, each column fitted to its width by its kind. It reports false
// when the columns cannot fit o.Width even at their narrowest.
func (t *Table) layoutCells(n int, o Options) (g *grid, ok bool) {
	md := o.Format == FormatMarkdown
	// cols[c][i] is the visible cell of row i, its lines joined by "\n";
	// cw[c][i] its width.
	cols := make([][]string, n)
	cw := make([][]int, n)
	nat := make([]int, n)
	hdrW := make([]int, n)
	kinds := make([]Kind, n)
	floor := make([]int, n)
	for c := range n {
		kinds[c] = t.kind(c)
		if !t.KeyValue && c < len(t.Header) {
			hdrW[c] = DisplayWidth(t.Header[c])
		}
		nat[c] = hdrW[c]
		col := make([]string, len(t.Rows))
		w := make([]int, len(t.Rows))
		k := kinds[c]
		widest := inParts(len(t.Rows), func(lo, hi int) int {
			m := 0
			for i := lo; i < hi; i++ {
				if r := t.Rows[i]; c < len(r) {
					if k == Prose || k == Paths {
						col[i] = visibleCell(r[c], k)
						w[i] = cellWidth(col[i])
					} else if v := r[c]; printablePrefix(v) == len(v) {
						col[i], w[i] = v, len(v) // printable ASCII, one line
					} else {
						col[i] = Visible(v)
						w[i] = DisplayWidth(col[i])
					}
					m = max(m, w[i])
				}
			}
			return m
		})
		nat[c] = max(nat[c], widest)
		cols[c], cw[c] = col, w
	}
	for c := range n {
		floor[c] = floorOf(kinds[c], nat[c], hdrW[c], cols[c])
	}
	target, ok := fit(nat, floor, kinds, o.Width)
	fittedW := make([][]int, n)
	// Eliding whole path elements or wrapping at spaces often leaves a
	// column narrower than its share: hand what is left to the columns
	// that gave way, and shorten them again from their full text.
	fitted := make([][]string, n)
	used := make([]int, n)
	for c := range n {
		fitted[c], fittedW[c], used[c] = shortenColumn(cols[c], cw[c], kinds[c], target[c], nat[c], hdrW[c], md)
	}
	for range 3 {
		if o.Width <= 0 || !ok {
			break
		}
		slack := o.Width - (3*n + 1)
		for _, u := range used {
			slack -= u
		}
		best := -1
		for c := range n {
			if used[c] < nat[c] && slack > 0 && (best < 0 || nat[c]-used[c] > nat[best]-used[best]) {
				best = c
			}
		}
		if best < 0 {
			break
		}
		target[best] = min(nat[best], used[best]+slack)
		fitted[best], fittedW[best], used[best] = shortenColumn(cols[best], cw[best], kinds[best], target[best], nat[best], hdrW[best], md)
	}
	g = &grid{cols: fitted, rows: len(t.Rows)}
	if md {
		for c := range n {
			col := make([]string, len(t.Rows))
			k := kinds[c]
			if t.KeyValue && c == 0 {
				k = Fixed // a key reads as a label, not as code
			}
			for i, v := range fitted[c] {
				col[i] = markdownCell(v, k)
			}
			g.cols[c] = col
		}
	} else {
		g.widths = fittedW
	}
	for c := range n {
		if kinds[c] == Prose || kinds[c] == Paths {
			for _, v := range g.cols[c] {
				g.multi = g.multi || strings.IndexByte(v, '\n') >= 0
			}
		}
	}
	return g, ok
}

// grid holds a table's cells by column, ready to draw: visible, fitted,
// and in Markdown escaped.
type grid struct {
	cols   [][]string // cols[c][i]: the cell of row i
	widths [][]int    // widths[c][i]: its width; nil when not measured
	rows   int
	multi  bool // some cell has several lines
}

// row returns row i's cells.
func (g *grid) row(i int) []string {
	r := make([]string, len(g.cols))
	for c := range g.cols {
		r[c] = g.cols[c][i]
	}
	return r
}

// markdownCell escapes a visible cell for a Markdown table: names and
// paths as code spans, other text escaped, lines joined with <br>.
func markdownCell(v string, k Kind) string {
	esc := markdownText
	if k == Name || k == Path || k == Paths {
		esc = codeSpan
	}
	if strings.IndexByte(v, '\n') < 0 {
		return esc(v)
	}
	ls := strings.Split(v, "\n")
	for j, l := range ls {
		ls[j] = esc(l)
	}
	return strings.Join(ls, "<br>")
}

// shortenColumn fits the visible cells of a column to target columns by
// its kind and returns them with the width they take. Markdown keeps prose
// whole: the reader's renderer wraps it.
func shortenColumn(col []string, cw []int, k Kind, target, nat, hdr int, md bool) ([]string, []int, int) {
	if target >= nat || md && k == Prose {
		return col, cw, nat
	}
	out := make([]string, len(col))
	outW := make([]int, len(col))
	used := max(hdr, inParts(len(col), func(lo, hi int) int {
		return shortenPart(col, cw, out, outW, lo, hi, k, target)
	}))
	return out, outW, used
}

// shortenPart shortens cells lo to hi of a column into out and outW, and
// returns the widest it left.
func shortenPart(col []string, cw []int, out []string, outW []int, lo, hi int, k Kind, target int) int {
	used := 0
	for i := lo; i < hi; i++ {
		v := col[i]
		if cw[i] <= target {
			out[i], outW[i] = v, cw[i]
			used = max(used, cw[i])
			continue
		}
		if k != Prose && k != Paths || strings.IndexByte(v, '\n') < 0 {
			v = shortenW(v, cw[i], k, target)
		} else {
			ls := strings.Split(v, "\n")
			for j, l := range ls {
				if DisplayWidth(l) > target {
					ls[j] = shorten(l, k, target)
				}
			}
			v = strings.Join(ls, "\n")
		}
		if k == Prose || k == Paths {
			outW[i] = cellWidth(v)
		} else {
			outW[i] = DisplayWidth(v)
		}
		out[i] = v
		used = max(used, outW[i])
	}
	return used
}

// parallelRows is the table length from which the cells are measured and
// shortened on every CPU: a 46,000-symbol listing spends most of its
// layout eliding names.
const parallelRows = 8192

// inParts runs f over [0, n) in one part per CPU when n is large, in one
// part otherwise, and returns the largest result.
func inParts(n int, f func(lo, hi int) int) int {
	p := runtime.GOMAXPROCS(0)
	if n < parallelRows || p < 2 {
		return f(0, n)
	}
	res := make([]int, p)
	var wg sync.WaitGroup
	for j := range p {
		lo, hi := n*j/p, n*(j+1)/p
		wg.Go(func() { res[j] = f(lo, hi) })
	}
	wg.Wait()
	return slices.Max(res)
}
