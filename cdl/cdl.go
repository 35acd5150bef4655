// Package cdl drives the dynamic loader directly: a thin, complete mirror of
// <dlfcn.h> and <link.h> through cgo, in the way the standard library's plugin
// package uses dlopen in plugin_dlopen.go.
//
// Open loads an object (dlopen) and returns a Handle; Handle.Sym and
// Handle.VSym look symbols up (dlsym, dlvsym); Handle.Close unloads it
// (dlclose). Handle.LinkMap, Handle.Origin and Handle.SearchPath report what
// dlinfo knows about the object; Addr maps an address back to an object and
// symbol (dladdr); Loaded lists every object mapped in the process
// (dl_iterate_phdr). Call calls a C function by address, described by a
// Signature that ParseSignature reads from C syntax such as "double(double)".
//
// Every loader error is read with dlerror inside the same C call that failed:
// a goroutine may move to another OS thread between two cgo calls, and
// dlerror's state is per thread. Errors are of type *Error.
//
// The implementation needs cgo on Linux, macOS or FreeBSD. Functions that
// rest on glibc extensions (VSym, LinkMap, Origin, SearchPath, Loaded) exist on
// Linux only; elsewhere, and in builds without cgo, they return an error that
// matches ErrUnsupported.
//
// Loading a shared object runs its code (constructors), and Call jumps to an
// arbitrary address: nothing in this package is safe against a hostile object.
//
// A signature's text and its arguments can come from a command line:
// ParseSignature reads the former, Signature.ParseArgs the latter.
package cdl

import (
	"debug/elf"
	"errors"
	"runtime"
	"strconv"
	"strings"
	"unsafe"
)

// ErrUnsupported is matched (errors.Is) by the errors of operations this
// platform or build cannot do: every operation when cgo is disabled, the
// glibc extensions outside Linux, Call outside amd64 and arm64.
var ErrUnsupported = errors.ErrUnsupported

// ErrClosed is matched (errors.Is) by the error of any operation on a Handle
// that has been closed, including a second Close.
var ErrClosed = errors.New("handle is closed")

// Error is the error returned by every operation of this package. Op names the
// operation ("dlopen", "dlsym", "call", "parse signature", ...), Name its
// argument (a path, a symbol, a signature) and Msg what went wrong, usually the
// loader's own dlerror text. Err, if not nil, is a sentinel the error wraps
// (ErrClosed, ErrUnsupported) for errors.Is.
type Error struct {
	Op   string
	Name string
	Msg  string
	Err  error
}

// Error formats e as `op "name": msg`, for instance
// `dlsym "Run": plugin.so: undefined symbol: Run`; when msg, the loader's
// text, starts with the name already, as dlerror does for the object it
// opens, the name is not said twice:
// `dlopen x.so: cannot open shared object file: No such file or directory`.
func (e *Error) Error() string {
	msg := e.Msg
	if msg == "" && e.Err != nil {
		msg = e.Err.Error()
	}
	if e.Name != "" && strings.HasPrefix(msg, e.Name+": ") {
		return e.Op + " " + msg
	}
	return e.Op + " " + strconv.Quote(e.Name) + ": " + msg
}

// Unwrap returns e.Err.
func (e *Error) Unwrap() error { return e.Err }

func unsupported(op, name string) error {
	return &Error{Op: op, Name: name, Msg: "not supported on this platform or build", Err: ErrUnsupported}
}

// Handle is an object opened by Open. It is safe for concurrent use: Close
// waits for the lookups in progress on the handle, and any use after Close
// returns an error matching ErrClosed. Lookups take no lock and write no
// memory shared with other threads (see guard.h), so they scale with the
// number of cores as far as the loader itself lets them.
//
// A Handle dropped without Close keeps its object loaded, like a handle the
// plugin package opens: only the few bytes of its bookkeeping are freed.
type Handle struct {
	path  string
	flags Flag
	gd    *guard // nil in a Handle not made by Open
}

// guard owns the C half of a Handle (guard.h): the dlopen handle and its
// closed flag, in C memory. A cleanup frees it once no Handle, nor a copy
// of one, refers to it; every method keeps it alive until its C call
// returns, so that it is never freed under a call.
type guard struct{ c uintptr }

// errGone is what the sys functions return for a closed guard; the Handle
// methods turn it into an *Error naming the operation.
var errGone = errors.New("closed guard")

// Open loads the shared object at path with dlopen and returns a handle to it.
// A path without a slash is searched for the way the loader searches
// (LD_LIBRARY_PATH, the cache, the default directories); "" opens the main
// program (dlopen(NULL)), whose lookups search the global scope. Opening an
// object already loaded returns another reference to it and runs no
// constructor. See Flag for the mode bits.
func Open(path string, flags Flag) (*Handle, error) {
	f, msg := flags.check()
	if msg != "" {
		return nil, &Error{Op: "dlopen", Name: path, Msg: msg}
	}
	if strings.IndexByte(path, 0) >= 0 {
		return nil, &Error{Op: "dlopen", Name: path, Msg: "path contains a NUL byte"}
	}
	c, err := sysOpen(path, f)
	if err != nil {
		return nil, err
	}
	gd := &guard{c}
	runtime.AddCleanup(gd, sysFreeGuard, c)
	return &Handle{path: path, flags: f, gd: gd}, nil
}

// Path returns the path given to Open ("" for the main program).
func (h *Handle) Path() string { return h.path }

// Flags returns the flags the handle was opened with, Now added if neither
// Lazy nor Now was given.
func (h *Handle) Flags() Flag { return h.flags }

// guard returns h's guard, or an error if h is nil or was not made by Open.
func (h *Handle) guard(op, name string) (*guard, error) {
	if h == nil {
		return nil, &Error{Op: op, Name: name, Msg: "nil handle", Err: ErrClosed}
	}
	if h.gd == nil {
		return nil, h.closed(op, name)
	}
	return h.gd, nil
}

// closed returns the error of an operation on h after Close.
func (h *Handle) closed(op, name string) error {
	return &Error{Op: op, Name: name, Msg: h.path + ": handle is closed", Err: ErrClosed}
}

// result turns errGone from a sys function into the error of op on h.
func (h *Handle) result(op, name string, err error) error {
	if err == errGone {
		return h.closed(op, name)
	}
	return err
}

// Raw returns the loader's own handle, the void* dlopen returned: the value
// dlopen prints in a trace, and what C code expects. Handles of the same
// object are equal. It is an error after Close.
func (h *Handle) Raw() (uintptr, error) {
	g, err := h.guard("handle", h.pathOrNil())
	if err != nil {
		return 0, err
	}
	raw := sysRaw(g.c)
	runtime.KeepAlive(g)
	if raw == 0 {
		return 0, h.closed("handle", h.path)
	}
	return raw, nil
}

// Sym returns the address of the symbol name (dlsym). A symbol whose value is
// 0, such as an absolute symbol defined as 0, is found with a nil error: only
// dlerror decides failure, not a NULL result. For an object whose symbol has
// several versions, Sym returns the default one.
func (h *Handle) Sym(name string) (uintptr, error) {
	g, err := h.guard("dlsym", name)
	if err != nil {
		return 0, err
	}
	p, err := sysSym(g.c, name)
	runtime.KeepAlive(g)
	if err != nil {
		return 0, h.result("dlsym", name, err)
	}
	return p, nil
}

// VSym returns the address of the given version of the symbol name (dlvsym),
// for instance VSym("memcpy", "GLIBC_2.2.5"). Linux (glibc) only.
func (h *Handle) VSym(name, version string) (uintptr, error) {
	g, err := h.guard("dlvsym", name+"@"+version)
	if err != nil {
		return 0, err
	}
	p, err := sysVSym(g.c, name, version)
	runtime.KeepAlive(g)
	return p, h.result("dlvsym", name+"@"+version, err)
}

// Close drops the reference to the object (dlclose), once the lookups in
// progress on h have returned; the loader unmaps the object, running its
// destructors, when the last reference goes unless it was opened with
// NoDelete. A second Close returns an error matching ErrClosed.
func (h *Handle) Close() error {
	g, err := h.guard("dlclose", h.pathOrNil())
	if err != nil {
		return err
	}
	err = sysClose(g.c, h.path)
	runtime.KeepAlive(g)
	return h.result("dlclose", h.path, err)
}

// LinkMap is an object's entry in the loader's link map (struct link_map).
type LinkMap struct {
	// Path is the object's path as the loader found it (l_name): the file it
	// opened after searching, "" for the main program.
	Path string
	// Base is the load bias (l_addr): the difference between the addresses in
	// the file and in memory; 0 for a non-PIE executable.
	Base uintptr
	// Dynamic is the address of the object's dynamic section (l_ld).
	Dynamic uintptr
}

// LinkMap returns the handle's link-map entry (dlinfo RTLD_DI_LINKMAP).
// Linux only.
func (h *Handle) LinkMap() (LinkMap, error) {
	g, err := h.guard("dlinfo", h.pathOrNil())
	if err != nil {
		return LinkMap{}, err
	}
	lm, err := sysLinkMap(g.c, h.path)
	runtime.KeepAlive(g)
	return lm, h.result("dlinfo", h.path, err)
}

// Origin returns the directory the object was loaded from, the value of
// $ORIGIN in its run paths (dlinfo RTLD_DI_ORIGIN). For the main program,
// whose origin glibc computes only on demand (RTLD_DI_ORIGIN would read a
// NULL pointer), it is the directory of os.Executable, as the loader computes
// it; an object without a file, such as the vDSO, has none. Linux only.
func (h *Handle) Origin() (string, error) {
	g, err := h.guard("dlinfo", h.pathOrNil())
	if err != nil {
		return "", err
	}
	o, err := sysOrigin(g.c, h.path)
	runtime.KeepAlive(g)
	return o, h.result("dlinfo", h.path, err)
}

// SearchPath returns, in order, the directories the loader searches for the
// object's dependencies (dlinfo RTLD_DI_SERINFO): its run paths with $ORIGIN
// expanded, LD_LIBRARY_PATH and the default directories. Linux only.
func (h *Handle) SearchPath() ([]string, error) {
	g, err := h.guard("dlinfo", h.pathOrNil())
	if err != nil {
		return nil, err
	}
	dirs, err := sysSearchPath(g.c, h.path)
	runtime.KeepAlive(g)
	return dirs, h.result("dlinfo", h.path, err)
}

func (h *Handle) pathOrNil() string {
	if h == nil {
		return ""
	}
	return h.path
}

// AddrInfo describes an address as dladdr does (Dl_info).
type AddrInfo struct {
	File    string  // path of the object containing the address (dli_fname)
	Base    uintptr // address the object is mapped at (dli_fbase)
	Sym     string  // nearest symbol at or below the address, "" if none (dli_sname)
	SymAddr uintptr // that symbol's address, 0 if none (dli_saddr)
}

// Addr returns the object and nearest symbol containing the address p
// (dladdr). It fails if p lies in no loaded object.
func Addr(p uintptr) (AddrInfo, error) { return sysAddr(p) }

// Object is one object mapped in the process, as dl_iterate_phdr reports it.
type Object struct {
	// Path is the object's path (dlpi_name); "" for the main program.
	Path string
	// Base is the load bias (dlpi_addr): add it to a segment's Vaddr for the
	// address in memory.
	Base uintptr
	// Segments are the object's program headers, in file order.
	Segments []Segment
}

// Segment is one program header of a loaded object.
type Segment struct {
	Type   elf.ProgType // p_type, e.g. PT_LOAD
	Flags  elf.ProgFlag // p_flags, e.g. PF_R+PF_X
	Offset uint64       // p_offset
	Vaddr  uint64       // p_vaddr, relative to the object's Base
	Filesz uint64       // p_filesz
	Memsz  uint64       // p_memsz
	Align  uint64       // p_align
}

// Loaded returns every object mapped in the process, in the loader's order
// (the main program first), using dl_iterate_phdr. Linux only.
func Loaded() ([]Object, error) { return sysLoaded() }

// GoString returns a copy of the NUL-terminated C string at address p, ""
// if p is 0. p must point to a readable, NUL-terminated string: GoString is
// as unsafe as the C code it reads from.
func GoString(p uintptr) string {
	if p == 0 {
		return ""
	}
	ptr := CPointer(p)
	n := 0
	for *(*byte)(unsafe.Add(ptr, n)) != 0 {
		n++
	}
	return string(unsafe.Slice((*byte)(ptr), n))
}

// CPointer converts p, the address of memory Go does not manage, to a
// pointer: C memory from malloc or the loader, an address a C function
// returned, the code or data of a loaded object (dlsym's results). It is
// the one integer-to-pointer conversion of this package and of the tools
// built on it. Such a conversion is valid for memory outside the Go heap,
// which the garbage collector neither moves nor frees; it goes through
// memory rather than unsafe.Pointer(p) because go vet cannot tell where p
// points and rightly flags the direct form. Never give it the address of
// Go memory: an integer does not keep Go memory alive, and the memory may
// be gone by the time the pointer is used.
func CPointer(p uintptr) unsafe.Pointer { return *(*unsafe.Pointer)(unsafe.Pointer(&p)) }
