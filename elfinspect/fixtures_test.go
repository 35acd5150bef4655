package elfinspect_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/soinspect/soinspect/elfinspect"
	"github.com/soinspect/soinspect/internal/specimen"
)

// A fixture is an ELF file built by the tests: small, generated, covering
// the kinds, classes, byte orders and symbol flavours elfinspect handles.
// All but the core file are built once for the whole test run (see package
// specimen); the core file is written.
type fixture struct {
	kind   elfinspect.Kind
	recipe specimen.Recipe
	write  func(out string) error
}

var fixtures = map[string]*fixture{
	"goplugin":  {kind: elfinspect.KindGoPlugin, recipe: goBuild("goplugin", nil, "-buildmode=plugin")},
	"gocshared": {kind: elfinspect.KindGoCShared, recipe: goBuild("goplugin", nil, "-buildmode=c-shared")},
	"goexe":     {kind: elfinspect.KindGoExecutable, recipe: goBuild("tiny", []string{"CGO_ENABLED=0"})},
	"gopie":     {kind: elfinspect.KindGoExecutable, recipe: goBuild("tiny", nil, "-buildmode=pie")},
	"go386":     {kind: elfinspect.KindGoExecutable, recipe: goBuild("tiny", []string{"CGO_ENABLED=0", "GOARCH=386"})},
	"gomips":    {kind: elfinspect.KindGoExecutable, recipe: goBuild("tiny", []string{"CGO_ENABLED=0", "GOARCH=mips"})},
	"clib": {kind: elfinspect.KindSharedLib, recipe: ccBuild("CC", "-shared", "-fPIC", "-O1",
		"-Wl,--version-script=csrc/lib.map", "csrc/lib.c")},
	"cxxlib": {kind: elfinspect.KindSharedLib, recipe: ccBuild("CXX", "-shared", "-fPIC", "-O1", "csrc/lib.cc")},
	"cexe":   {kind: elfinspect.KindExecutable, recipe: ccBuild("CC", "-no-pie", "-fno-pie", "csrc/main.c")},
	"cpie":   {kind: elfinspect.KindPIE, recipe: ccBuild("CC", "-pie", "-fPIE", "csrc/main.c")},
	"cobj":   {kind: elfinspect.KindRelocatable, recipe: ccBuild("CC", "-c", "-fcommon", "csrc/main.c")},
	"core":   {kind: elfinspect.KindCore, write: writeCore},
}

// fixtureNames lists the fixtures in a stable order.
var fixtureNames = []string{"goplugin", "gocshared", "goexe", "gopie", "go386", "gomips", "clib", "cxxlib", "cexe", "cpie", "cobj", "core"}

// fixturePath returns a copy of the named fixture in the test's own
// temporary directory (tests may change it), building it on first use. A
// missing C compiler skips the test; any other failure fails it.
func fixturePath(tb testing.TB, name string) string {
	tb.Helper()
	fx := fixtures[name]
	if fx == nil {
		tb.Fatalf("no fixture %q", name)
	}
	p := filepath.Join(tb.TempDir(), name)
	if fx.write != nil {
		if err := fx.write(p); err != nil {
			tb.Fatalf("writing fixture %s: %v", name, err)
		}
		return p
	}
	r := fx.recipe
	r.Name = name
	built, err := specimen.BuildRecipe(r)
	if errors.Is(err, specimen.ErrNoCompiler) {
		tb.Skipf("fixture %s: %v", name, err)
	}
	if err != nil {
		tb.Fatalf("building fixture %s: %v", name, err)
	}
	data, err := os.ReadFile(built)
	if err != nil {
		tb.Fatal(err)
	}
	specimen.WriteFile(tb, p, data, 0o755)
	return p
}

// goBuild builds the module in testdata/dir by itself. (Without -trimpath:
// so its standard library is the one the other specimens link.)
func goBuild(dir string, env []string, flags ...string) specimen.Recipe {
	return specimen.Recipe{
		Dir:  filepath.Join("elfinspect/testdata", dir),
		Tool: "go",
		Args: append(flags, "."),
		Env:  append([]string{"GOWORK=off", "GOFLAGS=-buildvcs=false"}, env...),
	}
}

// ccBuild compiles in testdata with the C (which "CC") or C++ ("CXX")
// compiler that go env names.
func ccBuild(which string, args ...string) specimen.Recipe {
	return specimen.Recipe{Dir: "elfinspect/testdata", Tool: which, Args: args}
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
