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

// plainCells reports whether every cell is one line without control
// characters: the tables writeBoxed draws exactly as tablewriter does.
func plainCells(rows [][]string) bool {
	for _, r := range rows {
		for _, c := range r {
			for i := 0; i < len(c); i++ {
				if b := c[i]; b < 0x20 || b == 0x7f {
					return false
				}
			}
		}
	}
	return true
}

// layout measures the columns of a long table: the header padded to n
// cells, each column's width, and which columns align right. cellW, if
// not nil, holds each cell's width, already measured.
func layout(header []string, rows [][]string, cellW [][]int, n int, right []int) (hdr []string, widths []int, isRight []bool) {
	hdr = make([]string, n)
	copy(hdr, header)
	widths = make([]int, n)
	for i, h := range hdr {
		widths[i] = DisplayWidth(h)
	}
	for j, r := range rows {
		for i, c := range r {
			if cellW != nil {
				widths[i] = max(widths[i], cellW[j][i])
			} else {
				widths[i] = max(widths[i], DisplayWidth(c))
			}
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
// column's width on the side alignment asks for. cw, if not nil, holds
// the cells' widths.
func writeCells(bw *bufio.Writer, cells []string, cw []int, widths []int, isRight []bool, sep, end string) {
	for i, wd := range widths {
		bw.WriteString(sep)
		c := cells[i]
		var pad int
		if cw != nil {
			pad = wd - cw[i]
		} else {
			pad = wd - DisplayWidth(c)
		}
		if isRight != nil && isRight[i] {
			writeSpaces(bw, pad)
			bw.WriteString(c)
		} else {
			bw.WriteString(c)
			writeSpaces(bw, pad)
		}
		bw.WriteByte(' ')
	}
	bw.WriteString(end)
}

// writeBoxed draws a header and rows in the box-drawing style of the
// tablewriter renderer the other tables use (tw.StyleLight): one space
// of padding each side, header left-aligned, columns in right aligned.
func writeBoxed(bw *bufio.Writer, header []string, rows [][]string, cellW [][]int, n int, right []int) {
	hdr, widths, isRight := layout(header, rows, cellW, n, right)
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
	writeCells(bw, hdr, nil, widths, nil, "│ ", "│\n")
	rule("├", "┼", "┤")
	for j, r := range rows {
		var cw []int
		if cellW != nil {
			cw = cellW[j]
		}
		writeCells(bw, r, cw, widths, isRight, "│ ", "│\n")
	}
	rule("└", "┴", "┘")
}

// writeMarkdown draws a header and rows as the tablewriter Markdown
// renderer does: cells padded to the column width, aligned as their column
// (the header too), and a separator row of dashes with colons.
func writeMarkdown(bw *bufio.Writer, header []string, rows [][]string, n int, right []int) {
	hdr, widths, isRight := layout(header, rows, nil, n, right)
	writeCells(bw, hdr, nil, widths, isRight, "| ", "|\n")
	for i, wd := range widths {
		if isRight[i] {
			bw.WriteString("|" + strings.Repeat("-", wd+1) + ":")
		} else {
			bw.WriteString("|:" + strings.Repeat("-", wd+1))
		}
	}
	bw.WriteString("|\n")
	for _, r := range rows {
		writeCells(bw, r, nil, widths, isRight, "| ", "|\n")
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
