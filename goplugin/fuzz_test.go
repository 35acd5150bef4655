package goplugin_test

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"os"
	"testing"

	"github.com/soinspect/soinspect/elfinspect"
	"github.com/soinspect/soinspect/goplugin"
	"github.com/soinspect/soinspect/internal/specimen"
	"github.com/soinspect/soinspect/plugincheck"
)

// fuzzReqs are requirements of the kinds the CLI's --require takes.
var fuzzReqs = []plugincheck.Requirement{{Name: "Run", Type: "func() string"}, {Name: "V", Type: "*int"}}

// FuzzPlugin feeds mutated plugins to the anatomy readers: no panic, no
// hang, bounded memory. An input starting with the ELF magic is a whole
// file; any other input is a patch script applied to a small real plugin
// (plugins/dotted.v2 built with -ldflags=-w, ~2 MB, built by the test, never
// committed), so that mutations land on the tables that matter while the
// corpus stays small. A script is a sequence of records
//
//	offset uint32 (little endian, taken modulo the file size) | n uint8 | n bytes
//
// and the empty script is the real plugin itself.
func FuzzPlugin(f *testing.F) {
	base, err := os.ReadFile(specimen.Path(f, "fuzzbase.so"))
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range fuzzSeeds(f, base) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		data := in
		if !bytes.HasPrefix(in, []byte(elf.ELFMAG)) {
			data = applyFuzzPatches(base, in)
		}
		ef, err := elfinspect.NewFile(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			return
		}
		if pi, err := goplugin.Read(ef); err == nil {
			for _, e := range pi.Exports {
				if e.Name == "" && e.Symbol == "" {
					t.Errorf("export with neither name nor symbol: %+v", e)
				}
			}
		}
		goplugin.Describe(ef)
		goplugin.PackageHashes(ef)
		goplugin.CExports(ef)
		// plugin.Open's model reads the same tables, the file as host and
		// as plugin.
		plugincheck.NewChecker(ef).Check(ef, fuzzReqs)
		plugincheck.NewChecker(nil).Check(ef, nil)
	})
}

func applyFuzzPatches(base, script []byte) []byte {
	out := bytes.Clone(base)
	for len(script) >= 5 {
		off := int(binary.LittleEndian.Uint32(script) % uint32(len(out)))
		n := int(script[4])
		script = script[5:]
		n = min(n, len(script))
		copy(out[off:], script[:n])
		script = script[n:]
	}
	return out
}

// patch encodes one record of a patch script.
func fuzzPatch(off uint64, b []byte) []byte {
	r := binary.LittleEndian.AppendUint32(nil, uint32(off))
	return append(append(r, byte(len(b))), b...)
}

// fuzzSeeds aims patches at what the reader walks: every word of the
// moduledata, the plugin table, the package hashes, the init tasks, the
// relocations, the symbol and hash tables, and the build info.
func fuzzSeeds(t testing.TB, base []byte) [][]byte {
	ef, err := elf.NewFile(bytes.NewReader(base))
	if err != nil {
		t.Fatal(err)
	}
	fileOff := func(addr uint64) (uint64, bool) {
		for _, s := range ef.Sections {
			if s.Type != elf.SHT_NOBITS && s.Flags&elf.SHF_ALLOC != 0 && addr >= s.Addr && addr < s.Addr+s.Size {
				return addr - s.Addr + s.Offset, true
			}
		}
		return 0, false
	}
	ones := bytes.Repeat([]byte{0xff}, 8)
	huge := binary.LittleEndian.AppendUint64(nil, 1<<40)
	small := binary.LittleEndian.AppendUint64(nil, 3)
	seeds := [][]byte{{}}
	if s := ef.Section(".go.module"); s != nil {
		vals := [][]byte{ones, huge, small}
		for o := uint64(0); o+8 <= s.Size && o < 0x260; o += 8 {
			seeds = append(seeds, fuzzPatch(s.Offset+o, vals[o/8%3]))
		}
	}
	syms, _ := ef.Symbols()
	for _, sym := range syms {
		switch sym.Name {
		case "go:plugin.tabs", "go:link.pkghashes", "go:plugin.inittasks", "go:link.thispluginpath",
			"github.com/soinspect/soinspect/plugins/dotted%2ev2..inittask":
			if o, ok := fileOff(sym.Value); ok {
				for k := uint64(0); k < min(sym.Size, 48); k += 4 {
					v := ones[:4]
					if k%8 == 4 {
						v = []byte{0x7f, 0xff, 0xff, 0x7f}
					}
					seeds = append(seeds, fuzzPatch(o+k, v))
				}
			}
		}
	}
	for _, name := range []string{".rela.dyn", ".dynsym", ".gnu.hash", ".dynamic", ".go.buildinfo", ".init_array", ".dynstr"} {
		if s := ef.Section(name); s != nil {
			for k := uint64(0); k < min(s.Size, 96); k += 16 {
				seeds = append(seeds, fuzzPatch(s.Offset+k, ones))
			}
		}
	}
	// The ELF header's section table fields.
	seeds = append(seeds, fuzzPatch(0x28, ones), fuzzPatch(0x3c, []byte{0xff, 0xff}))
	return seeds
}
