package goplugin_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/soinspect/soinspect/elfinspect"
	"github.com/soinspect/soinspect/goplugin"
	"github.com/soinspect/soinspect/internal/guard"
	"github.com/soinspect/soinspect/internal/specimen"
	"github.com/soinspect/soinspect/internal/testutil"
)

// TestGuard makes the plugin reader panic on purpose: with the guard off,
// as in the tests and the fuzz targets, the panic reaches the caller; with
// it on, Read and Describe return a FormatError naming the file once.
func TestGuard(t *testing.T) {
	path := specimen.Path(t, "dotted.v2.so")
	f := testutil.OpenELF(t, path)
	defer guard.Inject("goplugin.readPlugin")()
	for name, read := range map[string]func() error{
		"Read":     func() error { _, err := goplugin.Read(f); return err },
		"Describe": func() error { _, err := goplugin.Describe(f); return err },
	} {
		func() {
			defer func() {
				if p := recover(); p != guard.Fault("goplugin.readPlugin") {
					t.Errorf("%s, guard off: panic %v, want the injected fault", name, p)
				}
			}()
			err := read()
			t.Errorf("%s, guard off: the panic was swallowed, err = %v", name, err)
		}()
		func() {
			defer guard.SetOn(true)()
			err := read()
			var fe *elfinspect.FormatError
			var ee *elfinspect.Error
			if !errors.As(err, &fe) || !errors.As(err, &ee) || ee.Path != path || strings.Count(err.Error(), path) != 1 {
				t.Errorf("%s, guard on: %v, want a FormatError naming %s once", name, err, path)
			}
		}()
	}
}
