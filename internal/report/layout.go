package report

import (
	"debug/elf"
	"sort"
	"strings"

	"github.com/soinspect/soinspect/elfinspect"
)

// Layout is where the file's parts are: in the file (offsets) and in
// memory (virtual addresses, load base 0 for a shared object).
type Layout struct {
	FileSize uint64 `json:"file_size"`
	// Segments are the program headers; Load ones are drawn.
	Segments []Segment `json:"segments"`
	// Sections are the section headers, less the null section.
	Sections []Section `json:"sections"`
	// Marks are addresses worth pointing at: the moduledata, the plugin
	// table, the .init_array entry that registers the Go module...
	Marks []Mark `json:"marks,omitempty"`
}

// Segment is one program header.
type Segment struct {
	Index  int    `json:"index"`
	Type   string `json:"type"`
	Perms  string `json:"perms"` // "R", "R E", "RW", as readelf -l
	Off    uint64 `json:"offset"`
	FileSz uint64 `json:"filesz"`
	Vaddr  uint64 `json:"vaddr"`
	MemSz  uint64 `json:"memsz"`
	Align  uint64 `json:"align"`
}

// Load reports whether the segment is PT_LOAD.
func (s Segment) Load() bool { return s.Type == "LOAD" }

// Section is one section header.
type Section struct {
	Index int    `json:"index"`
	Name  string `json:"name"`
	Type  string `json:"type"`
	Flags string `json:"flags"` // readelf's letters: W A X M S ...
	Off   uint64 `json:"offset"`
	Addr  uint64 `json:"addr"`
	Size  uint64 `json:"size"` // sh_size: for a compressed section, its size in the file
	// Uncompressed is the size of a compressed (SHF_COMPRESSED) section's
	// contents once uncompressed; 0 for the others.
	Uncompressed uint64 `json:"uncompressed,omitempty"`
	// Alloc: the section is in memory at run time; NoBits: it takes no
	// bytes in the file (.bss, .tbss).
	Alloc  bool `json:"alloc"`
	NoBits bool `json:"nobits"`
	// Class is "go" for the Go-specific sections, "dyn" for the dynamic
	// linking ones, "debug" for debug information, "" otherwise.
	Class string `json:"class,omitempty"`
}

// FileBytes is the number of bytes the section takes in the file.
func (s Section) FileBytes() uint64 {
	if s.NoBits {
		return 0
	}
	return s.Size
}

// Mark is an address pointed at in the layout.
type Mark struct {
	Name    string `json:"name"`
	Addr    uint64 `json:"addr"`
	Section int    `json:"section"` // index into Sections, -1 if none
	Detail  string `json:"detail,omitempty"`
}

// sectionClass is the class of the sections the layout highlights: the Go
// runtime's, the dynamic linker's and the debug information.
func sectionClass(name string) string {
	switch {
	case name == ".gopclntab", name == ".go.buildinfo", name == ".typelink", name == ".itablink",
		name == ".noptrdata", name == ".noptrbss", name == ".data.rel.ro", name == ".init_array",
		name == ".go.module", name == ".go.fipsinfo", name == ".note.go.buildid", name == ".gosymtab":
		return "go"
	case name == ".dynsym", name == ".dynstr", name == ".dynamic", name == ".gnu.hash", name == ".hash",
		strings.HasPrefix(name, ".gnu.version"), strings.HasPrefix(name, ".rela."), strings.HasPrefix(name, ".rel."),
		name == ".plt", name == ".plt.got", name == ".plt.sec", name == ".got", name == ".got.plt", name == ".interp":
		return "dyn"
	case strings.HasPrefix(name, ".debug") || strings.HasPrefix(name, ".zdebug"):
		return "debug"
	}
	return ""
}

func buildLayout(f *elfinspect.File) *Layout {
	ef := f.ELF()
	l := &Layout{FileSize: uint64(f.Size)}
	for i, p := range ef.Progs {
		l.Segments = append(l.Segments, Segment{Index: i, Type: strings.TrimPrefix(p.Type.String(), "PT_"),
			Perms: permString(p.Flags), Off: p.Off, FileSz: p.Filesz, Vaddr: p.Vaddr, MemSz: p.Memsz, Align: p.Align})
	}
	for i, s := range ef.Sections {
		if i == 0 && s.Type == elf.SHT_NULL {
			continue
		}
		// debug/elf gives a compressed section's uncompressed size as Size
		// and sh_size as FileSize.
		sec := Section{Index: i, Name: s.Name, Type: strings.TrimPrefix(s.Type.String(), "SHT_"),
			Flags: flagString(s.Flags), Off: s.Offset, Addr: s.Addr, Size: s.FileSize,
			Alloc: s.Flags&elf.SHF_ALLOC != 0, NoBits: s.Type == elf.SHT_NOBITS, Class: sectionClass(s.Name)}
		if s.Flags&elf.SHF_COMPRESSED != 0 {
			sec.Uncompressed = s.Size
		}
		l.Sections = append(l.Sections, sec)
	}
	return l
}

func permString(f elf.ProgFlag) string {
	b := []byte("   ")
	if f&elf.PF_R != 0 {
		b[0] = 'R'
	}
	if f&elf.PF_W != 0 {
		b[1] = 'W'
	}
	if f&elf.PF_X != 0 {
		b[2] = 'E'
	}
	return strings.TrimRight(string(b), " ")
}

func flagString(f elf.SectionFlag) string {
	var b strings.Builder
	for _, x := range []struct {
		f elf.SectionFlag
		c byte
	}{{elf.SHF_WRITE, 'W'}, {elf.SHF_ALLOC, 'A'}, {elf.SHF_EXECINSTR, 'X'}, {elf.SHF_MERGE, 'M'},
		{elf.SHF_STRINGS, 'S'}, {elf.SHF_INFO_LINK, 'I'}, {elf.SHF_LINK_ORDER, 'L'}, {elf.SHF_GROUP, 'G'},
		{elf.SHF_TLS, 'T'}, {elf.SHF_COMPRESSED, 'C'}} {
		if f&x.f != 0 {
			b.WriteByte(x.c)
		}
	}
	return b.String()
}

// SectionAt returns the index into Sections of the allocated section
// holding addr, or -1. NOBITS sections count; TLS ones, whose addresses
// overlap the next section's, do not.
func (l *Layout) SectionAt(addr uint64) int {
	for i, s := range l.Sections {
		if s.Alloc && s.Size > 0 && !strings.Contains(s.Flags, "T") && addr >= s.Addr && addr-s.Addr < s.Size {
			return i
		}
	}
	return -1
}

// mark returns a Mark for addr, placed in its section.
func (l *Layout) mark(name string, addr uint64, detail string) Mark {
	return Mark{Name: name, Addr: addr, Section: l.SectionAt(addr), Detail: detail}
}

// vspan is the range of virtual addresses the PT_LOAD segments cover.
func (l *Layout) vspan() (lo, hi uint64, ok bool) {
	for _, s := range l.Segments {
		if !s.Load() {
			continue
		}
		if !ok || s.Vaddr < lo {
			lo = s.Vaddr
		}
		if end := s.Vaddr + s.MemSz; !ok || end > hi {
			hi = end
		}
		ok = true
	}
	return lo, hi, ok
}

// sortedMarks returns the marks by address.
func (l *Layout) sortedMarks() []Mark {
	ms := append([]Mark(nil), l.Marks...)
	sort.SliceStable(ms, func(i, j int) bool { return ms[i].Addr < ms[j].Addr })
	return ms
}
