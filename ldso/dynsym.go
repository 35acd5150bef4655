package ldso

import (
	"debug/elf"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/soinspect/soinspect/internal/elfread"
)

// symbols is an object's dynamic symbol table as ld.so reaches it: through
// DT_SYMTAB, the hash table (DT_GNU_HASH, else DT_HASH) and DT_VERSYM,
// with the version table ld.so builds (l_versions).
type symbols struct {
	st     *elfread.Symtab
	versym []byte // uint16 per symbol; nil when ld.so keeps no l_versyms

	// GNU hash. The tables are read where they lie (the mapping), not
	// copied: libLLVM's are 350 KB.
	gnu       bool
	bloom     []byte // uint64 words
	bloomMask uint64
	shift     uint32
	buckets   []byte // uint32 per bucket
	nbuckets  uint32
	chain     []byte // uint32 per symbol from symoffset
	symoffset uint32
	// SysV hash
	sysBuckets []byte // uint32 per bucket
	sysChain   []byte

	versions []version // l_versions, by index
}

// version is one entry of l_versions: a version an object defines or
// requires, by the index its DT_VERSYM entries use.
type version struct {
	name     string
	hash     uint32
	hidden   bool
	filename string // the file it is required from; "" for a definition
}

// errUnreadable is what a table read once gives after its first read
// panicked.
var errUnreadable = errors.New("table unreadable: its first read failed (the file changed while it was read?)")

// syms reads the object's symbol tables once.
func (o *Object) syms() (*symbols, error) {
	o.symOnce.Do(func() {
		// Set first: a panic in the read (a fault in a file truncated
		// under its mapping) leaves this error for every later call.
		o.symErr = fmt.Errorf("%s: %w", o.Path, errUnreadable)
		o.sym, o.symErr = o.readSyms()
		if o.symErr != nil {
			o.symErr = fmt.Errorf("%s: %w", o.Path, o.symErr)
		}
	})
	return o.sym, o.symErr
}

func (o *Object) readSyms() (*symbols, error) {
	s := &symbols{}
	symtab, ok := o.dyn[elf.DT_SYMTAB]
	if !ok || o.dyn == nil {
		return s, nil
	}
	le := binary.LittleEndian
	nsyms := uint64(0)
	if addr, ok := o.dyn[elf.DT_GNU_HASH]; ok {
		h, err := o.readAddr(addr, 16, "DT_GNU_HASH")
		if err != nil {
			return nil, err
		}
		nb, symoff, bloomSize, shift := le.Uint32(h), le.Uint32(h[4:]), le.Uint32(h[8:]), le.Uint32(h[12:])
		if nb == 0 || bloomSize == 0 || bloomSize&(bloomSize-1) != 0 || nb > maxSymbols || bloomSize > maxSymbols {
			return nil, fmt.Errorf("DT_GNU_HASH: malformed header (%d buckets, %d bloom words)", nb, bloomSize)
		}
		b, err := o.readAddr(addr+16, uint64(bloomSize)*8+uint64(nb)*4, "DT_GNU_HASH")
		if err != nil {
			return nil, err
		}
		s.gnu, s.symoffset, s.shift = true, symoff, shift
		s.bloom, s.buckets, s.nbuckets = b[:uint64(bloomSize)*8], b[uint64(bloomSize)*8:], nb
		s.bloomMask = uint64(bloomSize - 1)
		maxIdx := uint32(0)
		for i := uint32(0); i < nb; i++ {
			maxIdx = max(maxIdx, le.Uint32(s.buckets[4*i:]))
		}
		// The symbol count: the end of the last chain.
		nsyms = uint64(symoff)
		if maxIdx >= symoff {
			chainAddr := addr + 16 + uint64(bloomSize)*8 + uint64(nb)*4
			_, avail, ok := o.offset(chainAddr)
			if !ok {
				return nil, fmt.Errorf("DT_GNU_HASH: chains outside the loaded segments")
			}
			avail = min(avail, uint64(maxSymbols)*4)
			avail -= avail % 4
			// The last chain is read a page at a time from its start,
			// not to the end of the segment (which goes on with the
			// relocations: megabytes in a large library).
			i := uint64(maxIdx - symoff)
			const page = 4096
			for ended := false; !ended; {
				if 4*i+4 > avail {
					return nil, fmt.Errorf("DT_GNU_HASH: the last chain does not end")
				}
				n := min(avail-4*i, page)
				ch, err := o.readAddr(chainAddr+4*i, n, "DT_GNU_HASH")
				if err != nil {
					return nil, err
				}
				for k := uint64(0); k+4 <= n; k, i = k+4, i+1 {
					if le.Uint32(ch[k:])&1 != 0 {
						ended = true
						break
					}
				}
			}
			nsyms = uint64(symoff) + i + 1
			ch, err := o.readAddr(chainAddr, 4*(i+1), "DT_GNU_HASH")
			if err != nil {
				return nil, err
			}
			s.chain = ch
		}
	} else if addr, ok := o.dyn[elf.DT_HASH]; ok {
		h, err := o.readAddr(addr, 8, "DT_HASH")
		if err != nil {
			return nil, err
		}
		nb, nc := le.Uint32(h), le.Uint32(h[4:])
		if nb > maxSymbols || nc > maxSymbols {
			return nil, fmt.Errorf("DT_HASH: %d buckets, %d chains (limit %d)", nb, nc, maxSymbols)
		}
		b, err := o.readAddr(addr+8, 4*uint64(nb)+4*uint64(nc), "DT_HASH")
		if err != nil {
			return nil, err
		}
		s.sysBuckets, s.sysChain = b[:4*nb], b[4*nb:]
		nsyms = uint64(nc)
	} else {
		// No hash table: ld.so finds nothing in this object.
		return s, nil
	}
	if nsyms > maxSymbols {
		return nil, fmt.Errorf("%d dynamic symbols (limit %d)", nsyms, maxSymbols)
	}
	data, err := o.readAddr(symtab, nsyms*elf.Sym64Size, "DT_SYMTAB")
	if err != nil {
		return nil, err
	}
	if s.st, err = elfread.NewSymtab(data, o.strs, true, le); err != nil {
		return nil, err
	}
	if err := o.readVersions(s, nsyms); err != nil {
		return nil, err
	}
	return s, nil
}

// readVersions builds l_versions and l_versyms as _dl_check_map_versions
// does: only when the object requires or defines a version.
func (o *Object) readVersions(s *symbols, nsyms uint64) error {
	vns, err := o.verNeeds()
	if err != nil {
		return err
	}
	vds, err := o.verDefs()
	if err != nil {
		return err
	}
	high := 0
	for _, vn := range vns {
		for _, a := range vn.aux {
			high = max(high, int(a.other&0x7fff))
		}
	}
	for _, d := range vds {
		high = max(high, int(d.ndx&0x7fff))
	}
	if high == 0 {
		return nil
	}
	s.versions = make([]version, high+1)
	for _, vn := range vns {
		for _, a := range vn.aux {
			s.versions[a.other&0x7fff] = version{name: a.name, hash: a.hash, hidden: a.other&0x8000 != 0, filename: vn.file}
		}
	}
	for _, d := range vds {
		if d.flags&1 == 0 { // not VER_FLG_BASE
			s.versions[d.ndx&0x7fff] = version{name: d.name, hash: d.hash}
		}
	}
	if addr, ok := o.dyn[elf.DT_VERSYM]; ok {
		b, err := o.readAddr(addr, 2*nsyms, "DT_VERSYM")
		if err != nil {
			return err
		}
		s.versym = b
	}
	return nil
}

// vers returns the DT_VERSYM entry of symbol i, and whether there is one.
func (s *symbols) vers(i uint32) (uint16, bool) {
	if s.versym == nil || uint64(i)*2+2 > uint64(len(s.versym)) {
		return 0, false
	}
	return binary.LittleEndian.Uint16(s.versym[2*i:]), true
}

// gnuHash is _dl_new_hash; elfHash is _dl_elf_hash.
func gnuHash(name string) uint32 {
	h := uint32(5381)
	for i := 0; i < len(name); i++ {
		h = h*33 + uint32(name[i])
	}
	return h
}

func elfHash(name string) uint32 {
	var h uint32
	for i := 0; i < len(name); i++ {
		h = (h << 4) + uint32(name[i])
		g := h & 0xf0000000
		h ^= g >> 24
		h &^= g
	}
	return h
}

// mayDefine reports whether o's tables may hold a symbol of GNU hash gh:
// false when they cannot be read, or when the GNU hash table's Bloom
// filter rules it out, as do_lookup_x's first test does. It is the test
// the lookups make of most objects of the scope, inlined before the
// whole match.
func (o *Object) mayDefine(gh uint32) bool {
	s, err := o.syms()
	if err != nil || s.st == nil {
		return false
	}
	return !s.gnu || s.bloomMay(gh)
}

// bloomMay is the GNU hash table's Bloom filter test of hash gh.
func (s *symbols) bloomMay(gh uint32) bool {
	w := binary.LittleEndian.Uint64(s.bloom[8*(uint64(gh/64)&s.bloomMask):])
	return (w>>(gh%64))&(w>>((gh>>s.shift)%64))&1 != 0
}

// candidates calls fn with each symbol index of the hash chain name falls
// in, whose hash matches, in chain order, until fn returns true. The
// Bloom filter is the caller's (mayDefine), tested before the match.
func (s *symbols) candidates(name string, gh uint32, fn func(i uint32) bool) {
	if s.st == nil {
		return
	}
	le := binary.LittleEndian
	if s.gnu {
		b := le.Uint32(s.buckets[4*(gh%s.nbuckets):])
		if b == 0 || b < s.symoffset {
			return
		}
		for i := b; ; i++ {
			ci := uint64(i-s.symoffset) * 4
			if ci+4 > uint64(len(s.chain)) {
				return
			}
			c := le.Uint32(s.chain[ci:])
			if (c^gh)>>1 == 0 && fn(i) {
				return
			}
			if c&1 != 0 {
				return
			}
		}
	}
	if len(s.sysBuckets) == 0 {
		return
	}
	n := uint32(len(s.sysChain) / 4)
	steps := 0
	for i := le.Uint32(s.sysBuckets[4*(elfHash(name)%uint32(len(s.sysBuckets)/4)):]); i != 0 && i < n && steps <= int(n); i = le.Uint32(s.sysChain[4*i:]) {
		steps++
		if fn(i) {
			return
		}
	}
}
