package probe

import (
	"debug/elf"
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/soinspect/soinspect/elfinspect"
)

// arch is what a GOARCH loads: its ELF machine and class.
type arch struct {
	goarch  string
	machine elf.Machine
	class   elf.Class
}

// hostArchs are the GOARCHes soinspect knows the objects of. This
// package's tables are arrays, not maps, so that nothing is built at every
// start of soinspect.
var hostArchs = [...]arch{
	{"amd64", elf.EM_X86_64, elf.ELFCLASS64}, {"arm64", elf.EM_AARCH64, elf.ELFCLASS64},
	{"386", elf.EM_386, elf.ELFCLASS32}, {"arm", elf.EM_ARM, elf.ELFCLASS32},
	{"riscv64", elf.EM_RISCV, elf.ELFCLASS64}, {"ppc64le", elf.EM_PPC64, elf.ELFCLASS64},
	{"ppc64", elf.EM_PPC64, elf.ELFCLASS64}, {"s390x", elf.EM_S390, elf.ELFCLASS64},
	{"loong64", elf.EM_LOONGARCH, elf.ELFCLASS64},
}

// hostArch returns what goarch loads; false if hostArchs lacks it.
func hostArch(goarch string) (arch, bool) {
	for _, a := range hostArchs {
		if a.goarch == goarch {
			return a, true
		}
	}
	return arch{}, false
}

// machineNames are the ELF machines named as people say them.
var machineNames = [...]struct {
	machine elf.Machine
	name    string
}{
	{elf.EM_X86_64, "x86-64"}, {elf.EM_AARCH64, "AArch64"}, {elf.EM_386, "i386"}, {elf.EM_ARM, "ARM"},
	{elf.EM_RISCV, "RISC-V"}, {elf.EM_PPC64, "PowerPC64"}, {elf.EM_S390, "s390x"}, {elf.EM_LOONGARCH, "LoongArch"},
	{elf.EM_MIPS, "MIPS"}, {elf.EM_SPARCV9, "SPARC V9"}, {elf.EM_PPC, "PowerPC"},
}

// MachineName names an ELF machine as people say it: "x86-64", "AArch64".
func MachineName(m elf.Machine) string {
	for _, n := range machineNames {
		if n.machine == m {
			return n.name
		}
	}
	return strings.TrimPrefix(m.String(), "EM_")
}

// LoadProblem says why no process of this soinspect can load the file,
// read from its header alone, or returns "": another machine or ELF class
// (which dlopen reports misleadingly as "No such file or directory" or
// "wrong ELF class"), or a file dlopen refuses whatever it contains (an
// executable, a relocatable object).
func (st *Static) LoadProblem() string {
	if st == nil {
		return ""
	}
	host, ok := hostArch(runtime.GOARCH)
	switch {
	case ok && st.Class != host.class:
		// glibc checks the class first.
		return fmt.Sprintf("%s is a %s %s object; this soinspect is %s %s and cannot load it: dlopen would say %q",
			st.Path, classBits(st.Class), MachineName(st.Machine), classBits(host.class), MachineName(host.machine), "wrong ELF class: "+st.Class.String())
	case ok && st.Machine != host.machine:
		return fmt.Sprintf("%s is %s %s object; this soinspect is %s and cannot load it: dlopen would say only %q",
			st.Path, article(MachineName(st.Machine)), MachineName(st.Machine), MachineName(host.machine), "cannot open shared object file: No such file or directory")
	case st.DlopenProblem != "":
		return fmt.Sprintf("%s is %s, which dlopen refuses: %q", st.Path, kindPhrase(st.Kind), st.DlopenProblem)
	}
	return ""
}

// article is "an" before the machine names said with a vowel sound.
func article(name string) string {
	switch name {
	case "x86-64", "AArch64", "i386", "ARM", "s390x":
		return "an"
	}
	return "a"
}

func classBits(c elf.Class) string {
	if c == elf.ELFCLASS32 {
		return "32-bit"
	}
	return "64-bit"
}

// GoProblem says, from the file alone, why plugin.Open then Lookup(symbol)
// cannot work, and what would happen if tried; "" when nothing is known
// against it. Every case it names runs code before failing: the file's
// constructors or the plugin's Go inits.
func (st *Static) GoProblem(symbol string) string {
	if st == nil {
		return ""
	}
	if st.Plugin == nil {
		switch st.Kind {
		case elfinspect.KindGoCShared:
			return fmt.Sprintf("%s is a Go c-shared library, not a Go plugin: plugin.Open would load it, run its Go runtime's initialisation, then abort the process with \"fatal error: runtime: no plugin module data\". Its //export'ed functions are C functions: call them with --raw.", st.Path)
		case elfinspect.KindSharedLib:
			return fmt.Sprintf("%s is a C/C++ shared library, not a Go plugin: plugin.Open would run its constructors, then the Go runtime would abort the process with \"fatal error: runtime: no plugin module data\". Call its functions with --raw --sig.", st.Path)
		}
		return fmt.Sprintf("%s is not a Go plugin (%s): plugin.Open cannot load it", st.Path, kindPhrase(st.Kind))
	}
	if st.Plugin.Layout == "" || symbol == "" {
		return "" // the exports could not be read: let plugin.Lookup say
	}
	names := make([]string, 0, len(st.Plugin.Exports))
	for _, e := range st.Plugin.Exports {
		if e.Name == symbol {
			return ""
		}
		names = append(names, printable(e.Name))
	}
	exports := "it exports nothing"
	if len(names) > 0 {
		exports = "its exports: " + strings.Join(names, ", ")
	}
	return fmt.Sprintf("%s exports no %s (%s): plugin.Open would run the plugin's inits, then Lookup would fail with \"plugin: symbol %s not found in plugin %s\"",
		st.Path, printable(symbol), exports, printable(symbol), printable(st.Plugin.PluginPath))
}

// RawProblem says, from the file alone, why calling the symbols names (as
// Resolve gives them) through dlsym cannot work, or "": a name the dynamic
// symbol table defines as data (OBJECT, COMMON, TLS), whose address is a
// variable's, so that the call would jump into data.
func (st *Static) RawProblem(names []string) string {
	if st == nil {
		return ""
	}
	for _, n := range names {
		for _, s := range st.funcs {
			if s.Table != elfinspect.TableDynsym || s.Name != n {
				continue
			}
			switch s.Type {
			case elfinspect.TypeObject, elfinspect.TypeCommon, elfinspect.TypeTLS:
				return fmt.Sprintf("%s is a data object (%s, %d bytes in %s), not a function: dlsym would give a variable's address and the call would jump into its data (SIGSEGV, or worse where it is executable)",
					printable(n), s.Type, s.Size, printable(s.Section))
			}
		}
	}
	return ""
}

// printable returns s as it is when every rune of it prints, and quoted
// with Go escapes otherwise: names read from a file may hold anything,
// terminal escape sequences included.
func printable(s string) string {
	for _, r := range s {
		if !unicode.IsPrint(r) || r == utf8.RuneError {
			return strconv.Quote(s)
		}
	}
	return s
}

func kindPhrase(k elfinspect.Kind) string {
	switch k {
	case elfinspect.KindGoPlugin:
		return "a Go plugin"
	case elfinspect.KindGoCShared:
		return "a Go c-shared library"
	case elfinspect.KindGoShared:
		return "a Go shared library (-buildmode=shared)"
	case elfinspect.KindGoExecutable:
		return "a Go executable"
	case elfinspect.KindSharedLib:
		return "a C/C++ shared library"
	case elfinspect.KindPIE:
		return "a position-independent executable"
	case elfinspect.KindExecutable:
		return "an executable"
	case elfinspect.KindRelocatable:
		return "a relocatable object (.o)"
	case elfinspect.KindCore:
		return "a core dump"
	}
	return "of kind " + string(k)
}
