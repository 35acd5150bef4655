//go:build !((linux || darwin || freebsd) && cgo)

package cdl

// Without cgo, or on a platform without <dlfcn.h>, every operation fails
// with an error matching ErrUnsupported (the glibc extensions are in
// dlfcn_nognu.go).

func sysOpen(path string, flags Flag) (uintptr, error) { return 0, unsupported("dlopen", path) }

func sysRaw(g uintptr) uintptr { return 0 }

func sysFreeGuard(g uintptr) {}

func sysSym(g uintptr, name string) (uintptr, error) { return 0, unsupported("dlsym", name) }

func sysClose(g uintptr, path string) error { return unsupported("dlclose", path) }

func sysAddr(p uintptr) (AddrInfo, error) { return AddrInfo{}, unsupported("dladdr", "") }

func sysCall(fr *frame, strs []cstr, sig Signature) error { return unsupported("call", sig.String()) }
