package disasm

import (
	"cmp"
	"debug/dwarf"
	"debug/elf"
	"debug/gosym"
	"errors"
	"io"
	"slices"
	"strconv"

	"github.com/soinspect/soinspect/internal/guard"
)

// Source lines: the pclntab for Go code (debug/gosym), the DWARF line
// tables for the rest.

type sourceTable struct {
	gotab *gosym.Table
	rows  []lineRow // from DWARF, sorted by address
}

type lineRow struct {
	addr uint64
	file string
	line int
	end  bool // an end_sequence row: no line from here
}

// maxLineRows bounds the rows read from DWARF line tables.
const maxLineRows = 16 << 20

func (d *Disassembler) source() *sourceTable {
	d.srcOnce.Do(func() {
		t := &sourceTable{}
		func() {
			// debug/gosym and debug/dwarf are not hardened: a panic there leaves
			// the table empty, through the module's one guard (off in tests).
			defer guard.Recover(func(any) {})
			t.gotab = d.readPclntab()
		}()
		func() {
			defer guard.Recover(func(any) {})
			t.rows = d.readDWARFLines()
		}()
		d.src = t
	})
	return d.src
}

// readPclntab reads .gopclntab with runtime.text as the text start.
func (d *Disassembler) readPclntab() *gosym.Table {
	s := d.f.ELF().Section(".gopclntab")
	if s == nil || s.Type == elf.SHT_NOBITS {
		return nil
	}
	data, err := d.rd.Section(s)
	if err != nil {
		return nil
	}
	var text uint64
	for _, e := range d.syms.all {
		if e.name == "runtime.text" {
			text = e.addr
			break
		}
	}
	if text == 0 {
		if ts := d.f.ELF().Section(".text"); ts != nil {
			text = ts.Addr
		}
	}
	tab, err := gosym.NewTable(nil, gosym.NewLineTable(data, text))
	if err != nil {
		return nil
	}
	return tab
}

// readDWARFLines reads every line table of the file's DWARF, if it has any.
func (d *Disassembler) readDWARFLines() []lineRow {
	ef := d.f.ELF()
	if ef.Section(".debug_line") == nil || ef.Section(".debug_info") == nil {
		return nil
	}
	dw, err := ef.DWARF()
	if err != nil {
		return nil
	}
	var rows []lineRow
	r := dw.Reader()
	for len(rows) < maxLineRows {
		cu, err := r.Next()
		if err != nil || cu == nil {
			break
		}
		if cu.Tag != dwarf.TagCompileUnit {
			r.SkipChildren()
			continue
		}
		lr, err := dw.LineReader(cu)
		r.SkipChildren()
		if err != nil || lr == nil {
			continue
		}
		var e dwarf.LineEntry
		for len(rows) < maxLineRows {
			if err := lr.Next(&e); err != nil {
				if !errors.Is(err, io.EOF) {
					break
				}
				break
			}
			file := ""
			if e.File != nil {
				file = e.File.Name
			}
			rows = append(rows, lineRow{addr: e.Address, file: file, line: e.Line, end: e.EndSequence})
		}
	}
	slices.SortStableFunc(rows, func(a, b lineRow) int { return cmp.Compare(a.addr, b.addr) })
	return rows
}

// line returns "file:line" for pc, or "".
func (t *sourceTable) line(pc uint64) string {
	if t.gotab != nil {
		if f, l, fn := t.gotab.PCToLine(pc); fn != nil && f != "" {
			return quoteName(f) + ":" + strconv.Itoa(l)
		}
	}
	if len(t.rows) == 0 {
		return ""
	}
	i, _ := slices.BinarySearchFunc(t.rows, pc+1, func(r lineRow, a uint64) int {
		if r.addr < a {
			return -1
		}
		return 1
	})
	if i == 0 {
		return ""
	}
	r := t.rows[i-1]
	if r.end || r.file == "" {
		return ""
	}
	return quoteName(r.file) + ":" + strconv.Itoa(r.line)
}
