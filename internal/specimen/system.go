package specimen

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// SysLib returns the path of a system library, or skips the test.
func SysLib(tb testing.TB, name string) string {
	tb.Helper()
	for _, dir := range []string{"/usr/lib/x86_64-linux-gnu", "/lib/x86_64-linux-gnu", "/usr/lib64", "/usr/lib"} {
		p := filepath.Join(dir, name)
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	tb.Skipf("%s not found", name)
	return ""
}

// LargestLLVM returns the largest libLLVM-*.so.1 present, or "".
func LargestLLVM() string {
	var best string
	var size int64
	for _, dir := range []string{"/usr/lib/x86_64-linux-gnu", "/usr/lib64", "/usr/lib"} {
		ms, _ := filepath.Glob(filepath.Join(dir, "libLLVM-*.so.1"))
		for _, m := range ms {
			if st, err := os.Stat(m); err == nil && st.Size() > size {
				best, size = m, st.Size()
			}
		}
	}
	return best
}

// toolPackages names the Debian package that installs each program the
// tests use, for the message of a skip.
var toolPackages = map[string]string{
	"nm": "binutils", "readelf": "binutils", "objdump": "binutils", "c++filt": "binutils",
	"gcc": "gcc", "cc": "gcc", "ldd": "libc-bin", "ldconfig": "libc-bin", "gdb": "gdb",
	"setpriv": "util-linux", "go": "golang-go (or a Go toolchain from go.dev)",
	"aarch64-linux-gnu-gcc": "gcc-aarch64-linux-gnu", "aarch64-linux-gnu-objdump": "binutils-aarch64-linux-gnu",
	"aarch64-linux-gnu-readelf": "binutils-aarch64-linux-gnu", "aarch64-linux-gnu-nm": "binutils-aarch64-linux-gnu",
	"qemu-aarch64": "qemu-user", "chromium": "chromium",
}

// NeedTool skips the test if the named program is not installed, naming
// the Debian package that installs it.
func NeedTool(tb testing.TB, name string) {
	tb.Helper()
	if _, err := exec.LookPath(name); err != nil {
		pkg := toolPackages[name]
		if pkg == "" {
			pkg = "that provides " + name
		}
		tb.Skipf("%s not installed: install the Debian package %s", name, pkg)
	}
}

// Self returns the path of the running test binary: a Go executable that
// every test has without building one. It fails the test if the path is
// unknown.
func Self(tb testing.TB) string {
	tb.Helper()
	exe, err := os.Executable()
	if err != nil {
		tb.Fatal(err)
	}
	return exe
}

// BenchFile returns the path and size of the named specimen, building it
// first, and has the benchmark report that size as bytes per operation
// (MB/s).
func BenchFile(b *testing.B, name string) (string, int64) {
	b.Helper()
	path := Path(b, name)
	st, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(st.Size())
	return path, st.Size()
}

// WriteFile writes data to path with perm, failing the test on an error.
func WriteFile(tb testing.TB, path string, data []byte, perm os.FileMode) {
	tb.Helper()
	if err := os.WriteFile(path, data, perm); err != nil {
		tb.Fatal(err)
	}
}

// CC returns the C compiler the go command uses (go env CC), "cc" if it
// names none.
func CC() (string, error) {
	out, err := exec.Command("go", "env", "CC").Output()
	if err != nil {
		return "", fmt.Errorf("go env CC: %v", err)
	}
	if cc := strings.TrimSpace(string(out)); cc != "" {
		return cc, nil
	}
	return "cc", nil
}
