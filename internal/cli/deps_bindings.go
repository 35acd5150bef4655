package cli

import (
	"cmp"
	"fmt"
	"hash/maphash"
	"io"
	"math/bits"

	"github.com/soinspect/soinspect/ldso"
)

// bind finds where each symbol reference binds, the definitions it
// shadows, and the references left unresolved; it keeps one binding per
// (from, symbol, version, to) (Bind gives one per relocation class too)
// and returns them.
func (r *depsReport) bind(res *ldso.Result) ([]ldso.Binding, error) {
	// In place: the report is written before res is closed (or is
	// turned into JSON then), and every name it keeps is a binding's.
	bs, err := ldso.Bind(res, ldso.BindOptions{Shadowed: true, InPlace: true})
	if err != nil {
		return nil, err
	}
	// Each object is numbered once for the hash of a binding's key.
	ids := map[*ldso.Loaded]uint64{}
	id := func(l *ldso.Loaded) uint64 {
		if l == nil {
			return 0
		}
		n, ok := ids[l]
		if !ok {
			n = uint64(len(ids) + 1)
			ids[l] = n
		}
		return n
	}
	// Compacted in place: bs[:w] holds the first binding of each key.
	d := newDistinct(len(bs))
	w := 0
	var from *ldso.Loaded
	var fromID uint64
	for i := range bs {
		b := &bs[i]
		if b.From != from {
			from, fromID = b.From, id(b.From)
		}
		if !d.add(bs[:w], b, fromID, id(b.To)) {
			continue
		}
		if b.Unresolved() {
			r.Unresolved = append(r.Unresolved, depsUnresolved{From: b.From.Path, Symbol: b.Symbol, Version: b.Version, Weak: b.Weak})
		}
		bs[w] = *b
		w++
	}
	clear(bs[w:])
	r.bs, r.bound = bs[:w], true
	return r.bs, nil
}

// bindingsForJSON fills in Bindings from the bindings kept: a reference
// nothing defines has "to": null. The text formats read the bindings
// themselves: libLLVM has some 15,000.
func (r *depsReport) bindingsForJSON() {
	if !r.bound || len(r.Bindings) > 0 {
		return
	}
	r.Bindings = make([]depsBinding, 0, len(r.bs))
	for i := range r.bs {
		b := &r.bs[i]
		db := depsBinding{From: b.From.Path, Symbol: b.Symbol, Version: b.Version}
		if b.To != nil {
			db.To, db.Kind = &b.To.Path, b.Kind.String()
			if db.Version == "" {
				db.Version = b.ToVer
			}
			for _, s := range b.Shadow {
				db.Shadowed = append(db.Shadowed, s.Path)
			}
		}
		r.Bindings = append(r.Bindings, db)
	}
}

// distinct tells the first binding of each (from, symbol, version, to)
// from the later ones: a set of the positions of the bindings kept, open
// addressing on a 64-bit hash of the key, every candidate compared whole.
// Its table is a quarter of a map's size (libLLVM has some 15,000
// bindings), and a slot is touched only when it is probed.
type distinct struct {
	seed  maphash.Seed
	slots []int32 // 1 + the position of a kept binding; 0 for none
	mask  uint64
}

func newDistinct(n int) *distinct {
	size := 16
	for size < 2*n {
		size <<= 1
	}
	return &distinct{seed: maphash.MakeSeed(), slots: make([]int32, size), mask: uint64(size - 1)}
}

// add reports whether b is the first of its key among kept, the bindings
// kept so far, and if so records it as kept[len(kept)]; fromID and toID
// number its objects (0 for none).
func (d *distinct) add(kept []ldso.Binding, b *ldso.Binding, fromID, toID uint64) bool {
	h := maphash.String(d.seed, b.Symbol) ^ bits.RotateLeft64(maphash.String(d.seed, b.Version), 29) ^
		fromID*0x9e3779b97f4a7c15 ^ toID*0xc2b2ae3d27d4eb4f
	for i := h & d.mask; ; i = (i + 1) & d.mask {
		s := d.slots[i]
		if s == 0 {
			d.slots[i] = int32(len(kept) + 1)
			return true
		}
		if o := &kept[s-1]; o.From == b.From && o.To == b.To && o.Symbol == b.Symbol && o.Version == b.Version {
			return false
		}
	}
}

// writeBindingsText prints the bindings under the tree: one line per
// reference, "FROM: SYMBOL@VERSION -> TO [kind]", then the shadowed
// definitions and the unresolved references.
func (r *depsReport) writeBindingsText(w io.Writer) error {
	if !r.bound {
		return nil
	}
	fmt.Fprintf(w, "\nbindings (%d):\n", len(r.bs)-len(r.Unresolved))
	// Written piece by piece, not through fmt: libLLVM has some 15,000
	// lines. The paths, which repeat, are escaped once per run of them.
	sw := stringWriter(w)
	var from, to *ldso.Loaded
	var fromEsc, toEsc string
	for i := range r.bs {
		b := &r.bs[i]
		if b.To == nil {
			continue // listed below as unresolved
		}
		if b.From != from {
			from, fromEsc = b.From, esc(b.From.Path)
		}
		if b.To != to {
			to, toEsc = b.To, esc(b.To.Path)
		}
		sw.WriteString("  ")
		sw.WriteString(fromEsc)
		sw.WriteString(": ")
		sw.WriteString(esc(b.Symbol))
		if v := cmp.Or(b.Version, b.ToVer); v != "" {
			sw.WriteString("@")
			sw.WriteString(esc(v))
		}
		sw.WriteString(" -> ")
		sw.WriteString(toEsc)
		if b.Kind != 0 && b.Kind != ldso.KindNormal {
			sw.WriteString(" [")
			sw.WriteString(b.Kind.String())
			sw.WriteString("]")
		}
		sw.WriteString("\n")
		for _, s := range b.Shadow {
			sw.WriteString("      shadows ")
			sw.WriteString(esc(s.Path))
			sw.WriteString("\n")
		}
	}
	if len(r.Unresolved) > 0 {
		fmt.Fprintf(w, "\nunresolved (%d):\n", len(r.Unresolved))
		for _, u := range r.Unresolved {
			weak := ""
			if u.Weak {
				weak = " (weak: left null)"
			}
			v := ""
			if u.Version != "" {
				v = ", version " + u.Version
			}
			fmt.Fprintf(w, "  %s: undefined symbol: %s%s%s\n", esc(u.From), esc(u.Symbol), esc(v), weak)
		}
	}
	return nil
}

// writeLddUnresolved prints the strong unresolved references as ldd -r
// does: "undefined symbol: S\t(FILE)".
func (r *depsReport) writeLddUnresolved(w io.Writer) {
	if !r.bound {
		return
	}
	for _, u := range r.Unresolved {
		if u.Weak {
			continue
		}
		v := ""
		if u.Version != "" {
			v = ", version " + u.Version
		}
		fmt.Fprintf(w, "undefined symbol: %s%s\t(%s)\n", esc(u.Symbol), esc(v), esc(u.From))
	}
}

// stringWriter returns w as an io.StringWriter (a *bufio.Writer is one).
func stringWriter(w io.Writer) io.StringWriter {
	if sw, ok := w.(io.StringWriter); ok {
		return sw
	}
	return stringWriterOf{w}
}

type stringWriterOf struct{ w io.Writer }

func (s stringWriterOf) WriteString(str string) (int, error) { return io.WriteString(s.w, str) }
