package render

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/renderer"
	"github.com/olekukonko/tablewriter/tw"
)

// Table is a titled table of strings. Its cells may come straight from a
// file: Write escapes every one for the medium it writes to.
type Table struct {
	// Title, if set, is printed above the table (a "## Title" heading in
	// Markdown); plain output omits it. Leading newlines print as blank
	// lines; further lines print under the first.
	Title string
	// Header names the columns. Plain output omits it.
	Header []string
	// Rows holds the cells; short rows are padded with empty cells.
	Rows [][]string
	// Kinds gives each column's kind, which decides how it gives way when
	// the table is wider than the line. Columns past its end are Fixed.
	Kinds []Kind
	// Right marks columns to align right (numbers, addresses).
	Right []int
	// KeyValue marks a two-column key: value table with no header row.
	KeyValue bool
	// Footer, if set, is printed under the table (a note, a count), one
	// paragraph a line.
	Footer string
}

// Write renders the table to w as o says. FormatJSON is refused: JSON is
// made from the data, not from its table.
func (t *Table) Write(w io.Writer, o Options) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	if err := t.write(bw, o); err != nil {
		return err
	}
	return bw.Flush()
}

func (t *Table) write(bw *bufio.Writer, o Options) error {
	switch o.Format {
	case FormatPlain:
		return t.writePlain(bw, o)
	case FormatTable, FormatMarkdown, "":
		return t.writeTable(bw, o)
	}
	return fmt.Errorf("render: a table cannot be written as %s", o.Format)
}

func (t *Table) ncols() int {
	n := len(t.Header)
	for _, r := range t.Rows {
		n = max(n, len(r))
	}
	return n
}

func (t *Table) kind(c int) Kind {
	if c < len(t.Kinds) {
		return t.Kinds[c]
	}
	return Fixed
}

// writePlain writes one row a line, cells separated by a tab (a cell may
// hold spaces: a C++ name, a Go type, a sentence); empty cells print as "-"
// so that every line has the same number of fields for awk, cut or
// awk -F'\t'. A key: value table prints "key: value". Cells go out as they
// are unless o.Terminal asks for them visible.
func (t *Table) writePlain(bw *bufio.Writer, o Options) error {
	n := t.ncols()
	sep := byte('\t')
	if t.KeyValue {
		sep = ' '
	}
	for _, r := range t.Rows {
		for i := 0; i < n; i++ {
			if i > 0 {
				bw.WriteByte(sep)
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
			switch t.kind(i) {
			case Paths:
				c = strings.ReplaceAll(c, listSep, ",")
			case Prose:
				c = strings.ReplaceAll(c, "\n", " ")
			}
			if o.Terminal {
				c = Visible(c)
			} else if strings.ContainsAny(c, "\t\n") {
				c = escapePlain(c) // one record, its fields whole
			}
			bw.WriteString(c)
		}
		bw.WriteByte('\n')
	}
	return nil
}

// escapePlain keeps a cell read from a file from splitting a plain record.
func escapePlain(c string) string {
	return strings.ReplaceAll(strings.ReplaceAll(c, "\t", `\t`), "\n", `\n`)
}

func (t *Table) writeTable(bw *bufio.Writer, o Options) error {
	n := t.ncols()
	if n == 0 {
		return nil
	}
	md := o.Format == FormatMarkdown
	writeTitle(bw, t.Title, o)
	g, ok := t.layoutCells(n, o)
	if !ok && !md && !t.KeyValue && len(t.Header) > 0 {
		if err := t.writeRecords(bw, n, o); err != nil {
			return err
		}
		writeFooter(bw, t.Footer, o)
		return nil
	}
	header := make([]string, n)
	for i := range header {
		if i < len(t.Header) {
			header[i] = t.Header[i]
			if md {
				header[i] = markdownText(header[i])
			}
		}
	}

	if g.rows >= fastRows && !t.KeyValue && len(t.Header) > 0 && !g.multi {
		if md {
			writeMarkdown(bw, header, g, t.Right)
		} else {
			writeBoxed(bw, header, g, t.Right)
		}
		writeFooter(bw, t.Footer, o)
		return nil
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
	if md {
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
	if md && t.KeyValue {
		// A Markdown table needs a header row: an empty one.
		hdr := make([]any, n)
		for i := range hdr {
			hdr[i] = " "
		}
		tbl.Header(hdr...)
	} else if !t.KeyValue && len(t.Header) > 0 {
		hdr := make([]any, n)
		for i := range hdr {
			hdr[i] = header[i]
		}
		tbl.Header(hdr...)
	}
	rows := make([][]string, g.rows)
	for i := range rows {
		rows[i] = g.row(i)
	}
	if err := tbl.Bulk(rows); err != nil {
		return err
	}
	if err := tbl.Render(); err != nil {
		return err
	}
	writeFooter(bw, t.Footer, o)
	return nil
}

// writeRecords draws a table too wide for the line even at its narrowest
// as one key: value block a row, keys from the header, as psql's expanded
// display does: nothing is cut that the kind forbids cutting.
func (t *Table) writeRecords(bw *bufio.Writer, n int, o Options) error {
	keyW := 0
	for _, h := range t.Header {
		keyW = max(keyW, DisplayWidth(h))
	}
	avail := max(o.Width-keyW-7, 8)
	for i, r := range t.Rows {
		rec := &Table{KeyValue: true, Kinds: []Kind{Fixed, Prose}}
		for c := range n {
			cell := ""
			if c < len(r) {
				cell = r[c]
			}
			k := t.kind(c)
			ls := strings.Split(visibleCell(cell, k), "\n")
			for j, l := range ls {
				if k != Prose && k != Fixed {
					ls[j] = shorten(l, k, avail)
				}
			}
			key := ""
			if c < len(t.Header) {
				key = t.Header[c]
			}
			rec.Rows = append(rec.Rows, []string{key, strings.Join(ls, "\n")})
		}
		if i > 0 {
			bw.WriteByte('\n')
		}
		if err := rec.writeTable(bw, o); err != nil {
			return err
		}
	}
	return nil
}

// writeTitle writes a table's or a section's title: leading newlines as
// blank lines, then the first line (a "## " heading in Markdown), then the
// others, each wrapped to the width.
func writeTitle(bw *bufio.Writer, title string, o Options) {
	if title == "" {
		return
	}
	rest := strings.TrimLeft(title, "\n")
	for range len(title) - len(rest) {
		bw.WriteByte('\n')
	}
	if rest == "" {
		return
	}
	lines := strings.Split(rest, "\n")
	if o.Format == FormatMarkdown {
		fmt.Fprintf(bw, "## %s\n\n", markdownText(Visible(lines[0])))
		for _, l := range lines[1:] {
			fmt.Fprintf(bw, "%s\n\n", markdownText(Visible(l)))
		}
		return
	}
	for _, l := range lines {
		writeWrapped(bw, Visible(l), "", "", o.Width)
	}
}

// writeFooter writes the note under a table, one paragraph a line.
func writeFooter(bw *bufio.Writer, footer string, o Options) {
	if footer == "" {
		return
	}
	for _, l := range strings.Split(footer, "\n") {
		if o.Format == FormatMarkdown {
			fmt.Fprintf(bw, "\n%s\n", markdownText(Visible(l)))
			continue
		}
		// Keep a line's own indentation on every line it wraps onto.
		ind := l[:len(l)-len(strings.TrimLeft(l, " "))]
		writeWrapped(bw, Visible(strings.TrimLeft(l, " ")), ind, ind+"  ", o.Width)
	}
}

// writeWrapped writes visible text wrapped to width columns, the first
// line after first, the others after rest.
func writeWrapped(bw *bufio.Writer, s, first, rest string, width int) {
	if width <= 0 || DisplayWidth(first)+DisplayWidth(s) <= width && strings.IndexByte(s, '\n') < 0 {
		// A line that fits keeps its spacing as it is.
		bw.WriteString(first)
		bw.WriteString(s)
		bw.WriteByte('\n')
		return
	}
	// The text's own indentation stays on its first line and, two
	// columns deeper, on the lines it wraps onto.
	if ind := s[:len(s)-len(strings.TrimLeft(s, " "))]; ind != "" {
		first += ind
		s = s[len(ind):]
		if DisplayWidth(rest) < DisplayWidth(first)+2 {
			rest = strings.Repeat(" ", DisplayWidth(first)+2)
		}
	}
	n := 1 << 30
	if width > 0 {
		n = max(width-max(DisplayWidth(first), DisplayWidth(rest)), 8)
	}
	for i, line := range strings.Split(WrapText(s, n), "\n") {
		if i == 0 {
			bw.WriteString(first)
		} else {
			bw.WriteString(rest)
		}
		bw.WriteString(line)
		bw.WriteByte('\n')
	}
}
