package probe_test

import (
	"testing"

	"github.com/soinspect/soinspect/internal/probe"
	"github.com/soinspect/soinspect/internal/specimen"
)

// BenchmarkReadStatic reads a ~20 MB plugin (testdata/bigplugin) as
// `soinspect call` does before it starts a child: sections, Go plugin
// anatomy, and both symbol tables sorted by address.
//
//	go test ./internal/probe -run '^$' -bench ReadStatic -count 3
func BenchmarkReadStatic(b *testing.B) {
	path, _ := specimen.BenchFile(b, "big.so")
	b.ReportAllocs()
	for b.Loop() {
		st, err := probe.ReadStatic(path)
		if err != nil {
			b.Fatal(err)
		}
		if st.PluginPath() == "" {
			b.Fatal("no pluginpath")
		}
	}
}
