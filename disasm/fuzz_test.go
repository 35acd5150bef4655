package disasm_test

import (
	"debug/elf"
	"encoding/binary"
	"testing"

	"github.com/soinspect/soinspect/disasm"
)

// FuzzDisasm feeds random bytes as code and a random symbol table (names,
// values, sizes, types and section indexes from the fuzzer's bytes) to
// every entry point, in every syntax, for x86-64, 386 and AArch64. It must
// never panic or hang: the panic guard is off in tests (internal/guard).
func FuzzDisasm(f *testing.F) {
	f.Add(uint8(0), x86code, []byte("f\x00\x10\x00\x00\x08\x02"), uint64(0x1000))
	f.Add(uint8(1), []byte{0x0f, 0x01, 0xee, 0xc5, 0xf8, 0x77, 0xe9, 0, 0, 0, 0}, []byte("g\x00\x10\x00\x00\x40\x02h\x07\x10\x01\x00\x00\x0a"), uint64(0x1003))
	f.Add(uint8(2), []byte{0x90, 0x0b, 0x40, 0xf9, 0xff, 0x63, 0x30, 0xeb, 0xc9, 0x00, 0x00, 0x54, 0xc0, 0x03, 0x5f, 0xd6}, []byte("a\x00\x10\x00\x00\x10\x02"), uint64(0x1004))
	f.Add(uint8(0x10), []byte{0x49, 0x3b, 0x66, 0x10, 0x76, 0x01, 0xc3, 0xe8, 0, 0, 0, 0, 0xeb, 0xf2}, []byte("r\x00\x10\x00\x00\x0e\x02"), uint64(0x1000))
	f.Add(uint8(3), []byte{0xf3, 0x0f, 0x1e}, []byte("\xff\x00\x10\x00\x00\xff\x02"), uint64(0xffffffffffffffff))
	f.Fuzz(func(t *testing.T, mode uint8, code, symbytes []byte, addr uint64) {
		if len(code) > 4<<10 || len(symbytes) > 1<<10 {
			return
		}
		s := synth{code: code, codeAddr: 0x1000, data: make([]byte, 8), dataAddr: 0x8000}
		switch mode % 3 {
		case 0:
			s.machine = elf.EM_X86_64
		case 1:
			s.machine = elf.EM_386
		default:
			s.machine = elf.EM_AARCH64
		}
		s.nobits = mode&0x80 != 0
		if mode&0x10 != 0 {
			// A Go-built file: the prologue labels run, and the data
			// (the code bytes again) is read as a pclntab by --source.
			s.dataName, s.data = ".gopclntab", code
		}
		s.atEnd = mode&0x40 != 0
		if mode&0x20 != 0 {
			s.codeSize = uint64(len(code)) + uint64(mode&0x1f)
		}
		// Each symbol: a name byte, then value offset (2 bytes), size (2
		// bytes), a size byte, the type: 7 bytes.
		for i := 0; i+7 <= len(symbytes) && len(s.syms) < 16; i += 7 {
			b := symbytes[i : i+7]
			s.syms = append(s.syms, synthSym{
				name:  string(b[:1]),
				value: 0x1000 + uint64(binary.LittleEndian.Uint16(b[1:])) - 0x100,
				size:  uint64(binary.LittleEndian.Uint16(b[3:])) + uint64(b[5])<<32,
				typ:   elf.SymType(b[6] & 0xf),
				shndx: uint16(b[6] >> 4),
			})
		}
		d, err := openBytes(t, s.build())
		if err != nil {
			return
		}
		fns, _ := d.Funcs()
		for _, syn := range []disasm.Syntax{disasm.SyntaxGNU, disasm.SyntaxIntel, disasm.SyntaxGo} {
			for _, fn := range fns {
				d.Disassemble(fn, disasm.Options{Syntax: syn, Source: true})
				d.Disassemble(fn, disasm.Options{Syntax: syn, Count: 3})
			}
			d.At(addr, disasm.Options{Syntax: syn})
			d.At(0x1000+addr%uint64(len(code)+1), disasm.Options{Syntax: syn, Count: 5, Source: true})
		}
		for _, sym := range s.syms {
			d.Lookup(sym.name)
		}
	})
}
