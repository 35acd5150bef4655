package goplugin_test

import (
	"testing"

	"github.com/soinspect/soinspect/elfinspect"
	"github.com/soinspect/soinspect/goplugin"
	"github.com/soinspect/soinspect/internal/specimen"
)

// BenchmarkPlugin reads the whole anatomy of a ~20 MB plugin (testdata/
// bigplugin, linking ~35 std packages): open, parse, read, close.
func BenchmarkPlugin(b *testing.B) {
	path, _ := specimen.BenchFile(b, "big.so")
	b.ReportAllocs()
	for b.Loop() {
		f, err := elfinspect.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		pi, err := goplugin.Read(f)
		if err != nil {
			b.Fatal(err)
		}
		if len(pi.Exports) == 0 || len(pi.Notes) > 0 {
			b.Fatalf("exports %d, notes %q", len(pi.Exports), pi.Notes)
		}
		f.Close()
	}
}

// BenchmarkDescribe is BenchmarkPlugin through Describe, as `soinspect
// plugin` calls it for any file.
func BenchmarkDescribe(b *testing.B) {
	path := specimen.Path(b, "big.so")
	b.ReportAllocs()
	for b.Loop() {
		f, err := elfinspect.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := goplugin.Describe(f); err != nil {
			b.Fatal(err)
		}
		f.Close()
	}
}
