package report

import (
	"github.com/soinspect/soinspect/elfinspect"
	"github.com/soinspect/soinspect/goplugin"
)

// Anatomy is a Go plugin as plugin.Open sees it.
type Anatomy struct {
	PluginPath string            `json:"pluginpath"`
	ImportPath string            `json:"import_path"`
	Source     string            `json:"pluginpath_source"`
	Exports    []goplugin.Export `json:"exports"`
	// ExportSections holds, for each export, the index into
	// Layout.Sections of the section it lives in, or -1.
	ExportSections []int `json:"export_sections"`
	// Inits are the init tasks in the order plugin.Open runs them.
	Inits []InitStep `json:"inits"`
	// Hashes are the package hashes in the linker's order, against the
	// host's when one was given.
	Hashes []HashRow `json:"hashes"`
	// Places say where the moduledata and what hangs off it live.
	Places []Mark `json:"places"`
	// HostGiven is true when Inits and Hashes were compared with a host.
	HostGiven bool `json:"host_given"`
}

// InitStep is one init task of the plugin.
type InitStep struct {
	Package string `json:"package"`
	Symbol  string `json:"symbol,omitempty"`
	Funcs   int    `json:"funcs"`
	// Interposable: the plugin reaches the task through a global symbol,
	// so a module loaded earlier that defines it wins, and its task has
	// run already.
	Interposable bool `json:"interposable"`
	// HostRan: the host defines the task's symbol, so plugin.Open finds
	// it done and skips it (with --host).
	HostRan bool `json:"host_ran"`
}

// HashRow is one package the plugin links, with its link hash.
type HashRow struct {
	Package string `json:"package"`
	Hash    string `json:"hash"`
	// HostHash is the host's hash of the package, "" if the host does
	// not export one (or no host was given).
	HostHash string `json:"host_hash,omitempty"`
	// Status is "same", "differs", "plugin's own" (the host has no copy:
	// the plugin's own is used) or "" without a host.
	Status string `json:"status,omitempty"`
}

func buildAnatomy(f *elfinspect.File, p *goplugin.Plugin, l *Layout, host *elfinspect.File) *Anatomy {
	a := &Anatomy{PluginPath: p.PluginPath, ImportPath: p.ImportPath, Source: p.PluginPathSource,
		Exports: p.Exports, HostGiven: host != nil}
	for _, e := range p.Exports {
		a.ExportSections = append(a.ExportSections, l.SectionAt(e.Addr))
	}
	var hostDefs map[string]bool
	hostHashes := map[string]string{}
	if host != nil {
		hostDefs = map[string]bool{}
		if syms, err := host.Symbols(elfinspect.TableDynsym); err == nil {
			for _, s := range syms {
				if s.Defined {
					hostDefs[s.Name] = true
				}
			}
		}
		if hs, err := goplugin.PackageHashes(host); err == nil {
			for _, h := range hs {
				hostHashes[h.Package] = h.Hash
			}
		}
	}
	for _, t := range p.InitTasks {
		st := InitStep{Package: t.Package, Symbol: t.Symbol, Funcs: len(t.Funcs), Interposable: t.Interposable}
		st.HostRan = host != nil && t.Interposable && t.Symbol != "" && hostDefs[t.Symbol]
		a.Inits = append(a.Inits, st)
	}
	for _, h := range p.PackageHashes {
		row := HashRow{Package: h.Package, Hash: h.Hash}
		if host != nil {
			row.HostHash = hostHashes[h.Package]
			switch {
			case row.HostHash == "":
				row.Status = "plugin's own"
			case row.HostHash == h.Hash:
				row.Status = "same"
			default:
				row.Status = "differs"
			}
		}
		a.Hashes = append(a.Hashes, row)
	}
	if p.ModuledataAddr != 0 {
		a.Places = append(a.Places, l.mark("moduledata", p.ModuledataAddr,
			"runtime.moduledata of the plugin: the root of its pluginpath, ptab, inittasks and pkghashes"))
	}
	if p.PtabAddr != 0 {
		a.Places = append(a.Places, l.mark("ptab", p.PtabAddr,
			plural(len(p.Exports), "export", "exports")+": the plugin table plugin.Lookup searches"))
	}
	if p.InitTasksAddr != 0 {
		a.Places = append(a.Places, l.mark("inittasks", p.InitTasksAddr,
			plural(len(p.InitTasks), "init task pointer", "init task pointers")+", run by plugin.Open in this order"))
	}
	if p.PkgHashesAddr != 0 {
		a.Places = append(a.Places, l.mark("pkghashes", p.PkgHashesAddr,
			plural(len(p.PackageHashes), "package hash record", "package hash records")+", compared with the process's"))
	}
	for i, e := range p.ABI.InitArray {
		if !e.RegistersModule {
			continue
		}
		if s := initArraySection(l); s >= 0 {
			sec := l.Sections[s]
			slot := sec.Addr + uint64(i)*uint64(ptrSize(f))
			a.Places = append(a.Places, Mark{Name: ".init_array[" + itoa(i) + "]", Addr: slot, Section: s,
				Detail: "ld.so calls " + orAddr(e.Symbol, e.Addr) + " at dlopen: it hands the moduledata to runtime.addmoduledata"})
		}
		a.Places = append(a.Places, l.mark(orAddr(e.Symbol, e.Addr), e.Addr, "the registration function .init_array points to"))
	}
	return a
}

func initArraySection(l *Layout) int {
	for i, s := range l.Sections {
		if s.Type == "INIT_ARRAY" {
			return i
		}
	}
	return -1
}

func ptrSize(f *elfinspect.File) int {
	if f.Class() == "ELF32" {
		return 4
	}
	return 8
}

func orAddr(sym string, addr uint64) string {
	if sym != "" {
		return sym
	}
	return hex(addr)
}
