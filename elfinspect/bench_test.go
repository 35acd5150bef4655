package elfinspect_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	"github.com/soinspect/soinspect/elfinspect"
)

// The benchmarks measure the library part of `soinspect symbols` on the
// files section 4 of the issue names; make bench compares the command with
// nm. Each iteration opens the file, as the command does.

func benchList(b *testing.B, path string, table elfinspect.Table, demangle bool) {
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		f, err := elfinspect.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		syms, err := f.Symbols(table)
		if err != nil {
			b.Fatal(err)
		}
		if demangle {
			elfinspect.Demangle(syms)
		}
		// What nm does by default: sort by name.
		elfinspect.SortSymbols(syms, elfinspect.SortName)
		n = len(syms)
		f.Close()
	}
	b.ReportMetric(float64(n), "symbols")
}

func llvmOrSkip(b *testing.B) string {
	p := largestLLVM()
	if p == "" {
		b.Skip("no libLLVM-*.so.1")
	}
	return p
}

func BenchmarkDynamicSymbolsLLVM(b *testing.B) {
	benchList(b, llvmOrSkip(b), elfinspect.TableDynsym, false)
}

func BenchmarkDemangledLLVM(b *testing.B) {
	benchList(b, llvmOrSkip(b), elfinspect.TableDynsym, true)
}

func BenchmarkDemangleNameLLVM(b *testing.B) {
	f, err := elfinspect.Open(llvmOrSkip(b))
	if err != nil {
		b.Fatal(err)
	}
	syms, _ := f.DynamicSymbols()
	f.Close()
	b.ResetTimer()
	i := 0
	for b.Loop() {
		elfinspect.DemangleName(syms[i%len(syms)].Name)
		i++
	}
}

var bigPlugin struct {
	once sync.Once
	path string
	err  error
}

// bigPluginPath builds the benchmark plugin of the repository
// (testdata/bigplugin, importing ~35 standard packages) once.
func bigPluginPath(b *testing.B) string {
	src, err := filepath.Abs("../testdata/bigplugin")
	if err != nil {
		b.Fatal(err)
	}
	if _, err := os.Stat(src); err != nil {
		b.Skip("no ../testdata/bigplugin")
	}
	bigPlugin.once.Do(func() {
		dir, err := os.MkdirTemp("", "elfinspect-bench-")
		if err != nil {
			bigPlugin.err = err
			return
		}
		bigPlugin.path = filepath.Join(dir, "big.so")
		cmd := exec.Command("go", "build", "-buildmode=plugin", "-o", bigPlugin.path, src)
		cmd.Dir = src
		if out, err := cmd.CombinedOutput(); err != nil {
			bigPlugin.err = err
			b.Log(string(out))
		}
	})
	if bigPlugin.err != nil {
		b.Fatal(bigPlugin.err)
	}
	b.Cleanup(func() {}) // the file stays for the other benchmarks of the run
	return bigPlugin.path
}

func BenchmarkStaticSymbolsGoPlugin(b *testing.B) {
	benchList(b, bigPluginPath(b), elfinspect.TableSymtab, false)
}

func BenchmarkDynamicSymbolsGoPlugin(b *testing.B) {
	benchList(b, bigPluginPath(b), elfinspect.TableDynsym, false)
}
