package goplugin

import (
	"encoding/hex"
	"slices"
	"strings"
)

// The tables the moduledata points at: the plugin table (ptab), the init
// tasks and the package hashes.

func (pr *pluginReader) readExports(layout *moduledataLayout) {
	md, im, pi := pr.md, pr.im, pr.pi
	tr := &typeReader{im: im, types: md.types, etypes: md.etypes, layout: layout}
	if md.nptab == 0 {
		return
	}
	tab, err := im.Bytes(md.ptab, 8*md.nptab)
	if err != nil {
		pr.note("plugin table unreadable: %v", err)
		return
	}
	dyn, err := im.Dynsym()
	if err != nil {
		pr.note("no export addresses: %v", err)
	}
	for i := uint64(0); i < md.nptab; i++ {
		nameOff := int32(im.BO.Uint32(tab[8*i:]))
		typOff := int32(im.BO.Uint32(tab[8*i+4:]))
		name, err := tr.name(nameOff)
		if err != nil {
			pr.note("plugin table entry %d: %v", i, err)
			continue
		}
		e := Export{Name: name, Kind: "var", Symbol: md.pluginpath + "." + name}
		if t, err := tr.typeOff(typOff); err != nil {
			pr.note("export %s: type: %v", name, err)
		} else {
			if t.kind == kindFunc {
				e.Kind = "func"
			}
			e.TypeKind = t.kindName()
			if e.Type, err = tr.typeString(t); err != nil {
				pr.note("export %s: type name: %v", name, err)
			}
			if e.Methods, err = tr.methods(t); err != nil {
				pr.note("export %s: methods: %v", name, err)
			}
		}
		if dyn != nil {
			if s, ok := dyn.Lookup(e.Symbol); ok {
				e.Addr, e.Size = s.Value, s.Size
			} else {
				pr.note("export %s: .dynsym has no symbol %q, so plugin.Open would fail", name, e.Symbol)
			}
		}
		pi.Exports = append(pi.Exports, e)
	}
	slices.SortFunc(pi.Exports, func(a, b Export) int { return strings.Compare(a.Name, b.Name) })
}

func (pr *pluginReader) readInitTasks() {
	md, im, pi := pr.md, pr.im, pr.pi
	p := uint64(im.Ptr)
	funcBudget := uint64(maxInitFuncsTotal)
	for i := uint64(0); i < md.ninittasks; i++ {
		slot := md.inittasks + i*p
		addr, err := im.Pointer(slot)
		if err != nil {
			pr.note("init task %d: %v", i, err)
			return
		}
		t := InitTask{Addr: addr, Funcs: []Func{}}
		if name := im.SymbolAt(slot); name != "" {
			t.Symbol = name
			t.Interposable = true
		}
		nfns, err := im.U32(addr + 4)
		if err != nil {
			pr.note("init task %d at %#x: %v", i, addr, err)
			return
		}
		if nfns > maxInitFuncs || uint64(nfns) > funcBudget {
			pr.note("init task %d at %#x claims %d functions", i, addr, nfns)
			return
		}
		funcBudget -= uint64(nfns)
		for j := uint64(0); j < uint64(nfns); j++ {
			pc, err := im.Pointer(addr + 8 + j*p)
			if err != nil {
				pr.note("init task %d function %d: %v", i, j, err)
				break
			}
			t.Funcs = append(t.Funcs, Func{Addr: pc})
		}
		pi.InitTasks = append(pi.InitTasks, t)
	}
}

func (pr *pluginReader) readPkgHashes() {
	md, im, pi := pr.md, pr.im, pr.pi
	p := uint64(im.Ptr)
	size := 5 * p // modulename, linktimehash string; runtimehash *string
	for i := uint64(0); i < md.npkghashes; i++ {
		e := md.pkghashes + i*size
		name, err := im.Str(e, maxGoString)
		if err != nil {
			pr.note("package hash %d: %v", i, err)
			return
		}
		h, err := im.Str(e+2*p, 64)
		if err != nil {
			pr.note("package hash %d (%s): %v", i, name, err)
			return
		}
		pi.PackageHashes = append(pi.PackageHashes, PackageHash{
			Package:       name,
			Hash:          hex.EncodeToString([]byte(h)),
			RuntimeSymbol: im.SymbolAt(e + 4*p),
		})
	}
}
