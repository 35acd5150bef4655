package ldso

import (
	"errors"
	"fmt"
	"maps"
	"runtime/debug"
	"strings"

	"github.com/soinspect/soinspect/internal/guard"
)

// OpenFlag is a dlopen mode.
type OpenFlag int

// The dlopen modes the model distinguishes (RTLD_LAZY is the absence of
// Now: lazy references are then only checked for versions).
const (
	Now      OpenFlag = 1 << iota // RTLD_NOW: every reference must bind
	Global                        // RTLD_GLOBAL: the objects join the global scope
	DeepBind                      // RTLD_DEEPBIND: the local scope first
)

// Opened is what a dlopen does to the process of a Result.
type Opened struct {
	// Object is the object opened (nil when it could not be).
	Object *Loaded
	// New lists the objects the dlopen maps, in load order; Local is the
	// opened object's local scope (its breadth-first closure).
	New   []*Loaded
	Local []*Loaded
	// Err is the failure as dlerror words it, nil on success.
	Err *LoadError
	// Bindings are the new objects' references and where they bind;
	// MissingVersions the versions they lack.
	Bindings        []Binding
	MissingVersions []MissingVersion
}

// Dlopen emulates dlopen(file, flags) called from the main program of r,
// whose load set is already in the process: the file is mapped (a name
// with a slash as it is; a bare name searched with the main program as
// the caller), then its DT_NEEDED closure, each library found as ld.so
// finds it; then the versions they need are checked and, with Now, every
// reference is bound over the global scope and then the object's own
// local scope. The first failure ends it, as ld.so's, in dlerror's words.
// On success the new objects join r (and its global scope with Global);
// on failure r is left as it was: the objects the failed dlopen mapped
// are gone from its list and no later lookup by name finds them.
func (r *Result) Dlopen(file string, flags OpenFlag) (op *Opened, err error) {
	ld := r.ld
	if ld == nil {
		return nil, errors.New("ldso: Dlopen on a closed Result")
	}
	before := len(r.Objects)
	names := maps.Clone(ld.byName)
	undo := func() {
		clear(r.Objects[before:])
		r.Objects = r.Objects[:before]
		ld.byName = names
	}
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if err != nil || op.Err != nil {
			undo()
		}
	}()
	defer guard.Recover(func(p any) { op, err = nil, ld.panicError("the objects of a dlopen", p) })
	op = &Opened{}
	fail := func(e *LoadError) (*Opened, error) {
		op.Err = e
		return op, nil
	}
	// mapped maps name for from; a *LoadError is dlopen's failure, an
	// error one of reading.
	mapped := func(from *Loaded, name string) (*Loaded, *LoadError, error) {
		l, err := ld.mapObject(from, name, false)
		if err != nil {
			var le *LoadError
			if errors.As(err, &le) {
				return nil, le, nil
			}
			return nil, nil, err
		}
		if l == nil {
			msg := "cannot open shared object file: No such file or directory"
			if ld.otherClass {
				msg = "wrong ELF class: ELFCLASS32"
			}
			return nil, &LoadError{Name: name, Msg: msg}, nil
		}
		return l, nil, nil
	}
	obj, le, err := mapped(r.Objects[0], file)
	if err != nil {
		return nil, err
	}
	if le != nil {
		return fail(le)
	}
	op.Object = obj
	isNew := func(l *Loaded) bool {
		for _, o := range r.Objects {
			if o == l {
				return false
			}
		}
		return !l.IsInterpreter()
	}
	if isNew(obj) {
		obj.loader = nil // __RTLD_CALLMAP: the caller only lent its search path
		r.Objects = append(r.Objects, obj)
		op.New = append(op.New, obj)
	}
	// The breadth-first closure: the local scope.
	inLocal := map[*Loaded]bool{obj: true}
	op.Local = []*Loaded{obj}
	for i := 0; i < len(op.Local); i++ {
		l := op.Local[i]
		if !l.Found() || l.IsInterpreter() {
			continue
		}
		fresh := false
		for _, n := range op.New {
			fresh = fresh || n == l
		}
		for _, raw := range l.Object.Needed {
			name := raw
			if hasDST(raw) {
				if name, _ = ld.dstOf(l).substitute(raw); name == "" {
					return fail(&LoadError{Name: raw, Msg: "empty dynamic string token substitution"})
				}
			}
			dep, le, err := mapped(l, name)
			if err != nil {
				return nil, err
			}
			if le != nil {
				return fail(le)
			}
			if isNew(dep) {
				if len(r.Objects) >= maxObjects {
					return fail(&LoadError{Name: name, Msg: fmt.Sprintf("more than %d objects in the process", maxObjects)})
				}
				r.Objects = append(r.Objects, dep)
				op.New = append(op.New, dep)
			}
			if fresh {
				l.deps = append(l.deps, dep)
			}
			if !inLocal[dep] {
				inLocal[dep] = true
				op.Local = append(op.Local, dep)
			}
		}
	}
	// Versions: each object of the local scope not checked before.
	for _, l := range op.Local {
		fresh := false
		for _, n := range op.New {
			fresh = fresh || n == l
		}
		if !fresh {
			continue
		}
		for _, mv := range checkMapVersions(r, l) {
			if mv.Fatal() {
				op.MissingVersions = append(op.MissingVersions, mv)
			}
		}
	}
	if len(op.MissingVersions) > 0 {
		mv := op.MissingVersions[0]
		return fail(&LoadError{Name: mv.File, Msg: strings.TrimPrefix(mv.Error(), mv.File+": ")})
	}
	// Relocation, in reverse l_initfini order of the new objects.
	b := &binder{scope: r.Scope()[:0:0], unique: map[string]uniqueDef{}, main: r.Objects[0]}
	for _, l := range r.Objects[:before] {
		if l.Found() {
			b.scope = append(b.scope, l)
		}
	}
	if r.interp != nil && r.rtldAt < 0 {
		// The loader is in every process, referenced or not.
		b.scope = append(b.scope, r.interp)
	}
	b.local = op.Local
	b.lazy = flags&Now == 0
	if flags&DeepBind != 0 {
		b.scope, b.local = op.Local, b.scope
	}
	order := initOrder(op.Local, obj)
	var firstErr *LoadError
	for i := len(order) - 1; i >= 0; i-- {
		l := order[i]
		fresh := false
		for _, n := range op.New {
			fresh = fresh || n == l
		}
		if !fresh || l.IsInterpreter() {
			continue
		}
		bs, err := b.relocate(nil, l)
		if err != nil {
			return nil, err
		}
		for _, bd := range bs {
			if bd.Unresolved() && !bd.Weak && firstErr == nil && flags&Now != 0 {
				firstErr = &LoadError{Name: l.Path, Msg: strings.TrimPrefix(bd.Error(), l.Path+": ")}
			}
		}
		op.Bindings = append(op.Bindings, bs...)
	}
	if firstErr != nil {
		return fail(firstErr)
	}
	return op, nil
}
