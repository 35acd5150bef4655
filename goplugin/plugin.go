package goplugin

import (
	"debug/elf"
	"errors"
	"fmt"
	"strings"

	"github.com/soinspect/soinspect/elfinspect"
	"github.com/soinspect/soinspect/internal/elfread"
	"github.com/soinspect/soinspect/internal/guard"
	"github.com/soinspect/soinspect/internal/objabi"
)

// ErrNotPlugin is returned (wrapped) by Read for a file that is not a Go
// plugin: not ELF Go code, or Go code built with another -buildmode. Use
// Describe for an account of such a file.
var ErrNotPlugin = errors.New("not a Go plugin")

// Plugin is everything plugin.Open would learn from a Go plugin, read
// statically. Addresses are virtual addresses in the file (load base 0): at
// run time each is offset by the base at which ld.so maps the plugin.
//
// JSON schema (field: meaning):
//
//	file               path the file was opened with
//	arch               ELF machine: "x86-64", "aarch64", ...
//	go_version         toolchain from the build info ("go1.26.8")
//	layout             moduledata layout used ("go1.26"); "" when degraded
//	pluginpath         the runtime's identity of the plugin, as the linker
//	                   stored it (dots in the last element escaped as %2e)
//	import_path        pluginpath with escapes undone
//	pluginpath_source  where pluginpath came from: "moduledata", "symtab"
//	                   (go:link.thispluginpath), "buildinfo" or "dynsym"
//	moduledata_addr    address of the plugin's runtime.moduledata
//	exports            [Export]: the plugin table, sorted by name
//	init_tasks         [InitTask]: in the order plugin.Open runs them
//	package_hashes     [PackageHash]: in the linker's order
//	build              elfinspect.BuildInfo
//	abi                ABIFacts
//	notes              [string]: what could not be read, and why
//	ptab_addr, inittasks_addr, pkghashes_addr
//	                   where the moduledata's slices of those names point
type Plugin struct {
	File             string                `json:"file,omitempty"`
	Arch             string                `json:"arch"`
	GoVersion        string                `json:"go_version"`
	Layout           string                `json:"layout,omitempty"`
	PluginPath       string                `json:"pluginpath"`
	ImportPath       string                `json:"import_path"`
	PluginPathSource string                `json:"pluginpath_source"`
	ModuledataAddr   uint64                `json:"moduledata_addr,omitempty"`
	Exports          []Export              `json:"exports"`
	InitTasks        []InitTask            `json:"init_tasks,omitempty"`
	PackageHashes    []PackageHash         `json:"package_hashes,omitempty"`
	Build            *elfinspect.BuildInfo `json:"build,omitempty"`
	ABI              ABIFacts              `json:"abi"`
	Notes            []string              `json:"notes,omitempty"`

	// PtabAddr, InitTasksAddr and PkgHashesAddr are where the moduledata's
	// ptab, inittasks and pkghashes slices point: the plugin table, the
	// init task pointers and the package hash records (0 when degraded).
	PtabAddr      uint64 `json:"ptab_addr,omitempty"`
	InitTasksAddr uint64 `json:"inittasks_addr,omitempty"`
	PkgHashesAddr uint64 `json:"pkghashes_addr,omitempty"`
}

// Export is one entry of a plugin's table: a symbol plugin.Lookup finds.
//
// JSON: {"name", "kind": "func"|"var", "type", "type_kind", "methods",
// "symbol", "addr", "size"}.
type Export struct {
	// Name is what plugin.Lookup takes.
	Name string `json:"name"`
	// Kind is "func" for a function and "var" for a variable.
	Kind string `json:"kind"`
	// Type is reflect.TypeOf(sym).String() of the looked-up symbol: the
	// function's type, or a pointer to the variable's type. Empty when the
	// moduledata could not be read.
	Type string `json:"type,omitempty"`
	// TypeKind is reflect.TypeOf(sym).Kind().String(): "func" or "ptr".
	TypeKind string `json:"type_kind,omitempty"`
	// Methods is the exported method set of Type, in reflect's order.
	Methods []Method `json:"methods,omitempty"`
	// Symbol is the .dynsym name plugin.Open passes to dlsym:
	// "<pluginpath>.<Name>".
	Symbol string `json:"symbol"`
	// Addr is the symbol's value: what dlsym returns, less the load base.
	// Zero if .dynsym has no such symbol (plugin.Open would then fail).
	Addr uint64 `json:"addr"`
	// Size is the symbol's size in bytes.
	Size uint64 `json:"size"`
}

// InitTask is one package initialisation record (runtime.initTask) in the
// plugin's moduledata.inittasks list.
//
// JSON: {"package", "symbol", "addr", "interposable", "funcs": [Func]}.
type InitTask struct {
	// Package is the import path of the package, escapes undone.
	Package string `json:"package"`
	// Symbol is the task's symbol, "<package>..inittask" as the linker
	// spells it; empty if the file does not name it.
	Symbol string `json:"symbol,omitempty"`
	// Addr is the address of the task record.
	Addr uint64 `json:"addr"`
	// Interposable is true when the plugin refers to the task through a
	// global dynamic symbol: if the host (or an earlier plugin) already
	// defines that symbol, ld.so binds the reference to that module's task,
	// which has run, and plugin.Open skips it.
	Interposable bool `json:"interposable"`
	// Funcs are the functions the task runs, in order.
	Funcs []Func `json:"funcs"`
}

// Func is a function by name and address. Name is empty when no symbol
// table names the address (a stripped file).
type Func struct {
	Name string `json:"name,omitempty"`
	Addr uint64 `json:"addr"`
}

// PackageHash is a package the plugin was linked with and its link-time
// hash: plugin.Open fails with "plugin was built with a different version
// of package" unless it equals the hash of the same package in the
// process, read through RuntimeSymbol.
//
// JSON: {"package", "hash" (16 hex digits), "runtime_symbol"}.
type PackageHash struct {
	Package       string `json:"package"`
	Hash          string `json:"hash"`
	RuntimeSymbol string `json:"runtime_symbol,omitempty"`
}

// Read reads the anatomy of a Go plugin (-buildmode=plugin) without
// loading it. For a file that is not a Go plugin it returns an error
// wrapping ErrNotPlugin. When the moduledata of the plugin's Go release is
// not known (see SupportedGoReleases) or cannot be read, it degrades: the
// exports are the .dynsym symbols under "<pluginpath>.", without types, and
// Notes says why. Malformed input gives an error or a Note, never a panic.
func Read(f *elfinspect.File) (pi *Plugin, err error) {
	defer guard.Recover(func(p any) { pi, err = nil, pathError(f, "read plugin", elfread.PanicError("Go plugin", p)) })
	bi, err := f.BuildInfo()
	if err != nil {
		return nil, pathError(f, "read plugin", fmt.Errorf("%w: %w", ErrNotPlugin, bare(f, err)))
	}
	if mode, _ := bi.Setting("-buildmode"); mode != "plugin" {
		if mode == "" {
			mode = "unknown"
		}
		return nil, pathError(f, "read plugin", fmt.Errorf("%w: Go binary built with -buildmode=%s", ErrNotPlugin, mode))
	}
	im, done, err := image(f)
	if err != nil {
		return nil, pathError(f, "read plugin", err)
	}
	defer done()
	return readPlugin(f, im, bi), nil
}

// readPlugin reads the anatomy of a plugin whose build info is bi.
func readPlugin(f *elfinspect.File, im *elfread.Image, bi *elfinspect.BuildInfo) *Plugin {
	pi := &Plugin{File: f.Path, Arch: f.Arch(), GoVersion: bi.GoVersion, Build: bi, Exports: []Export{}}
	pr := &pluginReader{im: im, pi: pi}
	guard.Point("goplugin.readPlugin")
	if im.RelocErr() != nil {
		pr.note("dynamic relocations not applied: %v", im.RelocErr())
	}
	pr.readABI()
	if !pr.readModuledata() {
		pr.degrade()
	}
	pr.crossCheckPath()
	pr.nameFuncs()
	return pi
}

type pluginReader struct {
	im *elfread.Image
	pi *Plugin
	md *moduledata

	symtabNoted bool // .symtab is unreadable, and a note says so
}

// symtab returns .symtab, or nil when the file is stripped or it is
// unreadable (which is noted once).
func (pr *pluginReader) symtab() *elfread.Symtab {
	st, err := pr.im.StaticSymtab()
	if err != nil {
		if !pr.symtabNoted {
			pr.note("symbol table unreadable: %v", err)
			pr.symtabNoted = true
		}
		return nil
	}
	return st
}

func (pr *pluginReader) note(format string, args ...any) {
	pr.pi.Notes = append(pr.pi.Notes, fmt.Sprintf(format, args...))
}

// findModuledata returns the address of the module's moduledata: the
// .go.module section the linker gives it (which survives -ldflags=-s), or
// else the local.moduledata symbol.
func (pr *pluginReader) findModuledata() (uint64, bool) {
	if s := pr.im.ELF.Section(".go.module"); s != nil && s.Flags&elf.SHF_ALLOC != 0 {
		return s.Addr, true
	}
	if st := pr.symtab(); st != nil {
		for i := 1; i < st.N; i++ {
			s, _ := st.Sym(i)
			if s.Type() == elf.STT_OBJECT && string(st.NameBytes(s)) == "local.moduledata" {
				return s.Value, true
			}
		}
	}
	return 0, false
}

// readModuledata reads the plugin table, init tasks and package hashes
// through the moduledata; false means the caller must degrade.
func (pr *pluginReader) readModuledata() bool {
	pi, im := pr.pi, pr.im
	release := GoRelease(pi.GoVersion)
	layout := moduledataLayouts()[release]
	if layout == nil {
		pr.note("the moduledata layout of %s is not known (supported: %s): exports are listed from .dynsym symbols under the pluginpath, without Go types, init tasks or package hashes",
			pi.GoVersion, strings.Join(SupportedGoReleases(), ", "))
		return false
	}
	if im.RelocErr() != nil {
		pr.note("moduledata not read: its pointers need the dynamic relocations")
		return false
	}
	addr, ok := pr.findModuledata()
	if !ok {
		pr.note("no moduledata found (no .go.module section, no local.moduledata symbol)")
		return false
	}
	md, err := layout.read(im, addr)
	if err != nil {
		pr.note("moduledata at %#x unreadable: %v", addr, err)
		return false
	}
	if md.pluginpath == "" {
		pr.note("moduledata at %#x has an empty pluginpath", addr)
		return false
	}
	pr.md = md
	pi.Layout = layout.release
	pi.ModuledataAddr = addr
	pi.PtabAddr, pi.InitTasksAddr, pi.PkgHashesAddr = md.ptab, md.inittasks, md.pkghashes
	pi.PluginPath = md.pluginpath
	pi.ImportPath = objabi.PrefixToPath(md.pluginpath)
	pi.PluginPathSource = "moduledata"
	pr.readExports(layout)
	pr.readInitTasks()
	pr.readPkgHashes()
	return true
}

// nameFuncs names init functions and init_array entries from the symbol
// tables, in one pass over each.
func (pr *pluginReader) nameFuncs() {
	want := map[uint64]string{}
	for _, t := range pr.pi.InitTasks {
		for _, fn := range t.Funcs {
			want[fn.Addr] = ""
		}
	}
	for _, e := range pr.pi.ABI.InitArray {
		want[e.Addr] = ""
	}
	// .dynsym names every Go function; .symtab, read only if something is
	// left, adds the local ones (the C runtime's frame_dummy, the linker's
	// go:link.addmoduledata).
	left := len(want)
	name := func(st *elfread.Symtab) {
		for i := 1; i < st.N && left > 0; i++ {
			s, _ := st.Sym(i)
			if s.Type() != elf.STT_FUNC && s.Type() != elf.STT_NOTYPE {
				continue
			}
			old, ok := want[s.Value]
			if !ok || s.Shndx == uint16(elf.SHN_UNDEF) {
				continue
			}
			// Prefer a global name over the linker's "local." aliases.
			if old == "" || (strings.HasPrefix(old, "local.") && s.Bind() != elf.STB_LOCAL) {
				n, err := pr.im.CopyString(st.NameBytes(s))
				if err != nil {
					return
				}
				if old == "" {
					left--
				}
				want[s.Value] = n
			}
		}
	}
	if d, err := pr.im.Dynsym(); err == nil {
		name(d)
	}
	if left > 0 {
		if st := pr.symtab(); st != nil {
			name(st)
		}
	}
	for i := range pr.pi.InitTasks {
		t := &pr.pi.InitTasks[i]
		for j := range t.Funcs {
			t.Funcs[j].Name = want[t.Funcs[j].Addr]
		}
		if t.Symbol == "" && len(t.Funcs) > 0 {
			// Name the package from its first function, "pkg.init.0".
			if n := t.Funcs[0].Name; n != "" {
				if k := strings.LastIndex(n, ".init"); k > 0 {
					t.Package = objabi.PrefixToPath(n[:k])
				}
			}
		}
		if t.Symbol != "" {
			t.Package = objabi.PrefixToPath(strings.TrimSuffix(t.Symbol, "..inittask"))
		}
	}
	for i := range pr.pi.ABI.InitArray {
		e := &pr.pi.ABI.InitArray[i]
		if e.Symbol == "" {
			e.Symbol = want[e.Addr]
		}
		if e.Symbol == "go:link.addmoduledata" {
			e.RegistersModule = true
		}
	}
	if pr.md != nil {
		for i := range pr.pi.ABI.InitArray {
			e := &pr.pi.ABI.InitArray[i]
			if pr.im.ELF.Machine == elf.EM_X86_64 && leaRDI(pr.im, e.Addr) == pr.md.addr {
				e.RegistersModule = true
			}
		}
	}
}
