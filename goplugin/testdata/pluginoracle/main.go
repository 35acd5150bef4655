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

type report struct {
	PluginPath string   `json:"pluginpath"`
	Base       uint64   `json:"base"`
	Exports    []export `json:"exports"`
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
	b, err := json.MarshalIndent(r, "", "\t")
	if err != nil {
		return err
	}
	return os.WriteFile(out, append(b, '\n'), 0o644)
}
