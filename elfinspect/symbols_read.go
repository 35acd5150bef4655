package elfinspect

import (
	"debug/elf"
	"encoding/binary"
	"fmt"
	"strings"
	"unsafe"

	"github.com/soinspect/soinspect/internal/elfread"
	"github.com/soinspect/soinspect/internal/guard"
)

// DynamicSymbols returns the entries of .dynsym in table order, without the
// null symbol at index 0, with symVersions from .gnu.version*. It returns an
// error wrapping ErrNoSymbols if the file has no .dynsym.
func (f *File) DynamicSymbols() ([]Symbol, error) { return f.Symbols(TableDynsym) }

// StaticSymbols returns the entries of .symtab in table order, without the
// null symbol at index 0. It returns an error wrapping ErrNoSymbols if the
// file has no .symtab (it was stripped).
func (f *File) StaticSymbols() ([]Symbol, error) { return f.Symbols(TableSymtab) }

// Symbols returns the entries of the given symbol table in table order,
// without the null symbol at index 0. Names are not demangled (see
// Demangle); Go names are parsed into Symbol.Go.
//
// The listing reads the table and its string table once and makes no
// per-symbol allocation except for Go names, so it is cheap even for the
// 46,000 dynamic symbols of libLLVM.
func (f *File) Symbols(t Table) (syms []Symbol, err error) {
	defer guard.Recover(func(p any) { syms, err = nil, f.wrap("read symbols", elfread.PanicError("symbol table", p)) })
	var typ elf.SectionType
	switch t {
	case TableDynsym:
		typ = elf.SHT_DYNSYM
	case TableSymtab:
		typ = elf.SHT_SYMTAB
	default:
		return nil, fmt.Errorf("elfinspect: unknown symbol table %d", t)
	}
	if f.dyn != nil {
		return f.damagedSymbols(t)
	}
	idx := -1
	for i, s := range f.elf.Sections {
		if s.Type == typ {
			idx = i
			break
		}
	}
	if idx < 0 {
		return nil, f.wrap("read symbols", fmt.Errorf("%w (no .%s section)", ErrNoSymbols, t))
	}
	st, err := f.loadSymtab(t, idx)
	if err != nil {
		return nil, f.wrap("read symbols", err)
	}
	return st.list(), nil
}

// symReader is a symbol table read into memory, with what is needed to decode it.
type symReader struct {
	f      *File
	table  Table
	tab    *elfread.Symtab // the entries, decoded by the shared decoder
	strs   string          // the linked string table
	bo     binary.ByteOrder
	versym []byte      // .gnu.version, dynsym only
	vers   symVersions // from .gnu.version_d and .gnu.version_r
	xindex []byte      // SHT_SYMTAB_SHNDX, if any
	secs   []symSecInfo
	goFile bool
}

type symSecInfo struct {
	name   string
	letter byte // lower-case nm letter for symbols defined in the section
}

// readSection returns the contents of s, by the rules of the one section
// reader every package shares (elfread.File.Section): a hostile header
// never drives a large allocation.
func (f *File) readSection(s *elf.Section) ([]byte, error) { return f.rd.Section(s) }

// unsafeBytesString returns b as a string without copying; b must never change.
func unsafeBytesString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

// readStrtab reads the string table at section index i.
func (f *File) readStrtab(i uint32, cache map[uint32]string) (string, error) {
	if s, ok := cache[i]; ok {
		return s, nil
	}
	b, err := f.rd.Strtab(i)
	if err != nil {
		return "", err
	}
	s := unsafeBytesString(b)
	cache[i] = s
	return s, nil
}

func (f *File) loadSymtab(t Table, idx int) (*symReader, error) {
	sec := f.elf.Sections[idx]
	st := &symReader{f: f, table: t, bo: f.elf.ByteOrder}
	tab, err := f.rd.Symtab(sec)
	if err != nil {
		return nil, err
	}
	st.tab = tab
	st.strs = unsafeBytesString(tab.Strs())
	strcache := map[uint32]string{sec.Link: st.strs}
	for _, s := range f.elf.Sections {
		switch {
		case t == TableDynsym && s.Type == elf.SHT_GNU_VERSYM && st.versym == nil:
			if b, err := f.readSection(s); err == nil {
				st.versym = b
			}
		case s.Type == elf.SHT_SYMTAB_SHNDX && int(s.Link) == idx:
			if b, err := f.readSection(s); err == nil {
				st.xindex = b
			}
		}
	}
	if st.versym != nil {
		st.vers = f.readVersions(strcache)
	}
	st.secs = f.sectionInfos()
	st.goFile = f.IsGo()
	return st, nil
}

func (f *File) sectionInfos() []symSecInfo {
	secs := make([]symSecInfo, len(f.elf.Sections))
	for i, s := range f.elf.Sections {
		secs[i] = symSecInfo{name: s.Name, letter: sectionLetter(s)}
	}
	return secs
}

// Reserved section indexes.
const (
	symShnUndef        = 0
	symShnLoreserve    = 0xff00
	symShnLoproc       = 0xff00
	symShnHiproc       = 0xff1f
	symShnLoos         = 0xff20
	symShnHios         = 0xff3f
	symShnAbs          = 0xfff1
	symShnCommon       = 0xfff2
	symShnXindex       = 0xffff
	symShnX8664LCommon = 0xff02
)

func (st *symReader) list() []Symbol {
	n := st.tab.N
	if n <= 1 {
		return []Symbol{}
	}
	syms := make([]Symbol, n-1)
	var goNames []GoName
	bo, strs := st.bo, st.strs
	machine := st.f.elf.Machine
	for i := 1; i < n; i++ {
		e, _ := st.tab.Sym(i)
		name, info, other, shndx, value, size := e.NameOff, e.Info, e.Other, e.Shndx, e.Value, e.Size
		s := &syms[i-1]
		s.Table = st.table
		s.Value, s.Size = value, size
		s.Type = SymType(info & 0xf)
		s.Bind = SymBind(info >> 4)
		s.Visibility = SymVisibility(other & 3)
		if int64(name) < int64(len(strs)) {
			rest := strs[name:]
			if j := strings.IndexByte(rest, 0); j >= 0 {
				s.Name = rest[:j]
			} else {
				s.Name = rest
			}
		} else {
			s.Name = "<corrupt>"
		}

		// Resolve the section; sec is nil for the special indexes.
		sx := uint32(shndx)
		if shndx == symShnXindex && st.xindex != nil && (i+1)*4 <= len(st.xindex) {
			sx = bo.Uint32(st.xindex[i*4:])
		}
		var secLetter byte
		common := false
		switch {
		case sx == symShnUndef:
			s.Section = "UND"
		case sx == symShnAbs:
			s.Section, secLetter = "ABS", 'a'
		case sx == symShnCommon:
			s.Section, common = "COM", true
		case sx == symShnX8664LCommon && machine == elf.EM_X86_64:
			s.Section, common = "LARGE_COM", true
		case shndx >= symShnLoreserve && shndx != symShnXindex:
			s.Section, secLetter = reservedIndexName(sx), 'a'
		case int64(sx) < int64(len(st.secs)):
			s.Section, secLetter = st.secs[sx].name, st.secs[sx].letter
			if s.Type == TypeSection && s.Name == "" {
				s.Name = s.Section // as nm and readelf -s name it
			}
		default:
			// BFD puts symbols of sections it does not know in the
			// absolute section.
			s.Section, secLetter = fmt.Sprintf("bad section index[%d]", sx), 'a'
		}
		s.Defined = sx != symShnUndef
		s.Letter = nmLetter(s.Type, s.Bind, sx == symShnUndef, common, secLetter)

		if st.versym != nil && (i+1)*2 <= len(st.versym) {
			st.vers.apply(s, bo.Uint16(st.versym[i*2:]))
		}
		var g GoName
		if s.Type != TypeFile && s.Type != TypeSection {
			s.Lang, g = langOf(s.Name, st.goFile)
		}
		if s.Lang == LangGo {
			if g.Kind == GoFunc && (s.Type == TypeObject || s.Type == TypeTLS) {
				g.Kind = GoVar
			}
			// One allocation for all the Go names of the table.
			if goNames == nil {
				goNames = make([]GoName, 0, n-i)
			}
			goNames = append(goNames, g)
			s.Go = &goNames[len(goNames)-1]
		}
	}
	return syms
}

// reservedIndexName names a reserved section index as readelf does.
func reservedIndexName(sx uint32) string {
	switch {
	case sx >= symShnLoproc && sx <= symShnHiproc:
		return fmt.Sprintf("PRC[0x%04x]", sx)
	case sx >= symShnLoos && sx <= symShnHios:
		return fmt.Sprintf("OS [0x%04x]", sx)
	}
	return fmt.Sprintf("RSV[0x%04x]", sx)
}
