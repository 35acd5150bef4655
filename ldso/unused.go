package ldso

import (
	"runtime/debug"

	"github.com/soinspect/soinspect/internal/guard"
)

// Unused returns the direct dependencies of the main object that nothing
// of it binds to, as `ldd -u` (LD_DEBUG=unused) reports them: ld.so
// relocates the main object alone, PLT references included, and lists
// each of the first objects of its list, one per DT_NEEDED entry, that no
// lookup bound to.
func Unused(res *Result) (unused []*Loaded, err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer guard.Recover(func(p any) { unused, err = nil, res.ld.panicError("the main object's bindings", p) })
	main := res.Objects[0]
	if !main.Found() || len(main.Object.Needed) == 0 {
		return nil, nil
	}
	b := &binder{scope: res.Scope(), unique: map[string]uniqueDef{}, main: main}
	bs, err := b.relocateAll([]*Loaded{main})
	if err != nil {
		return nil, err
	}
	return UnusedIn(res, bs), nil
}

// UnusedIn is Unused computed from bindings Bind has already made for res
// (with any options), without relocating the main object again: the main
// object's bindings are the lookups Unused makes, over the same scope.
func UnusedIn(res *Result, bindings []Binding) []*Loaded {
	main := res.Objects[0]
	if !main.Found() || len(main.Object.Needed) == 0 {
		return nil
	}
	used := map[*Loaded]bool{}
	for _, bd := range bindings {
		if bd.From == main && bd.To != nil {
			used[bd.To] = true
		}
	}
	var out []*Loaded
	for k := range main.Object.Needed {
		if 1+k >= len(res.Objects) {
			break
		}
		if l := res.Objects[1+k]; !used[l] {
			out = append(out, l)
		}
	}
	return out
}
