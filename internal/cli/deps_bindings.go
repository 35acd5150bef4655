package cli

import (
	"fmt"
	"hash/maphash"
	"io"
	"math/bits"
	"slices"

	"github.com/soinspect/soinspect/ldso"
)

// bind fills in where each symbol reference binds, the definitions it
// shadows, and the references left unresolved.
func (r *depsReport) bind(res *ldso.Result) ([]ldso.Binding, error) {
	bs, err := ldso.Bind(res, ldso.BindOptions{Shadowed: true})
	if err != nil {
		return nil, err
	}
	// One entry per (from, symbol, version, to): Bind gives one per
	// relocation class too. Each object's path is shared by its entries.
	objs := map[*ldso.Loaded]objectRef{}
	ref := func(l *ldso.Loaded) objectRef {
		o, ok := objs[l]
		if !ok {
			o = objectRef{path: &l.Path, id: uint64(len(objs) + 1)}
			objs[l] = o
		}
		return o
	}
	r.Bindings = slices.Grow(r.Bindings, len(bs))
	d := newDistinct(len(bs))
	var from *ldso.Loaded
	var fromRef objectRef
	for i := range bs {
		b := &bs[i]
		if b.From != from {
			from, fromRef = b.From, ref(b.From)
		}
		var to objectRef
		if b.To != nil {
			to = ref(b.To)
		}
		if !d.first(bs, i, fromRef.id, to.id) {
			continue
		}
		if b.Unresolved() {
			r.Unresolved = append(r.Unresolved, depsUnresolved{From: b.From.Path, Symbol: b.Symbol, Version: b.Version, Weak: b.Weak})
			// In the bindings too, with "to": null.
			r.Bindings = append(r.Bindings, depsBinding{From: b.From.Path, Symbol: b.Symbol, Version: b.Version})
			continue
		}
		db := depsBinding{From: b.From.Path, Symbol: b.Symbol, Version: b.Version, To: to.path, Kind: string(b.Kind)}
		if db.Version == "" {
			db.Version = b.ToVer
		}
		if len(b.Shadow) > 0 {
			db.Shadowed = make([]string, len(b.Shadow))
			for i, s := range b.Shadow {
				db.Shadowed[i] = s.Path
			}
		}
		r.Bindings = append(r.Bindings, db)
	}
	r.bound = true
	return bs, nil
}

// objectRef is what the bindings share of one object: its path, and a
// small number standing for it in a binding's hash.
type objectRef struct {
	path *string
	id   uint64
}

// distinct tells the first binding of each (from, symbol, version, to)
// from the later ones. It keeps a 64-bit hash of each key with the index
// of its first binding, which holds no pointers for the collector to scan
// (libLLVM has some 15,000 bindings); a different key with the same hash
// goes to a map of whole keys.
type distinct struct {
	seed     maphash.Seed
	seen     map[uint64]int
	collided map[bindingKey]struct{}
}

type bindingKey struct {
	from, to *ldso.Loaded
	sym, ver string
}

func newDistinct(n int) *distinct {
	return &distinct{seed: maphash.MakeSeed(), seen: make(map[uint64]int, n)}
}

// first reports whether bs[i] is the first binding of its key; fromID and
// toID number its objects (0 for none).
func (d *distinct) first(bs []ldso.Binding, i int, fromID, toID uint64) bool {
	b := &bs[i]
	h := maphash.String(d.seed, b.Symbol) ^ bits.RotateLeft64(maphash.String(d.seed, b.Version), 29) ^
		fromID*0x9e3779b97f4a7c15 ^ toID*0xc2b2ae3d27d4eb4f
	j, ok := d.seen[h]
	if !ok {
		d.seen[h] = i
		return true
	}
	if o := &bs[j]; o.From == b.From && o.To == b.To && o.Symbol == b.Symbol && o.Version == b.Version {
		return false
	}
	if d.collided == nil {
		d.collided = map[bindingKey]struct{}{}
	}
	k := bindingKey{b.From, b.To, b.Symbol, b.Version}
	if _, dup := d.collided[k]; dup {
		return false
	}
	d.collided[k] = struct{}{}
	return true
}

// writeBindingsText prints the bindings under the tree: one line per
// reference, "FROM: SYMBOL@VERSION -> TO [kind]", then the shadowed
// definitions and the unresolved references.
func (r *depsReport) writeBindingsText(w io.Writer) error {
	if !r.bound {
		return nil
	}
	fmt.Fprintf(w, "\nbindings (%d):\n", len(r.Bindings)-len(r.Unresolved))
	// Written piece by piece, not through fmt: libLLVM has some 15,000
	// lines. The paths, which repeat, are escaped once per run of them.
	sw := stringWriter(w)
	var from, fromEsc string
	var to *string
	var toEsc string
	for _, b := range r.Bindings {
		if b.To == nil {
			continue // listed below as unresolved
		}
		if b.From != from || fromEsc == "" {
			from, fromEsc = b.From, esc(b.From)
		}
		if b.To != to {
			to, toEsc = b.To, esc(*b.To)
		}
		sw.WriteString("  ")
		sw.WriteString(fromEsc)
		sw.WriteString(": ")
		sw.WriteString(esc(b.Symbol))
		if b.Version != "" {
			sw.WriteString(esc("@" + b.Version))
		}
		sw.WriteString(" -> ")
		sw.WriteString(toEsc)
		if b.Kind != "" && b.Kind != string(ldso.KindNormal) {
			sw.WriteString(" [")
			sw.WriteString(b.Kind)
			sw.WriteString("]")
		}
		sw.WriteString("\n")
		for _, s := range b.Shadowed {
			sw.WriteString("      shadows ")
			sw.WriteString(esc(s))
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
