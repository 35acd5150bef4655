package ldso

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/soinspect/soinspect/internal/specimen"
)

// Unused agrees with `ldd -u`, and UnusedIn, which reads the answer off
// the bindings Bind made, with Unused, on a sample of the system's
// programs and libraries.
func TestUnusedMatchesLddU(t *testing.T) {
	needTools(t)
	var files []string
	for _, dir := range []string{"/usr/bin", "/usr/lib/x86_64-linux-gnu"} {
		ents, _ := os.ReadDir(dir)
		for _, e := range ents {
			if e.Type().IsRegular() && (dir == "/usr/bin" || strings.Contains(e.Name(), ".so")) {
				files = append(files, filepath.Join(dir, e.Name()))
			}
		}
	}
	files, which := specimen.Sample(files, 60)
	t.Logf("checking %s files", which)
	pool := NewPool(64)
	defer pool.Close()
	checked := 0
	for _, f := range files {
		res, err := Load(f, Config{Pool: pool})
		if err != nil {
			continue
		}
		func() {
			defer res.Close()
			if res.Fatal != nil || len(res.Missing()) > 0 {
				return
			}
			u, err := Unused(res)
			if err != nil {
				t.Errorf("%s: %v", f, err)
				return
			}
			bs, err := Bind(res, BindOptions{Shadowed: true})
			if err != nil {
				t.Errorf("%s: %v", f, err)
				return
			}
			if ui := UnusedIn(res, bs); !slices.Equal(u, ui) {
				t.Errorf("%s: Unused %v, UnusedIn %v", f, paths(u), paths(ui))
			}
			out, _ := exec.Command("ldd", "-u", f).Output()
			var want []string
			for _, line := range strings.Split(string(out), "\n") {
				if strings.HasPrefix(line, "\t") {
					want = append(want, strings.TrimSpace(line))
				}
			}
			if got := paths(u); !slices.Equal(got, want) {
				t.Errorf("%s: unused %q, ldd -u says %q", f, got, want)
			}
			checked++
		}()
	}
	t.Logf("%d files compared", checked)
	if checked == 0 {
		t.Errorf("none of the %d sampled files loaded whole: nothing was compared", len(files))
	}
}

func paths(ls []*Loaded) []string {
	var out []string
	for _, l := range ls {
		out = append(out, l.Path)
	}
	return out
}
