//go:build linux && cgo

package cdl

/*
#cgo nocallback cdl_vsym
#cgo nocallback cdl_linkmap
#cgo nocallback cdl_origin
#cgo nocallback cdl_serinfo
#define _GNU_SOURCE
#include <dlfcn.h>
#include <link.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "guard.h"

// The functions below take a handle's guard and run their loader calls
// between cdl_enter and cdl_leave (see guard.h). CDL_ENTER returns from the
// function with failed set to 3 for a closed handle, or with err saying
// memory is short.
#define CDL_ENTER(g, slot, r) \
	cdl_slot *slot; \
	switch (cdl_enter((cdl_guard *)(g), &slot)) { \
	case CDL_IN: break; \
	case CDL_CLOSED: (r).failed = 3; return r; \
	default: (r).err = strdup("out of memory"); (r).failed = 1; return r; \
	}
#define CDL_DL(g) (((cdl_guard *)(g))->dl)

typedef struct {
	uintptr_t p;
	char *err;
	int failed;
} cdl_lres;

static char *cdl_lerr(const char *def) {
	const char *e = dlerror();
	return strdup(e ? e : def);
}

static cdl_lres cdl_vsym(uintptr_t g, const char *name, const char *version) {
	cdl_lres r = {0, NULL, 0};
	CDL_ENTER(g, slot, r)
	dlerror();
	void *p = dlvsym(CDL_DL(g), name, version);
	const char *e = dlerror();
	if (e != NULL) {
		r.err = strdup(e);
		r.failed = 1;
	}
	cdl_leave(slot);
	r.p = (uintptr_t)p;
	return r;
}

typedef struct {
	char *name;
	uintptr_t addr;
	uintptr_t ld;
	char *err;
	int failed;
} cdl_lm;

static cdl_lm cdl_linkmap(uintptr_t g) {
	cdl_lm r = {NULL, 0, 0, NULL, 0};
	CDL_ENTER(g, slot, r)
	struct link_map *lm = NULL;
	dlerror();
	if (dlinfo(CDL_DL(g), RTLD_DI_LINKMAP, &lm) != 0 || lm == NULL) {
		r.err = cdl_lerr("no link map");
		r.failed = 1;
	} else {
		r.name = strdup(lm->l_name ? lm->l_name : "");
		r.addr = (uintptr_t)lm->l_addr;
		r.ld = (uintptr_t)lm->l_ld;
	}
	cdl_leave(slot);
	return r;
}

// cdl_origin returns a malloc'd copy of the object's origin in p, or fails.
// glibc's RTLD_DI_ORIGIN copies l_origin without checking it, and l_origin is
// NULL for objects created without a file name (the main program, whose
// origin glibc computes only on demand, and the vDSO): those are refused here
// (failed = 2 for the main program, 4 for the others) rather than crash.
static cdl_lres cdl_origin_in(void *h) {
	cdl_lres r = {0, NULL, 0};
	struct link_map *lm = NULL;
	dlerror();
	if (dlinfo(h, RTLD_DI_LINKMAP, &lm) != 0 || lm == NULL) {
		r.err = cdl_lerr("no link map");
		r.failed = 1;
		return r;
	}
	if (lm->l_name == NULL || lm->l_name[0] == 0) {
		r.failed = 2;
		return r;
	}
	if (strchr(lm->l_name, '/') == NULL) {
		r.failed = 4;
		return r;
	}
	char buf[PATH_MAX + 1];
	buf[0] = 0;
	if (dlinfo(h, RTLD_DI_ORIGIN, buf) != 0) {
		r.err = cdl_lerr("no origin");
		r.failed = 1;
		return r;
	}
	buf[PATH_MAX] = 0;
	r.p = (uintptr_t)strdup(buf);
	return r;
}

static cdl_lres cdl_origin(uintptr_t g) {
	cdl_lres r = {0, NULL, 0};
	CDL_ENTER(g, slot, r)
	r = cdl_origin_in(CDL_DL(g));
	cdl_leave(slot);
	return r;
}

// cdl_serinfo follows dlinfo(3)'s protocol: ask for the size, allocate,
// initialise the buffer with a second size request, then fill it. The
// caller frees the result.
static Dl_serinfo *cdl_serinfo_in(void *h, char **err) {
	Dl_serinfo size;
	dlerror();
	if (dlinfo(h, RTLD_DI_SERINFOSIZE, &size) != 0) {
		*err = cdl_lerr("RTLD_DI_SERINFOSIZE failed");
		return NULL;
	}
	Dl_serinfo *si = malloc(size.dls_size);
	if (si == NULL) {
		*err = strdup("out of memory");
		return NULL;
	}
	if (dlinfo(h, RTLD_DI_SERINFOSIZE, si) != 0 || dlinfo(h, RTLD_DI_SERINFO, si) != 0) {
		*err = cdl_lerr("RTLD_DI_SERINFO failed");
		free(si);
		return NULL;
	}
	return si;
}

typedef struct {
	Dl_serinfo *si;
	char *err;
	int failed;
} cdl_si;

static cdl_si cdl_serinfo(uintptr_t g) {
	cdl_si r = {NULL, NULL, 0};
	CDL_ENTER(g, slot, r)
	r.si = cdl_serinfo_in(CDL_DL(g), &r.err);
	cdl_leave(slot);
	if (r.si == NULL) r.failed = 1;
	return r;
}

static const char *cdl_serpath(Dl_serinfo *si, unsigned int i) {
	return si->dls_serpath[i].dls_name;
}

typedef struct {
	char *name;
	uintptr_t addr;
	size_t seg0, nseg;
} cdl_obj;

typedef struct {
	uint32_t type, flags;
	uint64_t off, vaddr, filesz, memsz, align;
} cdl_seg;

typedef struct {
	cdl_obj *objs;
	size_t nobj, capobj;
	cdl_seg *segs;
	size_t nseg, capseg;
	int oom;
} cdl_objs;

// cdl_phdr_cb copies one object: the loader's strings and headers are only
// safe to read while dl_iterate_phdr holds its lock.
static int cdl_phdr_cb(struct dl_phdr_info *info, size_t size, void *data) {
	cdl_objs *o = data;
	(void)size;
	if (o->nobj == o->capobj) {
		size_t c = o->capobj ? 2 * o->capobj : 32;
		cdl_obj *n = realloc(o->objs, c * sizeof *n);
		if (n == NULL) { o->oom = 1; return 1; }
		o->objs = n;
		o->capobj = c;
	}
	if (o->nseg + info->dlpi_phnum > o->capseg) {
		size_t c = o->capseg ? 2 * o->capseg : 256;
		while (c < o->nseg + info->dlpi_phnum) c *= 2;
		cdl_seg *n = realloc(o->segs, c * sizeof *n);
		if (n == NULL) { o->oom = 1; return 1; }
		o->segs = n;
		o->capseg = c;
	}
	cdl_obj *ob = &o->objs[o->nobj];
	ob->name = strdup(info->dlpi_name ? info->dlpi_name : "");
	if (ob->name == NULL) { o->oom = 1; return 1; }
	ob->addr = (uintptr_t)info->dlpi_addr;
	ob->seg0 = o->nseg;
	ob->nseg = info->dlpi_phnum;
	for (size_t i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		cdl_seg *s = &o->segs[o->nseg++];
		s->type = ph->p_type;
		s->flags = ph->p_flags;
		s->off = ph->p_offset;
		s->vaddr = ph->p_vaddr;
		s->filesz = ph->p_filesz;
		s->memsz = ph->p_memsz;
		s->align = ph->p_align;
	}
	o->nobj++;
	return 0;
}

static cdl_objs cdl_loaded(void) {
	cdl_objs o;
	memset(&o, 0, sizeof o);
	dl_iterate_phdr(cdl_phdr_cb, &o);
	return o;
}

static void cdl_free_objs(cdl_objs o) {
	for (size_t i = 0; i < o.nobj; i++) free(o.objs[i].name);
	free(o.objs);
	free(o.segs);
}
*/
import "C"

import (
	"debug/elf"
	"os"
	"path/filepath"
	"unsafe"
)

func sysVSym(g uintptr, name, version string) (uintptr, error) {
	full := name + "@" + version
	for i := 0; i < len(full); i++ {
		if full[i] == 0 {
			return 0, &Error{Op: "dlvsym", Name: full, Msg: "name or version contains a NUL byte"}
		}
	}
	cname, cver := C.CString(name), C.CString(version)
	defer C.free(unsafe.Pointer(cname))
	defer C.free(unsafe.Pointer(cver))
	r := C.cdl_vsym(C.uintptr_t(g), cname, cver)
	switch r.failed {
	case 0:
	case 3:
		return 0, errGone
	default:
		return 0, &Error{Op: "dlvsym", Name: full, Msg: takeErr(r.err, "unknown dlvsym error")}
	}
	return uintptr(r.p), nil
}

func sysLinkMap(g uintptr, path string) (LinkMap, error) {
	r := C.cdl_linkmap(C.uintptr_t(g))
	switch r.failed {
	case 0:
	case 3:
		return LinkMap{}, errGone
	default:
		return LinkMap{}, &Error{Op: "dlinfo", Name: path, Msg: "RTLD_DI_LINKMAP: " + takeErr(r.err, "unknown dlinfo error")}
	}
	return LinkMap{Path: takeString(r.name), Base: uintptr(r.addr), Dynamic: uintptr(r.ld)}, nil
}

func sysOrigin(g uintptr, path string) (string, error) {
	r := C.cdl_origin(C.uintptr_t(g))
	switch r.failed {
	case 2:
		// The main program: what glibc's _dl_get_origin computes.
		exe, err := os.Executable()
		if err != nil {
			return "", &Error{Op: "dlinfo", Name: path, Msg: "RTLD_DI_ORIGIN: " + err.Error()}
		}
		return filepath.Dir(exe), nil
	case 3:
		return "", errGone
	case 4:
		return "", &Error{Op: "dlinfo", Name: path, Msg: "RTLD_DI_ORIGIN: the loader records no origin for an object without a file"}
	}
	if r.failed != 0 {
		return "", &Error{Op: "dlinfo", Name: path, Msg: "RTLD_DI_ORIGIN: " + takeErr(r.err, "unknown dlinfo error")}
	}
	if r.p == 0 {
		return "", &Error{Op: "dlinfo", Name: path, Msg: "RTLD_DI_ORIGIN: out of memory"}
	}
	return takeString((*C.char)(CPointer(uintptr(r.p)))), nil
}

func sysSearchPath(g uintptr, path string) ([]string, error) {
	r := C.cdl_serinfo(C.uintptr_t(g))
	switch r.failed {
	case 0:
	case 3:
		return nil, errGone
	default:
		return nil, &Error{Op: "dlinfo", Name: path, Msg: "RTLD_DI_SERINFO: " + takeErr(r.err, "out of memory")}
	}
	si := r.si
	defer C.free(unsafe.Pointer(si))
	dirs := make([]string, 0, int(si.dls_cnt))
	for i := C.uint(0); i < si.dls_cnt; i++ {
		dirs = append(dirs, C.GoString(C.cdl_serpath(si, i)))
	}
	return dirs, nil
}

func sysLoaded() ([]Object, error) {
	o := C.cdl_loaded()
	defer C.cdl_free_objs(o)
	if o.oom != 0 {
		return nil, &Error{Op: "dl_iterate_phdr", Msg: "out of memory"}
	}
	objs := unsafe.Slice(o.objs, int(o.nobj))
	segs := unsafe.Slice(o.segs, int(o.nseg))
	out := make([]Object, len(objs))
	for i, ob := range objs {
		out[i] = Object{Path: C.GoString(ob.name), Base: uintptr(ob.addr)}
		ss := segs[ob.seg0 : ob.seg0+ob.nseg]
		out[i].Segments = make([]Segment, len(ss))
		for j, s := range ss {
			out[i].Segments[j] = Segment{
				Type:   elf.ProgType(s._type),
				Flags:  elf.ProgFlag(s.flags),
				Offset: uint64(s.off),
				Vaddr:  uint64(s.vaddr),
				Filesz: uint64(s.filesz),
				Memsz:  uint64(s.memsz),
				Align:  uint64(s.align),
			}
		}
	}
	return out, nil
}
