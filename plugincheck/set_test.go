package plugincheck_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/soinspect/soinspect/elfinspect"
	"github.com/soinspect/soinspect/internal/specimen"
	"github.com/soinspect/soinspect/internal/testutil"
	"github.com/soinspect/soinspect/plugincheck"
)

// TestCheckTogetherSet checks a Set's bookkeeping on a set the real
// plugin.Open is known to treat so (internal/compattest's TestTogether
// holds every case to it): plugin1, plugin2, a copy of plugin1 (the same
// pluginpath: "plugin already loaded"), and the copy again ("(previous
// failure)"). Alone, each loads.
func TestCheckTogetherSet(t *testing.T) {
	hostPath := specimen.Path(t, "oracle", "plugin1.so")
	p1 := specimen.Path(t, "plugin1.so")
	p2 := specimen.Path(t, "plugin2.so")
	cp := filepath.Join(t.TempDir(), "copy.so")
	b, err := os.ReadFile(p1)
	if err != nil {
		t.Fatal(err)
	}
	specimen.WriteFile(t, cp, b, 0o755)
	host := testutil.OpenELF(t, hostPath)
	var files []*elfinspect.File
	for _, p := range []string{p1, p2, cp, cp} {
		files = append(files, testutil.OpenELF(t, p))
	}
	c := plugincheck.NewChecker(host)
	set := c.CheckTogether(files, nil)
	if set.Loaded != 2 || set.Failed != 2 || set.CrashedAt != "" || len(set.Verdicts) != 4 {
		t.Fatalf("set: loaded %d, failed %d, crashed at %q, %d verdicts; want 2, 2, none, 4", set.Loaded, set.Failed, set.CrashedAt, len(set.Verdicts))
	}
	v := set.Verdicts[2]
	if v.Error != "plugin already loaded" || !v.Exact || v.Reasons[0].Code != plugincheck.ReasonPluginPath || !strings.Contains(v.Reasons[0].Message, p1) {
		t.Errorf("the copy: %q exact=%v %+v", v.Error, v.Exact, v.Reasons)
	}
	v = set.Verdicts[3]
	if v.Error != "plugin already loaded (previous failure)" || v.Reasons[0].Code != plugincheck.ReasonPreviousFail {
		t.Errorf("the copy again: %q %+v", v.Error, v.Reasons)
	}
	if got, want := v.OpenError(cp), `plugin.Open("`+cp+`"): plugin already loaded (previous failure)`; got != want {
		t.Errorf("OpenError = %q, want %q", got, want)
	}
	for _, f := range files {
		if v := c.Check(f, nil); !v.OK {
			t.Errorf("%s alone: %s %q", f.Path, v.Outcome, v.Error)
		}
	}
}
