package report_test

import (
	"syscall"
	"testing"
	"time"

	"github.com/soinspect/soinspect/elfinspect"
	"github.com/soinspect/soinspect/internal/report"
	"github.com/soinspect/soinspect/internal/specimen"
)

// countWriter counts the bytes written.
type countWriter struct{ n int64 }

func (w *countWriter) Write(p []byte) (int, error) { w.n += int64(len(p)); return len(p), nil }

// BenchmarkReport builds and writes the page of a ~20 MB plugin
// (testdata/bigplugin): open, read, draw, write. It reports the page's size
// as page-bytes, and the CPU time, steadier than wall time on a shared
// machine, as cpu-ms/op; the bounds are 1 s a page and 3 MB.
func BenchmarkReport(b *testing.B) {
	path, fileSize := specimen.BenchFile(b, "big.so")
	b.ReportAllocs()
	var size int64
	reportCPU := specimen.ReportCPU(b, syscall.RUSAGE_SELF, time.Millisecond)
	for b.Loop() {
		f, err := elfinspect.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		r, err := report.Build(f, report.Options{})
		if err != nil {
			b.Fatal(err)
		}
		w := &countWriter{}
		if err := r.WriteHTML(w); err != nil {
			b.Fatal(err)
		}
		size = w.n
		f.Close()
	}
	reportCPU()
	if size > 3<<20 {
		b.Fatalf("the page of a %d-byte plugin is %d bytes, over 3 MiB", fileSize, size)
	}
	b.ReportMetric(float64(size), "page-bytes")
	b.ReportMetric(float64(fileSize), "file-bytes")
}

// TestSummarised: a symbol table larger than the bounds is summarised:
// the largest symbols in the table, a bounded list for the filter, and
// the page says how many there are in all.
func TestSummarised(t *testing.T) {
	r := build(t, specimen.Path(t, "plugin1.so"), report.Options{TopSymbols: 10, FilterList: 100})
	if len(r.Bytes.Top) != 10 || len(r.Bytes.List) != 100 || r.Bytes.Symbols <= 100 {
		t.Fatalf("top %d, list %d of %d symbols", len(r.Bytes.Top), len(r.Bytes.List), r.Bytes.Symbols)
	}
	for i := 1; i < len(r.Bytes.List); i++ {
		if r.Bytes.List[i].Size > r.Bytes.List[i-1].Size {
			t.Fatalf("list not largest first at %d", i)
		}
	}
}
