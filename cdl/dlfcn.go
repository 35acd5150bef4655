//go:build (linux || darwin || freebsd) && cgo

package cdl

/*
#cgo linux LDFLAGS: -ldl
#cgo noescape cdl_sym
#cgo nocallback cdl_sym
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "guard.h"

// The modes some platforms lack: -1 there, which Open refuses.
#ifdef RTLD_NODELETE
#define CDL_RTLD_NODELETE RTLD_NODELETE
#else
#define CDL_RTLD_NODELETE -1
#endif
#ifdef RTLD_NOLOAD
#define CDL_RTLD_NOLOAD RTLD_NOLOAD
#else
#define CDL_RTLD_NOLOAD -1
#endif
#ifdef RTLD_DEEPBIND
#define CDL_RTLD_DEEPBIND RTLD_DEEPBIND
#else
#define CDL_RTLD_DEEPBIND -1
#endif

// cdl_res is a result and, on failure, a malloc'd copy of dlerror's text
// (NULL if the loader set none). The copy is made here because the next
// dlerror call on this thread, possibly by another goroutine, frees the
// loader's own string.
typedef struct {
	uintptr_t p;
	char *err;
	int failed;
} cdl_res;

static char *cdl_err(void) {
	const char *e = dlerror();
	return e ? strdup(e) : NULL;
}

// cdl_open returns the handle's guard (see guard.h) in r.p.
static cdl_res cdl_open(const char *path, int mode) {
	cdl_res r = {0, NULL, 0};
	dlerror();
	void *h = dlopen(path, mode);
	if (h == NULL) {
		r.err = cdl_err();
		r.failed = 1;
		return r;
	}
	cdl_guard *g = malloc(sizeof *g);
	if (g == NULL) {
		dlclose(h);
		r.err = strdup("out of memory");
		r.failed = 1;
		return r;
	}
	g->dl = h;
	atomic_init(&g->closed, 0);
	r.p = (uintptr_t)g;
	return r;
}

// cdl_raw returns the dlopen handle of the guard g, or 0 once it is closed.
static uintptr_t cdl_raw(uintptr_t g) {
	cdl_guard *gd = (cdl_guard *)g;
	return atomic_load(&gd->closed) ? 0 : (uintptr_t)gd->dl;
}

static void cdl_free_guard(uintptr_t g) { free((void *)g); }

// cdl_sym looks up the n bytes at name, which need no terminating NUL: they
// are copied to a NUL-terminated buffer here so that Go passes a string with
// no allocation. A NULL result is a failure only if dlerror says so. It
// writes to *r, a Go stack variable: with "#cgo noescape" and "nocallback",
// r stays on the stack, and a void function spares cgo's _cgo_topofstack
// calls around a returned value. failed is 1 for a loader error (err holds
// its text, or 0 when memory was short), 2 for a NUL in the name, 3 for a
// closed handle.
typedef struct {
	uintptr_t p;
	uintptr_t err; // a char* from strdup, as an integer so that Go's
	               // pointer checks need not look at *r
	int failed;
} cdl_symres;

static void cdl_sym(uintptr_t g, const char *name, size_t n, cdl_symres *r) {
	char buf[256], *s = buf;
	if (n > 0 && memchr(name, 0, n) != NULL) {
		r->failed = 2; // a NUL byte would cut the name short
		return;
	}
	if (n >= sizeof buf) {
		s = malloc(n + 1);
		if (s == NULL) {
			r->failed = 1;
			return;
		}
	}
	if (n > 0) memcpy(s, name, n);
	s[n] = 0;
	cdl_slot *slot;
	switch (cdl_enter((cdl_guard *)g, &slot)) {
	case CDL_IN: {
		dlerror();
		r->p = (uintptr_t)dlsym(((cdl_guard *)g)->dl, s);
		const char *e = dlerror();
		if (e != NULL) {
			r->err = (uintptr_t)strdup(e);
			r->failed = 1;
		}
		cdl_leave(slot);
		break;
	}
	case CDL_CLOSED:
		r->failed = 3;
		break;
	default:
		r->failed = 1;
	}
	if (s != buf) free(s);
}

// cdl_close closes the guard g, waiting for the lookups in flight, then
// drops the loader's reference; failed is 3 if g was already closed.
static cdl_res cdl_close(uintptr_t g) {
	cdl_res r = {0, NULL, 0};
	if (cdl_guard_close((cdl_guard *)g)) {
		r.failed = 3;
		return r;
	}
	dlerror();
	if (dlclose(((cdl_guard *)g)->dl) != 0) {
		r.err = cdl_err();
		r.failed = 1;
	}
	return r;
}

typedef struct {
	int ok;
	char *fname;
	uintptr_t fbase;
	char *sname;
	uintptr_t saddr;
} cdl_addr;

// cdl_dladdr copies the names: they live in the loader's memory, which a
// concurrent dlclose may unmap once this call returns.
static cdl_addr cdl_dladdr(uintptr_t p) {
	cdl_addr r = {0, NULL, 0, NULL, 0};
	Dl_info i;
	if (dladdr((void *)p, &i) == 0) return r;
	r.ok = 1;
	r.fname = i.dli_fname ? strdup(i.dli_fname) : NULL;
	r.fbase = (uintptr_t)i.dli_fbase;
	r.sname = i.dli_sname ? strdup(i.dli_sname) : NULL;
	r.saddr = (uintptr_t)i.dli_saddr;
	return r;
}

// The trampoline calls every function as one taking 6 integer and 8 double
// arguments. On amd64 (System V) and arm64 (AAPCS64) all of them travel in
// registers, integers and floats each filling their own registers in order,
// and the caller owns the stack: a callee taking fewer arguments reads the
// registers it expects and ignores the rest. A float argument is a double
// slot whose low 32 bits hold the float, which is where the callee reads it.
// Integer slot k takes pk instead of ik when bit k of ptrs is set: pointers
// come as pointers, so that cgo checks the Go memory they point to. Nothing
// else is passed by reference, so the called function may call back into Go.
typedef uint64_t (*cdl_fn_i)(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t,
	double, double, double, double, double, double, double, double);
typedef double (*cdl_fn_d)(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t,
	double, double, double, double, double, double, double, double);
typedef float (*cdl_fn_f)(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t,
	double, double, double, double, double, double, double, double);

static double cdl_d(uint64_t u) {
	double d;
	memcpy(&d, &u, sizeof d);
	return d;
}

#define CDL_I(k) ((ptrs >> (k)) & 1 ? (uint64_t)(uintptr_t)p##k : i##k)
#define CDL_ARGS CDL_I(0), CDL_I(1), CDL_I(2), CDL_I(3), CDL_I(4), CDL_I(5), \
	cdl_d(d0), cdl_d(d1), cdl_d(d2), cdl_d(d3), cdl_d(d4), cdl_d(d5), cdl_d(d6), cdl_d(d7)

// cdl_call returns the result's bits: an integer, a double, or a float in
// the low 32 bits.
static uint64_t cdl_call(uintptr_t fn, int ret, unsigned ptrs,
	uint64_t i0, uint64_t i1, uint64_t i2, uint64_t i3, uint64_t i4, uint64_t i5,
	void *p0, void *p1, void *p2, void *p3, void *p4, void *p5,
	uint64_t d0, uint64_t d1, uint64_t d2, uint64_t d3, uint64_t d4, uint64_t d5, uint64_t d6, uint64_t d7) {
	uint64_t u = 0;
	switch (ret) {
	case 1: {
		double r = ((cdl_fn_d)fn)(CDL_ARGS);
		memcpy(&u, &r, sizeof r);
		break;
	}
	case 2: {
		float r = ((cdl_fn_f)fn)(CDL_ARGS);
		uint32_t w;
		memcpy(&w, &r, sizeof w);
		u = w;
		break;
	}
	default:
		u = ((cdl_fn_i)fn)(CDL_ARGS);
	}
	return u;
}
*/
import "C"

import (
	"strconv"
	"unsafe"
)

// modes maps each Flag to this platform's dlopen mode bit, -1 where the
// platform has none.
var modes = [...]struct {
	f Flag
	m C.int
}{
	{Lazy, C.RTLD_LAZY}, {Now, C.RTLD_NOW}, {Global, C.RTLD_GLOBAL}, {Local, C.RTLD_LOCAL},
	{NoDelete, C.CDL_RTLD_NODELETE}, {NoLoad, C.CDL_RTLD_NOLOAD}, {DeepBind, C.CDL_RTLD_DEEPBIND},
}

// takeErr returns the copy of the loader's message at err, freeing it, or
// def if the loader set none.
func takeErr(err *C.char, def string) string {
	if err == nil {
		return def
	}
	return takeString(err)
}

// takeString returns a Go copy of the C string at p, which the C side
// allocated for the caller, and frees it; "" for nil.
func takeString(p *C.char) string {
	if p == nil {
		return ""
	}
	defer C.free(unsafe.Pointer(p))
	return C.GoString(p)
}

func sysOpen(path string, flags Flag) (uintptr, error) {
	var mode C.int
	for _, m := range modes {
		if flags&m.f == 0 {
			continue
		}
		if m.m < 0 {
			return 0, &Error{Op: "dlopen", Name: path, Msg: "flag " + m.f.String() + " not supported on this platform", Err: ErrUnsupported}
		}
		mode |= m.m
	}
	var cpath *C.char
	if path != "" {
		cpath = C.CString(path)
		defer C.free(unsafe.Pointer(cpath))
	}
	r := C.cdl_open(cpath, mode)
	if r.failed != 0 {
		def := "unknown dlopen error"
		if flags&NoLoad != 0 {
			def = "not loaded (NoLoad)"
		}
		return 0, &Error{Op: "dlopen", Name: path, Msg: takeErr(r.err, def)}
	}
	return uintptr(r.p), nil
}

func sysRaw(g uintptr) uintptr { return uintptr(C.cdl_raw(C.uintptr_t(g))) }

func sysFreeGuard(g uintptr) { C.cdl_free_guard(C.uintptr_t(g)) }

func sysSym(g uintptr, name string) (uintptr, error) {
	var r C.cdl_symres
	C.cdl_sym(C.uintptr_t(g), (*C.char)(unsafe.Pointer(unsafe.StringData(name))), C.size_t(len(name)), &r)
	switch r.failed {
	case 0:
		return uintptr(r.p), nil
	case 2:
		return 0, &Error{Op: "dlsym", Name: name, Msg: "name contains a NUL byte"}
	case 3:
		return 0, errGone
	}
	return 0, &Error{Op: "dlsym", Name: name, Msg: takeErr((*C.char)(CPointer(uintptr(r.err))), "out of memory")}
}

func sysClose(g uintptr, path string) error {
	r := C.cdl_close(C.uintptr_t(g))
	switch r.failed {
	case 0:
		return nil
	case 3:
		return errGone
	}
	return &Error{Op: "dlclose", Name: path, Msg: takeErr(r.err, "unknown dlclose error")}
}

func sysAddr(p uintptr) (AddrInfo, error) {
	r := C.cdl_dladdr(C.uintptr_t(p))
	if r.ok == 0 {
		return AddrInfo{}, &Error{Op: "dladdr", Name: "0x" + strconv.FormatUint(uint64(p), 16), Msg: "address is in no loaded object"}
	}
	return AddrInfo{File: takeString(r.fname), Base: uintptr(r.fbase), Sym: takeString(r.sname), SymAddr: uintptr(r.saddr)}, nil
}

// sysCall copies the string arguments to C memory, into the pointer slots,
// calls the trampoline and frees them. The pointer slots go to C as
// unsafe.Pointer, so that cgocheck sees them: Go memory they point to must
// hold no unpinned Go pointer.
func sysCall(fr *frame, strs []cstr, sig Signature) error {
	for _, s := range strs {
		fr.ptrs[s.slot] = unsafe.Pointer(C.CString(s.s))
		fr.mask |= 1 << s.slot
	}
	i, p, d := &fr.ints, &fr.ptrs, &fr.flts
	fr.r = uint64(C.cdl_call(C.uintptr_t(fr.fn), C.int(fr.ret), C.uint(fr.mask),
		C.uint64_t(i[0]), C.uint64_t(i[1]), C.uint64_t(i[2]), C.uint64_t(i[3]), C.uint64_t(i[4]), C.uint64_t(i[5]),
		p[0], p[1], p[2], p[3], p[4], p[5],
		C.uint64_t(d[0]), C.uint64_t(d[1]), C.uint64_t(d[2]), C.uint64_t(d[3]),
		C.uint64_t(d[4]), C.uint64_t(d[5]), C.uint64_t(d[6]), C.uint64_t(d[7])))
	for _, s := range strs {
		C.free(fr.ptrs[s.slot])
	}
	return nil
}
