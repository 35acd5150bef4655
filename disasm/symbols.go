package disasm

import (
	"cmp"
	"debug/elf"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/soinspect/soinspect/elfinspect"
	"github.com/soinspect/soinspect/goplugin"
	"github.com/soinspect/soinspect/internal/ascii"
	"github.com/soinspect/soinspect/internal/elfread"
	"github.com/soinspect/soinspect/internal/guard"
)

// The file's symbols, by address (to name targets) and by name (to find
// what to decode), and its PLT stubs by address.

type symEntry struct {
	name  string
	addr  uint64
	size  uint64
	typ   elf.SymType
	bind  elf.SymBind
	table string
	rank  int // lower is a better name for its address
}

type symIndex struct {
	all    []symEntry // every defined symbol with an address, in table order
	byAddr []symEntry // the best name for each address, sorted by address

	nameOnce sync.Once
	byName   map[string][]int32 // indexes into all, built on the first lookup by name
}

// named returns the entries called name.
func (ix *symIndex) named(name string) []symEntry {
	ix.nameOnce.Do(func() {
		ix.byName = make(map[string][]int32, len(ix.all))
		for i, e := range ix.all {
			ix.byName[e.name] = append(ix.byName[e.name], int32(i))
		}
	})
	var out []symEntry
	for _, i := range ix.byName[name] {
		out = append(out, ix.all[i])
	}
	return out
}

// maxSymbols bounds the symbols indexed from one table: far above any
// real file (libLLVM has under 100k in .dynsym), and a bound on memory for
// a hostile one.
const maxSymbols = 4 << 20

func readSymbols(d *Disassembler) *symIndex {
	ix := &symIndex{}
	st, _ := d.rd.StaticSymtab()
	dyn, _ := d.rd.Dynsym()
	tables := []struct {
		st   *elfread.Symtab
		name string
	}{{st, "symtab"}, {dyn, "dynsym"}}
	n := 0
	for _, t := range tables {
		if t.st != nil {
			n += min(t.st.N, maxSymbols)
		}
	}
	ix.all = make([]symEntry, 0, n)
	for _, t := range tables {
		if t.st == nil {
			continue
		}
		// One copy of the string table; each name is a substring of it,
		// not a string of its own.
		strs := string(t.st.Strs())
		for i := 1; i < t.st.N && i < maxSymbols; i++ {
			s, _ := t.st.Sym(i)
			typ := s.Type()
			if s.Shndx == uint16(elf.SHN_UNDEF) || s.Shndx >= uint16(elf.SHN_LORESERVE) || s.Value == 0 ||
				typ == elf.STT_SECTION || typ == elf.STT_FILE || typ == elf.STT_TLS {
				continue
			}
			nb := t.st.NameBytes(s)
			if len(nb) == 0 {
				continue
			}
			name := strs[s.NameOff : int(s.NameOff)+len(nb)]
			ix.all = append(ix.all, symEntry{name: name, addr: s.Value, size: s.Size, typ: typ, bind: s.Bind(), table: t.name, rank: rank(name, typ, s.Bind(), s.Size)})
		}
	}
	ix.byAddr = byAddr(ix.all)
	return ix
}

// byAddr returns the best name for each address of all (the lowest rank,
// then the first in table order), sorted by address. It sorts small keys
// rather than the entries, and with an index tie-break rather than a
// stable sort: the result is the same.
func byAddr(all []symEntry) []symEntry {
	type key struct {
		addr uint64
		rank int32
		i    int32
	}
	keys := make([]key, len(all))
	for i, e := range all {
		keys[i] = key{e.addr, int32(e.rank), int32(i)}
	}
	slices.SortFunc(keys, func(a, b key) int {
		if c := cmp.Compare(a.addr, b.addr); c != 0 {
			return c
		}
		if c := cmp.Compare(a.rank, b.rank); c != 0 {
			return c
		}
		return cmp.Compare(a.i, b.i)
	})
	keys = slices.CompactFunc(keys, func(a, b key) bool { return a.addr == b.addr })
	out := make([]symEntry, len(keys))
	for j, k := range keys {
		out[j] = all[k.i]
	}
	return out
}

// rank orders the names of one address: a sized function first, global
// before local, the linker's "local." copies of Go symbols last.
func rank(name string, typ elf.SymType, bind elf.SymBind, size uint64) int {
	r := 0
	switch typ {
	case elf.STT_FUNC, elf.STT_GNU_IFUNC:
	case elf.STT_OBJECT:
		r += 10
	default:
		r += 20
	}
	if size == 0 {
		r += 40
	}
	if bind == elf.STB_LOCAL {
		r += 2
	}
	if strings.HasPrefix(name, "local.") {
		r += 4
	}
	return r
}

// containing returns the sized symbol whose range holds addr.
func (ix *symIndex) containing(addr uint64) (symEntry, bool) {
	i, _ := slices.BinarySearchFunc(ix.byAddr, addr+1, func(e symEntry, a uint64) int {
		if e.addr < a {
			return -1
		}
		return 1
	})
	// byAddr[:i] start at or below addr; a few may be nested or unsized.
	for j := i - 1; j >= 0 && j >= i-64; j-- {
		e := ix.byAddr[j]
		if addr-e.addr < e.size {
			return e, true
		}
	}
	return symEntry{}, false
}

// at returns the symbol starting exactly at addr, sized or not.
func (ix *symIndex) at(addr uint64) (symEntry, bool) {
	i, ok := slices.BinarySearchFunc(ix.byAddr, addr, func(e symEntry, a uint64) int {
		return cmp.Compare(e.addr, a)
	})
	if ok {
		return ix.byAddr[i], true
	}
	return symEntry{}, false
}

// name names addr: "sym", "sym+0x10", "puts@plt", or "" when no symbol
// holds it.
func (d *Disassembler) name(addr uint64) string {
	if p, ok := d.pltName(addr); ok {
		return p
	}
	if e, ok := d.syms.at(addr); ok {
		return quoteName(e.name)
	}
	if e, ok := d.syms.containing(addr); ok {
		return quoteName(e.name) + "+0x" + strconv.FormatUint(addr-e.addr, 16)
	}
	return ""
}

// note describes a target: a branch's destination, a GOT slot and what
// the loader writes there, or the data an address points at.
func (d *Disassembler) note(target uint64, kind refKind) string {
	if kind == refLoad {
		if g := d.gotEntry(target); g != "" {
			return g
		}
	}
	if n := d.name(target); n != "" {
		return n
	}
	if s := d.sectionOf(target); s != "" {
		return s
	}
	return ""
}

// gotEntry names the GOT slot at addr: "GOT entry of X" for a slot with a
// dynamic relocation (X is its symbol, or for a relative relocation the
// local symbol it points at).
func (d *Disassembler) gotEntry(addr uint64) string {
	d.rd.Lock()
	defer d.rd.Unlock()
	im, err := d.rd.Image()
	if err != nil || im.RelocErr() != nil {
		return ""
	}
	if s := im.SymbolAt(addr); s != "" {
		return "GOT entry of " + quoteName(s)
	}
	if r, ok := im.RelocAt(addr); ok && d.isIRelative(r.Type) {
		if e, ok := d.syms.at(uint64(r.Addend)); ok {
			return "GOT entry of " + quoteName(e.name) + " (an ifunc: its resolver's choice)"
		}
		return fmt.Sprintf("GOT entry of the ifunc resolved by %#x", r.Addend)
	}
	sec := d.sectionOf(addr)
	if !strings.HasPrefix(sec, ".got") {
		return ""
	}
	v, err := im.Pointer(addr)
	if err != nil || v == 0 {
		return ""
	}
	if n := d.name(v); n != "" {
		return "GOT entry of " + n
	}
	return fmt.Sprintf("GOT entry holding %#x", v)
}

// sectionOf names the allocated section holding addr: ".rodata+0x40".
func (d *Disassembler) sectionOf(addr uint64) string {
	for _, s := range d.f.ELF().Sections {
		if s.Flags&elf.SHF_ALLOC != 0 && s.Flags&elf.SHF_TLS == 0 && addr >= s.Addr && addr-s.Addr < s.Size {
			if addr == s.Addr {
				return s.Name
			}
			return s.Name + "+0x" + strconv.FormatUint(addr-s.Addr, 16)
		}
	}
	return ""
}

// readPLT maps each PLT stub (in .plt, .plt.sec, .plt.got) to the symbol
// whose GOT slot it jumps through.
func (d *Disassembler) readPLT() map[uint64]string {
	plt := map[uint64]string{}
	d.pltSizes = map[uint64]uint64{}
	d.rd.Lock()
	defer d.rd.Unlock()
	im, err := d.rd.Image()
	if err != nil || im.RelocErr() != nil {
		return plt
	}
	for _, s := range d.f.ELF().Sections {
		if !strings.HasPrefix(s.Name, ".plt") || s.Flags&elf.SHF_EXECINSTR == 0 || s.Type == elf.SHT_NOBITS || s.Size > 1<<24 {
			continue
		}
		code := d.sectionBytes(s) // read once: listings of the stubs decode from it too
		if code == nil {
			continue
		}
		step := s.Entsize
		if step == 0 || step > 64 {
			step = 16
		}
		if s.Name == ".plt.got" && s.Entsize == 0 {
			step = 8
		}
		if d.pltHi == 0 {
			d.pltLo = s.Addr
		}
		d.pltLo, d.pltHi = min(d.pltLo, s.Addr), max(d.pltHi, s.Addr+s.Size)
		for off := uint64(0); off+step <= uint64(len(code)); off += step {
			got := d.arch.pltGOT(code[off:off+step], s.Addr+off)
			if got == 0 {
				continue
			}
			r, ok := im.RelocAt(got)
			if ok {
				d.pltSizes[s.Addr+off] = step
			}
			switch {
			case !ok:
			case r.Sym != "":
				plt[s.Addr+off] = quoteName(r.Sym) + "@plt"
			case d.isIRelative(r.Type):
				// An ifunc called through the PLT: the slot gets what its
				// resolver (at the addend) returns at load time.
				if e, ok := d.syms.at(uint64(r.Addend)); ok {
					plt[s.Addr+off] = quoteName(e.name) + "@plt"
				} else {
					plt[s.Addr+off] = fmt.Sprintf("*ABS*+%#x@plt", r.Addend)
				}
			}
		}
	}
	return plt
}

// isIRelative reports an R_X86_64_IRELATIVE, R_386_IRELATIVE or
// R_AARCH64_IRELATIVE relocation.
func (d *Disassembler) isIRelative(typ uint32) bool {
	switch d.f.ELF().Machine {
	case elf.EM_X86_64:
		return elf.R_X86_64(typ) == elf.R_X86_64_IRELATIVE
	case elf.EM_386:
		return elf.R_386(typ) == elf.R_386_IRELATIVE
	case elf.EM_AARCH64:
		return elf.R_AARCH64(typ) == elf.R_AARCH64_IRELATIVE
	}
	return false
}

// pltName names an address in a PLT stub.
func (d *Disassembler) pltName(addr uint64) (string, bool) {
	if len(d.plt) == 0 || addr < d.pltLo || addr >= d.pltHi {
		return "", false
	}
	if n, ok := d.plt[addr]; ok {
		return n, true
	}
	for back := uint64(1); back < 16 && back <= addr; back++ {
		if n, ok := d.plt[addr-back]; ok {
			return n + "+0x" + strconv.FormatUint(back, 16), true
		}
	}
	return "", false
}

// Funcs returns the file's function symbols (FUNC and IFUNC, defined, with
// a size, in an executable section), one per address, by address.
func (d *Disassembler) Funcs() ([]Func, error) {
	if err := d.init(); err != nil {
		return nil, err
	}
	var out []Func
	for _, e := range d.syms.byAddr {
		if (e.typ == elf.STT_FUNC || e.typ == elf.STT_GNU_IFUNC) && e.size > 0 {
			if _, err := d.execSection(e.addr); err == nil {
				out = append(out, e.fn())
			}
		}
	}
	return out, nil
}

func (e symEntry) fn() Func {
	return Func{Name: e.name, Addr: e.addr, Size: e.size, Type: e.typ, Table: e.table}
}

// Lookup finds the symbols a name means, as `soinspect symbols` shows
// them: the raw name (with or without an @VERSION), in a Go plugin a name
// of the plugin's own package ("Run", "init.0", and "init" for all its
// init functions in order), a Go name by the last element of its package
// path ("plugin1.Run"), or a demangled C++ name, with or without its
// parameters. Each address is returned once; several functions may match.
func (d *Disassembler) Lookup(name string) (fns []Func, err error) {
	defer guard.Recover(recovered(&err))
	if err := d.init(); err != nil {
		return nil, err
	}
	pickFrom := func(entries []symEntry, match func(e symEntry) bool) []Func {
		var out []Func
		seen := map[uint64]int{} // address → index in out
		ranks := []int{}
		for _, e := range entries {
			if !match(e) {
				continue
			}
			if i, ok := seen[e.addr]; ok {
				if e.rank < ranks[i] { // the better of two names for one address
					out[i], ranks[i] = e.fn(), e.rank
				}
				continue
			}
			seen[e.addr] = len(out)
			out = append(out, e.fn())
			ranks = append(ranks, e.rank)
		}
		return out
	}
	pick := func(match func(e symEntry) bool) []Func { return pickFrom(d.syms.all, match) }
	exact := func(n string) []Func { return pickFrom(d.syms.named(n), func(symEntry) bool { return true }) }
	if out := exact(name); len(out) > 0 {
		return out, nil
	}
	if strings.HasSuffix(name, "@plt") {
		// A PLT stub, named as objdump names it.
		var out []Func
		for addr, n := range d.plt {
			if n == name {
				out = append(out, Func{Name: n, Addr: addr, Size: d.pltSizes[addr], Type: elf.STT_FUNC})
			}
		}
		if len(out) > 0 {
			slices.SortFunc(out, func(a, b Func) int { return cmp.Compare(a.Addr, b.Addr) })
			return out, nil
		}
	}
	if base, _, ok := strings.Cut(name, "@"); ok && base != "" {
		if out := exact(base); len(out) > 0 {
			return out, nil
		}
	}
	if pp := d.pluginPath(); pp != "" {
		if name == "init" {
			out := pick(func(e symEntry) bool {
				return e.name == pp+".init" || strings.HasPrefix(e.name, pp+".init.") && ascii.IsDigits(e.name[len(pp)+6:])
			})
			slices.SortStableFunc(out, func(a, b Func) int { return goplugin.InitIndex(a.Name) - goplugin.InitIndex(b.Name) })
			if len(out) > 0 {
				return out, nil
			}
		}
		if out := exact(pp + "." + name); len(out) > 0 {
			return out, nil
		}
	}
	if strings.Contains(name, ".") {
		out := pick(func(e symEntry) bool {
			n := strings.TrimPrefix(e.name, "local.")
			return n == name || strings.HasSuffix(n, "/"+name)
		})
		if len(out) > 0 {
			return out, nil
		}
	}
	if out := pick(func(e symEntry) bool {
		if !strings.HasPrefix(e.name, "_Z") && !strings.HasPrefix(e.name, "_R") {
			return false
		}
		dm, ok := elfinspect.DemangleName(e.name)
		if !ok {
			return false
		}
		if dm == name {
			return true
		}
		if !strings.Contains(name, "(") {
			if i := strings.Index(dm, "("); i > 0 && dm[:i] == name {
				return true
			}
		}
		return false
	}); len(out) > 0 {
		return out, nil
	}
	return nil, fmt.Errorf("no symbol %s", quoteName(name))
}

// pluginPath is the Go plugin's pluginpath, read once, or "".
func (d *Disassembler) pluginPath() string {
	d.ppOnce.Do(func() {
		if d.f.Kind() != elfinspect.KindGoPlugin {
			return
		}
		if pi, err := goplugin.Read(d.f); err == nil {
			d.pp = pi.PluginPath
		}
	})
	return d.pp
}
