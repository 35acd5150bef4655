package elfread

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"fmt"
	"sync"

	"github.com/soinspect/soinspect/internal/guard"
)

// Symtab is a symbol table (.dynsym or .symtab) held as its raw bytes and
// decoded entry by entry, without allocation: a Go plugin has tens of
// thousands of symbols, libLLVM nearly fifty thousand, and debug/elf's
// Symbols would allocate every name. It is the one symbol decoder of
// soinspect: the symbol listings and the plugin readers both use it.
// A Symtab is read-only and safe for concurrent use.
type Symtab struct {
	// N is the number of entries, the null symbol at index 0 included.
	N int

	data    []byte // raw symbol entries
	strs    []byte // the linked string table
	entsize int
	is64    bool
	bo      binary.ByteOrder

	hashSec  *elf.Section // .gnu.hash, for dlsym-style lookup; may be nil
	file     *File
	hashOnce sync.Once
	hash     *gnuHash // read on the first Lookup; nil without one
}

// Sym is one decoded symbol entry.
type Sym struct {
	NameOff uint32 // st_name
	Info    uint8  // st_info: type and binding
	Other   uint8  // st_other: visibility
	Shndx   uint16 // st_shndx
	Value   uint64 // st_value
	Size    uint64 // st_size
}

// Type returns ELF_ST_TYPE(st_info).
func (s Sym) Type() elf.SymType { return elf.ST_TYPE(s.Info) }

// Bind returns ELF_ST_BIND(st_info).
func (s Sym) Bind() elf.SymBind { return elf.ST_BIND(s.Info) }

// Defined reports whether s is a defined, global or weak symbol: the kind
// dlsym can return.
func (s Sym) Defined() bool {
	b := s.Bind()
	return s.Shndx != uint16(elf.SHN_UNDEF) && (b == elf.STB_GLOBAL || b == elf.STB_WEAK || b == stbGNUUnique)
}

// stbGNUUnique is STB_GNU_UNIQUE, which debug/elf has no name for.
const stbGNUUnique = elf.SymBind(10)

// NewSymtab decodes the symbol entries data, whose names are in strs, of
// a file of the given class and byte order. The size of data must be a
// multiple of the entry size.
func NewSymtab(data, strs []byte, is64 bool, bo binary.ByteOrder) (*Symtab, error) {
	st := &Symtab{data: data, strs: strs, is64: is64, bo: bo, entsize: elf.Sym32Size}
	if is64 {
		st.entsize = elf.Sym64Size
	}
	if len(data)%st.entsize != 0 {
		return nil, &FormatError{Off: -1, Msg: fmt.Sprintf("size %d is not a multiple of the symbol size %d", len(data), st.entsize)}
	}
	st.N = len(data) / st.entsize
	return st, nil
}

// Symtab returns the symbol table in section s (SHT_SYMTAB or SHT_DYNSYM)
// with its linked string table, read once per file and cached.
func (f *File) Symtab(s *elf.Section) (*Symtab, error) {
	f.symMu.Lock()
	defer f.symMu.Unlock()
	if r, ok := f.syms[s]; ok {
		return r.st, r.err
	}
	st, err := f.readSymtab(s)
	if f.syms == nil {
		f.syms = map[*elf.Section]symtabResult{}
	}
	f.syms[s] = symtabResult{st, err}
	return st, err
}

func (f *File) readSymtab(s *elf.Section) (st *Symtab, err error) {
	defer guard.Recover(func(p any) { st, err = nil, PanicError("symbol table "+s.Name, p) })
	data, err := f.Section(s)
	if err != nil {
		return nil, err
	}
	strs, err := f.Strtab(s.Link)
	if err != nil {
		return nil, fmt.Errorf("symbol table %s: %w", s.Name, err)
	}
	st, err = NewSymtab(data, strs, f.ELF.Class == elf.ELFCLASS64, f.ELF.ByteOrder)
	if err != nil {
		return nil, &FormatError{Off: int64(s.Offset), Msg: fmt.Sprintf("section %s: %s", s.Name, err.(*FormatError).Msg)}
	}
	if s.Type == elf.SHT_DYNSYM {
		if h := f.ELF.Section(".gnu.hash"); h != nil && h.Type == elf.SHT_GNU_HASH {
			st.hashSec, st.file = h, f
		}
	}
	return st, nil
}

// Sym returns the i'th entry (0 is the null symbol).
func (st *Symtab) Sym(i int) (Sym, bool) {
	if i < 0 || i >= st.N {
		return Sym{}, false
	}
	b := st.data[i*st.entsize : (i+1)*st.entsize]
	bo := st.bo
	if st.is64 {
		return Sym{
			NameOff: bo.Uint32(b),
			Info:    b[4],
			Other:   b[5],
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
		Other:   b[13],
		Shndx:   bo.Uint16(b[14:]),
	}, true
}

// NameBytes returns the name of s without copying, at most MaxSymbolName
// bytes; nil if its offset is out of range.
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

// NameIs reports whether the name of s, as NameBytes gives it, is name.
// It compares in place, without looking for the end of the name first: a
// symbol lookup compares many long names. name must hold no NUL byte
// (no name NameBytes returns does).
func (st *Symtab) NameIs(s Sym, name string) bool {
	if len(name) == 0 || len(name) >= MaxSymbolName || int64(s.NameOff) >= int64(len(st.strs)) {
		return string(st.NameBytes(s)) == name
	}
	b := st.strs[s.NameOff:]
	switch {
	case len(b) < len(name):
		return false
	case len(b) > len(name) && b[len(name)] != 0:
		return false
	}
	return string(b[:len(name)]) == name
}

// Name returns the name of s as a new string.
func (st *Symtab) Name(s Sym) string { return string(st.NameBytes(s)) }

// Strs returns the symbol table's string table, which must not be modified.
func (st *Symtab) Strs() []byte { return st.strs }

// Lookup finds a defined global symbol by name, the way dlsym does: through
// .gnu.hash when present, else by a scan.
func (st *Symtab) Lookup(name string) (Sym, bool) {
	st.hashOnce.Do(func() {
		if st.hashSec != nil {
			st.hash, _ = st.file.readGNUHash(st.hashSec) // without it, lookups fall back to a scan
		}
	})
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

func (f *File) readGNUHash(s *elf.Section) (*gnuHash, error) {
	data, err := f.Section(s)
	if err != nil {
		return nil, err
	}
	if len(data) < 16 {
		return nil, &FormatError{Off: int64(s.Offset), Msg: ".gnu.hash too short"}
	}
	bo := f.ELF.ByteOrder
	word := uint64(4)
	if f.ELF.Class == elf.ELFCLASS64 {
		word = 8
	}
	nb, symoff, bloomSize := bo.Uint32(data), bo.Uint32(data[4:]), bo.Uint32(data[8:])
	off := 16 + uint64(bloomSize)*word
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
	bo := st.bo
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
