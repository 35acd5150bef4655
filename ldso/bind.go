package ldso

import (
	"debug/elf"
	"encoding/binary"
	"fmt"
	"math/bits"
	"runtime/debug"
	"strings"
	"unsafe"

	"github.com/soinspect/soinspect/internal/elfread"
	"github.com/soinspect/soinspect/internal/guard"
)

// Kind says what sort of definition a reference binds to; the zero Kind
// is none (the reference is unresolved).
type Kind uint8

// The kinds of binding soinspect names.
const (
	KindNormal    Kind = iota + 1
	KindIFunc          // an STT_GNU_IFUNC: its resolver picks the code
	KindCopy           // an R_X86_64_COPY: the data is copied into the executable
	KindProtected      // a protected symbol binds to its own object
	KindUnique         // STB_GNU_UNIQUE: one definition for the whole process
	KindTLS            // a thread-local variable
)

var kindNames = [...]string{"", "normal", "ifunc", "copy", "protected", "unique", "tls"}

// String is the kind's name as the bindings print it ("normal", "ifunc",
// "copy", "protected", "unique", "tls"); "" for none.
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("Kind(%d)", uint8(k))
}

// MarshalText gives the kind's name, so that JSON holds it as a string.
func (k Kind) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// Binding is where one undefined (or interposable) symbol reference of an
// object binds, as ld.so's _dl_lookup_symbol_x decides it.
type Binding struct {
	From    *Loaded // the object holding the reference
	Symbol  string
	Version string    // the version required ("" if none)
	To      *Loaded   // the object defining it; nil when unresolved
	ToVer   string    // the version of the definition bound to
	Shadow  []*Loaded // later objects of the scope that define it too (interposed)
	Kind    Kind
	Weak    bool // a weak reference

	// The last word, with Kind and Weak: a binding is 96 bytes.
	typeCls uint8  // the relocation type class of the lookup
	redo    bool   // it met an STB_GNU_UNIQUE definition before the unique table was kept
	symIdx  uint32 // the referencing symbol's index in From's DT_SYMTAB
}

// Index is the index, in From's dynamic symbol table, of the symbol the
// reference names: the lookups of one symbol's relocation classes share
// it, and Bind gives them one after another.
func (b *Binding) Index() int { return int(b.symIdx) }

// Unresolved reports a binding with no definition.
func (b *Binding) Unresolved() bool { return b.To == nil }

// Error is ld.so's words for an unresolved strong reference:
// "FROM: undefined symbol: S" (", version V" when versioned).
func (b *Binding) Error() string {
	v := ""
	if b.Version != "" {
		v = ", version " + b.Version
	}
	return fmt.Sprintf("%s: undefined symbol: %s%s", b.From.Path, b.Symbol, v)
}

// The relocation type classes of elf_machine_type_class on x86-64.
const (
	classPLT  = 1
	classCopy = 2
)

// x86-64 relocation types that need no symbol lookup.
const (
	rX86_64None      = 0
	rX86_64Copy      = 5
	rX86_64GlobDat   = 6
	rX86_64JumpSlot  = 7
	rX86_64Relative  = 8
	rX86_64DTPMod64  = 16
	rX86_64DTPOff64  = 17
	rX86_64TPOff64   = 18
	rX86_64TLSDesc   = 36
	rX86_64IRelative = 37
)

func typeClass(t uint32) int {
	switch t {
	case rX86_64JumpSlot, rX86_64DTPMod64, rX86_64DTPOff64, rX86_64TPOff64, rX86_64TLSDesc:
		return classPLT
	case rX86_64Copy:
		return classCopy
	}
	return 0
}

// BindOptions tune Bind.
type BindOptions struct {
	// Shadowed looks on past the first definition for the ones it
	// interposes (costs a full search of the scope per symbol).
	Shadowed bool
	// InPlace leaves each binding's Symbol in the file it was read from
	// instead of copying it: the strings are then valid only until the
	// Result is closed, and reading one afterwards faults. It saves a
	// copy of every name (1 MB for libLLVM) for a caller that is done
	// with the bindings before it closes the Result.
	InPlace bool
}

// Bind relocates, on paper, every object of the load set but the
// interpreter, as `LD_BIND_NOW=1` would: each relocation that names a
// symbol is looked up in the global scope (the load set in search order)
// with its version and relocation class. It returns one Binding per
// distinct (object, symbol, version, class) in load order.
func Bind(res *Result, opt BindOptions) (out []Binding, err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer guard.Recover(func(p any) { out, err = nil, res.ld.panicError("the bindings", p) })
	b := &binder{scope: res.Scope(), unique: map[string]uniqueDef{}, opt: opt, main: res.Objects[0]}
	return b.relocateAll(res.relocationOrder())
}

// relocationOrder is the order in which ld.so relocates the load set:
// InitOrder backwards, the interpreter left out (it relocated itself).
func (r *Result) relocationOrder() []*Loaded {
	order := r.InitOrder()
	objs := make([]*Loaded, 0, len(order))
	for i := len(order) - 1; i >= 0; i-- {
		if !order[i].IsInterpreter() {
			objs = append(objs, order[i])
		}
	}
	return objs
}

// InitOrder returns the objects found in the order of the main program's
// l_initfini, as _dl_sort_maps_dfs (glibc 2.36's default) sorts the
// search list: every object before the objects it needs, the main program
// first. ld.so relocates them from the last to the first, and runs
// their initializers in the same order.
func (r *Result) InitOrder() []*Loaded {
	maps := r.Scope()
	if len(maps) == 0 {
		return nil
	}
	return initOrder(maps, maps[0])
}

// initOrder sorts maps as _dl_sort_maps_dfs does with main forced first;
// main's own dependencies are not followed (its list is being built).
func initOrder(maps []*Loaded, main *Loaded) []*Loaded {
	visited := make(map[*Loaded]bool, len(maps))
	inMaps := make(map[*Loaded]bool, len(maps))
	for _, m := range maps {
		inMaps[m] = true
	}
	rpo := make([]*Loaded, len(maps))
	head := len(maps)
	// An explicit stack: a hostile chain of dependencies must not
	// exhaust the goroutine's stack.
	type frame struct {
		l *Loaded
		k int
	}
	var stack []frame
	for i := len(maps) - 1; i >= 0 && head > 0; i-- {
		if visited[maps[i]] {
			continue
		}
		visited[maps[i]] = true
		stack = append(stack[:0], frame{maps[i], 0})
		for len(stack) > 0 {
			f := &stack[len(stack)-1]
			var deps []*Loaded
			if f.l != main {
				deps = f.l.deps
			}
			if f.k < len(deps) {
				d := deps[f.k]
				f.k++
				if !visited[d] && d != main && inMaps[d] {
					visited[d] = true
					stack = append(stack, frame{d, 0})
				}
				continue
			}
			stack = stack[:len(stack)-1]
			if head > 0 {
				head--
				rpo[head] = f.l
			}
		}
	}
	rpo = rpo[head:]
	if len(rpo) > 0 && rpo[0] != main {
		for i, m := range rpo {
			if m == main {
				copy(rpo[1:i+1], rpo[:i])
				rpo[0] = main
				break
			}
		}
	}
	return rpo
}

// Scope returns the global scope: the objects found, in search order
// (the interpreter where the search list holds it).
func (r *Result) Scope() []*Loaded {
	var out []*Loaded
	for _, l := range r.Objects {
		if l.Found() {
			out = append(out, l)
		}
	}
	return out
}

type uniqueDef struct {
	to  *Loaded
	ver string
}

type binder struct {
	scope  []*Loaded
	local  []*Loaded // a dlopen's local scope, searched after the global one
	unique map[string]uniqueDef
	opt    BindOptions
	main   *Loaded
	lazy   bool // RTLD_LAZY: PLT relocations are not looked up

	// metUnique says the last lookup found an STB_GNU_UNIQUE definition
	// while unique was nil (in a worker of relocateAll).
	metUnique bool
}

// relocClasses returns, per symbol index, the set of relocation type
// classes (bit 1<<class) of o's DT_RELA and DT_JMPREL relocations that
// name it and need a lookup; nsyms is the symbol count.
func (o *Object) relocClasses(nsyms int) ([]uint8, error) {
	o.rcOnce.Do(func() {
		o.rcErr = errUnreadable // kept if the read panics
		o.rc, o.rcErr = o.readRelocClasses(nsyms, false)
	})
	return o.rc, o.rcErr
}

// readRelocClasses reads the relocations; lazy leaves out the PLT ones
// (DT_JMPREL), which a lazy relocation does not look up, and trims them
// from the end of DT_RELA as ELF_DYNAMIC_DO_RELA does.
func (o *Object) readRelocClasses(nsyms int, lazy bool) ([]uint8, error) {
	out := make([]uint8, nsyms)
	le := binary.LittleEndian
	read := func(addrTag, sizeTag elf.DynTag, what string) error {
		addr, ok := o.dyn[addrTag]
		if !ok {
			return nil
		}
		size := o.dyn[sizeTag]
		if lazy && addrTag == elf.DT_RELA {
			if ja, ok := o.dyn[elf.DT_JMPREL]; ok && addr+size == ja+o.dyn[elf.DT_PLTRELSZ] && o.dyn[elf.DT_PLTRELSZ] <= size {
				size -= o.dyn[elf.DT_PLTRELSZ]
			}
		}
		if size > maxRelocBytes {
			return fmt.Errorf("%s is %d bytes long (limit %d)", what, size, maxRelocBytes)
		}
		size -= size % 24
		if addrTag == elf.DT_RELA {
			// The first DT_RELACOUNT entries are applied as relative
			// relocations whatever their type (elf_dynamic_do_Rela): no
			// lookup, so not even read.
			n := min(o.dyn[elf.DT_RELACOUNT], size/24)
			addr, size = addr+24*n, size-24*n
		}
		b, err := o.readAddr(addr, size, what)
		if err != nil {
			return err
		}
		for i := 0; i+24 <= len(b); i += 24 {
			info := le.Uint64(b[i+8:])
			sym, typ := uint32(info>>32), uint32(info)
			if sym == 0 || typ == rX86_64None || typ == rX86_64Relative || typ == rX86_64IRelative {
				continue
			}
			if int64(sym) >= int64(nsyms) {
				return fmt.Errorf("%s: relocation against symbol %d of %d", what, sym, nsyms)
			}
			out[sym] |= 1 << typeClass(typ)
		}
		return nil
	}
	if err := read(elf.DT_RELA, elf.DT_RELASZ, "DT_RELA"); err != nil {
		return nil, err
	}
	if pr, ok := o.dyn[elf.DT_PLTREL]; !lazy && (!ok || elf.DynTag(pr) == elf.DT_RELA) {
		if err := read(elf.DT_JMPREL, elf.DT_PLTRELSZ, "DT_JMPREL"); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// tables returns o's symbol tables and, per symbol index, the relocation
// classes (bit 1<<class) under which relocating all of o (RTLD_NOW) looks
// it up; each is read once.
func (o *Object) tables() (*symbols, []uint8, error) {
	s, err := o.syms()
	if err != nil || s.st == nil {
		return s, nil, err
	}
	classes, err := o.relocClasses(s.st.N)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", o.Path, err)
	}
	return s, classes, nil
}

// refs returns l's symbol tables and, per symbol index, the relocation
// classes (bit 1<<class) under which it is looked up: a lazy relocation
// leaves out the PLT ones.
func (b *binder) refs(l *Loaded) (*symbols, []uint8, error) {
	if !b.lazy {
		return l.Object.tables()
	}
	o := l.Object
	s, err := o.syms()
	if err != nil || s.st == nil {
		return s, nil, err
	}
	classes, err := o.readRelocClasses(s.st.N, true)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", o.Path, err)
	}
	return s, classes, nil
}

// refCount is the number of lookups of the relocation classes of an
// object's symbols.
func refCount(classes []uint8) int {
	n := 0
	for _, m := range classes {
		n += bits.OnesCount8(m)
	}
	return n
}

// relocate looks up every symbol relocation of l, one lookup per symbol
// and relocation class, in symbol order, and appends the bindings to out
// (a nil out is allocated once, to the number of lookups).
func (b *binder) relocate(out []Binding, l *Loaded) ([]Binding, error) {
	s, classes, err := b.refs(l)
	if err != nil || classes == nil {
		return out, err
	}
	if out == nil {
		out = make([]Binding, 0, refCount(classes))
	}
	return b.relocateRange(out, l, s, classes, 0, len(classes))
}

// relocateRange is relocate for the symbols [lo, hi) of l, whose tables
// and relocation classes refs returned.
func (b *binder) relocateRange(out []Binding, l *Loaded, s *symbols, classes []uint8, lo, hi int) ([]Binding, error) {
	o := l.Object
	// The symbol each reference names, or ok false for one that needs no
	// lookup (a local or hidden symbol).
	symbol := func(i int) (ref elfSym, lookedUp bool, err error) {
		ref, ok := s.st.Sym(i)
		if !ok {
			return ref, false, fmt.Errorf("%s: relocation against symbol %d of %d", o.Path, i, s.st.N)
		}
		if ref.Bind() == elf.STB_LOCAL {
			return ref, false, nil
		}
		if vis := elf.ST_VISIBILITY(ref.Other); vis == elf.STV_HIDDEN || vis == elf.STV_INTERNAL {
			return ref, false, nil
		}
		return ref, true, nil
	}
	// The names are copied out of the file into one allocation, not one
	// each: libLLVM names some 15,000 symbols.
	var names strings.Builder
	if !b.opt.InPlace {
		size := 0
		for i := lo; i < hi; i++ {
			if classes[i] != 0 {
				if ref, ok, _ := symbol(i); ok {
					size += len(s.st.NameBytes(ref))
				}
			}
		}
		names.Grow(size)
	}
	for i := lo; i < hi; i++ {
		m := classes[i]
		if m == 0 {
			continue
		}
		ref, ok, err := symbol(i)
		if err != nil {
			return out, err
		}
		if !ok {
			continue
		}
		var name string
		if nb := s.st.NameBytes(ref); b.opt.InPlace {
			name = unsafe.String(unsafe.SliceData(nb), len(nb))
		} else {
			// Written once and never changed: the strings of a
			// Builder stay valid as it grows.
			start := names.Len()
			names.Write(nb)
			name = names.String()[start:]
		}
		want := s.wanted(uint32(i))
		for c := 0; c < 8; c++ {
			if m&(1<<c) != 0 {
				bd := b.lookup(l, name, ref, want, c)
				bd.symIdx = uint32(i)
				out = append(out, bd)
			}
		}
	}
	return out, nil
}

// wanted is the version the reference of symbol i requires: nil for
// none.
func (s *symbols) wanted(i uint32) *version {
	if vs, ok := s.vers(i); ok {
		if idx := int(vs & 0x7fff); idx < len(s.versions) && s.versions[idx].hash != 0 {
			return &s.versions[idx]
		}
	}
	return nil
}

// lookup is _dl_lookup_symbol_x for a relocation of undef.
func (b *binder) lookup(undef *Loaded, name string, ref elfSym, want *version, cls int) Binding {
	bd := Binding{From: undef, Symbol: name, Weak: ref.Bind() == elf.STB_WEAK, typeCls: uint8(cls)}
	b.metUnique = false
	if want != nil {
		bd.Version = want.name
	}
	gh := gnuHash(name)
	var skip *Loaded
	if cls&classCopy != 0 {
		skip = undef
	}
	scopes := [][]*Loaded{b.scope}
	if b.local != nil {
		scopes = append(scopes, b.local)
	}
	var to *Loaded
	var def elfSym
	var defVer string
	start := 0
	if skip != nil {
		for i, m := range b.scope {
			if m == skip {
				start = i
			}
		}
	}
	for si, sc := range scopes {
		first := 0
		if si == 0 {
			first = start
		}
		if m, d, dv, ok := b.doLookup(name, gh, ref, want, cls, sc, first, skip, undef); ok {
			to, def, defVer = m, d, dv
			break
		}
	}
	if to == nil {
		bd.redo = b.metUnique
		return bd
	}
	// A protected symbol of the referencing object keeps its own
	// definition.
	if elf.ST_VISIBILITY(ref.Other) == elf.STV_PROTECTED && ref.Shndx != uint16(elf.SHN_UNDEF) && to != undef {
		if cls == classPLT {
			to, def, defVer = undef, ref, ""
		} else {
			for si, sc := range scopes {
				_ = si
				if m, _, _, ok := b.doLookup(name, gh, ref, want, classPLT, sc, 0, skip, nil); ok {
					if m != undef {
						to, def, defVer = undef, ref, ""
					}
					break
				}
			}
		}
		bd.Kind = KindProtected
	}
	bd.To, bd.ToVer = to, defVer
	if bd.Kind == 0 {
		switch {
		case cls&classCopy != 0:
			bd.Kind = KindCopy
		case def.Type() == elf.STT_GNU_IFUNC:
			bd.Kind = KindIFunc
		case def.Bind() == stbGNUUnique:
			bd.Kind = KindUnique
		case def.Type() == elf.STT_TLS:
			bd.Kind = KindTLS
		default:
			bd.Kind = KindNormal
		}
	}
	if b.opt.Shadowed {
		for _, sc := range scopes {
			after := false
			for _, m := range sc {
				if m == to {
					after = true
					continue
				}
				if !after || m == skip || !m.Found() || !m.Object.mayDefine(gh) {
					continue
				}
				if _, _, ok := b.matchIn(m, name, gh, ref, want, cls); ok {
					bd.Shadow = append(bd.Shadow, m)
				}
			}
		}
	}
	bd.redo = b.metUnique
	return bd
}

type elfSym = elfread.Sym

// stbGNUUnique is STB_GNU_UNIQUE, which debug/elf has no name for.
const stbGNUUnique = elf.SymBind(10)

// doLookup is do_lookup_x over one scope from index first.
func (b *binder) doLookup(name string, gh uint32, ref elfSym, want *version, cls int, scope []*Loaded, first int, skip, undef *Loaded) (*Loaded, elfSym, string, bool) {
	for i := first; i < len(scope); i++ {
		m := scope[i]
		if m == skip || !m.Found() {
			continue
		}
		if cls&classCopy != 0 && m == b.main {
			continue
		}
		if !m.Object.mayDefine(gh) {
			continue
		}
		sym, ver, ok := b.matchIn(m, name, gh, ref, want, cls)
		if !ok {
			continue
		}
		switch sym.Bind() {
		case elf.STB_WEAK, elf.STB_GLOBAL:
			return m, sym, ver, true
		case stbGNUUnique:
			if b.unique == nil {
				// A worker of relocateAll: the lookup is made again,
				// in order, with the table.
				b.metUnique = true
				return m, sym, ver, true
			}
			if u, ok := b.unique[name]; ok {
				us, _, _ := b.matchIn(u.to, name, gh, ref, want, cls)
				return u.to, us, u.ver, true
			}
			b.unique[name] = uniqueDef{to: m, ver: ver}
			return m, sym, ver, true
		}
	}
	return nil, elfSym{}, "", false
}

// matchIn finds name in one object as do_lookup_x does: the hash chain,
// check_match on each candidate, and the one unambiguous versioned
// symbol when an unversioned lookup finds only that.
func (b *binder) matchIn(m *Loaded, name string, gh uint32, ref elfSym, want *version, cls int) (elfSym, string, bool) {
	s, err := m.Object.syms()
	if err != nil || s.st == nil {
		return elfSym{}, "", false
	}
	var found elfSym
	var foundVer string
	ok := false
	numVersions := 0
	var versioned elfSym
	var versionedVer string
	s.candidates(name, gh, func(i uint32) bool {
		sym, okk := s.st.Sym(int(i))
		if !okk {
			return false
		}
		stt := sym.Type()
		if sym.Value == 0 && sym.Shndx != uint16(elf.SHN_ABS) && stt != elf.STT_TLS {
			return false
		}
		if cls&classPLT != 0 && sym.Shndx == uint16(elf.SHN_UNDEF) {
			return false
		}
		switch stt {
		case elf.STT_NOTYPE, elf.STT_OBJECT, elf.STT_FUNC, elf.STT_COMMON, elf.STT_TLS, elf.STT_GNU_IFUNC:
		default:
			return false
		}
		if !s.st.NameIs(sym, name) {
			return false
		}
		vs, hasVS := s.vers(i)
		ndx := int(vs & 0x7fff)
		verName := ""
		if hasVS && ndx < len(s.versions) {
			verName = s.versions[ndx].name
		}
		if want != nil {
			if hasVS {
				var have version
				if ndx < len(s.versions) {
					have = s.versions[ndx]
				}
				if (have.hash != want.hash || have.name != want.name) && (want.hidden || have.hash != 0 || vs&0x8000 != 0) {
					return false
				}
			}
		} else if hasVS && ndx >= 3 {
			if vs&0x8000 == 0 {
				if numVersions == 0 {
					versioned, versionedVer = sym, verName
				}
				numVersions++
			}
			return false
		}
		found, foundVer, ok = sym, verName, true
		return true
	})
	if !ok && numVersions == 1 {
		found, foundVer, ok = versioned, versionedVer, true
	}
	if !ok {
		return elfSym{}, "", false
	}
	// Hidden and internal definitions are local: ignored.
	if vis := elf.ST_VISIBILITY(found.Other); vis == elf.STV_HIDDEN || vis == elf.STV_INTERNAL {
		return elfSym{}, "", false
	}
	switch found.Bind() {
	case elf.STB_GLOBAL, elf.STB_WEAK, stbGNUUnique:
	default:
		return elfSym{}, "", false
	}
	return found, foundVer, true
}
