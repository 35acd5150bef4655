package elfinspect_test

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/soinspect/soinspect/elfinspect"
	"github.com/soinspect/soinspect/internal/specimen"
)

// TestMain removes the specimens the tests build (see package specimen).
func TestMain(m *testing.M) { specimen.Main(m) }

// A fixture is an ELF file built by the tests: small, generated, covering
// the kinds, classes, byte orders and symbol flavours elfinspect handles.
type fixture struct {
	kind  elfinspect.Kind
	build func(out string) error

	once sync.Once
	data []byte
	err  error
}

var fixtures = map[string]*fixture{
	"goplugin":  {kind: elfinspect.KindGoPlugin, build: goBuild("goplugin", nil, "-buildmode=plugin")},
	"gocshared": {kind: elfinspect.KindGoCShared, build: goBuild("goplugin", nil, "-buildmode=c-shared")},
	"goexe":     {kind: elfinspect.KindGoExecutable, build: goBuild("tiny", []string{"CGO_ENABLED=0"})},
	"gopie":     {kind: elfinspect.KindGoExecutable, build: goBuild("tiny", nil, "-buildmode=pie")},
	"go386":     {kind: elfinspect.KindGoExecutable, build: goBuild("tiny", []string{"CGO_ENABLED=0", "GOARCH=386"})},
	"gomips":    {kind: elfinspect.KindGoExecutable, build: goBuild("tiny", []string{"CGO_ENABLED=0", "GOARCH=mips"})},
	"clib": {kind: elfinspect.KindSharedLib, build: ccBuild("CC", "-shared", "-fPIC", "-O1",
		"-Wl,--version-script="+testdataPath("csrc/lib.map"), testdataPath("csrc/lib.c"))},
	"cxxlib": {kind: elfinspect.KindSharedLib, build: ccBuild("CXX", "-shared", "-fPIC", "-O1", testdataPath("csrc/lib.cc"))},
	"cexe":   {kind: elfinspect.KindExecutable, build: ccBuild("CC", "-no-pie", "-fno-pie", testdataPath("csrc/main.c"))},
	"cpie":   {kind: elfinspect.KindPIE, build: ccBuild("CC", "-pie", "-fPIE", testdataPath("csrc/main.c"))},
	"cobj":   {kind: elfinspect.KindRelocatable, build: ccBuild("CC", "-c", "-fcommon", testdataPath("csrc/main.c"))},
	"core":   {kind: elfinspect.KindCore, build: writeCore},
}

// fixtureNames lists the fixtures in a stable order.
var fixtureNames = []string{"goplugin", "gocshared", "goexe", "gopie", "go386", "gomips", "clib", "cxxlib", "cexe", "cpie", "cobj", "core"}

// fixturePath builds the named fixture once per test binary, keeps its
// bytes, and writes them into the test's own temporary directory, so no
// build outlives the test run (specimen.Main owns the plugin specimens). A
// missing C compiler skips the test; any other failure fails it.
func fixturePath(tb testing.TB, name string) string {
	tb.Helper()
	fx := fixtures[name]
	if fx == nil {
		tb.Fatalf("no fixture %q", name)
	}
	fx.once.Do(func() {
		dir, err := os.MkdirTemp("", "elfinspect-fixture-")
		if err != nil {
			fx.err = err
			return
		}
		defer os.RemoveAll(dir)
		out := filepath.Join(dir, name)
		if fx.err = fx.build(out); fx.err == nil {
			fx.data, fx.err = os.ReadFile(out)
		}
	})
	if fx.err != nil {
		if strings.Contains(fx.err.Error(), "no compiler") {
			tb.Skipf("fixture %s: %v", name, fx.err)
		}
		tb.Fatalf("building fixture %s: %v", name, fx.err)
	}
	p := filepath.Join(tb.TempDir(), name)
	if err := os.WriteFile(p, fx.data, 0o755); err != nil {
		tb.Fatal(err)
	}
	return p
}

func testdataPath(rel string) string {
	p, err := filepath.Abs(filepath.Join("testdata", rel))
	if err != nil {
		panic(err)
	}
	return p
}

func goBuild(dir string, env []string, flags ...string) func(string) error {
	return func(out string) error {
		args := append([]string{"build", "-trimpath", "-o", out}, flags...)
		cmd := exec.Command("go", append(args, ".")...)
		cmd.Dir = testdataPath(dir)
		cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-buildvcs=false")
		cmd.Env = append(cmd.Env, env...)
		if b, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("%v: %v\n%s", cmd.Args, err, b)
		}
		return nil
	}
}

// ccBuild compiles with the C (env "CC") or C++ (env "CXX") compiler that
// go env names.
func ccBuild(which string, args ...string) func(string) error {
	return func(out string) error {
		b, err := exec.Command("go", "env", which).Output()
		if err != nil {
			return err
		}
		cc := strings.Fields(string(b))
		if len(cc) == 0 {
			return fmt.Errorf("no compiler: go env %s is empty", which)
		}
		if _, err := exec.LookPath(cc[0]); err != nil {
			return fmt.Errorf("no compiler: %v", err)
		}
		cmd := exec.Command(cc[0], append(append(cc[1:], args...), "-o", out)...)
		if b, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("%v: %v\n%s", cmd.Args, err, b)
		}
		return nil
	}
}

// writeCore writes the smallest ELF64 core file: a header and nothing else.
func writeCore(out string) error {
	return os.WriteFile(out, elfHeader64(4 /* ET_CORE */, 62 /* EM_X86_64 */, 0, 0, 0), 0o644)
}

// elfHeader64 returns a little-endian ELF64 header with the given type,
// machine and section table (offset, count, string table index).
func elfHeader64(typ, machine uint16, shoff uint64, shnum, shstrndx uint16) []byte {
	var b bytes.Buffer
	b.Write([]byte{0x7f, 'E', 'L', 'F', 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0})
	w := func(v any) { binary.Write(&b, binary.LittleEndian, v) }
	w(typ)
	w(machine)
	w(uint32(1))  // e_version
	w(uint64(0))  // e_entry
	w(uint64(0))  // e_phoff
	w(shoff)      // e_shoff
	w(uint32(0))  // e_flags
	w(uint16(64)) // e_ehsize
	w(uint16(56)) // e_phentsize
	w(uint16(0))  // e_phnum
	w(uint16(64)) // e_shentsize
	w(shnum)      // e_shnum
	w(shstrndx)   // e_shstrndx
	return b.Bytes()
}
