package elfinspect

import (
	"debug/elf"
	"encoding/binary"
	"fmt"
	"strings"
	"unsafe"
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
	defer func() {
		if p := recover(); p != nil {
			syms, err = nil, f.wrap(&FormatError{Off: -1, Msg: fmt.Sprint("malformed symbol table: ", p)})
		}
	}()
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
		return nil, f.wrap(fmt.Errorf("%w (no .%s section)", ErrNoSymbols, t))
	}
	st, err := f.loadSymtab(t, idx)
	if err != nil {
		return nil, f.wrap(err)
	}
	return st.list(), nil
}

func (f *File) wrap(err error) error {
	if f.Path == "" {
		return err
	}
	return fmt.Errorf("%s: %w", f.Path, err)
}

// symReader is a symbol table read into memory, with what is needed to decode it.
type symReader struct {
	f       *File
	table   Table
	data    []byte // the raw entries
	strs    string // the linked string table
	entsize int
	is64    bool
	bo      binary.ByteOrder
	versym  []byte      // .gnu.version, dynsym only
	vers    symVersions // from .gnu.version_d and .gnu.version_r
	xindex  []byte      // SHT_SYMTAB_SHNDX, if any
	secs    []symSecInfo
	goFile  bool
}

type symSecInfo struct {
	name   string
	letter byte // lower-case nm letter for symbols defined in the section
}

// readSection returns the contents of s, refusing sizes the file cannot hold
// so that a hostile header never drives a large allocation.
func (f *File) readSection(s *elf.Section) ([]byte, error) {
	if s.Type == elf.SHT_NOBITS {
		return nil, &FormatError{Off: -1, Msg: fmt.Sprintf("section %s has no contents (SHT_NOBITS)", s.Name)}
	}
	if s.Flags&elf.SHF_COMPRESSED != 0 {
		return nil, &FormatError{Off: -1, Msg: fmt.Sprintf("section %s is compressed", s.Name)}
	}
	off, size := s.Offset, s.Size
	if off > uint64(f.Size) || size > uint64(f.Size)-off {
		return nil, &FormatError{Off: -1, Msg: fmt.Sprintf("section %s (%d bytes at offset %#x) extends past the end of the file (%d bytes)", s.Name, size, off, f.Size)}
	}
	b := make([]byte, size)
	if _, err := f.r.ReadAt(b, int64(off)); err != nil {
		return nil, fmt.Errorf("reading section %s: %w", s.Name, err)
	}
	return b, nil
}

// unsafeBytesString returns b as a string without copying; b must never change.
func unsafeBytesString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

// sectionByLink returns the section with the given index, or nil.
func (f *File) sectionAt(i uint32) *elf.Section {
	if int64(i) >= int64(len(f.elf.Sections)) {
		return nil
	}
	return f.elf.Sections[i]
}

// readStrtab reads the string table at section index i.
func (f *File) readStrtab(i uint32, cache map[uint32]string) (string, error) {
	if s, ok := cache[i]; ok {
		return s, nil
	}
	sec := f.sectionAt(i)
	if sec == nil || i == 0 {
		return "", &FormatError{Off: -1, Msg: fmt.Sprintf("string table section index %d out of range", i)}
	}
	if sec.Type != elf.SHT_STRTAB {
		return "", &FormatError{Off: -1, Msg: fmt.Sprintf("section %s linked as a string table is %s", sec.Name, sec.Type)}
	}
	b, err := f.readSection(sec)
	if err != nil {
		return "", err
	}
	s := unsafeBytesString(b)
	cache[i] = s
	return s, nil
}

func (f *File) loadSymtab(t Table, idx int) (*symReader, error) {
	sec := f.elf.Sections[idx]
	st := &symReader{f: f, table: t, bo: f.elf.ByteOrder, is64: f.elf.Class == elf.ELFCLASS64}
	st.entsize = elf.Sym32Size
	if st.is64 {
		st.entsize = elf.Sym64Size
	}
	data, err := f.readSection(sec)
	if err != nil {
		return nil, err
	}
	if len(data)%st.entsize != 0 {
		return nil, &FormatError{Off: int64(sec.Offset), Msg: fmt.Sprintf("section %s: size %d is not a multiple of the symbol size %d", sec.Name, len(data), st.entsize)}
	}
	st.data = data
	strcache := map[uint32]string{}
	st.strs, err = f.readStrtab(sec.Link, strcache)
	if err != nil {
		return nil, fmt.Errorf("symbol table %s: %w", sec.Name, err)
	}
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
	n := len(st.data) / st.entsize
	if n <= 1 {
		return []Symbol{}
	}
	syms := make([]Symbol, n-1)
	var goNames []GoName
	data, bo, strs := st.data, st.bo, st.strs
	machine := st.f.elf.Machine
	for i := 1; i < n; i++ {
		e := data[i*st.entsize : (i+1)*st.entsize]
		var name uint32
		var info, other uint8
		var shndx uint16
		var value, size uint64
		if st.is64 {
			name = bo.Uint32(e[0:4])
			info, other = e[4], e[5]
			shndx = bo.Uint16(e[6:8])
			value = bo.Uint64(e[8:16])
			size = bo.Uint64(e[16:24])
		} else {
			name = bo.Uint32(e[0:4])
			value = uint64(bo.Uint32(e[4:8]))
			size = uint64(bo.Uint32(e[8:12]))
			info, other = e[12], e[13]
			shndx = bo.Uint16(e[14:16])
		}
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
