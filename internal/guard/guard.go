// Package guard is soinspect's one panic policy. Every public entry point
// of the static packages that reads bytes from a file defers Recover, so
// that no panic escapes a package: a malformed file gives an error, never
// a crash.
//
// In test binaries (testing.Testing reports true) the guard is off:
// Recover does not call recover at all, so a panic goes on with its
// original stack and fails the test or the fuzz target that caused it.
// That is one switch for the whole module's tests; a test that checks what
// users get turns the guard on with SetOn.
package guard

import (
	"fmt"
	"sync/atomic"
	"testing"
)

var on atomic.Bool

func init() { on.Store(!testing.Testing()) }

// Recover, deferred directly by an entry point, stops a panic and passes
// its value to handle, which sets the entry point's results. With the
// guard off it does nothing and the panic goes on.
//
//	defer guard.Recover(func(p any) { v, err = nil, malformed(p) })
func Recover(handle func(p any)) {
	if !on.Load() {
		return
	}
	if p := recover(); p != nil {
		handle(p)
	}
}

// On reports whether the guard stops panics.
func On() bool { return on.Load() }

// SetOn turns the guard on or off until restore is called. It is meant
// for tests, which run with the guard off.
func SetOn(v bool) (restore func()) {
	old := on.Swap(v)
	return func() { on.Store(old) }
}

var fault atomic.Pointer[string]

// Point marks a place where a test may make a reader panic (see Inject).
// It costs one atomic load.
func Point(name string) {
	if p := fault.Load(); p != nil && *p == name {
		panic(Fault(name))
	}
}

// Inject makes Point(name) panic with a Fault until restore is called: a
// deliberate bug, to show what becomes of a panic in a reader. It is meant
// for tests.
func Inject(name string) (restore func()) {
	fault.Store(&name)
	return func() { fault.Store(nil) }
}

// Fault is the value an injected panic carries.
type Fault string

func (f Fault) String() string { return fmt.Sprintf("fault injected at %s", string(f)) }
