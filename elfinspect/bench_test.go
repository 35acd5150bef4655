package elfinspect_test

import (
	"testing"

	"github.com/soinspect/soinspect/elfinspect"
	"github.com/soinspect/soinspect/internal/specimen"
	"github.com/soinspect/soinspect/internal/testutil"
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
	p := specimen.LargestLLVM()
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

func BenchmarkStaticSymbolsGoPlugin(b *testing.B) {
	benchList(b, specimen.Path(b, "big.so"), elfinspect.TableSymtab, false)
}

func BenchmarkDynamicSymbolsGoPlugin(b *testing.B) {
	benchList(b, specimen.Path(b, "big.so"), elfinspect.TableDynsym, false)
}

// BenchmarkSourcesGoPlugin reads where the packages of a ~20 MB Go plugin
// were compiled from (the function table), as `soinspect plugin` does.
func BenchmarkSourcesGoPlugin(b *testing.B) {
	f := testutil.OpenELF(b, specimen.Path(b, "big.so"))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := f.Sources(); err != nil {
			b.Fatal(err)
		}
	}
}
