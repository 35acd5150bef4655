package goplugin

import (
	"bytes"
	"debug/elf"

	"github.com/soinspect/soinspect/internal/elfread"
)

// ABIFacts are the dynamic-linking facts of a Go shared object.
//
// JSON: {"abi0_wrappers", "abi0_examples", "init_array": [InitArrayEntry],
// "needed", "soname"}.
type ABIFacts struct {
	// ABI0Wrappers counts the defined functions in .dynsym whose name ends
	// in ".abi0": assembly functions and wrappers kept callable under the
	// stack-based ABI.
	ABI0Wrappers int `json:"abi0_wrappers"`
	// ABI0Examples are a few of them, in symbol table order.
	ABI0Examples []string `json:"abi0_examples,omitempty"`
	// InitArray are the .init_array entries ld.so calls at dlopen.
	InitArray []InitArrayEntry `json:"init_array,omitempty"`
	// Needed are the DT_NEEDED libraries.
	Needed []string `json:"needed,omitempty"`
	// Soname is DT_SONAME, if any.
	Soname string `json:"soname,omitempty"`
}

// InitArrayEntry is one .init_array function.
type InitArrayEntry struct {
	Addr   uint64 `json:"addr"`
	Symbol string `json:"symbol,omitempty"`
	// RegistersModule is true for the entry that hands the module's
	// moduledata to runtime.addmoduledata (go:link.addmoduledata), checked
	// from its code on amd64 or its name elsewhere.
	RegistersModule bool `json:"registers_module,omitempty"`
}

// leaRDI decodes "lea disp32(%rip), %rdi" at addr (the first instruction
// of go:link.addmoduledata on amd64) and returns its target, or 0.
func leaRDI(im *elfread.Image, addr uint64) uint64 {
	b, err := im.Bytes(addr, 7)
	if err != nil || b[0] != 0x48 || b[1] != 0x8d || b[2] != 0x3d {
		return 0
	}
	return addr + 7 + uint64(int64(int32(im.BO.Uint32(b[3:]))))
}

// readABI fills pi.ABI from .dynsym, .init_array and .dynamic.
func (pr *pluginReader) readABI() {
	pr.pi.ABI = readABIFacts(pr.im, pr.note)
}

func readABIFacts(im *elfread.Image, note func(string, ...any)) ABIFacts {
	var a ABIFacts
	if d, err := im.Dynsym(); err == nil {
		for i := 1; i < d.N; i++ {
			s, _ := d.Sym(i)
			if s.Type() != elf.STT_FUNC || s.Shndx == uint16(elf.SHN_UNDEF) {
				continue
			}
			if n := d.NameBytes(s); len(n) > 5 && string(n[len(n)-5:]) == ".abi0" {
				a.ABI0Wrappers++
				if len(a.ABI0Examples) < 5 {
					a.ABI0Examples = append(a.ABI0Examples, string(n))
				}
			}
		}
	} else {
		note("%v", err)
	}
	if s := im.ELF.SectionByType(elf.SHT_INIT_ARRAY); s != nil && s.Type != elf.SHT_NOBITS {
		p := uint64(im.Ptr)
		n := s.Size / p
		if n > 1024 {
			note(".init_array has %d entries; reading the first 1024", n)
			n = 1024
		}
		for i := uint64(0); i < n; i++ {
			v, err := im.Pointer(s.Addr + i*p)
			if err != nil {
				note(".init_array entry %d: %v", i, err)
				break
			}
			a.InitArray = append(a.InitArray, InitArrayEntry{Addr: v})
		}
	}
	a.Needed, a.Soname = dynamicNames(im, note)
	return a
}

// dynamicNames reads DT_NEEDED and DT_SONAME from .dynamic, sharing the
// string table already read for .dynsym (debug/elf would read it again
// for each tag).
func dynamicNames(im *elfread.Image, note func(string, ...any)) (needed []string, soname string) {
	ds := im.ELF.SectionByType(elf.SHT_DYNAMIC)
	if ds == nil {
		return nil, ""
	}
	data, err := im.Section(ds)
	if err != nil {
		note(".dynamic: %v", err)
		return nil, ""
	}
	var strs []byte
	if d, err := im.Dynsym(); err == nil && im.ELF.SectionByType(elf.SHT_DYNSYM).Link == ds.Link {
		strs = d.Strs()
	} else if strs, err = im.Strtab(ds.Link); err != nil {
		note(".dynamic strings: %v", err)
		return nil, ""
	}
	str := func(off uint64) string {
		if off >= uint64(len(strs)) {
			return ""
		}
		b := strs[off:]
		if i := bytes.IndexByte(b, 0); i >= 0 {
			b = b[:i]
		}
		s, _ := im.CopyString(b[:min(len(b), elfread.MaxSymbolName)])
		return s
	}
	for tag, val := range elfread.DynEntries(data, im.BO, im.Ptr == 8) {
		switch tag {
		case elf.DT_NEEDED:
			if len(needed) < 1024 {
				needed = append(needed, str(val))
			}
		case elf.DT_SONAME:
			soname = str(val)
		}
	}
	return needed, soname
}
