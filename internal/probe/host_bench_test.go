package probe_test

import (
	"context"
	"testing"

	"github.com/soinspect/soinspect/internal/probe"
	"github.com/soinspect/soinspect/internal/specimen"
)

// BenchmarkGoCall times a whole Go-way call as `soinspect call` makes it:
// the choice of the probe host (the analysis of check against soinspect's
// own probe, and for the second a lookup of the matching one in the
// cache) and the child's plugin.Open, Lookup and call. "self" is plugin1 in
// soinspect's own probe; "cached" is plugin1 -trimpath in a cached probe
// host built to match. The goal is cached ≤ 1.3 × self:
//
//	go test -run '^$' -bench GoCall ./internal/probe/
func BenchmarkGoCall(b *testing.B) {
	if buildErr != nil {
		b.Fatal(buildErr)
	}
	for _, c := range []struct{ name, plugin string }{{"self", plugin1}, {"cached", trimPlugin1}} {
		b.Run(c.name, func(b *testing.B) {
			specimen.Path(b, "plugin1.so")
			st, err := probe.ReadStatic(c.plugin)
			if err != nil {
				b.Fatal(err)
			}
			req := probe.GoRequest{Path: c.plugin, Symbols: []string{"Run"}, Call: true, InitTask: st.InitTaskSymbol()}
			o := probe.Options{Exe: bin}
			// The first call may build the probe host: not timed.
			if rep, err := probe.Go(context.Background(), req, st, o, nil); err != nil || rep.Outcome != probe.OutcomeOK {
				b.Fatalf("%s: %v %+v", c.name, err, rep)
			}
			for b.Loop() {
				rep, err := probe.Go(context.Background(), req, st, o, nil)
				if err != nil || rep.Outcome != probe.OutcomeOK {
					b.Fatalf("%s: %v", c.name, err)
				}
			}
		})
	}
}

// BenchmarkChooseHost times the choice alone, without the child:
// soinspect's own probe for plugin1, the cached matching one for plugin1
// -trimpath.
func BenchmarkChooseHost(b *testing.B) {
	if buildErr != nil {
		b.Fatal(buildErr)
	}
	for _, c := range []struct{ name, plugin string }{{"self", plugin1}, {"cached", trimPlugin1}} {
		b.Run(c.name, func(b *testing.B) {
			o := probe.Options{Exe: bin}
			if _, err := probe.ChooseHost(context.Background(), c.plugin, o); err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				if _, err := probe.ChooseHost(context.Background(), c.plugin, o); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
