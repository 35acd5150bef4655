//go:build linux && cgo

package cdl_test

import (
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/soinspect/soinspect/cdl"
	"github.com/soinspect/soinspect/cdl/internal/cbench"
	"github.com/soinspect/soinspect/internal/specimen"
)

// BenchmarkSym is one Handle.Sym of strlen in libc: one cgo call doing
// dlerror, dlsym and dlerror between the guard's enter and leave.
func BenchmarkSym(b *testing.B) {
	defer specimen.ReportCPU(b, syscall.RUSAGE_SELF, time.Nanosecond)()
	libc := open(b, "libc.so.6", cdl.Now)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := libc.Sym("strlen"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSymParallel is BenchmarkSym from GOMAXPROCS goroutines sharing
// one handle.
func BenchmarkSymParallel(b *testing.B) {
	defer specimen.ReportCPU(b, syscall.RUSAGE_SELF, time.Nanosecond)()
	libc := open(b, "libc.so.6", cdl.Now)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := libc.Sym("strlen"); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// openLibc opens libc.so.6 with the C harness's own dlopen and closes it
// when the benchmark ends.
func openLibc(b *testing.B) uintptr {
	h, err := cbench.Open("libc.so.6")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { cbench.Close(h) })
	return h
}

// benchCLoop times one C loop of b.N lookups of strlen in libc.
func benchCLoop(b *testing.B, loop func(h uintptr, name string, n int) int) {
	defer specimen.ReportCPU(b, syscall.RUSAGE_SELF, time.Nanosecond)()
	h := openLibc(b)
	b.ResetTimer()
	if loop(h, "strlen", b.N) != 0 {
		b.Fatal("dlsym failed")
	}
}

// BenchmarkCDlsym is the floor for BenchmarkSym: the same dlsym in a C loop,
// reported per dlsym.
func BenchmarkCDlsym(b *testing.B) {
	benchCLoop(b, cbench.DlsymLoop)
}

// BenchmarkCDlsymDlerror is BenchmarkCDlsym with the two dlerror calls Sym
// makes around each dlsym.
func BenchmarkCDlsymDlerror(b *testing.B) {
	benchCLoop(b, cbench.DlsymErrLoop)
}

// BenchmarkCDlsymDlerrorParallel is BenchmarkCDlsymDlerror from GOMAXPROCS
// threads sharing one handle, reported per dlsym: the floor for
// BenchmarkSymParallel. glibc's dlsym takes the loader's lock, so even in C
// lookups do not scale perfectly.
func BenchmarkCDlsymDlerrorParallel(b *testing.B) {
	defer specimen.ReportCPU(b, syscall.RUSAGE_SELF, time.Nanosecond)()
	h := openLibc(b)
	n := runtime.GOMAXPROCS(0)
	var wg sync.WaitGroup
	var failed atomic.Int64
	b.ResetTimer()
	for i := range n {
		wg.Go(func() {
			// Share b.N out: the first b.N%n threads do one more.
			k := b.N / n
			if i < b.N%n {
				k++
			}
			failed.Add(int64(cbench.DlsymErrLoop(h, "strlen", k)))
		})
	}
	wg.Wait()
	if failed.Load() != 0 {
		b.Fatal("dlsym failed")
	}
}

// BenchmarkCgoEmpty is the price of a cgo call to an empty C function.
func BenchmarkCgoEmpty(b *testing.B) {
	defer specimen.ReportCPU(b, syscall.RUSAGE_SELF, time.Nanosecond)()
	for b.Loop() {
		cbench.Empty()
	}
}

// BenchmarkCall is one Call of libm's cos through the trampoline.
func BenchmarkCall(b *testing.B) {
	benchCall(b, "libm.so.6", "cos", "double(double)", 0.5)
}

// BenchmarkCallString is one Call of strlen with a Go string, copied to a C
// string and freed each time.
func BenchmarkCallString(b *testing.B) {
	benchCall(b, "libc.so.6", "strlen", "size_t(const char*)", "hello")
}

// benchCall times Call of the function name in lib, of signature sig, with
// the one argument arg.
func benchCall(b *testing.B, lib, name, sig string, arg any) {
	fn := sym(b, open(b, lib, cdl.Now), name)
	s, err := cdl.ParseSignature(sig)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := cdl.Call(fn, s, arg); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseSignature parses a typical signature.
func BenchmarkParseSignature(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := cdl.ParseSignature("double ldexp(double x, int exp)"); err != nil {
			b.Fatal(err)
		}
	}
}
