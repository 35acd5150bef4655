//go:build !((linux || darwin || freebsd) && cgo)

package cdl

// Without cgo, or on a platform without <dlfcn.h>, every operation fails
// with an error matching ErrUnsupported.

func sysOpen(path string, flags Flag) (uintptr, error) { return 0, unsupported("dlopen", path) }

func sysRaw(g uintptr) uintptr { return 0 }

func sysFreeGuard(g uintptr) {}

func sysSym(g uintptr, name string) (uintptr, error) { return 0, unsupported("dlsym", name) }

func sysVSym(h uintptr, name, version string) (uintptr, error) {
	return 0, unsupported("dlvsym", name+"@"+version)
}

func sysClose(g uintptr, path string) error { return unsupported("dlclose", path) }

func sysAddr(p uintptr) (AddrInfo, error) { return AddrInfo{}, unsupported("dladdr", "") }

func sysLinkMap(h uintptr, path string) (LinkMap, error) {
	return LinkMap{}, unsupported("dlinfo", path)
}

func sysOrigin(h uintptr, path string) (string, error) { return "", unsupported("dlinfo", path) }

func sysSearchPath(h uintptr, path string) ([]string, error) {
	return nil, unsupported("dlinfo", path)
}

func sysLoaded() ([]Object, error) { return nil, unsupported("dl_iterate_phdr", "") }

func sysCall(fr *frame, strs []cstr, sig Signature) error { return unsupported("call", sig.String()) }
