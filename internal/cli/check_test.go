package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/soinspect/soinspect/internal/specimen"
)

// TestCheckTogetherFlag: check judges each PLUGIN alone unless
// --together, which opens them in order in one process and numbers them.
// plugin1 and a copy of it (the same pluginpath) both load alone; together
// the copy is "plugin already loaded" (internal/compattest's TestTogether
// holds these texts to the real plugin.Open).
func TestCheckTogetherFlag(t *testing.T) {
	host := specimen.Path(t, "oracle", "plugin1.so") // both built at once
	p1 := specimen.Path(t, "plugin1.so")
	b, err := os.ReadFile(p1)
	if err != nil {
		t.Fatal(err)
	}
	cp := filepath.Join(t.TempDir(), "copy.so")
	specimen.WriteFile(t, cp, b, 0o755)
	type line struct {
		Host, Plugin, Error string
		Order               int
		OK                  bool
	}
	lines := func(out string) []line {
		var ls []line
		dec := json.NewDecoder(strings.NewReader(out))
		for dec.More() {
			var l line
			if err := dec.Decode(&l); err != nil {
				t.Fatalf("%v\n%s", err, out)
			}
			ls = append(ls, l)
		}
		return ls
	}
	out, _, code := runAt(t, 100, "check", "--json", host, p1, cp)
	if ls := lines(out); code != 0 || len(ls) != 2 || !ls[0].OK || !ls[1].OK || ls[0].Order != 0 {
		t.Errorf("alone: exit %d, %+v; want 0 and two loadable plugins, unnumbered", code, ls)
	}
	out, _, code = runAt(t, 100, "check", "--together", "--json", host, p1, cp)
	ls := lines(out)
	if code != 1 || len(ls) != 2 || !ls[0].OK || ls[1].OK || ls[0].Order != 1 || ls[1].Order != 2 || ls[1].Error != "plugin already loaded" {
		t.Errorf("together: exit %d, %+v; want 1, the copy already loaded, numbered 1 and 2", code, ls)
	}
	out, _, _ = runAt(t, 1000, "check", "--together", host, p1, cp)
	for _, want := range []string{"2 of 2, in one process", "pluginpath-collision", "1 of 2 plugins pass against", "opened in this order by one process"} {
		if !strings.Contains(out, want) {
			t.Errorf("check --together lacks %q:\n%s", want, out)
		}
	}
	out, _, _ = runAt(t, 1000, "check", host, p1, cp)
	if want := "2 of 2 plugins pass against " + host + ", each opened alone; opened in this order by one process, only 1 would load (--together says why)"; !strings.Contains(out, want) {
		t.Errorf("check, each alone, lacks %q:\n%s", want, out)
	}
	if _, errOut, code := runAt(t, 100, "scan", "--together", filepath.Dir(cp)); code != 2 || !strings.Contains(errOut, "--together needs --host") {
		t.Errorf("scan --together without --host: exit %d, %s", code, errOut)
	}
}
