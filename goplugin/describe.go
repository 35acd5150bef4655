package goplugin

import (
	"bytes"
	"debug/elf"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/soinspect/soinspect/elfinspect"
	"github.com/soinspect/soinspect/internal/elfread"
	"github.com/soinspect/soinspect/internal/guard"
	"github.com/soinspect/soinspect/internal/objabi"
)

// Description is an honest account of any ELF file for `soinspect plugin`:
// the plugin anatomy for a Go plugin, the //export'ed C functions for a Go
// c-shared library, the build info for any Go binary, and the dynamic
// linking facts for everything.
//
// JSON: {"file", "kind", "arch", "go_version", "build": elfinspect.BuildInfo,
// "plugin": Plugin, "c_exports": [CExport], "abi": ABIFacts,
// "dynamic_symbols": {"defined", "undefined"}, "notes"}.
type Description struct {
	File      string                `json:"file,omitempty"`
	Kind      elfinspect.Kind       `json:"kind"`
	Arch      string                `json:"arch"`
	GoVersion string                `json:"go_version,omitempty"`
	Build     *elfinspect.BuildInfo `json:"build,omitempty"`
	Plugin    *Plugin               `json:"plugin,omitempty"`
	CExports  []CExport             `json:"c_exports,omitempty"`
	ABI       ABIFacts              `json:"abi"`
	DynSyms   DynSymCounts          `json:"dynamic_symbols"`
	Notes     []string              `json:"notes,omitempty"`
}

// CExport is a function a Go c-shared library (or plugin) exports to C
// with //export: a C-named .dynsym function with a matching cgo wrapper
// "_cgoexp_<hash>_<Name>".
type CExport struct {
	Name string `json:"name"`
	Addr uint64 `json:"addr"`
	// Wrapper is the cgo-generated Go function the C entry point calls.
	Wrapper string `json:"wrapper"`
}

// DynSymCounts counts the entries of .dynsym, less the null symbol.
type DynSymCounts struct {
	Defined   int `json:"defined"`
	Undefined int `json:"undefined"`
}

// Describe gives an account of f whatever it is. It fails only when f
// cannot be read at all; what cannot be learned is said in Notes.
func Describe(f *elfinspect.File) (d *Description, err error) {
	defer guard.Recover(func(p any) { d, err = nil, pathError(f, "describe", elfread.PanicError("ELF file", p)) })
	d = &Description{File: f.Path, Arch: f.Arch()}
	note := func(format string, args ...any) { d.Notes = append(d.Notes, fmt.Sprintf(format, args...)) }
	im, done, err := image(f)
	if err != nil {
		return nil, pathError(f, "describe", err)
	}
	defer done()
	mode := ""
	if bi, err := f.BuildInfo(); err == nil {
		d.Build, d.GoVersion = bi, bi.GoVersion
		mode, _ = bi.Setting("-buildmode")
	}
	// The build info names the build mode outright; trust it over Kind's
	// heuristics, which stripping can mislead (and which cost more).
	k, ok := elfinspect.BuildModeKind(mode)
	if !ok {
		k = f.Kind()
	}
	d.Kind = k
	if mode == "plugin" {
		d.Plugin = readPlugin(f, im, d.Build)
		d.ABI = d.Plugin.ABI
	}
	if d.Plugin == nil {
		d.ABI = readABIFacts(im, note)
	}
	dyn, err := im.Dynsym()
	if err != nil {
		if f.ELF().Type == elf.ET_DYN {
			note("%v", err)
		}
		return d, nil
	}
	d.DynSyms, d.CExports = scanCExports(dyn)
	return d, nil
}

// CExports lists the functions f exports to C with cgo's //export, by
// pairing each C-named .dynsym function with cgo's "_cgoexp_<hash>_<Name>"
// wrapper, which survives stripping.
func CExports(f *elfinspect.File) (exps []CExport, err error) {
	defer guard.Recover(func(p any) { exps, err = nil, pathError(f, "read C exports", elfread.PanicError("ELF file", p)) })
	im, done, err := image(f)
	if err != nil {
		return nil, pathError(f, "read C exports", err)
	}
	defer done()
	dyn, err := im.Dynsym()
	if err != nil {
		return nil, pathError(f, "read C exports", err)
	}
	_, exps = scanCExports(dyn)
	return exps, nil
}

func scanCExports(dyn *elfread.Symtab) (DynSymCounts, []CExport) {
	var counts DynSymCounts
	// cgo names the Go side of "//export Name" _cgoexp_<hash>_Name.
	wrappers := map[string]string{} // exported name -> wrapper symbol
	for i := 1; i < dyn.N; i++ {
		s, _ := dyn.Sym(i)
		if s.Shndx == uint16(elf.SHN_UNDEF) {
			counts.Undefined++
			continue
		}
		counts.Defined++
		if s.Type() != elf.STT_FUNC || !s.Defined() {
			continue
		}
		n := dyn.NameBytes(s)
		if len(n) > maxCName || !bytes.HasPrefix(n, []byte("_cgoexp_")) {
			continue
		}
		rest := n[len("_cgoexp_"):]
		if k := bytes.IndexByte(rest, '_'); k > 0 && k+1 < len(rest) {
			wrappers[string(rest[k+1:])] = string(n)
		}
	}
	var exps []CExport
	if len(wrappers) == 0 {
		return counts, nil
	}
	for i := 1; i < dyn.N; i++ {
		s, _ := dyn.Sym(i)
		if s.Type() != elf.STT_FUNC || !s.Defined() {
			continue
		}
		n := dyn.NameBytes(s)
		if w, ok := wrappers[string(n)]; ok && isCIdent(n) {
			exps = append(exps, CExport{Name: string(n), Addr: s.Value, Wrapper: w})
			delete(wrappers, string(n))
		}
	}
	slices.SortFunc(exps, func(a, b CExport) int { return strings.Compare(a.Name, b.Name) })
	return counts, exps
}

// maxCName bounds the names scanCExports keeps.
const maxCName = 1024

func isCIdent(b []byte) bool {
	if len(b) == 0 || b[0] >= '0' && b[0] <= '9' {
		return false
	}
	for _, c := range b {
		if !(c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}

// HostPackageHash is the hash a loaded module supplies for a package: the
// 8 bytes behind its "go:link.pkghash.<pkg>" string, which every plugin
// loaded later compares its own link-time hash against.
type HostPackageHash struct {
	Package string `json:"package"`
	Hash    string `json:"hash"`
	// Symbol is the exported string header the runtime dereferences.
	Symbol string `json:"symbol"`
}

// ErrNoPackageHashes is returned by PackageHashes for a file that exports
// no go:link.pkghash.* symbols: a Go program that does not import "plugin"
// (or a non-Go file). A plugin loaded into such a program binds those
// references to its own copies, so the check always passes.
var ErrNoPackageHashes = errors.New("no exported package hashes")

// PackageHashes returns the package hashes f exports in .dynsym, sorted by
// package: for a host executable that imports "plugin" (the linker then
// exports them dynamically), these are what plugin.Open compares a
// plugin's PackageHashes against, when the host is the first module to
// define them. Works for plugins too (their own copies).
func PackageHashes(f *elfinspect.File) (hs []HostPackageHash, err error) {
	defer guard.Recover(func(p any) { hs, err = nil, pathError(f, "read package hashes", elfread.PanicError("ELF file", p)) })
	hs, err = packageHashes(f)
	return hs, pathError(f, "read package hashes", err)
}

func packageHashes(f *elfinspect.File) (hs []HostPackageHash, err error) {
	im, done, err := image(f)
	if err != nil {
		return nil, err
	}
	defer done()
	dyn, err := im.Dynsym()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNoPackageHashes, err)
	}
	const prefix = "go:link.pkghash."
	for s, n := range prefixed(dyn, prefix) {
		name, err := im.CopyString(n)
		if err != nil {
			return nil, err
		}
		h, err := im.Str(s.Value, 64)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		hs = append(hs, HostPackageHash{Package: objabi.PrefixToPath(name[len(prefix):]), Hash: fmt.Sprintf("%x", h), Symbol: name})
	}
	if len(hs) == 0 {
		return nil, ErrNoPackageHashes
	}
	slices.SortFunc(hs, func(a, b HostPackageHash) int { return strings.Compare(a.Package, b.Package) })
	return hs, nil
}
