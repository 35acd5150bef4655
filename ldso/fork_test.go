package ldso

import (
	"fmt"
	"path/filepath"
	"sync"
	"testing"
)

// dlopenSummary is what a test compares of one dlopen.
func dlopenSummary(t *testing.T, r *Result, file string) string {
	t.Helper()
	op, err := r.Dlopen(file, Now|Global)
	if err != nil {
		t.Fatal(err)
	}
	s := fmt.Sprintf("err=%v new=", op.Err)
	for _, l := range op.New {
		s += l.Name + "=" + l.Path + ";"
	}
	s += fmt.Sprintf(" bindings=%d missing=%d", len(op.Bindings), len(op.MissingVersions))
	return s
}

// A fork's dlopens leave the Result it was forked from as it was, and give
// what a fresh load's dlopen gives; forks of one Result run at the same
// time (go test -race checks that they share nothing they write).
func TestForkConcurrentDlopen(t *testing.T) {
	dir := fixtures(t)
	host := filepath.Join(dir, "bin/rpath")
	targets := []string{
		filepath.Join(dir, "d1/libi2.so"),
		filepath.Join(dir, "lib/libo.so"),
		filepath.Join(dir, "d3/liby.so"), // needs libzq.so, which the host's paths lack
		filepath.Join(dir, "gone/libgone.so"),
		"libi1.so", // a bare name, found through the host's RPATH
		filepath.Join(dir, "d2/libv.so"),
	}
	want := make([]string, len(targets))
	for i, f := range targets {
		res := load(t, host, Config{})
		want[i] = dlopenSummary(t, res, f)
		res.Close()
	}
	base := load(t, host, Config{})
	defer base.Close()
	n := len(base.Objects)
	var wg sync.WaitGroup
	got := make([]string, 4*len(targets))
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f := base.Fork()
			defer f.Close()
			got[i] = dlopenSummary(t, f, targets[i%len(targets)])
		}()
	}
	wg.Wait()
	for i, g := range got {
		if w := want[i%len(targets)]; g != w {
			t.Errorf("dlopen(%s) in a fork: %s\nin a fresh load: %s", targets[i%len(targets)], g, w)
		}
	}
	if len(base.Objects) != n {
		t.Errorf("the forked Result has %d objects after its forks' dlopens, had %d", len(base.Objects), n)
	}
}
