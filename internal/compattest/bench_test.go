package compattest

import (
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/soinspect/soinspect/elfinspect"
	"github.com/soinspect/soinspect/internal/specimen"
	"github.com/soinspect/soinspect/internal/testutil"
	"github.com/soinspect/soinspect/plugincheck"
)

var (
	bigOnce          sync.Once
	bigErr           error
	bigHost, bigPlug string
)

// buildBig builds the ~20 MB host and plugin of the benchmarks: the
// repository's testdata/bigplugin and a host linking the same packages.
func buildBig(b *testing.B) {
	bigOnce.Do(func() {
		errs := make(chan error, 2)
		go func() {
			var err error
			bigHost, err = specimen.Build("bighost")
			errs <- err
		}()
		go func() {
			var err error
			bigPlug, err = specimen.Build("big.so")
			errs <- err
		}()
		for range 2 {
			if err := <-errs; err != nil && bigErr == nil {
				bigErr = err
			}
		}
	})
	if bigErr != nil {
		b.Fatal(bigErr)
	}
}

// BenchmarkCheck times `soinspect check` without the process: open a
// ~20 MB host and a ~20 MB plugin, predict plugin.Open, close both.
func BenchmarkCheck(b *testing.B) {
	buildBig(b)
	var v plugincheck.Verdict
	for b.Loop() {
		h, err := elfinspect.Open(bigHost)
		if err != nil {
			b.Fatal(err)
		}
		p, err := elfinspect.Open(bigPlug)
		if err != nil {
			b.Fatal(err)
		}
		v = plugincheck.NewChecker(h).Check(p, []plugincheck.Requirement{{Name: "Count", Type: "func() int"}})
		h.Close()
		p.Close()
	}
	for _, p := range []string{bigHost, bigPlug} {
		if st, err := os.Stat(p); err == nil {
			b.ReportMetric(float64(st.Size())/1e6, filepath.Base(p)+"-MB")
		}
	}
	if !v.OK {
		b.Fatalf("the big plugin does not pass against the big host: %+v", v)
	}
}

// BenchmarkCheckTogether times `check` of a ~20 MB host against four
// ~20 MB plugins (the big plugin and three copies: the same pluginpath),
// each alone and --together, files opened once.
func BenchmarkCheckTogether(b *testing.B) {
	buildBig(b)
	data, err := os.ReadFile(bigPlug)
	if err != nil {
		b.Fatal(err)
	}
	paths := []string{bigPlug}
	for i := range 3 {
		p := filepath.Join(b.TempDir(), "copy"+string(rune('1'+i))+".so")
		if err := os.WriteFile(p, data, 0o755); err != nil {
			b.Fatal(err)
		}
		paths = append(paths, p)
	}
	h := testutil.OpenELF(b, bigHost)
	var files []*elfinspect.File
	for _, p := range paths {
		f := testutil.OpenELF(b, p)
		files = append(files, f)
	}
	c := plugincheck.NewChecker(h)
	b.Run("alone", func(b *testing.B) {
		for b.Loop() {
			for _, f := range files {
				if v := c.Check(f, nil); !v.OK {
					b.Fatalf("%s alone: %s", f.Path, v.Error)
				}
			}
		}
	})
	b.Run("together", func(b *testing.B) {
		for b.Loop() {
			if s := c.CheckTogether(files, nil); s.Loaded != 1 || s.Failed != 3 {
				b.Fatalf("together: %d loaded, %d failed; want 1 and 3", s.Loaded, s.Failed)
			}
		}
	})
}
