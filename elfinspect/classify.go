package elfinspect

import (
	"bytes"
	"debug/elf"
	"fmt"
	"strings"

	"github.com/soinspect/soinspect/internal/guard"
)

// Kind classifies the file: which toolchain built it and how it is meant to
// be used. A Go file is recognised by its .go.buildinfo section, whose build
// settings name the -buildmode; without them, by the symbols and notes the
// Go linker leaves for each build mode.
func (f *File) Kind() (k Kind) {
	defer guard.Recover(func(any) { k = KindOther })
	switch f.elf.Type {
	case elf.ET_REL:
		return KindRelocatable
	case elf.ET_CORE:
		return KindCore
	case elf.ET_EXEC, elf.ET_DYN:
	default:
		return KindOther
	}
	if f.IsGo() {
		mode := f.goBuildMode()
		if mode == "" {
			// Pointer-style build info (before Go 1.18): debug/buildinfo
			// finds what the quick look at the section could not.
			if bi, err := f.BuildInfo(); err == nil {
				mode, _ = bi.Setting("-buildmode")
			}
		}
		if k, ok := BuildModeKind(mode); ok {
			return k
		}
		// No build settings: judge by what each build mode leaves. A
		// plugin exports its Go symbols (pkg..inittask, go:link.pkghash.*);
		// a c-shared library exports only its C functions.
		switch {
		case f.elf.Type == elf.ET_EXEC:
			return KindGoExecutable
		case f.hasSection(".note.go.pkg-list"):
			return KindGoShared
		case f.exportsGoSymbols():
			return KindGoPlugin
		case f.isPIE():
			return KindGoExecutable
		}
		return KindGoCShared
	}
	if f.elf.Type == elf.ET_EXEC {
		return KindExecutable
	}
	if f.isPIE() {
		return KindPIE
	}
	return KindSharedLib
}

// IsGo reports whether the Go toolchain linked the file: it has a
// .go.buildinfo, .gopclntab or .note.go.buildid section.
func (f *File) IsGo() bool {
	return f.hasSection(".go.buildinfo") || f.hasSection(".gopclntab") || f.hasSection(".note.go.buildid")
}

// Class returns "ELF32" or "ELF64".
func (f *File) Class() string {
	switch f.elf.Class {
	case elf.ELFCLASS32:
		return "ELF32"
	case elf.ELFCLASS64:
		return "ELF64"
	}
	return f.elf.Class.String()
}

// Endian returns "little" or "big".
func (f *File) Endian() string {
	if f.elf.Data == elf.ELFDATA2MSB {
		return "big"
	}
	return "little"
}

// Machine returns the machine name without its EM_ prefix: "X86_64",
// "386", "MIPS", "AARCH64", ...
func (f *File) Machine() string { return strings.TrimPrefix(f.elf.Machine.String(), "EM_") }

// Type returns the ELF file type without its ET_ prefix: "DYN", "EXEC",
// "REL", "CORE".
func (f *File) Type() string { return strings.TrimPrefix(f.elf.Type.String(), "ET_") }

func (f *File) hasSection(name string) bool { return f.elf.Section(name) != nil }

func (f *File) hasInterp() bool {
	for _, p := range f.elf.Progs {
		if p.Type == elf.PT_INTERP {
			return true
		}
	}
	return f.hasSection(".interp")
}

// isPIE reports an ET_DYN that is a position-independent executable: its
// DT_FLAGS_1 says DF_1_PIE, or it has an interpreter and no DT_SONAME (libc
// has an interpreter too, and a soname).
func (f *File) isPIE() bool {
	if f.elf.Type != elf.ET_DYN {
		return false
	}
	if f.flaggedPIE() {
		return true
	}
	if !f.hasInterp() {
		return false
	}
	soname, err := f.elf.DynString(elf.DT_SONAME)
	return err == nil && len(soname) == 0
}

// DlopenProblem says why dlopen would refuse f whatever its content, or
// returns "": only ET_DYN objects load, and glibc refuses one flagged
// DF_1_PIE, a position-independent executable. An ET_DYN with an
// interpreter but without that flag (pam_cap.so, libc.so.6) loads.
func (f *File) DlopenProblem() (problem string) {
	defer guard.Recover(func(p any) { problem = fmt.Sprint("malformed dynamic section: ", p) })
	switch f.elf.Type {
	case elf.ET_DYN:
	case elf.ET_EXEC:
		return "cannot dynamically load executable"
	default:
		return "only ET_DYN and ET_EXEC can be loaded"
	}
	if f.flaggedPIE() {
		return "cannot dynamically load position-independent executable"
	}
	return ""
}

// flaggedPIE reports a DT_FLAGS_1 entry with DF_1_PIE.
func (f *File) flaggedPIE() bool {
	flags, err := f.elf.DynValue(elf.DT_FLAGS_1)
	if err != nil {
		return false
	}
	for _, v := range flags {
		if elf.DynFlag1(v)&elf.DF_1_PIE != 0 {
			return true
		}
	}
	return false
}

// BuildModeKind is the Kind a Go -buildmode setting makes ("plugin",
// "c-shared", "exe", ...), and false for an unknown or empty one.
func BuildModeKind(mode string) (Kind, bool) {
	switch mode {
	case "plugin":
		return KindGoPlugin, true
	case "c-shared":
		return KindGoCShared, true
	case "shared":
		return KindGoShared, true
	case "exe", "pie":
		return KindGoExecutable, true
	}
	return "", false
}

// goBuildMode returns the -buildmode recorded in .go.buildinfo, or "".
func (f *File) goBuildMode() string {
	s := f.elf.Section(".go.buildinfo")
	if s == nil || s.Size > 1<<20 {
		return ""
	}
	b, err := f.readSection(s)
	if err != nil {
		return ""
	}
	const key = "\nbuild\t-buildmode="
	i := bytes.Index(b, []byte(key))
	if i < 0 {
		// The mod info may live elsewhere (pointer-style build info).
		return ""
	}
	b = b[i+len(key):]
	if j := bytes.IndexByte(b, '\n'); j >= 0 {
		b = b[:j]
	}
	return string(b)
}

// exportsGoSymbols reports a defined dynamic symbol that only a Go plugin
// or shared library exports.
func (f *File) exportsGoSymbols() bool {
	syms, err := f.DynamicSymbols()
	if err != nil {
		return false
	}
	for i := range syms {
		n := syms[i].Name
		if syms[i].Defined && (strings.HasSuffix(n, "..inittask") || strings.HasPrefix(n, "go:link.pkghash.") || n == "go:plugin.tabs") {
			return true
		}
	}
	return false
}

// Arch names the file's machine the way readelf and Go's GOARCH
// documentation do: "x86-64", "aarch64", "i386", "arm", "ppc64", "riscv",
// "s390x", "loongarch", or the debug/elf name without its EM_ prefix.
func (f *File) Arch() string {
	m := f.elf.Machine
	switch m {
	case elf.EM_X86_64:
		return "x86-64"
	case elf.EM_AARCH64:
		return "aarch64"
	case elf.EM_386:
		return "i386"
	case elf.EM_ARM:
		return "arm"
	case elf.EM_PPC64:
		return "ppc64"
	case elf.EM_RISCV:
		return "riscv"
	case elf.EM_S390:
		return "s390x"
	case elf.EM_LOONGARCH:
		return "loongarch"
	}
	return strings.TrimPrefix(m.String(), "EM_")
}
