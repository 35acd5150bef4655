package elfread

import (
	"cmp"
	"debug/elf"
	"fmt"
	"slices"

	"github.com/soinspect/soinspect/internal/guard"
)

// The dynamic relocations of .rela.dyn and .rela.plt, applied the way ld.so
// would: debug/elf applies relocations only to DWARF sections, and a Go
// plugin's moduledata holds zeros where ld.so writes pointers. They are
// read once per file, on the first read that needs them.

// reloc is one dynamic relocation, reduced to what a static reader needs.
type reloc struct {
	off    uint64
	typ    uint32
	sym    uint32 // index into the dynamic symbol table
	addend int64
}

// RelocErr returns why the dynamic relocations could not be read, or nil:
// without them, a pointer reads as the file stores it.
func (im *Image) RelocErr() error {
	im.loadRelocs()
	return im.relocErr
}

func (im *Image) loadRelocs() {
	if !im.relocsRead {
		im.relocErr = im.readRelocs()
		im.relocsRead = true
	}
}

// readRelocs reads every SHT_RELA section that is part of the image
// (.rela.dyn and .rela.plt) into im.relocs, sorted by offset.
func (im *Image) readRelocs() (err error) {
	defer guard.Recover(func(p any) { im.relocs, err = nil, PanicError("relocations", p) })
	ef := im.ELF
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
		if err := im.checkSection(s); err != nil {
			return err
		}
		total += s.Size / entsize
	}
	rs := make([]reloc, 0, total)
	for _, s := range ef.Sections {
		if s.Type != elf.SHT_RELA || s.Flags&elf.SHF_ALLOC == 0 || s.Size == 0 {
			continue
		}
		buf, err := im.Section(s)
		if err != nil {
			return err
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
	im.loadRelocs()
	i, ok := slices.BinarySearchFunc(im.relocs, addr, func(r reloc, a uint64) int {
		return cmp.Compare(r.off, a)
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

// relocKinds says, per machine, what each dynamic relocation type stores;
// a type not listed is relocUnknown. A table rather than a map, so that
// nothing is built at every start of a program that links this package.
var relocKinds = [...]struct {
	machine elf.Machine
	typ     uint32
	kind    relocKind
}{
	{elf.EM_X86_64, uint32(elf.R_X86_64_RELATIVE), relocRelative},
	{elf.EM_X86_64, uint32(elf.R_X86_64_64), relocAbs},
	{elf.EM_X86_64, uint32(elf.R_X86_64_GLOB_DAT), relocSym},
	{elf.EM_X86_64, uint32(elf.R_X86_64_JMP_SLOT), relocSym},

	{elf.EM_AARCH64, uint32(elf.R_AARCH64_RELATIVE), relocRelative},
	{elf.EM_AARCH64, uint32(elf.R_AARCH64_ABS64), relocAbs},
	{elf.EM_AARCH64, uint32(elf.R_AARCH64_GLOB_DAT), relocAbs},
	{elf.EM_AARCH64, uint32(elf.R_AARCH64_JUMP_SLOT), relocSym},

	{elf.EM_PPC64, uint32(elf.R_PPC64_RELATIVE), relocRelative},
	{elf.EM_PPC64, uint32(elf.R_PPC64_ADDR64), relocAbs},
	{elf.EM_PPC64, uint32(elf.R_PPC64_GLOB_DAT), relocAbs},
	{elf.EM_PPC64, uint32(elf.R_PPC64_JMP_SLOT), relocSym},

	{elf.EM_RISCV, uint32(elf.R_RISCV_RELATIVE), relocRelative},
	{elf.EM_RISCV, uint32(elf.R_RISCV_64), relocAbs},
	{elf.EM_RISCV, uint32(elf.R_RISCV_JUMP_SLOT), relocSym},

	{elf.EM_S390, uint32(elf.R_390_RELATIVE), relocRelative},
	{elf.EM_S390, uint32(elf.R_390_64), relocAbs},
	{elf.EM_S390, uint32(elf.R_390_GLOB_DAT), relocAbs},
	{elf.EM_S390, uint32(elf.R_390_JMP_SLOT), relocSym},

	{elf.EM_LOONGARCH, uint32(elf.R_LARCH_RELATIVE), relocRelative},
	{elf.EM_LOONGARCH, uint32(elf.R_LARCH_64), relocAbs},
	{elf.EM_LOONGARCH, uint32(elf.R_LARCH_JUMP_SLOT), relocSym},
}

func (im *Image) relocKind(typ uint32) relocKind {
	m := im.ELF.Machine
	for _, k := range relocKinds {
		if k.machine == m && k.typ == typ {
			return k.kind
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
	return 0, "", fmt.Errorf("unsupported relocation type %d for %v at %#x", r.typ, im.ELF.Machine, r.off)
}
