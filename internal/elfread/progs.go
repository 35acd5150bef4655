package elfread

import (
	"debug/elf"
	"encoding/binary"
	"fmt"
	"io"
	"iter"
	"math"
)

// This file is the loader's view of a file, shared by every reader that
// goes through the program headers instead of the section table (ldso, as
// ld.so does; elfinspect, for a file whose section headers are unusable)
// and by those that walk a dynamic section (goplugin): one decoder of
// program headers, one map from virtual addresses to file offsets, one
// walk of the dynamic entries.

// ProgHeaderSize returns the size in bytes of one program header of the
// class: 56 for ELFCLASS64, 32 for ELFCLASS32.
func ProgHeaderSize(is64 bool) int {
	if is64 {
		return 56
	}
	return 32
}

// DecodeProgHeader decodes the program header at the start of b, which
// holds at least ProgHeaderSize(is64) bytes.
func DecodeProgHeader(b []byte, bo binary.ByteOrder, is64 bool) elf.ProgHeader {
	if is64 {
		return elf.ProgHeader{
			Type: elf.ProgType(bo.Uint32(b[0:])), Flags: elf.ProgFlag(bo.Uint32(b[4:])),
			Off: bo.Uint64(b[8:]), Vaddr: bo.Uint64(b[16:]), Paddr: bo.Uint64(b[24:]),
			Filesz: bo.Uint64(b[32:]), Memsz: bo.Uint64(b[40:]), Align: bo.Uint64(b[48:]),
		}
	}
	return elf.ProgHeader{
		Type: elf.ProgType(bo.Uint32(b[0:])), Off: uint64(bo.Uint32(b[4:])),
		Vaddr: uint64(bo.Uint32(b[8:])), Paddr: uint64(bo.Uint32(b[12:])),
		Filesz: uint64(bo.Uint32(b[16:])), Memsz: uint64(bo.Uint32(b[20:])),
		Flags: elf.ProgFlag(bo.Uint32(b[24:])), Align: uint64(bo.Uint32(b[28:])),
	}
}

// ReadProgHeaders reads the n program headers of entsize bytes each at
// offset off of r, a file of size bytes (none when n is 0). A table that lies outside the
// file, or entries smaller than the class's, is a FormatError; nothing is
// allocated before the table is known to lie within the file.
func ReadProgHeaders(r io.ReaderAt, size int64, bo binary.ByteOrder, is64 bool, off uint64, entsize, n int) ([]elf.ProgHeader, error) {
	if n == 0 {
		return nil, nil // a relocatable object has none, whatever its e_phentsize
	}
	if want := ProgHeaderSize(is64); entsize < want {
		return nil, &FormatError{Off: -1, Msg: fmt.Sprintf("program header size %d, want at least %d", entsize, want)}
	}
	if n < 0 || off > uint64(size) || uint64(n)*uint64(entsize) > uint64(size)-off {
		return nil, &FormatError{Off: -1, Msg: fmt.Sprintf("program headers (%d at offset %#x) extend past the end of the file", n, off)}
	}
	b := make([]byte, n*entsize)
	if _, err := r.ReadAt(b, int64(off)); err != nil && err != io.EOF {
		return nil, fmt.Errorf("reading program headers: %w", err)
	}
	ph := make([]elf.ProgHeader, n)
	for i := range ph {
		ph[i] = DecodeProgHeader(b[i*entsize:], bo, is64)
	}
	return ph, nil
}

// Segments are the PT_LOAD program headers of a file, in file order: the
// map from the virtual addresses the dynamic section speaks in to the
// file offsets that hold them.
type Segments []elf.ProgHeader

// Loads returns the PT_LOAD headers of progs.
func Loads(progs []elf.ProgHeader) Segments {
	var s Segments
	for _, p := range progs {
		if p.Type == elf.PT_LOAD {
			s = append(s, p)
		}
	}
	return s
}

// Offset returns the file offset of the virtual address addr and how many
// bytes of the segment's file contents follow it, from the first segment
// that maps addr in the file; ok is false when none does. The caller
// checks the result against the size of the file: an offset beyond the
// range of uint64 is given as math.MaxUint64, past the end of any file.
func (s Segments) Offset(addr uint64) (off, avail uint64, ok bool) {
	for _, p := range s {
		if addr >= p.Vaddr && addr-p.Vaddr < p.Filesz {
			d := addr - p.Vaddr
			if p.Off+d < p.Off {
				return math.MaxUint64, 0, true
			}
			return p.Off + d, p.Filesz - d, true
		}
	}
	return 0, 0, false
}

// DynEntries walks the dynamic entries in b (the contents of PT_DYNAMIC or
// of the .dynamic section) in order, up to DT_NULL or the end of b. A
// 32-bit tag is sign-extended, as the d_tag of Elf32_Dyn is signed.
func DynEntries(b []byte, bo binary.ByteOrder, is64 bool) iter.Seq2[elf.DynTag, uint64] {
	return func(yield func(elf.DynTag, uint64) bool) {
		step := 8
		if is64 {
			step = 16
		}
		for i := 0; i+step <= len(b); i += step {
			var tag elf.DynTag
			var val uint64
			if is64 {
				tag, val = elf.DynTag(bo.Uint64(b[i:])), bo.Uint64(b[i+8:])
			} else {
				tag, val = elf.DynTag(int32(bo.Uint32(b[i:]))), uint64(bo.Uint32(b[i+4:]))
			}
			if tag == elf.DT_NULL || !yield(tag, val) {
				return
			}
		}
	}
}
