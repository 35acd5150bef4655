package render

import (
	"bufio"
	"io"
	"strconv"
)

// Plain streams records in the plain format — fields separated by one
// space, one record a line — without building rows first. Listings of tens
// of thousands of symbols use it to stay as fast as nm.
type Plain struct {
	bw    *bufio.Writer
	first bool
}

// NewPlain returns a Plain writing to w through a buffer; call Flush at the end.
func NewPlain(w io.Writer) *Plain {
	return &Plain{bw: bufio.NewWriterSize(w, 256<<10), first: true}
}

// Field starts a new field holding s.
func (p *Plain) Field(s string) {
	if !p.first {
		p.bw.WriteByte(' ')
	}
	p.first = false
	p.bw.WriteString(s)
}

// Hex starts a new field holding v in lower-case hex, zero-padded to width
// digits, or width spaces when blank is true (nm's undefined symbols).
func (p *Plain) Hex(v uint64, width int, blank bool) {
	var buf [24]byte
	b := buf[:0]
	if blank {
		for i := 0; i < width; i++ {
			b = append(b, ' ')
		}
	} else {
		var digits [16]byte
		d := strconv.AppendUint(digits[:0], v, 16)
		for i := len(d); i < width; i++ {
			b = append(b, '0')
		}
		b = append(b, d...)
	}
	if !p.first {
		p.bw.WriteByte(' ')
	}
	p.first = false
	p.bw.Write(b)
}

// Append adds s to the current field.
func (p *Plain) Append(s string) { p.bw.WriteString(s) }

// End ends the record.
func (p *Plain) End() {
	p.bw.WriteByte('\n')
	p.first = true
}

// Flush writes out what is buffered.
func (p *Plain) Flush() error { return p.bw.Flush() }
