//go:build linux && cgo

package cbench

/*
#cgo LDFLAGS: -ldl
#include <dlfcn.h>
#include <stdint.h>
#include <stdlib.h>

static uintptr_t cbench_open(const char *path) { return (uintptr_t)dlopen(path, RTLD_NOW); }

static void cbench_close(uintptr_t h) { dlclose((void *)h); }

// cbench_dlsym_loop looks name up n times; it returns how many lookups
// failed, so that the compiler keeps every call.
static long cbench_dlsym_loop(uintptr_t h, const char *name, long n) {
	long failed = 0;
	for (long i = 0; i < n; i++)
		if (dlsym((void *)h, name) == NULL) failed++;
	return failed;
}

// cbench_dlsym_err_loop is the loop with dlerror cleared and read around
// each dlsym, as cdl does.
static long cbench_dlsym_err_loop(uintptr_t h, const char *name, long n) {
	long failed = 0;
	for (long i = 0; i < n; i++) {
		dlerror();
		dlsym((void *)h, name);
		if (dlerror() != NULL) failed++;
	}
	return failed;
}

static void cbench_empty(void) {}
*/
import "C"

import (
	"errors"
	"unsafe"
)

// Open dlopens path with RTLD_NOW and returns the raw handle.
func Open(path string) (uintptr, error) {
	c := C.CString(path)
	defer C.free(unsafe.Pointer(c))
	h := C.cbench_open(c)
	if h == 0 {
		return 0, errors.New("cbench: dlopen " + path + " failed")
	}
	return uintptr(h), nil
}

// Close dlcloses a handle from Open.
func Close(h uintptr) { C.cbench_close(C.uintptr_t(h)) }

// DlsymLoop calls dlsym(h, name) n times in one C call and returns how many
// calls failed.
func DlsymLoop(h uintptr, name string, n int) int {
	c := C.CString(name)
	defer C.free(unsafe.Pointer(c))
	return int(C.cbench_dlsym_loop(C.uintptr_t(h), c, C.long(n)))
}

// DlsymErrLoop is DlsymLoop with dlerror called before and after each dlsym.
func DlsymErrLoop(h uintptr, name string, n int) int {
	c := C.CString(name)
	defer C.free(unsafe.Pointer(c))
	return int(C.cbench_dlsym_err_loop(C.uintptr_t(h), c, C.long(n)))
}

// Empty is a cgo call to a C function that does nothing.
func Empty() { C.cbench_empty() }
