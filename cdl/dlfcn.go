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

// Flag bits, as in cdl.go.
enum { F_LAZY = 1, F_NOW = 2, F_GLOBAL = 4, F_LOCAL = 8, F_NODELETE = 16, F_NOLOAD = 32, F_DEEPBIND = 64 };

// cdl_mode translates flags to a dlopen mode, or returns -1 if this
// platform lacks one of them.
static int cdl_mode(int f) {
	int m = 0;
	if (f & F_LAZY) m |= RTLD_LAZY;
	if (f & F_NOW) m |= RTLD_NOW;
	if (f & F_GLOBAL) m |= RTLD_GLOBAL;
	if (f & F_LOCAL) m |= RTLD_LOCAL;
	if (f & F_NODELETE) {
#ifdef RTLD_NODELETE
		m |= RTLD_NODELETE;
#else
		return -1;
#endif
	}
	if (f & F_NOLOAD) {
#ifdef RTLD_NOLOAD
		m |= RTLD_NOLOAD;
#else
		return -1;
#endif
	}
	if (f & F_DEEPBIND) {
#ifdef RTLD_DEEPBIND
		m |= RTLD_DEEPBIND;
#else
		return -1;
#endif
	}
	return m;
}

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

static cdl_res cdl_open(const char *path, int mode) {
	cdl_res r = {0, NULL, 0};
	dlerror();
	void *h = dlopen(path, mode);
	if (h == NULL) {
		r.err = cdl_err();
		r.failed = 1;
	}
	r.p = (uintptr_t)h;
	return r;
}

// cdl_sym looks up the n bytes at name, which need no terminating NUL: they
// are copied to a NUL-terminated buffer here so that Go passes a string with
// no allocation. A NULL result is a failure only if dlerror says so. It
// writes to *r, a Go stack variable: with "#cgo noescape" and "nocallback",
// r stays on the stack, and a void function spares cgo's _cgo_topofstack
// calls around a returned value.
typedef struct {
	uintptr_t p;
	uintptr_t err; // a char* from strdup, as an integer so that Go's
	               // pointer checks need not look at *r
	int failed;
} cdl_symres;

static void cdl_sym(uintptr_t h, const char *name, size_t n, cdl_symres *r) {
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
	dlerror();
	void *p = dlsym((void *)h, s);
	const char *e = dlerror();
	if (e != NULL) {
		r->err = (uintptr_t)strdup(e);
		r->failed = 1;
	}
	if (s != buf) free(s);
	r->p = (uintptr_t)p;
}

static cdl_res cdl_close(uintptr_t h) {
	cdl_res r = {0, NULL, 0};
	dlerror();
	if (dlclose((void *)h) != 0) {
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
// Arguments and result go by value, so no Go memory is passed to C and the
// called function may call back into Go.
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

#define CDL_ARGS i0, i1, i2, i3, i4, i5, cdl_d(d0), cdl_d(d1), cdl_d(d2), cdl_d(d3), \
	cdl_d(d4), cdl_d(d5), cdl_d(d6), cdl_d(d7)

// cdl_call returns the result's bits: an integer, a double, or a float in
// the low 32 bits.
static uint64_t cdl_call(uintptr_t fn, int ret,
	uint64_t i0, uint64_t i1, uint64_t i2, uint64_t i3, uint64_t i4, uint64_t i5,
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

// takeErr returns the copy of the loader's message at err, freeing it, or
// def if the loader set none.
func takeErr(err *C.char, def string) string {
	if err == nil {
		return def
	}
	defer C.free(unsafe.Pointer(err))
	return C.GoString(err)
}

func sysOpen(path string, flags Flag) (uintptr, error) {
	mode := C.cdl_mode(C.int(flags))
	if mode < 0 {
		return 0, &Error{Op: "dlopen", Name: path, Msg: "flags " + flags.String() + " not supported on this platform", Err: ErrUnsupported}
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

func sysSym(h uintptr, name string) (uintptr, error) {
	var r C.cdl_symres
	C.cdl_sym(C.uintptr_t(h), (*C.char)(unsafe.Pointer(unsafe.StringData(name))), C.size_t(len(name)), &r)
	switch r.failed {
	case 0:
		return uintptr(r.p), nil
	case 2:
		return 0, &Error{Op: "dlsym", Name: name, Msg: "name contains a NUL byte"}
	}
	return 0, &Error{Op: "dlsym", Name: name,
		Msg: takeErr(*(**C.char)(unsafe.Pointer(&r.err)), "out of memory")}
}

func sysClose(h uintptr, path string) error {
	r := C.cdl_close(C.uintptr_t(h))
	if r.failed != 0 {
		return &Error{Op: "dlclose", Name: path, Msg: takeErr(r.err, "unknown dlclose error")}
	}
	return nil
}

func sysAddr(p uintptr) (AddrInfo, error) {
	r := C.cdl_dladdr(C.uintptr_t(p))
	if r.ok == 0 {
		return AddrInfo{}, &Error{Op: "dladdr", Name: "0x" + strconv.FormatUint(uint64(p), 16), Msg: "address is in no loaded object"}
	}
	info := AddrInfo{Base: uintptr(r.fbase), SymAddr: uintptr(r.saddr)}
	if r.fname != nil {
		info.File = C.GoString(r.fname)
		C.free(unsafe.Pointer(r.fname))
	}
	if r.sname != nil {
		info.Sym = C.GoString(r.sname)
		C.free(unsafe.Pointer(r.sname))
	}
	return info, nil
}

func sysCall(fr *frame, strs []cstr, sig Signature) error {
	for _, s := range strs {
		fr.ints[s.slot] = uint64(uintptr(unsafe.Pointer(C.CString(s.s))))
	}
	i, d := &fr.ints, &fr.flts
	fr.r = uint64(C.cdl_call(C.uintptr_t(fr.fn), C.int(fr.ret),
		C.uint64_t(i[0]), C.uint64_t(i[1]), C.uint64_t(i[2]), C.uint64_t(i[3]), C.uint64_t(i[4]), C.uint64_t(i[5]),
		C.uint64_t(d[0]), C.uint64_t(d[1]), C.uint64_t(d[2]), C.uint64_t(d[3]),
		C.uint64_t(d[4]), C.uint64_t(d[5]), C.uint64_t(d[6]), C.uint64_t(d[7])))
	for _, s := range strs {
		C.free(*(*unsafe.Pointer)(unsafe.Pointer(&fr.ints[s.slot])))
	}
	return nil
}
