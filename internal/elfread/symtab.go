package elfread

import (
	"bytes"
	"debug/elf"
	"fmt"
)

// Symtab is a lean, allocation-free view of an ELF symbol table (.dynsym or
// .symtab) for the plugin reader: a Go plugin has tens of thousands of
// symbols and debug/elf's Symbols would allocate every name.
type Symtab struct {
	im      *Image
	data    []byte // raw symbol entries
	strs    []byte // the linked string table
	entsize int
	N       int      // number of entries, the null symbol included
	hash    *gnuHash // .gnu.hash, for dlsym-style lookup; may be nil
}

// Sym is one decoded symbol entry.
type Sym struct {
	NameOff uint32
	Info    uint8
	Shndx   uint16
	Value   uint64
	Size    uint64
}

func (s Sym) Type() elf.SymType { return elf.ST_TYPE(s.Info) }
func (s Sym) Bind() elf.SymBind { return elf.ST_BIND(s.Info) }

// MaxSymbolName bounds the length of one symbol name: Go names of generic
// instantiations are long, but not this long.
const MaxSymbolName = 1 << 20

func (im *Image) Dynsym() (*Symtab, error) {
	if im.dyn != nil {
		return im.dyn, nil
	}
	s := im.f.ELF.SectionByType(elf.SHT_DYNSYM)
	if s == nil {
		return nil, fmt.Errorf("no .dynsym section")
	}
	st, err := im.readSymtab(s)
	if err != nil {
		return nil, err
	}
	if h := im.f.ELF.Section(".gnu.hash"); h != nil && h.Type == elf.SHT_GNU_HASH {
		st.hash, _ = im.readGNUHash(h) // without it, lookups fall back to a scan
	}
	im.dyn = st
	return st, nil
}

// StaticSymtab returns .symtab, or nil if the file is stripped.
func (im *Image) StaticSymtab() (*Symtab, error) {
	if im.static != nil || im.staticErr != nil {
		return im.static, im.staticErr
	}
	s := im.f.ELF.SectionByType(elf.SHT_SYMTAB)
	if s == nil {
		return nil, nil
	}
	im.static, im.staticErr = im.readSymtab(s)
	return im.static, im.staticErr
}

func (im *Image) readSymtab(s *elf.Section) (*Symtab, error) {
	ef := im.f.ELF
	if s.Link == 0 || int(s.Link) >= len(ef.Sections) {
		return nil, &FormatError{Off: -1, Msg: fmt.Sprintf("symbol table %s links to no string table", s.Name)}
	}
	data, err := im.f.Section(s)
	if err != nil {
		return nil, err
	}
	strs, err := im.f.Section(ef.Sections[s.Link])
	if err != nil {
		return nil, err
	}
	st := &Symtab{im: im, data: data, strs: strs, entsize: 24}
	if im.Ptr == 4 {
		st.entsize = 16
	}
	st.N = len(data) / st.entsize
	return st, nil
}

// sym returns the i'th entry (0 is the null symbol).
func (st *Symtab) Sym(i int) (Sym, bool) {
	if i < 0 || i >= st.N {
		return Sym{}, false
	}
	b := st.data[i*st.entsize : (i+1)*st.entsize]
	bo := st.im.BO
	if st.entsize == 24 {
		return Sym{
			NameOff: bo.Uint32(b),
			Info:    b[4],
			Shndx:   bo.Uint16(b[6:]),
			Value:   bo.Uint64(b[8:]),
			Size:    bo.Uint64(b[16:]),
		}, true
	}
	return Sym{
		NameOff: bo.Uint32(b),
		Value:   uint64(bo.Uint32(b[4:])),
		Size:    uint64(bo.Uint32(b[8:])),
		Info:    b[12],
		Shndx:   bo.Uint16(b[14:]),
	}, true
}

// nameBytes returns the name of s without copying; nil if out of range.
func (st *Symtab) NameBytes(s Sym) []byte {
	if int64(s.NameOff) >= int64(len(st.strs)) {
		return nil
	}
	b := st.strs[s.NameOff:]
	if len(b) > MaxSymbolName {
		b = b[:MaxSymbolName]
	}
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	return b
}

// Name returns the name of s as a new string.
func (st *Symtab) Name(s Sym) string { return string(st.NameBytes(s)) }

// Strs returns the symbol table's string table, which must not be modified.
func (st *Symtab) Strs() []byte { return st.strs }

// defined reports whether s is a defined, global or weak symbol: the kind
// dlsym can return.
func (s Sym) Defined() bool {
	b := s.Bind()
	return s.Shndx != uint16(elf.SHN_UNDEF) && (b == elf.STB_GLOBAL || b == elf.STB_WEAK || b == stbGNUUnique)
}

// lookup finds a defined global symbol by name, the way dlsym does: through
// .gnu.hash when present, else by a scan.
func (st *Symtab) Lookup(name string) (Sym, bool) {
	if st.hash != nil {
		return st.hash.lookup(st, name)
	}
	for i := 1; i < st.N; i++ {
		s, _ := st.Sym(i)
		if s.Defined() && string(st.NameBytes(s)) == name {
			return s, true
		}
	}
	return Sym{}, false
}

// gnuHash is a parsed .gnu.hash section.
type gnuHash struct {
	symoffset uint32
	buckets   []byte // nbuckets uint32
	chains    []byte // uint32 per symbol from symoffset on
	nbuckets  uint32
}

func (im *Image) readGNUHash(s *elf.Section) (*gnuHash, error) {
	data, err := im.f.Section(s)
	if err != nil {
		return nil, err
	}
	if len(data) < 16 {
		return nil, &FormatError{Off: int64(s.Offset), Msg: ".gnu.hash too short"}
	}
	bo := im.BO
	nb, symoff, bloomSize := bo.Uint32(data), bo.Uint32(data[4:]), bo.Uint32(data[8:])
	off := 16 + uint64(bloomSize)*uint64(im.Ptr)
	end := off + 4*uint64(nb)
	if nb == 0 || end > uint64(len(data)) {
		return nil, &FormatError{Off: int64(s.Offset), Msg: ".gnu.hash tables run past the section"}
	}
	return &gnuHash{symoffset: symoff, nbuckets: nb, buckets: data[off:end], chains: data[end:]}, nil
}

func (h *gnuHash) lookup(st *Symtab, name string) (Sym, bool) {
	hv := uint32(5381)
	for i := 0; i < len(name); i++ {
		hv = hv*33 + uint32(name[i])
	}
	bo := st.im.BO
	idx := bo.Uint32(h.buckets[4*(hv%h.nbuckets):])
	if idx < h.symoffset {
		return Sym{}, false
	}
	for i := idx; ; i++ {
		ci := uint64(i-h.symoffset) * 4
		if i < h.symoffset || ci+4 > uint64(len(h.chains)) || int(i) >= st.N {
			return Sym{}, false
		}
		c := bo.Uint32(h.chains[ci:])
		if c|1 == hv|1 {
			s, _ := st.Sym(int(i))
			if s.Defined() && string(st.NameBytes(s)) == name {
				return s, true
			}
		}
		if c&1 != 0 {
			return Sym{}, false
		}
	}
}

// stbGNUUnique is STB_GNU_UNIQUE, which debug/elf has no name for.
const stbGNUUnique = elf.SymBind(10)
