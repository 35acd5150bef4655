//go:build linux && cgo

package cdl_test

import (
	"debug/elf"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/soinspect/soinspect/cdl"
	"github.com/soinspect/soinspect/internal/specimen"
)

func open(t testing.TB, path string, flags cdl.Flag) *cdl.Handle {
	t.Helper()
	h, err := cdl.Open(path, flags)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	return h
}

func sym(t testing.TB, h *cdl.Handle, name string) uintptr {
	t.Helper()
	p, err := h.Sym(name)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// call looks name up in h and calls it with the signature sig.
func call(t testing.TB, h *cdl.Handle, sig, name string, args ...any) cdl.Value {
	t.Helper()
	s, err := cdl.ParseSignature(sig)
	if err != nil {
		t.Fatal(err)
	}
	v, err := cdl.Call(sym(t, h, name), s, args...)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestOpenError(t *testing.T) {
	_, err := cdl.Open("x.so", cdl.Now)
	// dlerror names the file; the error does not name it again.
	want := `dlopen x.so: cannot open shared object file: No such file or directory`
	if err == nil || err.Error() != want {
		t.Fatalf("Open(x.so) = %v, want %s", err, want)
	}
	var e *cdl.Error
	if !errors.As(err, &e) || e.Op != "dlopen" || e.Name != "x.so" {
		t.Errorf("errors.As: %#v", e)
	}
	for _, f := range []cdl.Flag{cdl.Lazy | cdl.Now, cdl.Global | cdl.Local, 1 << 20} {
		if _, err := cdl.Open("libc.so.6", f); err == nil {
			t.Errorf("Open with %v: no error", f)
		}
	}
}

func TestLibc(t *testing.T) {
	libc := open(t, "libc.so.6", cdl.Now)
	if libc.Path() != "libc.so.6" || libc.Flags() != cdl.Now {
		t.Errorf("Path, Flags = %q, %v", libc.Path(), libc.Flags())
	}
	if v := call(t, libc, "size_t(const char*)", "strlen", "hello"); v.Uint() != 5 || v.Kind() != cdl.Uint64 {
		t.Errorf("strlen(hello) = %v", v)
	}
	if v := call(t, libc, "int(int)", "abs", -3); v.Int() != 3 {
		t.Errorf("abs(-3) = %v", v)
	}
	if v := call(t, libc, "pid_t getpid(void)", "getpid"); v.Int() != int64(os.Getpid()) {
		t.Errorf("getpid() = %v, want %d", v, os.Getpid())
	}
	_, err := libc.Sym("no_such_symbol")
	var e *cdl.Error
	if !errors.As(err, &e) || e.Op != "dlsym" || e.Name != "no_such_symbol" ||
		!strings.Contains(e.Msg, "undefined symbol: no_such_symbol") {
		t.Errorf("Sym(no_such_symbol) = %v", err)
	}

	if _, err := libc.Sym("str\x00len"); err == nil || !strings.Contains(err.Error(), "NUL byte") {
		t.Errorf("Sym with a NUL byte = %v", err)
	}
	long := "cdl_" + strings.Repeat("x", 300) // longer than cdl_sym's stack buffer
	if _, err := libc.Sym(long); err == nil || !strings.HasSuffix(err.Error(), "undefined symbol: "+long) {
		t.Errorf("Sym(long name) = %v", err)
	}

	// The main program's lookups search the global scope, libc included.
	prog := open(t, "", cdl.Lazy)
	if p, q := sym(t, prog, "strlen"), sym(t, libc, "strlen"); p != q {
		t.Errorf("strlen: main program %#x, libc %#x", p, q)
	}

	if runtime.GOARCH == "amd64" {
		old, err := libc.VSym("memcpy", "GLIBC_2.2.5")
		if err != nil {
			t.Fatal(err)
		}
		cur, err := libc.VSym("memcpy", "GLIBC_2.14")
		if err != nil {
			t.Fatal(err)
		}
		if old == cur || cur != sym(t, libc, "memcpy") {
			t.Errorf("memcpy: 2.2.5 %#x, 2.14 %#x, default %#x", old, cur, sym(t, libc, "memcpy"))
		}
	}
	if _, err := libc.VSym("memcpy", "GLIBC_0.0"); err == nil || !strings.Contains(err.Error(), `dlvsym "memcpy@GLIBC_0.0"`) {
		t.Errorf("VSym(memcpy, GLIBC_0.0) = %v", err)
	}
}

func TestLibm(t *testing.T) {
	libm := open(t, "libm.so.6", cdl.Lazy|cdl.Local)
	if v := call(t, libm, "double(double)", "cos", 0.5); v.Float() != 0.8775825618903728 {
		t.Errorf("cos(0.5) = %v", v)
	}
	if v := call(t, libm, "double ldexp(double x, int exp)", "ldexp", 0.75, 4); v.Float() != 12 {
		t.Errorf("ldexp(0.75, 4) = %v", v)
	}
	if v := call(t, libm, "float(float)", "sqrtf", float32(2)); v.Kind() != cdl.Float || v.Interface() != float32(1.4142135) {
		t.Errorf("sqrtf(2) = %v", v)
	}
	if v := call(t, libm, "float(float, float)", "powf", 2.0, 10); v.Float() != 1024 {
		t.Errorf("powf(2, 10) = %v", v)
	}
}

func TestVersionsAndZero(t *testing.T) {
	h := open(t, libTest, cdl.Now)
	sig, _ := cdl.ParseSignature("int(void)")
	run := func(p uintptr) int64 {
		v, err := cdl.Call(p, sig)
		if err != nil {
			t.Fatal(err)
		}
		return v.Int()
	}
	if got := run(sym(t, h, "vers")); got != 2 {
		t.Errorf("Sym(vers) calls version %d, want the default 2", got)
	}
	for ver, want := range map[string]int64{"VERS_1": 1, "VERS_2": 2} {
		p, err := h.VSym("vers", ver)
		if err != nil {
			t.Fatal(err)
		}
		if got := run(p); got != want {
			t.Errorf("VSym(vers, %s) calls version %d", ver, got)
		}
	}
	p, err := h.Sym("zero_sym")
	if p != 0 || err != nil {
		t.Errorf("Sym(zero_sym) = %#x, %v; want 0, nil", p, err)
	}
}

func TestConstructorAndFlags(t *testing.T) {
	if os.Getenv("LD_BIND_NOW") != "" {
		t.Skip("LD_BIND_NOW makes every Open behave as Now")
	}
	count := func(h *cdl.Handle) int64 { return call(t, h, "int(void)", "lazy_ctor_count").Int() }

	// Now fails on the undefined function, before any constructor runs.
	path := copyLib(t, libLazy, "liblazy1.so")
	if _, err := cdl.Open(path, cdl.NoLoad|cdl.Lazy); err == nil || !strings.Contains(err.Error(), "not loaded") {
		t.Errorf("NoLoad of an unloaded library: %v", err)
	}
	_, err := cdl.Open(path, cdl.Now)
	if err == nil || !strings.Contains(err.Error(), "undefined symbol: cdl_missing_function") {
		t.Errorf("Open(Now) of a library with an undefined function: %v", err)
	}
	// Lazy loads it and runs the constructor once.
	h := open(t, path, cdl.Lazy)
	if n := count(h); n != 1 {
		t.Errorf("after Open(Lazy): constructor ran %d times", n)
	}
	// NoLoad returns a new reference to the loaded library, running nothing.
	h2 := open(t, path, cdl.NoLoad|cdl.Lazy)
	if n := count(h2); n != 1 {
		t.Errorf("after Open(NoLoad): constructor ran %d times", n)
	}
	if a, b := sym(t, h, "lazy_ctor_count"), sym(t, h2, "lazy_ctor_count"); a != b {
		t.Errorf("NoLoad handle finds %#x, first handle %#x", b, a)
	}

	// Now runs the constructor of a library that resolves completely.
	path = copyLib(t, libTest, "libnow.so")
	h3 := open(t, path, cdl.Now|cdl.Global|cdl.NoDelete|cdl.DeepBind)
	if n := call(t, h3, "int(void)", "ctor_count").Int(); n != 1 {
		t.Errorf("after Open(Now): constructor ran %d times", n)
	}
}

func TestClose(t *testing.T) {
	h, err := cdl.Open("libm.so.6", cdl.Now)
	if err != nil {
		t.Fatal(err)
	}
	if err := h.Close(); err != nil {
		t.Fatal(err)
	}
	if err := h.Close(); !errors.Is(err, cdl.ErrClosed) {
		t.Errorf("second Close = %v", err)
	}
	if _, err := h.Sym("cos"); !errors.Is(err, cdl.ErrClosed) || !strings.Contains(err.Error(), `dlsym "cos"`) {
		t.Errorf("Sym after Close = %v", err)
	}
	if _, err := h.VSym("cos", "GLIBC_2.2.5"); !errors.Is(err, cdl.ErrClosed) {
		t.Errorf("VSym after Close = %v", err)
	}
	if _, err := h.LinkMap(); !errors.Is(err, cdl.ErrClosed) {
		t.Errorf("LinkMap after Close = %v", err)
	}
	var nilh *cdl.Handle
	if _, err := nilh.Sym("cos"); !errors.Is(err, cdl.ErrClosed) {
		t.Errorf("Sym on nil handle = %v", err)
	}
}

func TestAddr(t *testing.T) {
	h := open(t, libTest, cdl.Now)
	p := sym(t, h, "add6")
	info, err := cdl.Addr(p + 3)
	if err != nil {
		t.Fatal(err)
	}
	if info.File != libTest || info.Sym != "add6" || info.SymAddr != p || info.Base == 0 || info.Base > p {
		t.Errorf("Addr(add6+3) = %+v; add6 at %#x", info, p)
	}
	if _, err := cdl.Addr(8); err == nil || !strings.Contains(err.Error(), `dladdr "0x8"`) {
		t.Errorf("Addr(8) = %v", err)
	}
}

func TestDlinfo(t *testing.T) {
	h := open(t, libTest, cdl.Now)
	lm, err := h.LinkMap()
	if err != nil {
		t.Fatal(err)
	}
	info, err := cdl.Addr(sym(t, h, "add6"))
	if err != nil {
		t.Fatal(err)
	}
	if lm.Path != libTest || lm.Base != info.Base || lm.Dynamic <= lm.Base {
		t.Errorf("LinkMap = %+v; dladdr base %#x", lm, info.Base)
	}
	origin, err := h.Origin()
	if err != nil {
		t.Fatal(err)
	}
	if origin != fixDir {
		t.Errorf("Origin = %q, want %q", origin, fixDir)
	}
	dirs, err := h.SearchPath()
	if err != nil {
		t.Fatal(err)
	}
	deps := filepath.Join(fixDir, "deps")
	if len(dirs) < 2 || strings.TrimSuffix(dirs[0], "/") != deps {
		t.Errorf("SearchPath = %q, want %q first", dirs, deps)
	}

	// A library opened by soname: the link map holds the file found.
	libc := open(t, "libc.so.6", cdl.Now)
	lm, err = libc.LinkMap()
	if err != nil {
		t.Fatal(err)
	}
	info, err = cdl.Addr(sym(t, libc, "strlen"))
	if err != nil {
		t.Fatal(err)
	}
	if !filepath.IsAbs(lm.Path) || filepath.Base(lm.Path) != "libc.so.6" || lm.Path != info.File {
		t.Errorf("libc LinkMap path %q, dladdr file %q", lm.Path, info.File)
	}

	prog := open(t, "", cdl.Now)
	if lm, err := prog.LinkMap(); err != nil || lm.Path != "" {
		t.Errorf("main program LinkMap = %+v, %v", lm, err)
	}
	exe := specimen.Self(t)
	if o, err := prog.Origin(); err != nil || o != filepath.Dir(exe) {
		t.Errorf("main program Origin = %q, %v; want %q", o, err, filepath.Dir(exe))
	}
}

func TestLoaded(t *testing.T) {
	h := open(t, libTest, cdl.Now)
	lm, err := h.LinkMap()
	if err != nil {
		t.Fatal(err)
	}
	objs, err := cdl.Loaded()
	if err != nil {
		t.Fatal(err)
	}
	if len(objs) < 3 || objs[0].Path != "" {
		t.Fatalf("Loaded: %d objects, first %q", len(objs), objs[0].Path)
	}
	var found, libc bool
	for _, o := range objs {
		libc = libc || filepath.Base(o.Path) == "libc.so.6"
		if o.Path != libTest {
			continue
		}
		found = true
		if o.Base != lm.Base {
			t.Errorf("Loaded base %#x, link map %#x", o.Base, lm.Base)
		}
		add6 := uint64(sym(t, h, "add6") - o.Base)
		exec := false
		for _, s := range o.Segments {
			if s.Type == elf.PT_LOAD && s.Flags&elf.PF_X != 0 && s.Vaddr <= add6 && add6 < s.Vaddr+s.Memsz {
				exec = true
			}
		}
		if !exec {
			t.Errorf("no executable PT_LOAD holds add6 (%#x): %+v", add6, o.Segments)
		}
	}
	if !found || !libc {
		t.Errorf("Loaded lacks %s or libc.so.6", libTest)
	}
}

// TestVDSO asks dlinfo about an object with no file, where glibc's
// RTLD_DI_ORIGIN would crash.
func TestVDSO(t *testing.T) {
	if runtime.GOARCH != "amd64" {
		t.Skip("vDSO name checked on amd64 only")
	}
	h, err := cdl.Open("linux-vdso.so.1", cdl.NoLoad|cdl.Lazy)
	if err != nil {
		t.Skipf("no vDSO: %v", err)
	}
	defer h.Close()
	if lm, err := h.LinkMap(); err != nil || lm.Path != "linux-vdso.so.1" {
		t.Errorf("LinkMap = %+v, %v", lm, err)
	}
	if o, err := h.Origin(); err == nil || !strings.Contains(err.Error(), "no origin") {
		t.Errorf("Origin = %q, %v; want an error", o, err)
	}
	if _, err := h.SearchPath(); err != nil {
		t.Errorf("SearchPath: %v", err)
	}
	if p, err := h.Sym("__vdso_clock_gettime"); err != nil || p == 0 {
		t.Errorf("Sym(__vdso_clock_gettime) = %#x, %v", p, err)
	}
}

func TestRaw(t *testing.T) {
	a, err := cdl.Open("libm.so.6", cdl.Now)
	if err != nil {
		t.Fatal(err)
	}
	b, err := cdl.Open("libm.so.6", cdl.Now|cdl.NoLoad)
	if err != nil {
		t.Fatal(err)
	}
	ra, errA := a.Raw()
	rb, errB := b.Raw()
	if errA != nil || errB != nil || ra == 0 || ra != rb {
		t.Errorf("Raw of two handles of libm: %#x, %v and %#x, %v; want one non-zero handle", ra, errA, rb, errB)
	}
	a.Close()
	b.Close()
	if _, err := a.Raw(); !errors.Is(err, cdl.ErrClosed) {
		t.Errorf("Raw after Close: %v, want ErrClosed", err)
	}
	var nilHandle *cdl.Handle
	if _, err := nilHandle.Raw(); err == nil {
		t.Error("Raw of a nil handle succeeded")
	}
}
