package cli

import (
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/soinspect/soinspect/internal/render"
	"github.com/soinspect/soinspect/internal/specimen"
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
			// CPU time is steadier than wall time on a shared machine.
			reportCPU := specimen.ReportCPU(b, syscall.RUSAGE_SELF, time.Millisecond)
			for b.Loop() {
				o := &symbolsOptions{dynamic: true, definedOnly: true, demangle: "auto", sort: "name", files: 1}
				o.out.opts = render.Options{Format: f, Width: 100}
				if err := o.run(&cobra.Command{}, io.Discard, lib); err != nil {
					b.Fatal(err)
				}
			}
			reportCPU()
		})
	}
}

// BenchmarkReport times `soinspect report -o OUT big.so` on a ~20 MB plugin
// (testdata/bigplugin) as a user runs it: the built command, a fresh
// process each time, under the memory limit its main sets. It reports the
// processes' CPU time (steadier than wall time on a shared machine) as
// cpu-ms/op and the page's size as page-bytes; the bounds are 1 s
// and 3 MB a page (go test -run '^$' -bench Report ./internal/cli).
func BenchmarkReport(b *testing.B) {
	path, _ := specimen.BenchFile(b, "big.so")
	bin := specimen.Path(b, "soinspect")
	out := filepath.Join(b.TempDir(), "big.html")
	reportCPU := specimen.ReportCPU(b, syscall.RUSAGE_CHILDREN, time.Millisecond)
	for b.Loop() {
		cmd := exec.Command(bin, "report", "-o", out, path)
		cmd.Env = append(os.Environ(), "GOMEMLIMIT=")
		if o, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("soinspect report: %v\n%s", err, o)
		}
	}
	reportCPU()
	st, err := os.Stat(out)
	if err != nil {
		b.Fatal(err)
	}
	if st.Size() > 3<<20 {
		b.Errorf("the page is %d bytes, over 3 MiB", st.Size())
	}
	b.ReportMetric(float64(st.Size()), "page-bytes")
}

// BenchmarkDepsBindingsLLVM times the whole `deps --bindings` command on
// libLLVM (its 11 libraries, ~14k bindings), output discarded: compare with
// `ldd -r` on the same file (make bench prints the ratio).
func BenchmarkDepsBindingsLLVM(b *testing.B) {
	const lib = "/usr/lib/x86_64-linux-gnu/libLLVM-15.so.1"
	if _, err := os.Stat(lib); err != nil {
		b.Skipf("%s: %v", lib, err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if code := Main([]string{"deps", "--bindings", lib}, io.Discard, io.Discard); code != 0 {
			b.Fatalf("exit %d", code)
		}
	}
}

// BenchmarkRunHelp times Run for `soinspect --help` and `soinspect symbols
// --help` in-process: the command tree made for the arguments, parsed and
// the help written and fitted (output discarded). A process pays this cold
// at every start, on fresh heap and code pages; this is its warm part and
// its allocations (go test -run '^$' -bench RunHelp ./internal/cli).
func BenchmarkRunHelp(b *testing.B) {
	for _, args := range [][]string{{"--help"}, {"symbols", "--help"}} {
		b.Run(args[0], func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if code := Run(args, nil, io.Discard, io.Discard); code != 0 {
					b.Fatalf("exit %d", code)
				}
			}
		})
	}
}
