package report

import (
	"sort"
	"strings"

	"github.com/soinspect/soinspect/elfinspect"
)

// Bytes is where the file's bytes go: every byte of the file is in exactly
// one group — a symbol's (grouped by Go package, C++ namespace or, for C,
// source file or symbol version), a section's bytes no symbol covers
// ("unattributed"), or the ELF headers and the padding between sections.
// The groups add up to the file size.
type Bytes struct {
	// Scheme says how symbols are grouped: "Go package", "C++ namespace",
	// "C source file" or "symbol version".
	Scheme   string `json:"scheme"`
	FileSize uint64 `json:"file_size"`
	// InSymbols, Unattributed and Overhead split FileSize: bytes inside
	// a symbol, section bytes outside every symbol, and the rest (ELF
	// header, program and section headers, alignment padding).
	InSymbols    uint64 `json:"in_symbols"`
	Unattributed uint64 `json:"unattributed"`
	Overhead     uint64 `json:"overhead"`
	// Symbols counts the symbols with bytes in the file; Table is the
	// symbol table they come from.
	Symbols int    `json:"symbols"`
	Table   string `json:"table,omitempty"`
	// Groups are the largest groups, largest first, then at most one
	// "other groups" entry, the unattributed bytes and the overhead.
	Groups []Group `json:"groups"`
	// Top are the largest symbols.
	Top []Sym `json:"top"`
	// List is the compact list the page's filter searches: the largest
	// symbols, at most Options.FilterList of them.
	List []Sym `json:"-"`
	// GroupNames are the names List's Group indexes refer to.
	GroupNames []string `json:"-"`

	groupIdx map[string]int
}

// Group is one rectangle of the treemap.
type Group struct {
	Name string `json:"name"`
	// Kind is "symbols", "other", "unattributed" or "overhead".
	Kind     string `json:"kind"`
	Size     uint64 `json:"size"`
	Count    int    `json:"count"`
	Children []Leaf `json:"children"`
}

// Leaf is a rectangle inside a group: a Go type or kind of symbol, a C++
// class, a section.
type Leaf struct {
	Name  string `json:"name"`
	Size  uint64 `json:"size"`
	Count int    `json:"count"`
}

// Sym is one symbol with the bytes attributed to it.
type Sym struct {
	Name    string `json:"name"`
	Size    uint64 `json:"size"`
	Section string `json:"section"`
	Group   int    `json:"group"`
}

const (
	defaultTopGroups  = 40
	defaultTopSymbols = 60
	defaultFilterList = 10000
	maxLeaves         = 10
)

// symLine is a symbol placed in a section.
type symLine struct {
	name, display string
	group, leaf   string
	addr, size    uint64
}

func buildBytes(f *elfinspect.File, l *Layout, opts Options) *Bytes {
	b := &Bytes{FileSize: l.FileSize}
	topGroups, topSyms, listN := opts.TopGroups, opts.TopSymbols, opts.FilterList
	if topGroups <= 0 {
		topGroups = defaultTopGroups
	}
	if topSyms <= 0 {
		topSyms = defaultTopSymbols
	}
	if listN <= 0 {
		listN = defaultFilterList
	}
	syms, err := f.Symbols(elfinspect.TableSymtab)
	b.Table = ".symtab"
	if err != nil || len(syms) == 0 {
		syms, _ = f.Symbols(elfinspect.TableDynsym)
		b.Table = ".dynsym"
	}
	goFile := f.IsGo()
	var cxx bool
	for i := range syms {
		if syms[i].Lang == elfinspect.LangCXX {
			cxx = true
			break
		}
	}
	if cxx && !goFile {
		elfinspect.Demangle(syms)
	}
	// Which source file each local symbol comes from: the FILE symbol
	// before it in .symtab.
	fileOf := make([]string, len(syms))
	var cur string
	haveFiles := false
	for i, s := range syms {
		if s.Type == elfinspect.TypeFile {
			cur, haveFiles = s.Name, true
		}
		if s.Bind == elfinspect.BindLocal {
			fileOf[i] = cur
		}
	}
	switch {
	case goFile:
		b.Scheme = "Go package"
	case cxx:
		b.Scheme = "C++ namespace"
	case haveFiles:
		b.Scheme = "C source file"
	default:
		b.Scheme = "symbol version"
	}

	// Symbols by section, by name (duplicate names take the first).
	secIdx := map[string]int{}
	for i, s := range l.Sections {
		if _, dup := secIdx[s.Name]; !dup {
			secIdx[s.Name] = i
		}
	}
	perSec := make([][]symLine, len(l.Sections))
	for i, s := range syms {
		if !s.Defined || s.Size == 0 || s.Type == elfinspect.TypeSection || s.Type == elfinspect.TypeFile {
			continue
		}
		si, ok := secIdx[s.Section]
		if !ok || l.Sections[si].NoBits || l.Sections[si].Size == 0 {
			continue
		}
		g, leaf := groupOf(&s, fileOf[i], goFile, b.Scheme)
		disp := s.Name
		if s.Demangled != "" {
			disp = s.Demangled
		}
		perSec[si] = append(perSec[si], symLine{name: s.Name, display: disp, group: g, leaf: leaf, addr: s.Value, size: s.Size})
	}

	type acc struct {
		size   uint64
		count  int
		leaves map[string]*Leaf
	}
	groups := map[string]*acc{}
	var all []Sym
	unattributed := map[string]uint64{}
	for si, list := range perSec {
		sec := l.Sections[si]
		if sec.NoBits || sec.Size == 0 {
			continue
		}
		// A section's symbols own its bytes once each: sorted by address
		// (the larger first at one address), each symbol gets the part of
		// its range inside the section that no earlier symbol took.
		sort.Slice(list, func(i, j int) bool {
			if list[i].addr != list[j].addr {
				return list[i].addr < list[j].addr
			}
			return list[i].size > list[j].size
		})
		start, end := sec.Addr, sec.Addr+sec.Size
		if !sec.Alloc { // a relocatable object's symbols are section offsets
			start, end = 0, sec.Size
		}
		covered := start
		var inSec uint64
		for _, s := range list {
			lo, hi := max(s.addr, covered), min(s.addr+s.size, end)
			if s.addr+s.size < s.addr { // wraps
				hi = end
			}
			if lo < start || hi <= lo {
				continue
			}
			n := hi - lo
			covered = hi
			inSec += n
			a := groups[s.group]
			if a == nil {
				a = &acc{leaves: map[string]*Leaf{}}
				groups[s.group] = a
			}
			a.size += n
			a.count++
			lf := a.leaves[s.leaf]
			if lf == nil {
				lf = &Leaf{Name: s.leaf}
				a.leaves[s.leaf] = lf
			}
			lf.Size += n
			lf.Count++
			all = append(all, Sym{Name: s.display, Size: n, Section: sec.Name, Group: groupIndex(b, s.group)})
			b.Symbols++
		}
		b.InSymbols += inSec
		if rest := sec.Size - inSec; rest > 0 {
			unattributed[sec.Name] += rest
			b.Unattributed += rest
		}
	}
	var fileBytes uint64
	for _, s := range l.Sections {
		fileBytes += s.FileBytes()
	}
	// Sections may overlap in a hostile file; never report a negative overhead.
	if fileBytes < b.FileSize {
		b.Overhead = b.FileSize - fileBytes
	}

	// Groups, largest first; the tail folds into "other groups".
	names := make([]string, 0, len(groups))
	for n := range groups {
		names = append(names, n)
	}
	sort.Slice(names, func(i, j int) bool {
		if groups[names[i]].size != groups[names[j]].size {
			return groups[names[i]].size > groups[names[j]].size
		}
		return names[i] < names[j]
	})
	var other Group
	other.Kind = "other"
	for i, n := range names {
		a := groups[n]
		if i >= topGroups {
			other.Size += a.size
			other.Count += a.count
			other.Children = append(other.Children, Leaf{Name: n, Size: a.size, Count: a.count})
			continue
		}
		g := Group{Name: n, Kind: "symbols", Size: a.size, Count: a.count}
		for _, lf := range a.leaves {
			g.Children = append(g.Children, *lf)
		}
		g.Children = foldLeaves(g.Children)
		b.Groups = append(b.Groups, g)
	}
	if other.Size > 0 {
		other.Name = plural(len(names)-topGroups, "other group", "other groups")
		other.Children = foldLeaves(other.Children)
		b.Groups = append(b.Groups, other)
	}
	if b.Unattributed > 0 {
		g := Group{Name: "unattributed: section bytes no symbol covers", Kind: "unattributed", Size: b.Unattributed}
		for n, sz := range unattributed {
			g.Children = append(g.Children, Leaf{Name: n, Size: sz})
		}
		g.Children = foldLeaves(g.Children)
		b.Groups = append(b.Groups, g)
	}
	if b.Overhead > 0 {
		b.Groups = append(b.Groups, Group{Name: "ELF headers and padding", Kind: "overhead", Size: b.Overhead,
			Children: []Leaf{{Name: "headers and alignment padding", Size: b.Overhead}}})
	}
	// The largest symbols, for the table and the filter.
	sort.SliceStable(all, func(i, j int) bool { return all[i].Size > all[j].Size })
	b.Top = all[:min(len(all), topSyms)]
	b.List = all[:min(len(all), listN)]
	return b
}

// groupIndex returns the index of name in b.GroupNames, adding it.
func groupIndex(b *Bytes, name string) int {
	if b.groupIdx == nil {
		b.groupIdx = map[string]int{}
	}
	if i, ok := b.groupIdx[name]; ok {
		return i
	}
	b.groupIdx[name] = len(b.GroupNames)
	b.GroupNames = append(b.GroupNames, name)
	return len(b.GroupNames) - 1
}

// foldLeaves sorts leaves by size and folds all but the largest into one.
func foldLeaves(ls []Leaf) []Leaf {
	sort.Slice(ls, func(i, j int) bool {
		if ls[i].Size != ls[j].Size {
			return ls[i].Size > ls[j].Size
		}
		return ls[i].Name < ls[j].Name
	})
	if len(ls) <= maxLeaves {
		return ls
	}
	rest := Leaf{}
	for _, l := range ls[maxLeaves-1:] {
		rest.Size += l.Size
		rest.Count += l.Count
	}
	rest.Name = plural(len(ls)-maxLeaves+1, "other", "others")
	return append(ls[:maxLeaves-1:maxLeaves-1], rest)
}

// groupOf returns the group and leaf of a symbol.
func groupOf(s *elfinspect.Symbol, file string, goFile bool, scheme string) (group, leaf string) {
	if s.Go != nil {
		g := s.Go
		pkg := g.Package
		if pkg == "" {
			pkg = "linker-generated (go:, type:)"
		}
		switch {
		case g.Receiver != "":
			return pkg, strings.TrimPrefix(g.Receiver, "*") + " methods"
		case g.Kind != "":
			return pkg, string(g.Kind)
		}
		return pkg, "other"
	}
	if goFile {
		// Linker-made symbols: go:string.*, type:*, go:itab.*, runtime.pclntab...
		if i := strings.IndexAny(s.Name, ".*"); i > 0 && (strings.HasPrefix(s.Name, "go:") || strings.HasPrefix(s.Name, "type:")) {
			return "linker-generated (go:, type:)", s.Name[:i]
		}
		if s.Lang == elfinspect.LangC {
			return "C (cgo, runtime/cgo)", s.Section
		}
		return "other", s.Section
	}
	if s.Demangled != "" {
		return cxxScope(s.Demangled)
	}
	switch scheme {
	case "C++ namespace":
		return "C symbols (global namespace)", s.Section
	case "C source file":
		if file != "" {
			return file, s.Section
		}
		return "global symbols", s.Section
	}
	if s.Version != "" {
		return s.Version, s.Section
	}
	return "unversioned symbols", s.Section
}

// demangledPrefixes are the phrases c++filt puts before a name.
var demangledPrefixes = []string{
	"construction vtable for ", "vtable for ", "VTT for ", "typeinfo name for ", "typeinfo for ",
	"guard variable for ", "non-virtual thunk to ", "virtual thunk to ", "covariant return thunk to ",
	"TLS init function for ", "TLS wrapper function for ", "transaction clone for ",
	"reference temporary #0 for ",
}

// cxxScope returns the outermost namespace of a demangled C++ name, and
// the scope inside it ("std", "basic_string<…>").
func cxxScope(d string) (ns, inner string) {
	for _, p := range demangledPrefixes {
		if strings.HasPrefix(d, p) {
			d = d[len(p):]
			break
		}
	}
	var parts []string
	depth, start := 0, 0
loop:
	for i := 0; i < len(d); i++ {
		switch c := d[i]; c {
		case '<', '[':
			depth++
		case '>', ']':
			depth--
		case '(':
			if depth == 0 {
				if i > start {
					parts = append(parts, d[start:i])
				}
				break loop
			}
			depth++
		case ')':
			depth--
		case ' ':
			if depth == 0 && len(parts) == 0 {
				// a return type before the name
				start = i + 1
			}
		case ':':
			if depth == 0 && i+1 < len(d) && d[i+1] == ':' {
				parts = append(parts, d[start:i])
				i++
				start = i + 1
			}
		}
		if i == len(d)-1 && start < len(d) {
			parts = append(parts, d[start:])
		}
	}
	switch len(parts) {
	case 0:
		return "(global namespace)", "other"
	case 1:
		return "(global namespace)", shortTemplate(parts[0])
	}
	return shortTemplate(parts[0]), shortTemplate(parts[1])
}

// shortTemplate cuts a template argument list to "<…>".
func shortTemplate(s string) string {
	if i := strings.IndexByte(s, '<'); i > 0 {
		return s[:i] + "<…>"
	}
	return s
}
