package render

import (
	"bufio"
	"strings"
)

// fastRows is the table length from which writeBoxed draws the table
// instead of tablewriter, which costs tens of microseconds a row: a 46,000
// symbol listing took 1.6 s that way, and takes 40 ms this way. The two
// draw the same bytes (TestBoxedMatchesTablewriter holds them to it).
var fastRows = 2000

// layout measures the columns of a long table: the header padded to n
// cells, each column's width, and which columns align right.
func layout(header []string, g *grid, right []int) (hdr []string, widths []int, isRight []bool) {
	n := len(g.cols)
	hdr = make([]string, n)
	copy(hdr, header)
	widths = make([]int, n)
	for c, h := range hdr {
		widths[c] = DisplayWidth(h)
		if g.widths != nil {
			for _, w := range g.widths[c] {
				widths[c] = max(widths[c], w)
			}
			continue
		}
		for _, v := range g.cols[c] {
			widths[c] = max(widths[c], DisplayWidth(v))
		}
	}
	isRight = make([]bool, n)
	for _, c := range right {
		if c >= 0 && c < n {
			isRight[c] = true
		}
	}
	return hdr, widths, isRight
}

// writeCells writes one line of cells between the separators sep (before
// each cell, after one space of padding) and end, each cell padded to its
// column's width on the side alignment asks for. cell gives the text of
// column c and its width (or -1 to measure it).
func writeCells(bw *bufio.Writer, cell func(c int) (string, int), widths []int, isRight []bool, sep, end string) {
	for c, wd := range widths {
		bw.WriteString(sep)
		v, w := cell(c)
		if w < 0 {
			w = DisplayWidth(v)
		}
		pad := wd - w
		if isRight != nil && isRight[c] {
			writeSpaces(bw, pad)
			bw.WriteString(v)
		} else {
			bw.WriteString(v)
			writeSpaces(bw, pad)
		}
		bw.WriteByte(' ')
	}
	bw.WriteString(end)
}

// headerCell and gridCell read the cells of the header and of row i.
func headerCell(hdr []string) func(int) (string, int) {
	return func(c int) (string, int) { return hdr[c], -1 }
}

func gridCell(g *grid, i *int) func(int) (string, int) {
	return func(c int) (string, int) {
		if g.widths != nil {
			return g.cols[c][*i], g.widths[c][*i]
		}
		return g.cols[c][*i], -1
	}
}

// writeBoxed draws a header and rows in the box-drawing style of the
// tablewriter renderer the other tables use (tw.StyleLight): one space
// of padding each side, header left-aligned, columns in right aligned.
func writeBoxed(bw *bufio.Writer, header []string, g *grid, right []int) {
	hdr, widths, isRight := layout(header, g, right)
	rule := func(left, mid, end string) {
		bw.WriteString(left)
		for i, wd := range widths {
			if i > 0 {
				bw.WriteString(mid)
			}
			bw.WriteString(strings.Repeat("─", wd+2))
		}
		bw.WriteString(end)
		bw.WriteByte('\n')
	}
	rule("┌", "┬", "┐")
	writeCells(bw, headerCell(hdr), widths, nil, "│ ", "│\n")
	rule("├", "┼", "┤")
	var i int
	cell := gridCell(g, &i)
	for i = 0; i < g.rows; i++ {
		writeCells(bw, cell, widths, isRight, "│ ", "│\n")
	}
	rule("└", "┴", "┘")
}

// writeMarkdown draws a header and rows as the tablewriter Markdown
// renderer does: cells padded to the column width, aligned as their column
// (the header too), and a separator row of dashes with colons.
func writeMarkdown(bw *bufio.Writer, header []string, g *grid, right []int) {
	hdr, widths, isRight := layout(header, g, right)
	writeCells(bw, headerCell(hdr), widths, isRight, "| ", "|\n")
	for i, wd := range widths {
		if isRight[i] {
			bw.WriteString("|" + strings.Repeat("-", wd+1) + ":")
		} else {
			bw.WriteString("|:" + strings.Repeat("-", wd+1))
		}
	}
	bw.WriteString("|\n")
	var i int
	cell := gridCell(g, &i)
	for i = 0; i < g.rows; i++ {
		writeCells(bw, cell, widths, isRight, "| ", "|\n")
	}
}

func writeSpaces(bw *bufio.Writer, n int) {
	const spaces = "                                                                "
	for n > 0 {
		k := min(n, len(spaces))
		bw.WriteString(spaces[:k])
		n -= k
	}
}
