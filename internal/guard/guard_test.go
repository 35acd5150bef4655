package guard_test

import (
	"errors"
	"testing"

	"github.com/soinspect/soinspect/internal/guard"
)

// entry is an entry point under the guard whose reader panics.
func entry() (err error) {
	defer guard.Recover(func(p any) { err = errors.New("stopped") })
	guard.Point("test.entry")
	return nil
}

func TestOffInTests(t *testing.T) {
	if guard.On() {
		t.Fatal("the guard is on in a test binary: fuzzers would not see panics")
	}
}

func TestRecover(t *testing.T) {
	defer guard.Inject("test.entry")()
	t.Run("off", func(t *testing.T) {
		defer func() {
			if p := recover(); p != guard.Fault("test.entry") {
				t.Errorf("panic %v, want the injected fault to go on", p)
			}
		}()
		entry()
		t.Error("the panic was swallowed with the guard off")
	})
	t.Run("on", func(t *testing.T) {
		defer guard.SetOn(true)()
		if err := entry(); err == nil || err.Error() != "stopped" {
			t.Errorf("entry() = %v, want the handler's error", err)
		}
	})
}

func TestNoFaultWithoutInject(t *testing.T) {
	if err := entry(); err != nil {
		t.Fatal(err)
	}
}
