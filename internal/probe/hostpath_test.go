package probe_test

import (
	"encoding/json"
	"os/exec"
	"reflect"
	"strings"
	"testing"

	"github.com/soinspect/soinspect/internal/specimen"
	"github.com/soinspect/soinspect/plugincheck"
)

// checkLine is one line of `check --json` (and of call's and compare's
// answer for a host that cannot run anything).
type checkLine struct {
	Host   string `json:"host"`
	NotRun string `json:"not_run"`
	plugincheck.Verdict
}

func decodeCheck(t *testing.T, what, out string) checkLine {
	t.Helper()
	var l checkLine
	if err := json.Unmarshal([]byte(out), &l); err != nil {
		t.Fatalf("%s: %v\n%s", what, err, out)
	}
	return l
}

// --host PATH, a Go program that does not speak the probe protocol (the
// classic demo host): call and compare run nothing and give check's
// verdict and reasons, with its exit status; the oracle is the real
// plugin.Open, in that same host, for a plugin that loads and one that
// does not.
func TestCheckOnlyHost(t *testing.T) {
	needFixtures(t)
	host := specimen.Path(t, "pluginhost")
	for _, c := range []struct {
		name, plugin string
		loads        bool
	}{
		{"plugin1", plugin1, true},
		{"plugin1-trimpath", trimPlugin1, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			// The oracle: the host itself opens the plugin and calls Run.
			err := exec.Command(host, c.plugin).Run()
			if real := err == nil; real != c.loads {
				t.Fatalf("%s %s: %v; the specimen does not behave as the test assumes", host, c.plugin, err)
			}
			out, _, checkCode := soinspect(t, "check", "--json", host, c.plugin)
			want := decodeCheck(t, "check", out)
			if want.Loadable != c.loads {
				t.Errorf("check: loadable %v, plugin.Open in %s says %v", want.Loadable, host, c.loads)
			}
			for _, cmd := range [][]string{
				{"call", "--json", "--host", host, c.plugin, "Run"},
				{"compare", "--json", "--host", host, c.plugin},
			} {
				out, stderr, code := soinspect(t, cmd...)
				got := decodeCheck(t, cmd[0], out)
				if code != checkCode {
					t.Errorf("%s: exit %d, check's %d\nstderr:\n%s", cmd[0], code, checkCode, stderr)
				}
				if !strings.Contains(got.NotRun, "nothing was run") || !strings.Contains(got.NotRun, "__probe-child") {
					t.Errorf("%s: not_run %q, want it to say that nothing ran and why", cmd[0], got.NotRun)
				}
				if strings.Contains(out+stderr, "plugin1: init.0 ran") {
					t.Errorf("%s: the plugin's init ran:\n%s%s", cmd[0], out, stderr)
				}
				if !reflect.DeepEqual(got.Verdict, want.Verdict) || got.Host != want.Host {
					t.Errorf("%s: verdict\n%+v\nwant check's\n%+v", cmd[0], got.Verdict, want.Verdict)
				}
			}
			text, _, _ := soinspect(t, "call", "--host", host, c.plugin, "Run")
			if !strings.HasPrefix(text, "nothing was run: ") {
				t.Errorf("call (table) does not begin by saying nothing ran:\n%s", text)
			}
		})
	}
	// A program that is not Go cannot even be checked against.
	_, stderr, code := soinspect(t, "call", "--host", "/bin/true", plugin1, "Run")
	if code != 1 || !strings.Contains(stderr, "no Go program") {
		t.Errorf("call --host /bin/true: exit %d, stderr %q", code, stderr)
	}
}
