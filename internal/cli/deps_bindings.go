package cli

import (
	"cmp"
	"fmt"
	"io"

	"github.com/soinspect/soinspect/ldso"
)

// bind finds where each symbol reference binds, the definitions it
// shadows, and the references left unresolved, and returns them. A symbol
// is looked up once per relocation class it is relocated under, and
// those lookups come one after another: the ones that bind to the same
// definition make one binding (the first).
func (r *depsReport) bind(res *ldso.Result) ([]ldso.Binding, error) {
	// In place: the report is written before res is closed (or is
	// turned into JSON then), and every name it keeps is a binding's.
	bs, err := ldso.Bind(res, ldso.BindOptions{Shadowed: true, InPlace: true})
	if err != nil {
		return nil, err
	}
	// Compacted in place: bs[:w] holds the bindings kept; bs[sym:w] those
	// of the symbol now being read.
	w, sym := 0, 0
	for i := range bs {
		b := &bs[i]
		if w == 0 || b.From != bs[w-1].From || b.Index() != bs[w-1].Index() {
			sym = w
		} else if sameDefinition(bs[sym:w], b) {
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

// sameDefinition reports whether one of kept, bindings of b's symbol,
// binds where b does.
func sameDefinition(kept []ldso.Binding, b *ldso.Binding) bool {
	for i := range kept {
		if kept[i].To == b.To {
			return true
		}
	}
	return false
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
