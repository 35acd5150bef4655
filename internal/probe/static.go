package probe

import (
	"debug/elf"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/soinspect/soinspect/elfinspect"
	"github.com/soinspect/soinspect/goplugin"
)

// Static is what the parent knows of a file without loading it: its
// sections and symbols (to name an address) and, for a Go plugin, its
// anatomy (to resolve short names). It is read with elfinspect, never by
// loading the file.
type Static struct {
	Path string
	// Plugin is the file's Go plugin anatomy; nil if it is not a Go plugin.
	Plugin *goplugin.Plugin
	// GoBuilt is true for any file built by Go (a plugin, a c-shared
	// library, an executable).
	GoBuilt bool
	// Kind is what the file is: a Go plugin, a C library, an executable...
	Kind elfinspect.Kind
	// Machine and Class are the ELF header's; DlopenProblem is why dlopen
	// refuses the file whatever its machine ("cannot dynamically load
	// executable"), or "".
	Machine       elf.Machine
	Class         elf.Class
	DlopenProblem string

	sections []section
	funcs    []elfinspect.Symbol // defined symbols with an address, by address
	dynNames map[string]bool
}

type section struct {
	name       string
	addr, size uint64
}

// ReadStatic reads path statically. A file that is not ELF is an error; a
// file that is not a Go plugin is not.
func ReadStatic(path string) (*Static, error) {
	f, err := elfinspect.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st := &Static{Path: path, dynNames: map[string]bool{}, Kind: f.Kind(),
		Machine: f.ELF().Machine, Class: f.ELF().Class, DlopenProblem: f.DlopenProblem()}
	for _, s := range f.ELF().Sections {
		if s.Addr != 0 && s.Size != 0 {
			st.sections = append(st.sections, section{s.Name, s.Addr, s.Size})
			if s.Name == ".go.buildinfo" || s.Name == ".gopclntab" {
				st.GoBuilt = true
			}
		}
	}
	// Not a Go plugin (or an unreadable one): names are taken as they are.
	if pi, err := goplugin.Read(f); err == nil {
		st.Plugin = pi
	}
	syms, _ := f.Symbols(elfinspect.TableSymtab)
	dyn, _ := f.Symbols(elfinspect.TableDynsym)
	for _, s := range dyn {
		if s.Defined {
			st.dynNames[s.Name] = true
		}
	}
	st.funcs = byValue(syms, dyn)
	return st, nil
}

// byValue returns the defined symbols of lists with an address and a
// name, by address, those of one address in list order
// (elfinspect.SortSymbols, which moves each symbol once).
func byValue(lists ...[]elfinspect.Symbol) []elfinspect.Symbol {
	n := 0
	for _, list := range lists {
		n += len(list)
	}
	out := make([]elfinspect.Symbol, 0, n)
	for _, list := range lists {
		for _, s := range list {
			if s.Defined && s.Value != 0 && s.Name != "" {
				out = append(out, s)
			}
		}
	}
	elfinspect.SortSymbols(out, elfinspect.SortAddr)
	return out
}

// PluginPath returns the Go plugin's pluginpath, or "".
func (st *Static) PluginPath() string {
	if st == nil || st.Plugin == nil {
		return ""
	}
	return st.Plugin.PluginPath
}

// OwnInitTask returns the plugin's own init task (the one of its main
// package), or nil.
func (st *Static) OwnInitTask() *goplugin.InitTask {
	pp := st.PluginPath()
	if pp == "" {
		return nil
	}
	for i := range st.Plugin.InitTasks {
		if t := &st.Plugin.InitTasks[i]; t.Package == pp {
			return t
		}
	}
	return nil
}

// InitTaskSymbol returns the .dynsym name of the plugin's own init task,
// "<pluginpath>..inittask", or "" when it has none.
func (st *Static) InitTaskSymbol() string {
	pp := st.PluginPath()
	if pp == "" || !st.dynNames[pp+"..inittask"] {
		return ""
	}
	return pp + "..inittask"
}

// Resolve turns a short name into the full symbol names to look up, for a
// Go plugin: "Run" is "<pluginpath>.Run", and "init" is the plugin's own
// init functions in the order its inittask runs them (<pluginpath>.init,
// .init.0, .init.1, ...; the Go 1.8 name was <pluginpath>.init). Any other
// name, and every name in a file that is not a Go plugin, is taken as it is.
func (st *Static) Resolve(name string) ([]string, error) {
	pp := st.PluginPath()
	if pp == "" || st.dynNames[name] {
		return []string{name}, nil
	}
	if name == "init" {
		var names []string
		if t := st.OwnInitTask(); t != nil {
			for _, f := range t.Funcs {
				if f.Name == "" {
					names = nil
					break
				}
				names = append(names, f.Name)
			}
		}
		if len(names) == 0 {
			// No readable task (a stripped or unknown layout): the exported
			// init symbols, by number.
			for n := range st.dynNames {
				if n == pp+".init" || strings.HasPrefix(n, pp+".init.") {
					names = append(names, n)
				}
			}
			slices.SortFunc(names, func(a, b string) int { return goplugin.InitIndex(a) - goplugin.InitIndex(b) })
		}
		if len(names) == 0 {
			return nil, fmt.Errorf("%s: plugin %s has no init functions of its own", st.Path, pp)
		}
		return names, nil
	}
	if full := pp + "." + name; st.dynNames[full] {
		return []string{full}, nil
	}
	return []string{name}, nil
}

// IsGoSymbol reports whether name is Go code in this file: a file built by
// Go and a symbol with a Go package path (C exports have none).
func (st *Static) IsGoSymbol(name string) bool {
	return st != nil && st.GoBuilt && strings.Contains(name, ".") && !strings.HasPrefix(name, "_")
}

// Where names the section and offset of a file address: ".text+0x1c4220".
func (st *Static) Where(addr uint64) string {
	if st == nil {
		return ""
	}
	for _, s := range st.sections {
		if addr >= s.addr && addr < s.addr+s.size {
			return fmt.Sprintf("%s+%#x", s.name, addr-s.addr)
		}
	}
	return ""
}

// Symbolize names the symbol containing a file address:
// "runtime.morestack.abi0+0xb", or "" if none does.
func (st *Static) Symbolize(addr uint64) string {
	if st == nil {
		return ""
	}
	i := sort.Search(len(st.funcs), func(i int) bool { return st.funcs[i].Value > addr }) - 1
	for ; i >= 0; i-- {
		s := st.funcs[i]
		if addr < s.Value+max(s.Size, 1) || s.Size == 0 && addr-s.Value < 1<<12 {
			if addr == s.Value {
				return s.Name
			}
			return fmt.Sprintf("%s+%#x", s.Name, addr-s.Value)
		}
		if s.Size != 0 {
			break
		}
	}
	return ""
}
