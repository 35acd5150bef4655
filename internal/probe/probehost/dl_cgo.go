//go:build cgo

package main

/*
#cgo linux LDFLAGS: -ldl
#define _GNU_SOURCE
#include <dlfcn.h>
#include <link.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>

// noload returns the loader's handle of an object already loaded, taking
// a reference (dlclose drops it), or NULL.
static void *noload(const char *path) { return dlopen(path, RTLD_LAZY | RTLD_NOLOAD); }

// linkmap fills the real path and load base of the object behind h.
static int linkmap(void *h, const char **name, uintptr_t *base) {
	struct link_map *lm = 0;
	if (dlinfo(h, RTLD_DI_LINKMAP, &lm) != 0 || lm == 0) return -1;
	*name = lm->l_name;
	*base = (uintptr_t)lm->l_addr;
	return 0;
}

static uintptr_t symaddr(void *h, const char *name) { return (uintptr_t)dlsym(h, name); }
static void flushall(void) { fflush(NULL); }
static uint32_t load32(uintptr_t p) { return *(volatile uint32_t *)p; }
*/
import "C"

import "unsafe"

// dlHandle is a reference to an already loaded object, taken with
// RTLD_NOLOAD: it loads nothing.
type dlHandle struct{ h unsafe.Pointer }

// noLoad returns a reference to the loaded object at path, or nil.
func noLoad(path string) *dlHandle {
	cs := C.CString(path)
	defer C.free(unsafe.Pointer(cs))
	h := C.noload(cs)
	if h == nil {
		return nil
	}
	return &dlHandle{h}
}

func (d *dlHandle) close() { C.dlclose(d.h) }

// raw is the loader's own handle value.
func (d *dlHandle) raw() uint64 { return uint64(uintptr(d.h)) }

// linkMap returns the object's real path and load base.
func (d *dlHandle) linkMap() (string, uint64) {
	var name *C.char
	var base C.uintptr_t
	if C.linkmap(d.h, &name, &base) != 0 {
		return "", 0
	}
	return C.GoString(name), uint64(base)
}

// sym is dlsym's address for name, 0 if none.
func (d *dlHandle) sym(name string) uint64 {
	cs := C.CString(name)
	defer C.free(unsafe.Pointer(cs))
	return uint64(C.symaddr(d.h, cs))
}

// flushC flushes C stdio: os.Exit leaves without running C's exit
// handlers, and a constructor's printf would otherwise be lost.
func flushC() { C.flushall() }

// load32 reads the 32-bit word at addr.
func load32(addr uint64) uint32 { return uint32(C.load32(C.uintptr_t(addr))) }
