// Command pluginoracle is the oracle of the plugin anatomy tests: it loads
// a plugin with plugin.Open, looks up every symbol in its table, and writes
// what the runtime saw as JSON to the file named by its second argument
// (stdout is left to the plugin's init functions).
//
// It enumerates the table from plugin.Plugin's unexported syms map through
// reflect, so the set of names does not come from the static reader under
// test. Addresses are given relative to the plugin's load base (l_addr from
// dlinfo), and each export's address is checked against dladdr and dlsym.
//
// It also reports, from the process's memory after plugin.Open, every init
// task and package hash the plugin's symbol tables name (read with
// debug/elf): where ld.so bound the plugin's reference (dlsym in the global
// scope, as the relocations were bound: the host's copy when the host
// defines the symbol), the task's state (2: done) and the names dladdr gives
// the functions it holds, and the runtime hash plugin.Open compared the
// plugin's link-time hash with.
//
//	pluginoracle PLUGIN.so OUT.json
package main

/*
#cgo linux LDFLAGS: -ldl
#define _GNU_SOURCE
#include <dlfcn.h>
#include <link.h>
#include <stdint.h>
#include <stdlib.h>

// loadBase returns l_addr of an already loaded object, or 0 with *err set.
static uintptr_t loadBase(const char *path, const char **err) {
	void *h = dlopen(path, RTLD_NOW | RTLD_NOLOAD);
	if (h == NULL) { *err = dlerror(); return 0; }
	struct link_map *lm = NULL;
	if (dlinfo(h, RTLD_DI_LINKMAP, &lm) != 0) { *err = dlerror(); dlclose(h); return 0; }
	uintptr_t b = lm->l_addr;
	dlclose(h);
	return b;
}

// symName returns the name dladdr gives addr, or NULL.
static const char *symName(uintptr_t addr) {
	Dl_info info;
	if (dladdr((void *)addr, &info) == 0) return NULL;
	return info.dli_sname;
}

// global returns dlsym(RTLD_DEFAULT, sym): the definition ld.so binds a
// global reference to, or 0.
static uintptr_t global(const char *sym) { return (uintptr_t)dlsym(RTLD_DEFAULT, sym); }

// fileOf returns the file name dladdr gives the object holding addr, or NULL.
static const char *fileOf(uintptr_t addr) {
	Dl_info info;
	if (dladdr((void *)addr, &info) == 0) return NULL;
	return info.dli_fname;
}

// The process's memory at addr, read from C (the addresses are the
// loader's, not Go pointers).
static uint32_t u32At(uintptr_t addr) { return *(uint32_t *)addr; }
static uintptr_t ptrAt(uintptr_t addr) { return *(uintptr_t *)addr; }
static void *bytesAt(uintptr_t addr) { return *(void **)addr; }

// lookup returns dlsym(path's handle, sym), or 0.
static uintptr_t lookup(const char *path, const char *sym) {
	void *h = dlopen(path, RTLD_NOW | RTLD_NOLOAD);
	if (h == NULL) return 0;
	void *p = dlsym(h, sym);
	dlclose(h);
	return (uintptr_t)p;
}
*/
import "C"

import (
	"debug/elf"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"plugin"
	"reflect"
	"sort"
	"strings"
	"unsafe"
)

type method struct {
	Name string `json:"name"`
	Type string `json:"type,omitempty"`
}

type export struct {
	Name    string   `json:"name"`
	Kind    string   `json:"kind"`
	Type    string   `json:"type"`
	Methods []method `json:"methods,omitempty"`
	Symbol  string   `json:"symbol"` // dladdr's name for the address
	Addr    uint64   `json:"addr"`   // runtime address less the load base
	Dlsym   bool     `json:"dlsym"`  // dlsym(<pluginpath>.<Name>) gave the same address
}

// task is an init task (runtime.initTask: state uint32, nfns uint32, then
// nfns function pointers) as the process holds it after plugin.Open.
type task struct {
	Symbol   string   `json:"symbol"`
	Addr     uint64   `json:"addr"`      // the plugin's own record, less the load base
	InPlugin bool     `json:"in_plugin"` // the reference binds to the plugin's own record
	State    uint32   `json:"state"`     // 2: done
	Funcs    []string `json:"funcs"`     // dladdr's names of its functions
}

// pkghash is the runtime hash of a package, the string plugin.Open
// compared the plugin's link-time hash with.
type pkghash struct {
	Package  string `json:"package"`
	InPlugin bool   `json:"in_plugin"`
	Hash     string `json:"hash"` // hex
}

type report struct {
	PluginPath string    `json:"pluginpath"`
	Base       uint64    `json:"base"`
	Exports    []export  `json:"exports"`
	InitTasks  []task    `json:"init_tasks"`
	PkgHashes  []pkghash `json:"pkghashes"`
}

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: pluginoracle PLUGIN.so OUT.json")
		os.Exit(2)
	}
	if err := run(os.Args[1], os.Args[2]); err != nil {
		fmt.Fprintln(os.Stderr, "pluginoracle:", err)
		os.Exit(1)
	}
}

func run(path, out string) error {
	p, err := plugin.Open(path)
	if err != nil {
		return err
	}
	real, err := filepath.Abs(path)
	if err != nil {
		return err
	}
	if real, err = filepath.EvalSymlinks(real); err != nil {
		return err
	}
	cpath := C.CString(real)
	defer C.free(unsafe.Pointer(cpath))
	var cerr *C.char
	base := uint64(C.loadBase(cpath, &cerr))
	if cerr != nil {
		return fmt.Errorf("dlinfo: %s", C.GoString(cerr))
	}

	// plugin.Plugin keeps its table in the unexported map syms.
	var names []string
	for _, k := range reflect.ValueOf(p).Elem().FieldByName("syms").MapKeys() {
		names = append(names, k.String())
	}
	sort.Strings(names)

	r := report{Base: base, Exports: []export{}}
	for _, name := range names {
		sym, err := p.Lookup(name)
		if err != nil {
			return err
		}
		t := reflect.TypeOf(sym)
		e := export{Name: name, Kind: "var", Type: t.String()}
		data := (*[2]unsafe.Pointer)(unsafe.Pointer(&sym))[1]
		addr := uintptr(data)
		if t.Kind() == reflect.Func {
			// A func value points at a funcval whose first word is the code.
			e.Kind = "func"
			addr = *(*uintptr)(data)
		}
		e.Addr = uint64(addr) - base
		if s := C.symName(C.uintptr_t(addr)); s != nil {
			e.Symbol = C.GoString(s)
		}
		if pp, ok := strings.CutSuffix(e.Symbol, "."+name); ok {
			if r.PluginPath == "" {
				r.PluginPath = pp
			} else if r.PluginPath != pp {
				return fmt.Errorf("export %s: symbol %s has another pluginpath than %s", name, e.Symbol, r.PluginPath)
			}
			cs := C.CString(e.Symbol)
			e.Dlsym = uintptr(C.lookup(cpath, cs)) == addr
			C.free(unsafe.Pointer(cs))
		}
		v := reflect.ValueOf(sym)
		for i := 0; i < t.NumMethod(); i++ {
			e.Methods = append(e.Methods, method{Name: t.Method(i).Name, Type: v.Method(i).Type().String()})
		}
		r.Exports = append(r.Exports, e)
	}
	if err := readTasks(&r, real); err != nil {
		return err
	}
	b, err := json.MarshalIndent(r, "", "\t")
	if err != nil {
		return err
	}
	return os.WriteFile(out, append(b, '\n'), 0o644)
}

const ptrSize = unsafe.Sizeof(uintptr(0))

// readTasks fills r's init tasks and package hashes for the plugin at path,
// loaded at r.Base: the names come from its .dynsym and .symtab, the rest
// from the process's memory.
func readTasks(r *report, path string) error {
	f, err := elf.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	dyn, _ := f.DynamicSymbols()
	static, _ := f.Symbols()
	seen := map[string]bool{}
	r.InitTasks, r.PkgHashes = []task{}, []pkghash{}
	for i, s := range append(dyn, static...) {
		if s.Section == elf.SHN_UNDEF || seen[s.Name] {
			continue
		}
		seen[s.Name] = true
		isTask, isHash := strings.HasSuffix(s.Name, "..inittask"), strings.HasPrefix(s.Name, "go:link.pkghash.")
		if !isTask && !isHash {
			continue
		}
		own := uintptr(r.Base + s.Value)
		addr := own
		if i < len(dyn) && elf.ST_BIND(s.Info) != elf.STB_LOCAL {
			cs := C.CString(s.Name)
			addr = uintptr(C.global(cs))
			C.free(unsafe.Pointer(cs))
			if addr == 0 {
				return fmt.Errorf("dlsym(RTLD_DEFAULT, %q) found nothing", s.Name)
			}
		}
		inPlugin := addr == own
		if !inPlugin {
			if fn := C.fileOf(C.uintptr_t(addr)); fn != nil {
				if p, err := filepath.EvalSymlinks(C.GoString(fn)); err == nil && p == path {
					return fmt.Errorf("%s: bound to %#x in the plugin, not its own %#x", s.Name, addr, own)
				}
			}
		}
		if isHash {
			// A Go string: data pointer, length.
			data, n := C.bytesAt(C.uintptr_t(addr)), C.ptrAt(C.uintptr_t(addr+ptrSize))
			h := C.GoBytes(data, C.int(n))
			r.PkgHashes = append(r.PkgHashes, pkghash{Package: strings.TrimPrefix(s.Name, "go:link.pkghash."), InPlugin: inPlugin, Hash: hex.EncodeToString(h)})
			continue
		}
		state, nfns := C.u32At(C.uintptr_t(addr)), C.u32At(C.uintptr_t(addr+4))
		t := task{Symbol: s.Name, Addr: s.Value, InPlugin: inPlugin, State: uint32(state), Funcs: []string{}}
		for j := uintptr(0); j < uintptr(nfns); j++ {
			pc := C.ptrAt(C.uintptr_t(addr + 8 + j*ptrSize))
			name := fmt.Sprintf("%#x", pc)
			if n := C.symName(pc); n != nil {
				name = C.GoString(n)
			}
			t.Funcs = append(t.Funcs, name)
		}
		r.InitTasks = append(r.InitTasks, t)
	}
	sort.Slice(r.InitTasks, func(i, j int) bool { return r.InitTasks[i].Symbol < r.InitTasks[j].Symbol })
	sort.Slice(r.PkgHashes, func(i, j int) bool { return r.PkgHashes[i].Package < r.PkgHashes[j].Package })
	return nil
}
