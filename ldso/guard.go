package ldso

import (
	"fmt"

	"github.com/soinspect/soinspect/internal/elfread"
)

// The public entry points that read an object's bytes (Load, Bind,
// CheckVersions, Unused, Dlopen, ParseCache and the Cache's methods) each
// defer, in this order:
//
//	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
//	defer guard.Recover(func(p any) { ...; err = ld.panicError(what, p) })
//
// The first turns a fault in a mapped file (one truncated while it is
// read) into a panic on this goroutine rather than a crash of the
// process; the second, the package's one guard (internal/guard), turns any
// panic into an error. Tests run with the guard off, so that a panic
// fails them where it happens.

// faultAddr is the interface of the runtime error a fault under
// SetPanicOnFault panics with.
type faultAddr interface {
	error
	Addr() uintptr
}

// panicError is the error an entry point returns for the panic p stopped
// while it read the objects of a load.
func (ld *loader) panicError(what string, p any) error {
	if f, ok := p.(faultAddr); ok {
		if name := ld.faultFile(f.Addr()); name != "" {
			return fmt.Errorf("%s: read fault at %#x while reading %s: the file changed while it was read (truncated?)", name, f.Addr(), what)
		}
		return fmt.Errorf("read fault at %#x while reading %s: a file changed while it was read (truncated?)", f.Addr(), what)
	}
	name := ""
	if ld != nil && ld.res != nil {
		name = ld.res.File + ": "
	}
	return fmt.Errorf("%s%w", name, elfread.PanicError(what, p))
}

// faultFile names the mapped file addr lies in, or "".
func (ld *loader) faultFile(addr uintptr) string {
	if ld == nil {
		return ""
	}
	if ld.reading != nil && ld.reading.src.contains(addr) {
		return ld.reading.path
	}
	if ld.res == nil {
		return ""
	}
	objs := append([]*Loaded{ld.res.interp}, ld.res.Objects...)
	for _, l := range objs {
		if l != nil && l.Object != nil && l.Object.src != nil && l.Object.src.contains(addr) {
			return l.Path
		}
	}
	return ""
}

// reading is the file openVerify is reading, not yet an object of the load.
type reading struct {
	path string
	src  *source
}
