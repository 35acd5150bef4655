package cli

import (
	"io"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/soinspect/soinspect/internal/render"
)

// BenchmarkSymbolsView times `symbols -D --defined-only` on libLLVM (46k
// symbols, long C++ names) in each format: the default table must stay
// within 1.5 times the plain listing (go test -bench SymbolsView ./internal/cli).
func BenchmarkSymbolsView(b *testing.B) {
	const lib = "/usr/lib/x86_64-linux-gnu/libLLVM-15.so.1"
	if _, err := os.Stat(lib); err != nil {
		b.Skipf("%s: %v", lib, err)
	}
	for _, f := range []render.Format{render.FormatPlain, render.FormatTable, render.FormatMarkdown} {
		b.Run(string(f), func(b *testing.B) {
			var before, after syscall.Rusage
			syscall.Getrusage(syscall.RUSAGE_SELF, &before)
			for b.Loop() {
				o := &symbolsOptions{dynamic: true, definedOnly: true, demangle: "auto", sort: "name", files: 1}
				o.out.opts = render.Options{Format: f, Width: 100}
				if err := o.run(&cobra.Command{}, io.Discard, lib); err != nil {
					b.Fatal(err)
				}
			}
			// CPU time is steadier than wall time on a shared machine.
			syscall.Getrusage(syscall.RUSAGE_SELF, &after)
			cpu := time.Duration(after.Utime.Nano() + after.Stime.Nano() - before.Utime.Nano() - before.Stime.Nano())
			b.ReportMetric(float64(cpu.Milliseconds())/float64(b.N), "cpu-ms/op")
		})
	}
}
