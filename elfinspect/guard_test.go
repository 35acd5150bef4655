package elfinspect_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/soinspect/soinspect/elfinspect"
	"github.com/soinspect/soinspect/internal/guard"
)

// TestGuard makes the parsers panic on purpose: with the guard off, as in
// every test and fuzz target, the panic reaches the caller with its own
// stack; with it on, as for users, it is a FormatError naming the file
// once.
func TestGuard(t *testing.T) {
	path := fixturePath(t, "clib")
	for _, tt := range []struct {
		point, op string
		call      func() error
	}{
		{"elfinspect.NewFile", "open", func() error { _, err := elfinspect.Open(path); return err }},
		{"elfread.Section", "read symbols", func() error {
			f, err := elfinspect.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			_, err = f.DynamicSymbols()
			return err
		}},
	} {
		t.Run(tt.point, func(t *testing.T) {
			defer guard.Inject(tt.point)()
			func() {
				defer func() {
					if p := recover(); p != guard.Fault(tt.point) {
						t.Errorf("guard off: panic %v, want the injected fault", p)
					}
				}()
				err := tt.call()
				t.Errorf("guard off: the panic was swallowed, err = %v", err)
			}()

			defer guard.SetOn(true)()
			err := tt.call()
			var fe *elfinspect.FormatError
			var pe *elfinspect.Error
			switch {
			case !errors.As(err, &fe):
				t.Errorf("guard on: %v, want a FormatError", err)
			case !errors.As(err, &pe) || pe.Op != tt.op || pe.Path != path:
				t.Errorf("guard on: %#v, want an elfinspect.Error for %s %s", err, tt.op, path)
			case strings.Count(err.Error(), path) != 1 || !strings.Contains(err.Error(), "fault injected"):
				t.Errorf("guard on: %q should name %s once and say what happened", err, path)
			}
		})
	}
}
