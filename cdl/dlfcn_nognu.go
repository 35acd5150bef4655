//go:build !(linux && cgo)

package cdl

// The glibc extensions: absent from macOS, not yet wired for FreeBSD, and
// like everything else unsupported without cgo.

func sysVSym(h uintptr, name, version string) (uintptr, error) {
	return 0, unsupported("dlvsym", name+"@"+version)
}

func sysLinkMap(h uintptr, path string) (LinkMap, error) {
	return LinkMap{}, unsupported("dlinfo", path)
}

func sysOrigin(h uintptr, path string) (string, error) { return "", unsupported("dlinfo", path) }

func sysSearchPath(h uintptr, path string) ([]string, error) {
	return nil, unsupported("dlinfo", path)
}

func sysLoaded() ([]Object, error) { return nil, unsupported("dl_iterate_phdr", "") }
