package render

import (
	"bufio"
	"io"
	"strings"
	"unicode/utf8"
)

// Doc writes one command's report — sections, tables, key: value blocks,
// lists, sentences and a child's printed output — in the format and width
// its Options give, escaping every string for that medium. Errors from w
// surface at Flush.
type Doc struct {
	bw *bufio.Writer
	o  Options
}

// NewDoc returns a Doc writing to w as o says; call Flush at the end.
func NewDoc(w io.Writer, o Options) *Doc {
	return &Doc{bw: bufio.NewWriterSize(w, 64<<10), o: o}
}

// Flush writes out what is buffered.
func (d *Doc) Flush() error { return d.bw.Flush() }

// Table writes t.
func (d *Doc) Table(t *Table) error {
	return t.write(d.bw, d.o)
}

// Fields writes a titled block of key: value pairs; values wrap, and a
// key that holds a name ("dlsym NAME") is shortened as a name.
func (d *Doc) Fields(title string, pairs [][2]string) error {
	t := &Table{Title: title, KeyValue: true, Kinds: []Kind{Name, Prose}}
	for _, p := range pairs {
		t.Rows = append(t.Rows, []string{p[0], p[1]})
	}
	return d.Table(t)
}

// Section writes a heading (see Table.Title); plain output omits it.
func (d *Doc) Section(title string) {
	if d.o.Format == FormatPlain {
		return
	}
	writeTitle(d.bw, title, d.o)
}

// Blank writes an empty line, except in plain output.
func (d *Doc) Blank() {
	if d.o.Format != FormatPlain {
		d.bw.WriteByte('\n')
	}
}

// Text writes a sentence or a paragraph, wrapped to the width.
func (d *Doc) Text(s string) {
	d.Item("", "", s)
}

// Item writes s wrapped to the width: its first line after first, the
// others after rest ("  • ", "    " for a bullet).
func (d *Doc) Item(first, rest, s string) {
	switch d.o.Format {
	case FormatMarkdown:
		p := strings.TrimSpace(first)
		if p == "•" || p == "-" {
			p = "-"
		}
		if p != "" {
			p += " "
		}
		d.bw.WriteString(p + markdownText(Visible(strings.ReplaceAll(s, "\n", " "))) + "\n")
	case FormatPlain:
		if d.o.Terminal {
			s = Visible(s)
		}
		d.bw.WriteString(first + strings.ReplaceAll(s, "\n", " ") + "\n")
	default:
		writeWrapped(d.bw, Visible(s), first, rest, d.o.Width)
	}
}

// ItemWithin is Item on a line of at most limit columns, or the width
// when that is narrower: for paragraphs that read badly when wider.
func (d *Doc) ItemWithin(first, rest, s string, limit int) {
	o := d.o
	if o.Width <= 0 || o.Width > limit {
		o.Width = limit
	}
	(&Doc{bw: d.bw, o: o}).Item(first, rest, s)
}

// JSON writes v as one line of JSON (see JSON).
func (d *Doc) JSON(v any) error { return JSON(d.bw, v) }

// List writes a titled list of sentences, one item a bullet.
func (d *Doc) List(title string, items []string) {
	if len(items) == 0 {
		return
	}
	d.Section(title)
	for _, it := range items {
		d.Item("  - ", "    ", strings.TrimSpace(it))
	}
}

// Output writes text a child process printed, each line after prefix
// ("stdout| "). Lines keep their spaces; a line wider than the width is
// broken, never shortened. In Markdown it is a fenced code block, where
// nothing it holds is read as Markdown or HTML.
func (d *Doc) Output(prefix, s string) {
	s = strings.TrimRight(s, "\n")
	lines := strings.Split(s, "\n")
	switch d.o.Format {
	case FormatMarkdown:
		fence := strings.Repeat("`", max(2, longestBackticks(s))+1)
		d.bw.WriteString(fence + "\n")
		for _, l := range lines {
			d.bw.WriteString(prefix + Visible(l) + "\n")
		}
		d.bw.WriteString(fence + "\n")
		return
	case FormatPlain:
		for _, l := range lines {
			if d.o.Terminal {
				l = Visible(l)
			}
			d.bw.WriteString(prefix + l + "\n")
		}
		return
	}
	n := 1 << 30
	if d.o.Width > 0 {
		n = max(d.o.Width-DisplayWidth(prefix), 8)
	}
	for _, l := range lines {
		l = Visible(l)
		for {
			d.bw.WriteString(prefix)
			if DisplayWidth(l) <= n {
				d.bw.WriteString(l + "\n")
				break
			}
			head := prefixCols(l, n)
			if head == "" { // one character wider than the line
				_, size := utf8.DecodeRuneInString(l)
				head = l[:size]
			}
			d.bw.WriteString(head + "\n")
			l = l[len(head):]
		}
	}
}
