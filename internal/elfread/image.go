package elfread

import (
	"cmp"
	"debug/elf"
	"encoding/binary"
	"fmt"
	"slices"
)

// This file gives read access to a file's loaded image by virtual address,
// with the dynamic relocations applied (see reloc.go).

// Image is a read-only view of an ELF file's memory image, by virtual
// address. It is the File it is read from, and reads lazily: a caller
// holds the File's lock (see File.Image).
type Image struct {
	*File
	BO   binary.ByteOrder
	Ptr  int // pointer size in bytes: 4 or 8
	secs []imageSection

	relocs     []reloc // sorted by off
	relocErr   error   // why relocations could not be read, if they could not
	relocsRead bool

	// budget is how many more bytes of strings the reader may copy out of
	// the file: a corrupted table of long, overlapping strings must not
	// exhaust memory.
	budget int64
}

type imageSection struct {
	s      *elf.Section
	addr   uint64
	end    uint64
	nobits bool
	chunks map[uint64][]byte // cached contents by chunk index
}

func newImage(f *File) (*Image, error) {
	ef := f.ELF
	im := &Image{File: f, BO: ef.ByteOrder, budget: stringBudget}
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
	slices.SortFunc(im.secs, func(a, b imageSection) int { return cmp.Compare(a.addr, b.addr) })
	return im, nil
}

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
	if n > MaxSection {
		return nil, &FormatError{Off: -1, Msg: fmt.Sprintf("a read of %d bytes at %#x is too large (limit %d)", n, addr, MaxSection)}
	}
	if s.nobits {
		return make([]byte, n), nil
	}
	size := s.end - s.addr
	if err := im.checkSection(s.s); err != nil {
		return nil, err
	}
	o := addr - s.addr // offset in the section
	c := o / chunkSize
	if (o+n-1)/chunkSize != c || n == 0 {
		// Spans chunks: read it directly.
		buf := make([]byte, n)
		if _, err := im.R.ReadAt(buf, int64(s.s.Offset+o)); err != nil {
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
		if _, err := im.R.ReadAt(chunk, int64(s.s.Offset+start)); err != nil {
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

// Dynsym returns .dynsym, read once per file.
func (f *File) Dynsym() (*Symtab, error) {
	s := f.ELF.SectionByType(elf.SHT_DYNSYM)
	if s == nil {
		return nil, fmt.Errorf("no .dynsym section")
	}
	return f.Symtab(s)
}

// StaticSymtab returns .symtab, read once per file, or nil if the file is
// stripped.
func (f *File) StaticSymtab() (*Symtab, error) {
	s := f.ELF.SectionByType(elf.SHT_SYMTAB)
	if s == nil {
		return nil, nil
	}
	return f.Symtab(s)
}
