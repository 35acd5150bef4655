package elfinspect

import (
	"bytes"
	"debug/elf"
	"fmt"
)

// symtab is a lean, allocation-free view of an ELF symbol table (.dynsym or
// .symtab) for the plugin reader: a Go plugin has tens of thousands of
// symbols and debug/elf's Symbols would allocate every name.
type symtab struct {
	im      *image
	data    []byte // raw symbol entries
	strs    []byte // the linked string table
	entsize int
	n       int
	hash    *gnuHash // .gnu.hash, for dlsym-style lookup; may be nil
}

// rawSym is one decoded symbol entry.
type rawSym struct {
	nameOff uint32
	info    uint8
	shndx   uint16
	value   uint64
	size    uint64
}

func (s rawSym) typ() elf.SymType  { return elf.ST_TYPE(s.info) }
func (s rawSym) bind() elf.SymBind { return elf.ST_BIND(s.info) }

// maxSymbolName bounds the length of one symbol name: Go names of generic
// instantiations are long, but not this long.
const maxSymbolName = 1 << 20

func (im *image) dynsym() (*symtab, error) {
	if im.dyn != nil {
		return im.dyn, nil
	}
	s := im.f.elf.SectionByType(elf.SHT_DYNSYM)
	if s == nil {
		return nil, fmt.Errorf("no .dynsym section")
	}
	st, err := im.readSymtab(s)
	if err != nil {
		return nil, err
	}
	if h := im.f.elf.Section(".gnu.hash"); h != nil && h.Type == elf.SHT_GNU_HASH {
		st.hash, _ = im.readGNUHash(h) // without it, lookups fall back to a scan
	}
	im.dyn = st
	return st, nil
}

// staticSymtab returns .symtab, or nil if the file is stripped.
func (im *image) staticSymtab() (*symtab, error) {
	if im.static != nil || im.staticErr != nil {
		return im.static, im.staticErr
	}
	s := im.f.elf.SectionByType(elf.SHT_SYMTAB)
	if s == nil {
		return nil, nil
	}
	im.static, im.staticErr = im.readSymtab(s)
	return im.static, im.staticErr
}

func (im *image) readRaw(s *elf.Section) ([]byte, error) {
	if s.Type == elf.SHT_NOBITS {
		return nil, nil
	}
	if s.Offset > uint64(im.f.Size) || s.Size > uint64(im.f.Size)-s.Offset || s.Size > maxSectionRead {
		return nil, &FormatError{Off: int64(s.Offset), Msg: fmt.Sprintf("section %s extends past the end of the file", s.Name)}
	}
	buf := make([]byte, s.Size)
	if _, err := im.f.r.ReadAt(buf, int64(s.Offset)); err != nil {
		return nil, fmt.Errorf("reading %s: %w", s.Name, err)
	}
	return buf, nil
}

func (im *image) readSymtab(s *elf.Section) (*symtab, error) {
	ef := im.f.elf
	if s.Link == 0 || int(s.Link) >= len(ef.Sections) {
		return nil, &FormatError{Off: -1, Msg: fmt.Sprintf("symbol table %s links to no string table", s.Name)}
	}
	data, err := im.readRaw(s)
	if err != nil {
		return nil, err
	}
	strs, err := im.readRaw(ef.Sections[s.Link])
	if err != nil {
		return nil, err
	}
	st := &symtab{im: im, data: data, strs: strs, entsize: 24}
	if im.ptr == 4 {
		st.entsize = 16
	}
	st.n = len(data) / st.entsize
	return st, nil
}

// sym returns the i'th entry (0 is the null symbol).
func (st *symtab) sym(i int) (rawSym, bool) {
	if i < 0 || i >= st.n {
		return rawSym{}, false
	}
	b := st.data[i*st.entsize : (i+1)*st.entsize]
	bo := st.im.bo
	if st.entsize == 24 {
		return rawSym{
			nameOff: bo.Uint32(b),
			info:    b[4],
			shndx:   bo.Uint16(b[6:]),
			value:   bo.Uint64(b[8:]),
			size:    bo.Uint64(b[16:]),
		}, true
	}
	return rawSym{
		nameOff: bo.Uint32(b),
		value:   uint64(bo.Uint32(b[4:])),
		size:    uint64(bo.Uint32(b[8:])),
		info:    b[12],
		shndx:   bo.Uint16(b[14:]),
	}, true
}

// nameBytes returns the name of s without copying; nil if out of range.
func (st *symtab) nameBytes(s rawSym) []byte {
	if int64(s.nameOff) >= int64(len(st.strs)) {
		return nil
	}
	b := st.strs[s.nameOff:]
	if len(b) > maxSymbolName {
		b = b[:maxSymbolName]
	}
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	return b
}

func (st *symtab) name(s rawSym) string { return string(st.nameBytes(s)) }

// defined reports whether s is a defined, global or weak symbol: the kind
// dlsym can return.
func (s rawSym) defined() bool {
	b := s.bind()
	return s.shndx != uint16(elf.SHN_UNDEF) && (b == elf.STB_GLOBAL || b == elf.STB_WEAK || b == stbGNUUnique)
}

// lookup finds a defined global symbol by name, the way dlsym does: through
// .gnu.hash when present, else by a scan.
func (st *symtab) lookup(name string) (rawSym, bool) {
	if st.hash != nil {
		return st.hash.lookup(st, name)
	}
	for i := 1; i < st.n; i++ {
		s, _ := st.sym(i)
		if s.defined() && string(st.nameBytes(s)) == name {
			return s, true
		}
	}
	return rawSym{}, false
}

// gnuHash is a parsed .gnu.hash section.
type gnuHash struct {
	symoffset uint32
	buckets   []byte // nbuckets uint32
	chains    []byte // uint32 per symbol from symoffset on
	nbuckets  uint32
}

func (im *image) readGNUHash(s *elf.Section) (*gnuHash, error) {
	data, err := im.readRaw(s)
	if err != nil {
		return nil, err
	}
	if len(data) < 16 {
		return nil, &FormatError{Off: int64(s.Offset), Msg: ".gnu.hash too short"}
	}
	bo := im.bo
	nb, symoff, bloomSize := bo.Uint32(data), bo.Uint32(data[4:]), bo.Uint32(data[8:])
	off := 16 + uint64(bloomSize)*uint64(im.ptr)
	end := off + 4*uint64(nb)
	if nb == 0 || end > uint64(len(data)) {
		return nil, &FormatError{Off: int64(s.Offset), Msg: ".gnu.hash tables run past the section"}
	}
	return &gnuHash{symoffset: symoff, nbuckets: nb, buckets: data[off:end], chains: data[end:]}, nil
}

func (h *gnuHash) lookup(st *symtab, name string) (rawSym, bool) {
	hv := uint32(5381)
	for i := 0; i < len(name); i++ {
		hv = hv*33 + uint32(name[i])
	}
	bo := st.im.bo
	idx := bo.Uint32(h.buckets[4*(hv%h.nbuckets):])
	if idx < h.symoffset {
		return rawSym{}, false
	}
	for i := idx; ; i++ {
		ci := uint64(i-h.symoffset) * 4
		if i < h.symoffset || ci+4 > uint64(len(h.chains)) || int(i) >= st.n {
			return rawSym{}, false
		}
		c := bo.Uint32(h.chains[ci:])
		if c|1 == hv|1 {
			s, _ := st.sym(int(i))
			if s.defined() && string(st.nameBytes(s)) == name {
				return s, true
			}
		}
		if c&1 != 0 {
			return rawSym{}, false
		}
	}
}

// stbGNUUnique is STB_GNU_UNIQUE, which debug/elf has no name for.
const stbGNUUnique = elf.SymBind(10)
