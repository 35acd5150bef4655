package plugincheck_test

import (
	"strings"
	"testing"

	"github.com/soinspect/soinspect/internal/guard"
	"github.com/soinspect/soinspect/internal/specimen"
	"github.com/soinspect/soinspect/internal/testutil"
	"github.com/soinspect/soinspect/plugincheck"
)

// TestGuard makes the model panic on purpose: with the guard off, as in
// the tests and the fuzz targets, the panic reaches the caller; with it on,
// the plugin gets a verdict saying it is unreadable, and no panic.
func TestGuard(t *testing.T) {
	f := testutil.OpenELF(t, specimen.Path(t, "plugin1.so"))
	defer guard.Inject("plugincheck.analyse")()
	c := plugincheck.NewChecker(nil)
	func() {
		defer func() {
			if p := recover(); p != guard.Fault("plugincheck.analyse") {
				t.Errorf("guard off: panic %v, want the injected fault", p)
			}
		}()
		v := c.Check(f, nil)
		t.Errorf("guard off: the panic was swallowed, verdict %+v", v)
	}()
	defer guard.SetOn(true)()
	v := c.Check(f, nil)
	if v.OK || v.Outcome != plugincheck.OutcomeError || len(v.Reasons) == 0 ||
		v.Reasons[len(v.Reasons)-1].Code != plugincheck.ReasonUnreadable || !strings.Contains(v.Error, "fault injected") {
		t.Errorf("guard on: verdict %+v, want an unreadable file", v)
	}
}
