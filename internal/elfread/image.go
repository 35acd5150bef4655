package elfread

import (
	"debug/elf"
	"encoding/binary"
	"fmt"
	"slices"
)

// This file gives read access to a file's loaded image by virtual address,
// with the dynamic relocations of .rela.dyn applied the way ld.so would:
// debug/elf applies relocations only to DWARF sections, and a Go plugin's
// moduledata holds zeros where ld.so writes pointers.

// maxSectionRead bounds how much of one section image reads into memory; a
// section larger than the file is malformed anyway.
const maxSectionRead = 1 << 30

// Image is a read-only view of an ELF file's memory image.
type Image struct {
	f    *File
	BO   binary.ByteOrder
	Ptr  int // pointer size in bytes: 4 or 8
	secs []imageSection

	relocs   []reloc // sorted by off
	RelocErr error   // why relocations could not be read, if they could not

	dyn       *Symtab // .dynsym, read lazily
	static    *Symtab // .symtab, read lazily
	staticErr error

	// budget is how many more bytes of strings the reader may copy out of
	// the file: a corrupted table of long, overlapping strings must not
	// exhaust memory.
	budget int64
}

// stringBudget bounds the string bytes one reader copies, each string
// counting stringCost more: the names of a large plugin's exports, types
// and packages come to well under a megabyte, and a corrupted table that
// repeats one name (even an empty one) a million times runs out.
const (
	stringBudget = 16 << 20
	stringCost   = 16
)

type imageSection struct {
	s      *elf.Section
	addr   uint64
	end    uint64
	nobits bool
	chunks map[uint64][]byte // cached contents by chunk index
}

// reloc is one dynamic relocation, reduced to what a static reader needs.
type reloc struct {
	off    uint64
	typ    uint32
	sym    uint32 // index into the dynamic symbol table
	addend int64
}

func newImage(f *File) (*Image, error) {
	ef := f.ELF
	im := &Image{f: f, BO: ef.ByteOrder, budget: stringBudget}
	switch ef.Class {
	case elf.ELFCLASS64:
		im.Ptr = 8
	case elf.ELFCLASS32:
		im.Ptr = 4
	default:
		return nil, &FormatError{Off: -1, Msg: fmt.Sprintf("unknown ELF class %v", ef.Class)}
	}
	for _, s := range ef.Sections {
		if s.Flags&elf.SHF_ALLOC == 0 || s.Size == 0 || s.Addr+s.Size < s.Addr {
			continue
		}
		if s.Flags&elf.SHF_TLS != 0 {
			continue // .tbss overlaps the next section in the address space
		}
		im.secs = append(im.secs, imageSection{s: s, addr: s.Addr, end: s.Addr + s.Size, nobits: s.Type == elf.SHT_NOBITS})
	}
	slices.SortFunc(im.secs, func(a, b imageSection) int {
		switch {
		case a.addr < b.addr:
			return -1
		case a.addr > b.addr:
			return 1
		}
		return 0
	})
	im.RelocErr = im.readRelocs()
	return im, nil
}

// ELF returns the parsed headers of the image's file.
func (im *Image) ELF() *elf.File { return im.f.ELF }

// section returns the allocated section holding addr, or nil.
func (im *Image) section(addr uint64) *imageSection {
	i, _ := slices.BinarySearchFunc(im.secs, addr, func(s imageSection, a uint64) int {
		switch {
		case s.end <= a:
			return -1
		case s.addr > a:
			return 1
		}
		return 0
	})
	if i < len(im.secs) && im.secs[i].addr <= addr && addr < im.secs[i].end {
		return &im.secs[i]
	}
	return nil
}

// chunkSize is the unit in which image caches section contents: the reader
// touches a few scattered kilobytes of sections that can be megabytes long.
const chunkSize = 32 << 10

// Bytes returns n bytes of the image at addr, without relocations. NOBITS
// memory reads as zeros. The result may alias the image's cache and must
// not be modified.
func (im *Image) Bytes(addr, n uint64) ([]byte, error) {
	s := im.section(addr)
	if s == nil {
		return nil, &FormatError{Off: -1, Msg: fmt.Sprintf("address %#x is in no section", addr)}
	}
	if n > s.end-addr {
		return nil, &FormatError{Off: -1, Msg: fmt.Sprintf("%d bytes at %#x run past the end of section %s", n, addr, s.s.Name)}
	}
	if n > maxSectionRead {
		return nil, &FormatError{Off: -1, Msg: "read too large"}
	}
	if s.nobits {
		return make([]byte, n), nil
	}
	size := s.end - s.addr
	if s.s.Offset > uint64(im.f.Size) || size > uint64(im.f.Size)-s.s.Offset {
		return nil, &FormatError{Off: int64(s.s.Offset), Msg: fmt.Sprintf("section %s (%d bytes) extends past the end of the file", s.s.Name, size)}
	}
	o := addr - s.addr // offset in the section
	c := o / chunkSize
	if (o+n-1)/chunkSize != c || n == 0 {
		// Spans chunks: read it directly.
		buf := make([]byte, n)
		if _, err := im.f.R.ReadAt(buf, int64(s.s.Offset+o)); err != nil {
			return nil, fmt.Errorf("reading section %s: %w", s.s.Name, err)
		}
		return buf, nil
	}
	if s.chunks == nil {
		s.chunks = map[uint64][]byte{}
	}
	chunk, ok := s.chunks[c]
	if !ok {
		start := c * chunkSize
		end := min(start+chunkSize, size)
		chunk = make([]byte, end-start)
		if _, err := im.f.R.ReadAt(chunk, int64(s.s.Offset+start)); err != nil {
			return nil, fmt.Errorf("reading section %s: %w", s.s.Name, err)
		}
		s.chunks[c] = chunk
	}
	co := o - c*chunkSize
	return chunk[co : co+n : co+n], nil
}

func (im *Image) U8(addr uint64) (uint8, error) {
	b, err := im.Bytes(addr, 1)
	if err != nil {
		return 0, err
	}
	return b[0], nil
}

func (im *Image) U16(addr uint64) (uint16, error) {
	b, err := im.Bytes(addr, 2)
	if err != nil {
		return 0, err
	}
	return im.BO.Uint16(b), nil
}

func (im *Image) U32(addr uint64) (uint32, error) {
	b, err := im.Bytes(addr, 4)
	if err != nil {
		return 0, err
	}
	return im.BO.Uint32(b), nil
}

// Uword reads a pointer-sized word as stored in the file, ignoring relocations.
func (im *Image) Uword(addr uint64) (uint64, error) {
	b, err := im.Bytes(addr, uint64(im.Ptr))
	if err != nil {
		return 0, err
	}
	if im.Ptr == 8 {
		return im.BO.Uint64(b), nil
	}
	return uint64(im.BO.Uint32(b)), nil
}

// Pointer reads the pointer-sized word at addr as it will be after ld.so has
// applied the dynamic relocations, taking a symbol's value as defined in this
// file (it may be interposed by an earlier module at run time; see SymbolAt).
func (im *Image) Pointer(addr uint64) (uint64, error) {
	if r, ok := im.relocAt(addr); ok {
		v, _, err := im.applyReloc(r)
		return v, err
	}
	return im.Uword(addr)
}

// SymbolAt returns the name of the dynamic symbol the relocation at addr
// refers to, if any: such pointers are bound at load time to whichever
// loaded module defines the symbol first.
func (im *Image) SymbolAt(addr uint64) string {
	r, ok := im.relocAt(addr)
	if !ok || r.sym == 0 {
		return ""
	}
	d, err := im.Dynsym()
	if err != nil {
		return ""
	}
	s, ok := d.Sym(int(r.sym))
	if !ok {
		return ""
	}
	return d.Name(s)
}

// Str reads a Go string header (data pointer, length) at addr and the bytes
// it points at, at most max bytes.
func (im *Image) Str(addr uint64, max uint64) (string, error) {
	p, err := im.Pointer(addr)
	if err != nil {
		return "", err
	}
	n, err := im.Uword(addr + uint64(im.Ptr))
	if err != nil {
		return "", err
	}
	if n == 0 {
		return "", nil
	}
	if n > max {
		return "", &FormatError{Off: -1, Msg: fmt.Sprintf("string at %#x is %d bytes long (limit %d)", addr, n, max)}
	}
	b, err := im.Bytes(p, n)
	if err != nil {
		return "", err
	}
	return im.CopyString(b)
}

// CopyString copies b into a string, charging it to the budget.
func (im *Image) CopyString(b []byte) (string, error) {
	im.budget -= int64(len(b)) + stringCost
	if im.budget < 0 {
		return "", &FormatError{Off: -1, Msg: "too many string bytes: the file's tables are corrupt"}
	}
	return string(b), nil
}

// Slice reads a Go slice header (data pointer, length, capacity) at addr.
func (im *Image) Slice(addr uint64) (data, n uint64, err error) {
	if data, err = im.Pointer(addr); err != nil {
		return 0, 0, err
	}
	if n, err = im.Uword(addr + uint64(im.Ptr)); err != nil {
		return 0, 0, err
	}
	return data, n, nil
}

// readRelocs reads every SHT_RELA section that is part of the image
// (.rela.dyn and .rela.plt) into im.relocs, sorted by offset.
func (im *Image) readRelocs() error {
	ef := im.f.ELF
	entsize := uint64(24)
	if im.Ptr == 4 {
		entsize = 12
	}
	var total uint64
	for _, s := range ef.Sections {
		if s.Type == elf.SHT_REL && s.Flags&elf.SHF_ALLOC != 0 && s.Size > 0 {
			return fmt.Errorf("SHT_REL relocations (%s) are not supported", s.Name)
		}
		if s.Type != elf.SHT_RELA || s.Flags&elf.SHF_ALLOC == 0 {
			continue
		}
		if s.Offset > uint64(im.f.Size) || s.Size > uint64(im.f.Size)-s.Offset {
			return &FormatError{Off: int64(s.Offset), Msg: fmt.Sprintf("relocation section %s extends past the end of the file", s.Name)}
		}
		total += s.Size / entsize
	}
	rs := make([]reloc, 0, total)
	for _, s := range ef.Sections {
		if s.Type != elf.SHT_RELA || s.Flags&elf.SHF_ALLOC == 0 || s.Size == 0 {
			continue
		}
		buf := make([]byte, s.Size-s.Size%entsize)
		if _, err := im.f.R.ReadAt(buf, int64(s.Offset)); err != nil {
			return fmt.Errorf("reading %s: %w", s.Name, err)
		}
		bo := im.BO
		for i := 0; i+int(entsize) <= len(buf); i += int(entsize) {
			var r reloc
			if im.Ptr == 8 {
				r.off = bo.Uint64(buf[i:])
				info := bo.Uint64(buf[i+8:])
				r.sym, r.typ = uint32(info>>32), uint32(info)
				r.addend = int64(bo.Uint64(buf[i+16:]))
			} else {
				r.off = uint64(bo.Uint32(buf[i:]))
				info := bo.Uint32(buf[i+4:])
				r.sym, r.typ = info>>8, info&0xff
				r.addend = int64(int32(bo.Uint32(buf[i+8:])))
			}
			rs = append(rs, r)
		}
	}
	im.relocs = sortRelocs(rs)
	return nil
}

// sortRelocs sorts rs by offset. The Go linker writes .rela.dyn in
// thousands of short sorted runs, so it is a radix sort, byte by byte over
// the bytes in which the offsets differ: a few linear passes.
func sortRelocs(rs []reloc) []reloc {
	var lo, hi uint64 = ^uint64(0), 0
	sorted := true
	for i, r := range rs {
		lo, hi = min(lo, r.off), max(hi, r.off)
		if i > 0 && r.off < rs[i-1].off {
			sorted = false
		}
	}
	if sorted {
		return rs
	}
	span := hi - lo
	tmp := make([]reloc, len(rs))
	for shift := uint(0); shift < 64 && span>>shift != 0; shift += 8 {
		var count [257]int
		for _, r := range rs {
			count[((r.off-lo)>>shift)&0xff+1]++
		}
		for i := 1; i < len(count); i++ {
			count[i] += count[i-1]
		}
		for _, r := range rs {
			d := ((r.off - lo) >> shift) & 0xff
			tmp[count[d]] = r
			count[d]++
		}
		rs, tmp = tmp, rs
	}
	return rs
}

func (im *Image) relocAt(addr uint64) (reloc, bool) {
	i, ok := slices.BinarySearchFunc(im.relocs, addr, func(r reloc, a uint64) int {
		switch {
		case r.off < a:
			return -1
		case r.off > a:
			return 1
		}
		return 0
	})
	if !ok {
		return reloc{}, false
	}
	return im.relocs[i], true
}

// relocKind says how a relocation type computes its value.
type relocKind int

const (
	relocUnknown  relocKind = iota
	relocRelative           // B + A
	relocAbs                // S + A
	relocSym                // S (GLOB_DAT, JUMP_SLOT)
)

func (im *Image) relocKind(typ uint32) relocKind {
	switch im.f.ELF.Machine {
	case elf.EM_X86_64:
		switch elf.R_X86_64(typ) {
		case elf.R_X86_64_RELATIVE:
			return relocRelative
		case elf.R_X86_64_64:
			return relocAbs
		case elf.R_X86_64_GLOB_DAT, elf.R_X86_64_JMP_SLOT:
			return relocSym
		}
	case elf.EM_AARCH64:
		switch elf.R_AARCH64(typ) {
		case elf.R_AARCH64_RELATIVE:
			return relocRelative
		case elf.R_AARCH64_ABS64, elf.R_AARCH64_GLOB_DAT:
			return relocAbs
		case elf.R_AARCH64_JUMP_SLOT:
			return relocSym
		}
	case elf.EM_PPC64:
		switch elf.R_PPC64(typ) {
		case elf.R_PPC64_RELATIVE:
			return relocRelative
		case elf.R_PPC64_ADDR64, elf.R_PPC64_GLOB_DAT:
			return relocAbs
		case elf.R_PPC64_JMP_SLOT:
			return relocSym
		}
	case elf.EM_RISCV:
		switch elf.R_RISCV(typ) {
		case elf.R_RISCV_RELATIVE:
			return relocRelative
		case elf.R_RISCV_64:
			return relocAbs
		case elf.R_RISCV_JUMP_SLOT:
			return relocSym
		}
	case elf.EM_S390:
		switch elf.R_390(typ) {
		case elf.R_390_RELATIVE:
			return relocRelative
		case elf.R_390_64, elf.R_390_GLOB_DAT:
			return relocAbs
		case elf.R_390_JMP_SLOT:
			return relocSym
		}
	case elf.EM_LOONGARCH:
		switch elf.R_LARCH(typ) {
		case elf.R_LARCH_RELATIVE:
			return relocRelative
		case elf.R_LARCH_64:
			return relocAbs
		case elf.R_LARCH_JUMP_SLOT:
			return relocSym
		}
	}
	return relocUnknown
}

// applyReloc returns the value ld.so would store for r with a load base of
// zero, and the name of the symbol it is bound to ("" for RELATIVE).
// Symbols are resolved to this file's own definition.
func (im *Image) applyReloc(r reloc) (uint64, string, error) {
	k := im.relocKind(r.typ)
	switch k {
	case relocRelative:
		return uint64(r.addend), "", nil
	case relocAbs, relocSym:
		d, err := im.Dynsym()
		if err != nil {
			return 0, "", err
		}
		s, ok := d.Sym(int(r.sym))
		if !ok {
			return 0, "", &FormatError{Off: -1, Msg: fmt.Sprintf("relocation at %#x refers to symbol %d of %d", r.off, r.sym, d.N)}
		}
		name := d.Name(s)
		if s.Shndx == uint16(elf.SHN_UNDEF) {
			return 0, name, nil // defined elsewhere: unknown until load time
		}
		v := s.Value
		if k == relocAbs {
			v += uint64(r.addend)
		}
		return v, name, nil
	}
	return 0, "", fmt.Errorf("unsupported relocation type %d for %v at %#x", r.typ, im.f.ELF.Machine, r.off)
}

// File returns the file the image is read from.
func (im *Image) File() *File { return im.f }
