package render

import (
	"bufio"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/renderer"
	"github.com/olekukonko/tablewriter/tw"
)

// Table is a titled table of strings.
type Table struct {
	// Title, if set, is printed above the table (a "## Title" heading in
	// Markdown); plain output omits it.
	Title string
	// Header names the columns. Plain output omits it.
	Header []string
	// Rows holds the cells; short rows are padded with empty cells.
	Rows [][]string
	// Right marks columns to align right (numbers, addresses).
	Right []int
	// Elide is the index of the column that gives way when the table is
	// wider than Width: its long cells lose their middle to "…", so every
	// row stays on one line. -1 (or unset with Width 0) elides nothing.
	Elide int
	// Width is the maximum width of a table line in columns; 0 means no limit.
	Width int
	// Shrink lists more columns that may be elided, widest first, when
	// eliding the Elide column is not enough.
	Shrink []int
	// Wrap makes the Elide column wrap at spaces onto more lines instead
	// of losing its middle: for lists and sentences rather than names.
	Wrap bool
	// KeyValue marks a two-column key: value table with no header row.
	KeyValue bool
	// Footer, if set, is printed under the table (a note, a count).
	Footer string
}

// Write renders the table to w in format f. FormatJSON is refused: JSON is
// made from the data, not from its table.
func (t *Table) Write(w io.Writer, f Format) error {
	switch f {
	case FormatPlain:
		return t.writePlain(w)
	case FormatTable, FormatMarkdown:
		return t.writeTable(w, f)
	}
	return fmt.Errorf("render: a table cannot be written as %s", f)
}

func (t *Table) ncols() int {
	n := len(t.Header)
	for _, r := range t.Rows {
		n = max(n, len(r))
	}
	return n
}

// writePlain writes one row a line, cells separated by a space; empty cells
// print as "-" so that every line has the same number of fields for awk.
func (t *Table) writePlain(w io.Writer) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	n := t.ncols()
	for _, r := range t.Rows {
		for i := 0; i < n; i++ {
			if i > 0 {
				bw.WriteByte(' ')
			}
			c := ""
			if i < len(r) {
				c = r[i]
			}
			if c == "" && !(t.KeyValue && i > 0) {
				c = "-"
			}
			if t.KeyValue && i == 0 {
				c += ":"
			}
			bw.WriteString(c)
		}
		bw.WriteByte('\n')
	}
	return bw.Flush()
}

func (t *Table) writeTable(w io.Writer, f Format) error {
	n := t.ncols()
	if n == 0 {
		return nil
	}
	rows := make([][]string, len(t.Rows))
	for i, r := range t.Rows {
		row := make([]string, n)
		copy(row, r)
		rows[i] = row
	}
	if t.Width > 0 && t.Elide >= 0 && t.Elide < n {
		t.elide(rows, n, f)
	}

	bw := bufio.NewWriterSize(w, 64<<10)
	if t.Title != "" {
		if f == FormatMarkdown {
			fmt.Fprintf(bw, "## %s\n\n", t.Title)
		} else {
			fmt.Fprintf(bw, "%s\n", t.Title)
		}
	}

	if len(rows) >= fastRows && !t.KeyValue && len(t.Header) > 0 && plainCells(rows) {
		if f == FormatMarkdown {
			writeMarkdown(bw, t.Header, rows, n, t.Right)
			if t.Footer != "" {
				fmt.Fprintf(bw, "\n%s\n", t.Footer)
			}
			return bw.Flush()
		}
		writeBoxed(bw, t.Header, rows, n, t.Right)
		if t.Footer != "" {
			fmt.Fprintf(bw, "%s\n", t.Footer)
		}
		return bw.Flush()
	}

	align := make(tw.Alignment, n)
	for i := range align {
		align[i] = tw.AlignLeft
	}
	for _, c := range t.Right {
		if c >= 0 && c < n {
			align[c] = tw.AlignRight
		}
	}
	var rend tw.Renderer
	if f == FormatMarkdown {
		rend = renderer.NewMarkdown()
	} else {
		rend = renderer.NewBlueprint(tw.Rendition{Symbols: tw.NewSymbols(tw.StyleLight)})
	}
	opts := []tablewriter.Option{
		tablewriter.WithRenderer(rend),
		tablewriter.WithHeaderAutoFormat(tw.Off),
		tablewriter.WithRowAutoWrap(tw.WrapNone),
		tablewriter.WithHeaderAutoWrap(tw.WrapNone),
		tablewriter.WithAlignment(align),
		tablewriter.WithHeaderAlignment(tw.AlignLeft),
		tablewriter.WithTrimSpace(tw.Off),
	}
	tbl := tablewriter.NewTable(bw, opts...)
	if !t.KeyValue && len(t.Header) > 0 {
		hdr := make([]any, n)
		for i := range hdr {
			if i < len(t.Header) {
				hdr[i] = t.Header[i]
			} else {
				hdr[i] = ""
			}
		}
		tbl.Header(hdr...)
	}
	if err := tbl.Bulk(rows); err != nil {
		return err
	}
	if err := tbl.Render(); err != nil {
		return err
	}
	if t.Footer != "" {
		if f == FormatMarkdown {
			bw.WriteByte('\n')
		}
		fmt.Fprintf(bw, "%s\n", t.Footer)
	}
	return bw.Flush()
}

// elide shortens the cells of column t.Elide so that the table fits in
// t.Width columns. The cost of the frame is 3 columns a cell plus one.
func (t *Table) elide(rows [][]string, n int, f Format) {
	if f == FormatMarkdown {
		return
	}
	widths := make([]int, n)
	for i, h := range t.Header {
		if i < n && !t.KeyValue {
			widths[i] = utf8.RuneCountInString(h)
		}
	}
	for _, r := range rows {
		for i, c := range r {
			for _, line := range strings.Split(c, "\n") {
				widths[i] = max(widths[i], utf8.RuneCountInString(line))
			}
		}
	}
	total := 3*n + 1
	for _, wd := range widths {
		total += wd
	}
	if total <= t.Width {
		return
	}
	// The Elide column gives way first, down to 12 columns; then the
	// Shrink columns, widest first, down to 12 each.
	const floor = 12
	target := slices.Clone(widths)
	cut := func(c int) {
		if c < 0 || c >= n || total <= t.Width || target[c] <= floor {
			return
		}
		d := min(total-t.Width, target[c]-floor)
		target[c] -= d
		total -= d
	}
	cut(t.Elide)
	for total > t.Width {
		best := -1
		for _, c := range t.Shrink {
			if c >= 0 && c < n && c != t.Elide && target[c] > floor && (best < 0 || target[c] > target[best]) {
				best = c
			}
		}
		if best < 0 {
			break
		}
		// Take from the widest column only what brings it to the next widest.
		next := floor
		for _, c := range t.Shrink {
			if c != best && c >= 0 && c < n && c != t.Elide {
				next = max(next, min(target[c], target[best]-1))
			}
		}
		d := min(total-t.Width, max(target[best]-next, 1))
		target[best] -= d
		total -= d
	}
	for c := range n {
		if target[c] >= widths[c] {
			continue
		}
		for _, r := range rows {
			if t.Wrap && c == t.Elide {
				r[c] = WrapText(r[c], target[c])
			} else {
				r[c] = ElideName(r[c], target[c])
			}
		}
	}
}

// WrapText breaks s into lines of at most n runes at spaces; a word longer
// than n is elided. Lines are joined with "\n", which tables render as one
// cell of several lines.
func WrapText(s string, n int) string {
	var lines []string
	var cur []rune
	for _, word := range strings.Fields(s) {
		wr := []rune(word)
		if len(wr) > n {
			word = Elide(word, n)
			wr = []rune(word)
		}
		if len(cur) > 0 && len(cur)+1+len(wr) > n {
			lines = append(lines, string(cur))
			cur = cur[:0]
		}
		if len(cur) > 0 {
			cur = append(cur, ' ')
		}
		cur = append(cur, wr...)
	}
	if len(cur) > 0 || len(lines) == 0 {
		lines = append(lines, string(cur))
	}
	return strings.Join(lines, "\n")
}

// ElideName shortens a symbol name to at most n runes the way a reader
// would: first it collapses the contents of top-level template or type
// argument lists, longest first ("std::basic_string<…>::append(char
// const*)"), keeping the function name and parameters in view; if that is
// not enough it elides the middle (see Elide).
func ElideName(s string, n int) string {
	rs := []rune(s)
	if len(rs) <= n {
		return s
	}
	for len(rs) > n {
		lo, hi := longestGroup(rs)
		if hi-lo < 2 {
			break
		}
		rs = append(rs[:lo+1], append([]rune{'…'}, rs[hi:]...)...)
	}
	if len(rs) <= n {
		return string(rs)
	}
	// Keep a little of the start (the namespace) and as much of the end
	// (the name and parameters) as fits.
	head := min((n-1)*2/5, 10)
	return string(rs[:head]) + "…" + string(rs[len(rs)-(n-1-head):])
}

// longestGroup finds the longest top-level <...> or [...] group of rs with
// more than one rune inside, returning the indexes of its brackets, or
// (0, 0). Unbalanced brackets (operator<, operator>>) stop the search.
func longestGroup(rs []rune) (lo, hi int) {
	depth, start := 0, 0
	var open, close rune
	for i, r := range rs {
		switch {
		case depth == 0 && (r == '<' || r == '['):
			open, close = r, '>'
			if r == '[' {
				close = ']'
			}
			depth, start = 1, i
		case depth > 0 && r == open:
			depth++
		case depth > 0 && r == close:
			depth--
			if depth == 0 && i-start-1 > 1 && i-start > hi-lo {
				lo, hi = start, i
			}
		}
	}
	if depth != 0 && hi == 0 {
		return 0, 0
	}
	return lo, hi
}

// Elide shortens s to at most n runes by replacing its middle with "…",
// keeping more of the end than of the start: the end of a C++ or Go name
// (the function and its parameters) says more than its namespaces.
func Elide(s string, n int) string {
	rs := []rune(s)
	if len(rs) <= n || n < 3 {
		return s
	}
	head := (n - 1) * 2 / 5
	tail := n - 1 - head
	return strings.Join([]string{string(rs[:head]), "…", string(rs[len(rs)-tail:])}, "")
}
