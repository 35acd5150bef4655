package goplugin

import (
	"bytes"
	"debug/elf"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/soinspect/soinspect/elfinspect"
	"github.com/soinspect/soinspect/internal/elfread"
)

// ErrNotPlugin is returned (wrapped) by Plugin for a file that is not a Go
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

// Read reads the anatomy of a Go plugin (-buildmode=plugin) without
// loading it. For a file that is not a Go plugin it returns an error
// wrapping ErrNotPlugin. When the moduledata of the plugin's Go release is
// not known (see SupportedGoReleases) or cannot be read, it degrades: the
// exports are the .dynsym symbols under "<pluginpath>.", without types, and
// Notes says why. Malformed input gives an error or a Note, never a panic.
func Read(f *elfinspect.File) (pi *Plugin, err error) {
	defer func() {
		if p := recover(); p != nil && catchPanics {
			pi, err = nil, &elfinspect.FormatError{Off: -1, Msg: fmt.Sprint("malformed Go plugin: ", p)}
		}
	}()
	bi, err := f.BuildInfo()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNotPlugin, err)
	}
	if mode, _ := bi.Setting("-buildmode"); mode != "plugin" {
		if mode == "" {
			mode = "unknown"
		}
		return nil, fmt.Errorf("%w: Go binary built with -buildmode=%s", ErrNotPlugin, mode)
	}
	im, done, err := image(f)
	if err != nil {
		return nil, err
	}
	defer done()
	return readPlugin(f, im, bi), nil
}

// readPlugin reads the anatomy of a plugin whose build info is bi.
func readPlugin(f *elfinspect.File, im *elfread.Image, bi *elfinspect.BuildInfo) *Plugin {
	pi := &Plugin{File: f.Path, Arch: f.Arch(), GoVersion: bi.GoVersion, Build: bi, Exports: []Export{}}
	pr := &pluginReader{im: im, pi: pi}
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
	layout := moduledataLayouts[release]
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
	pi.PluginPath = md.pluginpath
	pi.ImportPath = prefixToPath(md.pluginpath)
	pi.PluginPathSource = "moduledata"
	pr.readExports(layout)
	pr.readInitTasks()
	pr.readPkgHashes()
	return true
}

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
					t.Package = prefixToPath(n[:k])
				}
			}
		}
		if t.Symbol != "" {
			t.Package = prefixToPath(strings.TrimSuffix(t.Symbol, "..inittask"))
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
	p := im.Ptr
	for i := 0; i+2*p <= len(data); i += 2 * p {
		var tag, val uint64
		if p == 8 {
			tag, val = im.BO.Uint64(data[i:]), im.BO.Uint64(data[i+8:])
		} else {
			tag, val = uint64(im.BO.Uint32(data[i:])), uint64(im.BO.Uint32(data[i+4:]))
		}
		switch elf.DynTag(tag) {
		case elf.DT_NULL:
			return needed, soname
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

// degrade lists exports by .dynsym prefix when the moduledata is unusable.
func (pr *pluginReader) degrade() {
	pi, im := pr.pi, pr.im
	if st := pr.symtab(); st != nil {
		for i := 1; i < st.N; i++ {
			s, _ := st.Sym(i)
			if string(st.NameBytes(s)) != "go:link.thispluginpath" {
				continue
			}
			if b, err := im.Bytes(s.Value, min(s.Size, maxGoString)); err == nil && len(b) > 0 {
				pi.PluginPath, pi.PluginPathSource = string(b), "symtab"
			}
			break
		}
	}
	if pi.PluginPath == "" && pi.Build.Path != "" && pi.Build.Path != "command-line-arguments" {
		pi.PluginPath, pi.PluginPathSource = pathToPrefix(pi.Build.Path), "buildinfo"
	}
	dyn, err := im.Dynsym()
	if err != nil {
		pr.note("no exports: %v", err)
		return
	}
	if pi.PluginPath == "" {
		// Built from files: the main package's init task names it.
		for i := 1; i < dyn.N; i++ {
			s, _ := dyn.Sym(i)
			n := dyn.NameBytes(s)
			if s.Defined() && strings.HasPrefix(string(n), "plugin/unnamed-") && strings.HasSuffix(string(n), "..inittask") {
				pi.PluginPath, pi.PluginPathSource = strings.TrimSuffix(string(n), "..inittask"), "dynsym"
				break
			}
		}
	}
	if pi.PluginPath == "" {
		pr.note("pluginpath not found")
		return
	}
	pi.ImportPath = prefixToPath(pi.PluginPath)
	prefix := pi.PluginPath + "."
	for i := 1; i < dyn.N; i++ {
		s, _ := dyn.Sym(i)
		n := dyn.NameBytes(s)
		if !s.Defined() || len(n) <= len(prefix) || string(n[:len(prefix)]) != prefix {
			continue
		}
		if !isExportedIdent(n[len(prefix):]) {
			continue
		}
		sym, err := im.CopyString(n)
		if err != nil {
			pr.note("exports: %v", err)
			break
		}
		e := Export{Name: sym[len(prefix):], Kind: "var", Symbol: sym, Addr: s.Value, Size: s.Size}
		switch s.Type() {
		case elf.STT_FUNC:
			e.Kind = "func"
		case elf.STT_OBJECT:
		default:
			continue
		}
		pi.Exports = append(pi.Exports, e)
	}
	slices.SortFunc(pi.Exports, func(a, b Export) int { return strings.Compare(a.Name, b.Name) })
}

// isExportedIdent reports whether s is an exported Go identifier.
func isExportedIdent(s []byte) bool {
	if len(s) == 0 || s[0] < 'A' || s[0] > 'Z' {
		return false
	}
	for _, r := range s {
		if !(r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= 0x80) {
			return false
		}
	}
	return true
}

// crossCheckPath compares the pluginpath with go:link.thispluginpath and
// the build info's main package path.
func (pr *pluginReader) crossCheckPath() {
	pi := pr.pi
	if pi.PluginPath == "" {
		return
	}
	switch bp := pi.Build.Path; {
	case bp == "command-line-arguments":
		if !strings.HasPrefix(pi.PluginPath, "plugin/unnamed-") {
			pr.note("built from files, but the pluginpath is %q, not plugin/unnamed-<hash>", pi.PluginPath)
		}
	case bp != "" && pathToPrefix(bp) != pi.PluginPath:
		pr.note("pluginpath %q does not match the build info's main package %q", pi.PluginPath, bp)
	}
}

// pathToPrefix is cmd/internal/objabi.PathToPrefix: how the linker spells
// an import path in symbol names.
func pathToPrefix(s string) string {
	slash := strings.LastIndex(s, "/")
	const hexd = "0123456789abcdef"
	var b strings.Builder
	for r := 0; r < len(s); r++ {
		if c := s[r]; c <= ' ' || (c == '.' && r > slash) || c == '%' || c == '"' || c >= 0x7F {
			b.WriteByte('%')
			b.WriteByte(hexd[c>>4])
			b.WriteByte(hexd[c&0xF])
		} else {
			b.WriteByte(c)
		}
	}
	return b.String()
}

// prefixToPath undoes pathToPrefix; malformed escapes are kept as they are.
func prefixToPath(s string) string {
	if !strings.Contains(s, "%") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) {
			if v, err := hex.DecodeString(s[i+1 : i+3]); err == nil {
				b.WriteByte(v[0])
				i += 2
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
