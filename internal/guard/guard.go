// Package guard is soinspect's one panic policy. Every public entry point
// of the static packages that reads bytes from a file defers Recover, so
// that no panic escapes a package: a malformed file gives an error, never
// a crash.
//
// In test binaries the guard is off: Recover does not call recover at all,
// so a panic goes on with its original stack and fails the test or the
// fuzz target that caused it. That is one switch for the whole module's
// tests; a test that checks what users get turns the guard on with SetOn.
//
// A test binary is told by the flag "test.v", which package testing
// registers before any test, benchmark or fuzz target runs. The package
// does not import testing, which would link it, and its init, into
// soinspect.
package guard

import (
	"flag"
	"fmt"
	"sync/atomic"
)

// set holds the state SetOn gave: 0 for none (the default applies), 1 on,
// 2 off.
var set atomic.Int32

// inTest reports whether this is a test binary. It is asked each time
// rather than once, so that a call made before package testing registers
// its flags does not decide for the whole run.
func inTest() bool { return flag.Lookup("test.v") != nil }

func isOn() bool {
	switch set.Load() {
	case 1:
		return true
	case 2:
		return false
	}
	return !inTest()
}

// Recover, deferred directly by an entry point, stops a panic and passes
// its value to handle, which sets the entry point's results. With the
// guard off it does nothing and the panic goes on.
//
//	defer guard.Recover(func(p any) { v, err = nil, malformed(p) })
func Recover(handle func(p any)) {
	if !isOn() {
		return
	}
	if p := recover(); p != nil {
		handle(p)
	}
}

// On reports whether the guard stops panics.
func On() bool { return isOn() }

// SetOn turns the guard on or off until restore is called. It is meant
// for tests, which run with the guard off.
func SetOn(v bool) (restore func()) {
	state := int32(2)
	if v {
		state = 1
	}
	old := set.Swap(state)
	return func() { set.Store(old) }
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
