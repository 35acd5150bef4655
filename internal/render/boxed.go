package render

import (
	"bufio"
	"strings"

	"github.com/olekukonko/tablewriter/pkg/twwidth"
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

// cellWidth is the display width of a cell: its length for ASCII, and
// tablewriter's own measure (East Asian widths, grapheme clusters) for the
// rest, so that both draw the same columns.
func cellWidth(c string) int {
	for i := 0; i < len(c); i++ {
		if c[i] >= 0x80 {
			return twwidth.Width(c)
		}
	}
	return len(c)
}

// layout measures the columns of a long table: the header padded to n
// cells, each column's width, and which columns align right.
func layout(header []string, rows [][]string, n int, right []int) (hdr []string, widths []int, isRight []bool) {
	hdr = make([]string, n)
	copy(hdr, header)
	widths = make([]int, n)
	for i, h := range hdr {
		widths[i] = cellWidth(h)
	}
	for _, r := range rows {
		for i, c := range r {
			widths[i] = max(widths[i], cellWidth(c))
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
// column's width on the side alignment asks for.
func writeCells(bw *bufio.Writer, cells []string, widths []int, isRight []bool, sep, end string) {
	for i, wd := range widths {
		bw.WriteString(sep)
		c := cells[i]
		pad := wd - cellWidth(c)
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
func writeBoxed(bw *bufio.Writer, header []string, rows [][]string, n int, right []int) {
	hdr, widths, isRight := layout(header, rows, n, right)
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
	writeCells(bw, hdr, widths, nil, "│ ", "│\n")
	rule("├", "┼", "┤")
	for _, r := range rows {
		writeCells(bw, r, widths, isRight, "│ ", "│\n")
	}
	rule("└", "┴", "┘")
}

// writeMarkdown draws a header and rows as the tablewriter Markdown
// renderer does: cells padded to the column width, aligned as their column
// (the header too), and a separator row of dashes with colons.
func writeMarkdown(bw *bufio.Writer, header []string, rows [][]string, n int, right []int) {
	hdr, widths, isRight := layout(header, rows, n, right)
	writeCells(bw, hdr, widths, isRight, "| ", "|\n")
	for i, wd := range widths {
		if isRight[i] {
			bw.WriteString("|" + strings.Repeat("-", wd+1) + ":")
		} else {
			bw.WriteString("|:" + strings.Repeat("-", wd+1))
		}
	}
	bw.WriteString("|\n")
	for _, r := range rows {
		writeCells(bw, r, widths, isRight, "| ", "|\n")
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
