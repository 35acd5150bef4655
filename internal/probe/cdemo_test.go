package probe_test

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/soinspect/soinspect/internal/specimen"
)

// TestCDemo runs what `make c-demo` runs (mk/lab.mk): c/host.c, compiled
// with -Wall -Wextra -Werror, loads plugin1 the C way, survives the crash
// of its init in a forked child, and calls a c-shared library.
func TestCDemo(t *testing.T) {
	needFixtures(t)
	host := specimen.Path(t, "host")
	cshared := specimen.Path(t, "libsoinspect_cshared.so")

	pp := static(t, plugin1).PluginPath()
	if pp != pp1 {
		t.Fatalf("pluginpath %q, want %q", pp, pp1)
	}
	// The Makefile finds the pluginpath with nm; check it finds the same.
	if _, err := exec.LookPath("nm"); err == nil {
		out, err := exec.Command("sh", "-c",
			`nm -D --defined-only "$1" | sed -n 's/^[0-9a-f]* T \(.*\)\.main$/\1/p' | head -n 1`, "sh", plugin1).Output()
		if err != nil || strings.TrimSpace(string(out)) != pp {
			t.Errorf("mk/lab.mk's pluginpath = %q (%v), want %q", out, err, pp)
		}
	}

	out, err := exec.Command(host, plugin1, pp, cshared).CombinedOutput()
	if err != nil {
		t.Errorf("host: %v", err)
	}
	wantContains(t, "c-demo", string(out),
		`dlopen("`+plugin1+`", RTLD_LAZY) = 0x`,
		`dlsym(h, "`+pp+`.Answer") = 0x`,
		"it returned 42",
		`dlsym(h, "`+pp+`.init.0") = 0x`,
		"the child died: SIG", "fault address 0x",
		"R14", "plugin.Open", "-buildmode=c-shared",
		"SoinspectAdd(40, 2) = 42",
		`SoinspectGreet("presenter") = "hello, presenter, from Go's fmt via c-shared"`,
		"== Done: leaf returned, init crashed and was caught, c-shared worked.")
	if strings.Contains(string(out), "init.0 ran") && !strings.Contains(string(out), `nothing printed "init.0 ran"`) {
		t.Errorf("a Go init ran under dlopen:\n%s", out)
	}
}
