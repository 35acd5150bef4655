package cli

import (
	"fmt"
	"io"
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
	type key struct {
		from, to *ldso.Loaded
		sym, ver string
	}
	seen := make(map[key]struct{}, len(bs))
	r.Bindings = slices.Grow(r.Bindings, len(bs))
	paths := map[*ldso.Loaded]*string{}
	pathOf := func(l *ldso.Loaded) *string {
		p, ok := paths[l]
		if !ok {
			p = &l.Path
			paths[l] = p
		}
		return p
	}
	for _, b := range bs {
		k := key{b.From, b.To, b.Symbol, b.Version}
		if _, dup := seen[k]; dup {
			continue
		}
		seen[k] = struct{}{}
		if b.Unresolved() {
			r.Unresolved = append(r.Unresolved, depsUnresolved{From: b.From.Path, Symbol: b.Symbol, Version: b.Version, Weak: b.Weak})
			// In the bindings too, with "to": null.
			r.Bindings = append(r.Bindings, depsBinding{From: b.From.Path, Symbol: b.Symbol, Version: b.Version})
			continue
		}
		db := depsBinding{From: b.From.Path, Symbol: b.Symbol, Version: b.Version, To: pathOf(b.To), Kind: string(b.Kind)}
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

// writeBindingsText prints the bindings under the tree: one line per
// reference, "FROM: SYMBOL@VERSION -> TO [kind]", then the shadowed
// definitions and the unresolved references.
func (r *depsReport) writeBindingsText(w io.Writer) error {
	if !r.bound {
		return nil
	}
	fmt.Fprintf(w, "\nbindings (%d):\n", len(r.Bindings)-len(r.Unresolved))
	for _, b := range r.Bindings {
		if b.To == nil {
			continue // listed below as unresolved
		}
		v := ""
		if b.Version != "" {
			v = "@" + b.Version
		}
		kind := ""
		if b.Kind != "" && b.Kind != string(ldso.KindNormal) {
			kind = " [" + b.Kind + "]"
		}
		fmt.Fprintf(w, "  %s: %s%s -> %s%s\n", esc(b.From), esc(b.Symbol), esc(v), esc(*b.To), kind)
		for _, s := range b.Shadowed {
			fmt.Fprintf(w, "      shadows %s\n", esc(s))
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
