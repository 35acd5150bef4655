package disasm_test

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
)

// synth describes a small ELF64 shared object built in memory: a code
// section, a data section and a symbol table, for the bad-input tests and
// the fuzzer.
type synth struct {
	machine  elf.Machine
	code     []byte
	codeAddr uint64
	nobits   bool   // the code section is SHT_NOBITS
	codeSize uint64 // sh_size of the code section; len(code) if 0
	data     []byte
	dataAddr uint64
	syms     []synthSym
	atEnd    bool   // the code is the last thing in the file, so that codeSize can run past its end
	dataName string // the data section's name; ".data" if empty (".gopclntab" makes the file Go-built)
}

type synthSym struct {
	name  string
	value uint64
	size  uint64
	typ   elf.SymType
	shndx uint16 // 0: the code section
}

// build lays the file out as: ELF header, .text, .data, .symtab, .strtab,
// .shstrtab, section headers.
func (s synth) build() []byte {
	le := binary.LittleEndian
	var buf bytes.Buffer
	buf.Write(make([]byte, 64))
	align := func() {
		for buf.Len()%8 != 0 {
			buf.WriteByte(0)
		}
	}
	textOff := uint64(buf.Len())
	if !s.nobits && !s.atEnd {
		buf.Write(s.code)
	}
	align()
	dataOff := uint64(buf.Len())
	buf.Write(s.data)
	align()
	var strtab bytes.Buffer
	strtab.WriteByte(0)
	symOff := uint64(buf.Len())
	buf.Write(make([]byte, 24)) // the null symbol
	for _, sym := range s.syms {
		var e [24]byte
		le.PutUint32(e[0:], uint32(strtab.Len()))
		strtab.WriteString(sym.name)
		strtab.WriteByte(0)
		e[4] = byte(elf.STB_GLOBAL)<<4 | byte(sym.typ)&0xf
		shndx := sym.shndx
		if shndx == 0 {
			shndx = 1
		}
		le.PutUint16(e[6:], shndx)
		le.PutUint64(e[8:], sym.value)
		le.PutUint64(e[16:], sym.size)
		buf.Write(e[:])
	}
	symSize := uint64(buf.Len()) - symOff
	strOff := uint64(buf.Len())
	buf.Write(strtab.Bytes())
	dataName := s.dataName
	if dataName == "" {
		dataName = ".data"
	}
	shstr := []byte("\x00.text\x00" + dataName + "\x00.symtab\x00.strtab\x00.shstrtab\x00")
	dn := uint32(7 + len(dataName) + 1) // where ".symtab" starts
	shstrOff := uint64(buf.Len())
	buf.Write(shstr)
	align()
	shOff := uint64(buf.Len())
	codeSize := s.codeSize
	if codeSize == 0 {
		codeSize = uint64(len(s.code))
	}
	textType := elf.SHT_PROGBITS
	if s.nobits {
		textType = elf.SHT_NOBITS
	}
	type sh struct {
		name            uint32
		typ             elf.SectionType
		flags           elf.SectionFlag
		addr, off, size uint64
		link, info      uint32
		align, entsize  uint64
	}
	if s.atEnd {
		textOff = shOff + 6*64
	}
	hdrs := []sh{
		{},
		{1, textType, elf.SHF_ALLOC | elf.SHF_EXECINSTR, s.codeAddr, textOff, codeSize, 0, 0, 16, 0},
		{7, elf.SHT_PROGBITS, elf.SHF_ALLOC | elf.SHF_WRITE, s.dataAddr, dataOff, uint64(len(s.data)), 0, 0, 8, 0},
		{dn, elf.SHT_SYMTAB, 0, 0, symOff, symSize, 4, 1, 8, 24},
		{dn + 8, elf.SHT_STRTAB, 0, 0, strOff, uint64(strtab.Len()), 0, 0, 1, 0},
		{dn + 16, elf.SHT_STRTAB, 0, 0, shstrOff, uint64(len(shstr)), 0, 0, 1, 0},
	}
	for _, h := range hdrs {
		var e [64]byte
		le.PutUint32(e[0:], h.name)
		le.PutUint32(e[4:], uint32(h.typ))
		le.PutUint64(e[8:], uint64(h.flags))
		le.PutUint64(e[16:], h.addr)
		le.PutUint64(e[24:], h.off)
		le.PutUint64(e[32:], h.size)
		le.PutUint32(e[40:], h.link)
		le.PutUint32(e[44:], h.info)
		le.PutUint64(e[48:], h.align)
		le.PutUint64(e[56:], h.entsize)
		buf.Write(e[:])
	}
	if s.atEnd && !s.nobits {
		buf.Write(s.code)
	}
	out := buf.Bytes()
	copy(out, elf.ELFMAG)
	out[elf.EI_CLASS] = byte(elf.ELFCLASS64)
	out[elf.EI_DATA] = byte(elf.ELFDATA2LSB)
	out[elf.EI_VERSION] = byte(elf.EV_CURRENT)
	le.PutUint16(out[16:], uint16(elf.ET_DYN))
	le.PutUint16(out[18:], uint16(s.machine))
	le.PutUint32(out[20:], uint32(elf.EV_CURRENT))
	le.PutUint64(out[40:], shOff)
	le.PutUint16(out[52:], 64)
	le.PutUint16(out[58:], 64)
	le.PutUint16(out[60:], uint16(len(hdrs)))
	le.PutUint16(out[62:], 5)
	return out
}
