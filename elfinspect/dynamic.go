package elfinspect

import (
	"debug/elf"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/soinspect/soinspect/internal/elfread"
)

// This file reads the dynamic symbols of a file whose section headers cannot
// be used (beyond the end of the file, a bad e_shstrndx, a section name
// table that is not a string table...), as `readelf --use-dynamic` does:
// from the ELF header, the program headers and the dynamic segment, which is
// all the loader itself reads. DT_SYMTAB and DT_STRTAB (DT_STRSZ) locate the
// tables, DT_HASH or DT_GNU_HASH give the number of symbols, DT_VERSYM,
// DT_VERDEF and DT_VERNEED the versions. Nothing here trusts debug/elf,
// which refuses such files outright: every count and size is checked
// against the file before it is used, and nothing is allocated beyond the
// size of the file.

// dynImage is a file seen through its program headers.
type dynImage struct {
	r    io.ReaderAt
	size uint64
	bo   binary.ByteOrder
	is64 bool

	loads elfread.Segments // PT_LOAD, in file order
	tls   *elf.ProgHeader  // PT_TLS, if any
	tags  map[elf.DynTag]uint64

	// The section header fields of the ELF header, to name the damage.
	shoff                      uint64
	shentsize, shnum, shstrndx int
}

// openDamaged makes a File of a file debug/elf refused, from its dynamic
// segment, or returns nil if that cannot be read either; cause is why
// debug/elf refused it.
func openDamaged(r io.ReaderAt, size int64, cause error) *File {
	hdr, img, err := readDynImage(r, size)
	if err != nil {
		return nil
	}
	ef := &elf.File{FileHeader: hdr}
	return &File{
		Size:   size,
		Damage: "unusable section headers: " + img.damage(cause) + "; dynamic symbols read from the dynamic segment, as readelf --use-dynamic does",
		elf:    ef,
		rd:     elfread.NewFile(ef, r, size),
		dyn:    img,
	}
}

// damage names what is wrong with the section headers, in the terms of the
// ELF header, or falls back to cause, debug/elf's complaint.
func (img *dynImage) damage(cause error) string {
	end := img.shoff + uint64(img.shnum)*uint64(img.shentsize)
	switch {
	case img.shoff >= img.size:
		return fmt.Sprintf("the section header table (e_shoff %#x) starts beyond the end of the file (%d bytes)", img.shoff, img.size)
	case end > img.size || end < img.shoff:
		return fmt.Sprintf("the section header table (%d entries at %#x) runs past the end of the file (%d bytes)", img.shnum, img.shoff, img.size)
	case img.shnum > 0 && img.shstrndx >= img.shnum && img.shstrndx != int(elf.SHN_XINDEX):
		return fmt.Sprintf("e_shstrndx %d is out of range (%d sections)", img.shstrndx, img.shnum)
	}
	want := 40 // the size of a section header
	if img.is64 {
		want = 64
	}
	if img.shentsize >= want && img.shstrndx > 0 && img.shstrndx < img.shnum {
		// sh_type is the second word of a section header in both classes.
		var b [4]byte
		if _, err := img.r.ReadAt(b[:], int64(img.shoff)+int64(img.shstrndx*img.shentsize)+4); err == nil {
			if t := elf.SectionType(img.bo.Uint32(b[:])); t != elf.SHT_STRTAB {
				return fmt.Sprintf("the section name table (section %d, e_shstrndx) has type %v, not SHT_STRTAB", img.shstrndx, t)
			}
		}
	}
	return cause.Error()
}

// dynFormatError is the error of a damaged file whose dynamic segment
// cannot be read.
func dynFormatError(format string, args ...any) error {
	return &FormatError{Off: -1, Msg: "dynamic segment: " + fmt.Sprintf(format, args...)}
}

// readDynImage reads the ELF header, the program headers and the dynamic
// segment's tags, and requires DT_SYMTAB and DT_STRTAB.
func readDynImage(r io.ReaderAt, size int64) (elf.FileHeader, *dynImage, error) {
	var hdr elf.FileHeader
	var ident [64]byte
	if size < 52 {
		return hdr, nil, dynFormatError("file too short for an ELF header")
	}
	n, _ := r.ReadAt(ident[:], 0)
	if n < 52 || string(ident[:4]) != elf.ELFMAG {
		return hdr, nil, dynFormatError("no ELF header")
	}
	img := &dynImage{r: r, size: uint64(size)}
	switch elf.Data(ident[elf.EI_DATA]) {
	case elf.ELFDATA2LSB:
		img.bo = binary.LittleEndian
	case elf.ELFDATA2MSB:
		img.bo = binary.BigEndian
	default:
		return hdr, nil, dynFormatError("unknown data encoding %d", ident[elf.EI_DATA])
	}
	bo := img.bo
	hdr.Class, hdr.Data = elf.Class(ident[elf.EI_CLASS]), elf.Data(ident[elf.EI_DATA])
	hdr.Version, hdr.OSABI, hdr.ABIVersion = elf.Version(ident[elf.EI_VERSION]), elf.OSABI(ident[elf.EI_OSABI]), ident[elf.EI_ABIVERSION]
	hdr.ByteOrder = bo
	hdr.Type, hdr.Machine = elf.Type(bo.Uint16(ident[16:])), elf.Machine(bo.Uint16(ident[18:]))
	var phoff uint64
	var phentsize, phnum int
	switch hdr.Class {
	case elf.ELFCLASS64:
		if n < 64 {
			return hdr, nil, dynFormatError("truncated ELF header")
		}
		img.is64 = true
		hdr.Entry = bo.Uint64(ident[24:])
		phoff, phentsize, phnum = bo.Uint64(ident[32:]), int(bo.Uint16(ident[54:])), int(bo.Uint16(ident[56:]))
		img.shoff = bo.Uint64(ident[40:])
		img.shentsize, img.shnum, img.shstrndx = int(bo.Uint16(ident[58:])), int(bo.Uint16(ident[60:])), int(bo.Uint16(ident[62:]))
	case elf.ELFCLASS32:
		hdr.Entry = uint64(bo.Uint32(ident[24:]))
		phoff, phentsize, phnum = uint64(bo.Uint32(ident[28:])), int(bo.Uint16(ident[42:])), int(bo.Uint16(ident[44:]))
		img.shoff = uint64(bo.Uint32(ident[32:]))
		img.shentsize, img.shnum, img.shstrndx = int(bo.Uint16(ident[46:])), int(bo.Uint16(ident[48:])), int(bo.Uint16(ident[50:]))
	default:
		return hdr, nil, dynFormatError("unknown class %d", ident[elf.EI_CLASS])
	}
	if phnum == 0 || phnum == 0xffff { // PN_XNUM keeps the count in section 0
		return hdr, nil, dynFormatError("no usable program headers (e_phnum %d)", phnum)
	}
	progs, err := elfread.ReadProgHeaders(r, size, bo, img.is64, phoff, phentsize, phnum)
	if err != nil {
		return hdr, nil, dynFormatError("%v", err)
	}
	img.loads = elfread.Loads(progs)
	var dynamic *elf.ProgHeader
	for i := range progs {
		switch progs[i].Type {
		case elf.PT_TLS:
			img.tls = &progs[i]
		case elf.PT_DYNAMIC:
			if dynamic == nil {
				dynamic = &progs[i]
			}
		}
	}
	if dynamic == nil {
		return hdr, nil, dynFormatError("no PT_DYNAMIC program header")
	}
	if err := img.readTags(dynamic); err != nil {
		return hdr, nil, err
	}
	for _, t := range []elf.DynTag{elf.DT_SYMTAB, elf.DT_STRTAB} {
		if _, ok := img.tags[t]; !ok {
			return hdr, nil, dynFormatError("no %s", t)
		}
	}
	return hdr, img, nil
}

// readTags reads the dynamic entries up to DT_NULL, keeping the first value
// of each tag.
func (img *dynImage) readTags(p *elf.ProgHeader) error {
	if p.Off > img.size || p.Filesz > img.size-p.Off {
		return dynFormatError("PT_DYNAMIC (%d bytes at offset %#x) extends past the end of the file", p.Filesz, p.Off)
	}
	b := make([]byte, p.Filesz)
	if _, err := img.r.ReadAt(b, int64(p.Off)); err != nil {
		return dynFormatError("reading PT_DYNAMIC: %v", err)
	}
	img.tags = map[elf.DynTag]uint64{}
	for tag, val := range elfread.DynEntries(b, img.bo, img.is64) {
		if _, ok := img.tags[tag]; !ok {
			img.tags[tag] = val
		}
	}
	return nil
}

// avail returns the file offset of the virtual address a and how many bytes
// of the file follow it in the PT_LOAD segment that maps it.
func (img *dynImage) avail(a uint64) (off, n uint64, err error) {
	off, n, ok := img.loads.Offset(a)
	if !ok {
		return 0, 0, dynFormatError("address %#x is in no PT_LOAD segment", a)
	}
	if off >= img.size {
		return 0, 0, dynFormatError("address %#x maps past the end of the file", a)
	}
	return off, min(n, img.size-off), nil
}

// read returns the n bytes at virtual address a; n < 0 reads to the end of
// the segment's contents in the file.
func (img *dynImage) read(what string, a uint64, n int64) ([]byte, error) {
	off, avail, err := img.avail(a)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	if n < 0 {
		n = int64(avail)
	} else if uint64(n) > avail {
		return nil, dynFormatError("%s: %d bytes at %#x, only %d in the file", what, n, a, avail)
	}
	b := make([]byte, n)
	if _, err := img.r.ReadAt(b, int64(off)); err != nil {
		return nil, dynFormatError("reading %s: %v", what, err)
	}
	return b, nil
}

// symCount returns the number of entries of the dynamic symbol table, from
// DT_HASH's nchain or, failing that, by walking DT_GNU_HASH's chains to
// their last symbol, as readelf does.
func (img *dynImage) symCount() (uint64, error) {
	bo := img.bo
	if a, ok := img.tags[elf.DT_HASH]; ok {
		h, err := img.read("DT_HASH", a, 8)
		if err != nil {
			return 0, err
		}
		return uint64(bo.Uint32(h[4:])), nil
	}
	a, ok := img.tags[elf.DT_GNU_HASH]
	if !ok {
		return 0, dynFormatError("neither DT_HASH nor DT_GNU_HASH gives the number of symbols")
	}
	h, err := img.read("DT_GNU_HASH", a, -1)
	if err != nil {
		return 0, err
	}
	if len(h) < 16 {
		return 0, dynFormatError("DT_GNU_HASH: truncated header")
	}
	nbuckets, symoffset, bloomSize := uint64(bo.Uint32(h)), uint64(bo.Uint32(h[4:])), uint64(bo.Uint32(h[8:]))
	word := uint64(4)
	if img.is64 {
		word = 8
	}
	buckets := 16 + bloomSize*word
	if bloomSize > uint64(len(h))/word || nbuckets > uint64(len(h))/4 || buckets+nbuckets*4 > uint64(len(h)) {
		return 0, dynFormatError("DT_GNU_HASH: %d buckets and %d bloom words do not fit in the file", nbuckets, bloomSize)
	}
	last, found := uint64(0), false
	for i := range nbuckets {
		if b := uint64(bo.Uint32(h[buckets+4*i:])); b != 0 {
			if b < symoffset {
				return 0, dynFormatError("DT_GNU_HASH: bucket %d starts at symbol %d, below symoffset %d", i, b, symoffset)
			}
			last, found = max(last, b), true
		}
	}
	if !found {
		return symoffset, nil
	}
	// Follow the chain of the last bucket to the entry with the low bit set.
	chains := buckets + nbuckets*4
	for i := last - symoffset; ; i++ {
		at := chains + 4*i
		if i > uint64(len(h))/4 || at+4 > uint64(len(h)) {
			return 0, dynFormatError("DT_GNU_HASH: chain runs past the end of the file")
		}
		if bo.Uint32(h[at:])&1 != 0 {
			return symoffset + i + 1, nil
		}
	}
}

// symbols lists the dynamic symbol table the way symReader.list does for a
// .dynsym section. Symbols are placed in sections by index only, which is
// all the dynamic segment knows: Section is the index in decimal (readelf's
// Ndx), and the nm letter comes from the segment holding the symbol.
func (img *dynImage) symbols(f *File) ([]Symbol, error) {
	st := &symReader{f: f, table: TableDynsym, bo: img.bo}
	entsize := elf.Sym32Size
	if img.is64 {
		entsize = elf.Sym64Size
	}
	if e, ok := img.tags[elf.DT_SYMENT]; ok && e != uint64(entsize) {
		return nil, dynFormatError("DT_SYMENT is %d, want %d", e, entsize)
	}
	count, err := img.symCount()
	if err != nil {
		return nil, err
	}
	_, avail, err := img.avail(img.tags[elf.DT_SYMTAB])
	if err != nil {
		return nil, fmt.Errorf("DT_SYMTAB: %w", err)
	}
	if count > avail/uint64(entsize) {
		return nil, dynFormatError("DT_SYMTAB: %d symbols do not fit in the file", count)
	}
	data, err := img.read("DT_SYMTAB", img.tags[elf.DT_SYMTAB], int64(count)*int64(entsize))
	if err != nil {
		return nil, err
	}
	strsz := int64(-1)
	if n, ok := img.tags[elf.DT_STRSZ]; ok && n <= img.size {
		strsz = int64(n)
	}
	strs, err := img.read("DT_STRTAB", img.tags[elf.DT_STRTAB], strsz)
	if err != nil {
		return nil, err
	}
	if st.tab, err = elfread.NewSymtab(data, strs, img.is64, img.bo); err != nil {
		return nil, err
	}
	st.strs = unsafeBytesString(strs)
	if a, ok := img.tags[elf.DT_VERSYM]; ok {
		// Versions are a bonus: a damaged table leaves the names bare.
		st.versym, _ = img.read("DT_VERSYM", a, int64(count)*2)
	}
	if st.versym != nil {
		if a, ok := img.tags[elf.DT_VERDEF]; ok {
			if d, err := img.read("DT_VERDEF", a, -1); err == nil {
				st.vers.def = parseVerdef(d, st.strs, img.bo)
			}
		}
		if a, ok := img.tags[elf.DT_VERNEED]; ok {
			if d, err := img.read("DT_VERNEED", a, -1); err == nil {
				st.vers.need = parseVerneed(d, st.strs, img.bo)
			}
		}
	}
	st.secs = img.sectionInfos(st)
	return st.list(), nil
}

// sectionInfos names the section indexes the symbols use, readelf's way,
// and gives each the nm letter of the segment holding its first symbol:
// code, read-only data, data, or bss (past the segment's file contents).
func (img *dynImage) sectionInfos(st *symReader) []symSecInfo {
	top := 0
	for i := 1; i < st.tab.N; i++ {
		if e, _ := st.tab.Sym(i); e.Shndx < symShnLoreserve {
			top = max(top, int(e.Shndx))
		}
	}
	secs := make([]symSecInfo, top+1)
	for i := 1; i < st.tab.N; i++ {
		e, _ := st.tab.Sym(i)
		x, value, typ := e.Shndx, e.Value, SymType(e.Info&0xf)
		if x == symShnUndef || x >= symShnLoreserve || secs[x].name != "" {
			continue
		}
		secs[x] = symSecInfo{name: strconv.Itoa(int(x)), letter: img.letter(value, typ)}
	}
	return secs
}

// letter is the nm letter of a symbol at address v: the flags of the
// segment that holds it stand in for those of its section.
func (img *dynImage) letter(v uint64, typ SymType) byte {
	if typ == TypeTLS {
		if img.tls != nil && v < img.tls.Filesz {
			return 'd'
		}
		return 'b'
	}
	for _, p := range img.loads {
		if v < p.Vaddr || v-p.Vaddr >= p.Memsz {
			continue
		}
		switch {
		case p.Flags&elf.PF_X != 0:
			return 't'
		case v-p.Vaddr >= p.Filesz:
			return 'b'
		case p.Flags&elf.PF_W != 0:
			return 'd'
		}
		return 'r'
	}
	return 'a'
}

// errNoSectionTable is why a damaged file has no .symtab to list.
var errNoSectionTable = errors.New("the section headers are unusable")

// errNoSectionHeaders is the damage of a file without section headers.
var errNoSectionHeaders = errors.New("the file has no section header table")

// damagedSymbols is Symbols for a file whose section headers are unusable.
func (f *File) damagedSymbols(t Table) ([]Symbol, error) {
	if t != TableDynsym {
		return nil, f.wrap("read symbols", fmt.Errorf("%w (no .%s: %v)", ErrNoSymbols, t, errNoSectionTable))
	}
	syms, err := f.dyn.symbols(f)
	if err != nil {
		return nil, f.wrap("read symbols", err)
	}
	return syms, nil
}
