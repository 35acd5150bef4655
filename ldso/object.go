package ldso

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"fmt"
	"sync"

	"github.com/soinspect/soinspect/internal/elfread"
)

// The limits of the object reader. A hostile file cannot make it read or
// allocate more than these; each is far above what a linker writes.
const (
	maxPhdrs       = 1 << 12  // program headers read from one file
	maxDynamic     = 1 << 20  // bytes of the dynamic segment
	maxStrtab      = 64 << 20 // bytes of the dynamic string table
	maxDynString   = 4 << 20  // bytes of one string (DT_NEEDED, DT_RPATH, ...)
	maxNeeded      = 1 << 16  // DT_NEEDED entries of one object
	maxNeededBytes = 16 << 20 // bytes of the distinct DT_NEEDED names of one object
	maxSymbols     = 1 << 22  // dynamic symbols of one object
	maxRelocBytes  = 256 << 20
)

// Object is what ld.so reads of one ELF file: the ELF header checks of
// open_verify, and the dynamic section it links by. It is read through the
// program headers, as the loader reads it, never the section table.
type Object struct {
	Path string // the path it was opened as (inside the root, if any)

	Class   elf.Class
	Data    elf.Data
	Machine elf.Machine
	Type    elf.Type
	Interp  string // PT_INTERP, if any

	Needed  []string // DT_NEEDED in order
	Soname  string   // DT_SONAME
	RPath   *string  // DT_RPATH, nil if absent
	RunPath *string  // DT_RUNPATH, nil if absent
	Flags1  elf.DynFlag1
	Flags   elf.DynFlag
	Dynamic bool // has PT_DYNAMIC

	dyn   map[elf.DynTag]uint64 // the last value of each tag (as ld.so's l_info)
	loads elfread.Segments
	src   *source
	size  int64
	strs  []byte

	// The tables below are read on first use, once, so that one Object
	// may serve several loads at a time (a Pool, a forked Result).
	vn             []verNeed
	vd             []verDef
	vnErr, vdErr   error
	vnOnce, vdOnce sync.Once

	sym     *symbols
	symErr  error
	symOnce sync.Once

	rc     []uint8 // relocation classes per symbol
	rcErr  error
	rcOnce sync.Once
}

// openVerifyError is an error of open_verify that ends the search: the
// file exists but is no loadable object. Msg is ld.so's own words.
type openVerifyError struct{ Msg string }

func (e *openVerifyError) Error() string { return e.Msg }

// errSkip marks a file open_verify passes over silently (another ELF
// class or machine): the search goes on.
type errSkip struct{ otherClass bool }

func (e errSkip) Error() string {
	if e.otherClass {
		return "wrong ELF class"
	}
	return "wrong machine"
}

// readObject reads the object in f as open_verify and
// _dl_map_object_from_fd read it. The host is x86-64 (ELFCLASS64, little
// endian, EM_X86_64): the only loader soinspect models.
func readObject(path string, r *source, size int64) (*Object, error) {
	var hdr [64]byte
	n, _ := r.ReadAt(hdr[:], 0)
	if n < len(hdr) {
		if n >= 4 && string(hdr[:4]) != elf.ELFMAG {
			return nil, &openVerifyError{"invalid ELF header"}
		}
		return nil, &openVerifyError{"file too short"}
	}
	switch {
	case string(hdr[:4]) != elf.ELFMAG:
		return nil, &openVerifyError{"invalid ELF header"}
	case elf.Class(hdr[elf.EI_CLASS]) != elf.ELFCLASS64:
		return nil, errSkip{otherClass: true}
	case elf.Data(hdr[elf.EI_DATA]) != elf.ELFDATA2LSB:
		return nil, &openVerifyError{"ELF file data encoding not little-endian"}
	case elf.Version(hdr[elf.EI_VERSION]) != elf.EV_CURRENT:
		return nil, &openVerifyError{"ELF file version ident does not match current one"}
	}
	osabi := elf.OSABI(hdr[elf.EI_OSABI])
	abiver := hdr[elf.EI_ABIVERSION]
	// x86 accepts ELFOSABI_GNU (3) too, with ABI version up to
	// LIBC_ABI_MAX - 1 (glibc 2.36: 2 for unique symbols and ifuncs).
	switch {
	case osabi != elf.ELFOSABI_NONE && osabi != elf.ELFOSABI_LINUX:
		return nil, &openVerifyError{"ELF file OS ABI invalid"}
	case osabi == elf.ELFOSABI_NONE && abiver != 0, osabi == elf.ELFOSABI_LINUX && abiver > 2:
		return nil, &openVerifyError{"ELF file ABI version invalid"}
	case !allZero(hdr[elf.EI_ABIVERSION+1 : elf.EI_NIDENT]):
		return nil, &openVerifyError{"nonzero padding in e_ident"}
	}
	bo := binary.LittleEndian
	o := &Object{Path: path, Class: elf.ELFCLASS64, Data: elf.ELFDATA2LSB, src: r, size: size}
	o.Type = elf.Type(bo.Uint16(hdr[16:]))
	o.Machine = elf.Machine(bo.Uint16(hdr[18:]))
	if bo.Uint32(hdr[20:]) != uint32(elf.EV_CURRENT) {
		return nil, &openVerifyError{"ELF file version does not match current one"}
	}
	if o.Machine != elf.EM_X86_64 {
		return nil, errSkip{}
	}
	if o.Type != elf.ET_DYN && o.Type != elf.ET_EXEC {
		return nil, &openVerifyError{"only ET_DYN and ET_EXEC can be loaded"}
	}
	phoff, phentsize, phnum := bo.Uint64(hdr[32:]), bo.Uint16(hdr[54:]), int(bo.Uint16(hdr[56:]))
	if phentsize != 56 {
		return nil, &openVerifyError{"ELF file's phentsize not the expected size"}
	}
	if phnum > maxPhdrs {
		phnum = maxPhdrs
	}
	progs, err := elfread.ReadProgHeaders(r, size, bo, true, phoff, int(phentsize), phnum)
	if err != nil {
		return nil, &openVerifyError{"cannot read file data"}
	}
	o.loads = elfread.Loads(progs)
	var dynPh, interpPh *elf.ProgHeader
	for i := range progs {
		switch progs[i].Type {
		case elf.PT_DYNAMIC:
			dynPh = &progs[i] // the last one, as ld.so's l_ld
		case elf.PT_INTERP:
			interpPh = &progs[i]
		}
	}
	if interpPh != nil {
		b, err := o.readAt(interpPh.Off, min(interpPh.Filesz, 4096))
		if err == nil {
			o.Interp = cstring(b)
		}
	}
	if dynPh == nil {
		return o, nil
	}
	o.Dynamic = true
	if err := o.readDynamic(dynPh); err != nil {
		return nil, err // the caller names the file
	}
	return o, nil
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

func cstring(b []byte) string {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	return string(b)
}

// readAt returns n bytes at file offset off, within the file: in place
// when the file is mapped, so never to be written to.
func (o *Object) readAt(off, n uint64) ([]byte, error) {
	if off > uint64(o.size) || n > uint64(o.size)-off {
		return nil, &elfread.FormatError{Off: -1, Msg: fmt.Sprintf("%d bytes at offset %#x lie past the end of the file", n, off)}
	}
	return o.src.slice(off, n)
}

// offset translates a virtual address to a file offset through the
// PT_LOAD segments, with the number of file bytes available from there.
func (o *Object) offset(addr uint64) (off, avail uint64, ok bool) {
	return o.loads.Offset(addr)
}

// readAddr reads n bytes at virtual address addr.
func (o *Object) readAddr(addr, n uint64, what string) ([]byte, error) {
	off, avail, ok := o.offset(addr)
	if !ok || n > avail {
		return nil, &elfread.FormatError{Off: -1, Msg: fmt.Sprintf("%s (%d bytes at address %#x) is outside the file's loaded segments", what, n, addr)}
	}
	return o.readAt(off, n)
}

func (o *Object) readDynamic(p *elf.ProgHeader) error {
	n := min(p.Filesz, maxDynamic)
	b, err := o.readAt(p.Off, n)
	if err != nil {
		return &elfread.FormatError{Off: -1, Msg: "dynamic segment: " + err.Error()}
	}
	o.dyn = map[elf.DynTag]uint64{}
	var needed []uint64
	for tag, val := range elfread.DynEntries(b, binary.LittleEndian, true) {
		if tag == elf.DT_NEEDED {
			if len(needed) >= maxNeeded {
				return &elfread.FormatError{Off: -1, Msg: fmt.Sprintf("more than %d DT_NEEDED entries", maxNeeded)}
			}
			needed = append(needed, val)
			continue
		}
		o.dyn[tag] = val
	}
	strtab, hasStr := o.dyn[elf.DT_STRTAB]
	strsz := o.dyn[elf.DT_STRSZ]
	if !hasStr {
		if len(needed) > 0 || o.has(elf.DT_SONAME) || o.has(elf.DT_RPATH) || o.has(elf.DT_RUNPATH) {
			return &elfread.FormatError{Off: -1, Msg: "dynamic section has no DT_STRTAB"}
		}
		return nil
	}
	off, avail, ok := o.offset(strtab)
	if !ok {
		return &elfread.FormatError{Off: -1, Msg: fmt.Sprintf("DT_STRTAB %#x is outside the file's loaded segments", strtab)}
	}
	if strsz == 0 || strsz > avail {
		strsz = avail
	}
	if strsz > maxStrtab {
		return &elfread.FormatError{Off: -1, Msg: fmt.Sprintf("dynamic string table is %d bytes long (limit %d)", strsz, maxStrtab)}
	}
	if o.strs, err = o.readAt(off, strsz); err != nil {
		return &elfread.FormatError{Off: -1, Msg: "dynamic string table: " + err.Error()}
	}
	o.Needed = make([]string, 0, len(needed))
	interned := map[uint64]string{}
	total := 0
	for _, v := range needed {
		s, ok := interned[v]
		if !ok {
			var err error
			if s, err = o.dynStr(v, elf.DT_NEEDED); err != nil {
				return err
			}
			if total += len(s); total > maxNeededBytes {
				return &elfread.FormatError{Off: -1, Msg: fmt.Sprintf("DT_NEEDED names exceed %d bytes", maxNeededBytes)}
			}
			interned[v] = s
		}
		o.Needed = append(o.Needed, s)
	}
	if v, ok := o.dyn[elf.DT_SONAME]; ok {
		if o.Soname, err = o.dynStr(v, elf.DT_SONAME); err != nil {
			return err
		}
	}
	if v, ok := o.dyn[elf.DT_RPATH]; ok {
		s, err := o.dynStr(v, elf.DT_RPATH)
		if err != nil {
			return err
		}
		o.RPath = &s
	}
	if v, ok := o.dyn[elf.DT_RUNPATH]; ok {
		s, err := o.dynStr(v, elf.DT_RUNPATH)
		if err != nil {
			return err
		}
		o.RunPath = &s
	}
	o.Flags1 = elf.DynFlag1(o.dyn[elf.DT_FLAGS_1])
	o.Flags = elf.DynFlag(o.dyn[elf.DT_FLAGS])
	return nil
}

func (o *Object) has(t elf.DynTag) bool { _, ok := o.dyn[t]; return ok }

// dynStr returns the string at offset v of the dynamic string table, or
// an error naming tag, the entry that points there.
func (o *Object) dynStr(v uint64, tag elf.DynTag) (string, error) {
	if v >= uint64(len(o.strs)) {
		return "", &elfread.FormatError{Off: -1, Msg: fmt.Sprintf("%s string offset %#x is outside the string table", tag, v)}
	}
	s := o.strs[v:]
	i := bytes.IndexByte(s, 0)
	if i < 0 {
		return "", &elfread.FormatError{Off: -1, Msg: fmt.Sprintf("%s string at %#x is not terminated", tag, v)}
	}
	if i > maxDynString {
		return "", &elfread.FormatError{Off: -1, Msg: fmt.Sprintf("%s string is %d bytes long (limit %d)", tag, i, maxDynString)}
	}
	return string(s[:i]), nil
}

// dynString returns the string at offset v of the dynamic string table,
// and whether there is a sound one.
func (o *Object) dynString(v uint64) (string, bool) {
	s, err := o.dynStr(v, elf.DT_NULL)
	return s, err == nil
}

// fileID is a file's identity as ld.so compares it: device and inode.
type fileID struct{ dev, ino uint64 }
