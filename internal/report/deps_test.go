package report_test

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/soinspect/soinspect/internal/report"
)

// TestDeps: the load graph of a C program names every library ldd lists,
// each found, the program in layer 0 and libc in layer 1.
func TestDeps(t *testing.T) {
	exe := needC(t)
	out, err := exec.Command("ldd", exe).Output()
	if err != nil {
		t.Skipf("ldd: %v", err)
	}
	r := build(t, exe, report.Options{})
	d := r.Deps
	if d == nil || len(d.Nodes) < 2 || d.Fatal != "" {
		t.Fatalf("deps: %+v", d)
	}
	byName := map[string]report.DepNode{}
	for _, n := range d.Nodes {
		byName[n.Name] = n
	}
	if d.Nodes[0].Depth != 0 || byName["libc.so.6"].Depth != 1 || !byName["libc.so.6"].Found {
		t.Errorf("layers: %+v", d.Nodes)
	}
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.Fields(line)
		if len(f) < 3 || f[1] != "=>" {
			continue
		}
		if _, ok := byName[f[0]]; !ok {
			t.Errorf("ldd lists %s, the graph does not", f[0])
		}
	}
}
