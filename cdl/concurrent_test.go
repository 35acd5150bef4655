//go:build linux && cgo

package cdl_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/soinspect/soinspect/cdl"
	"github.com/soinspect/soinspect/internal/specimen"
)

// TestConcurrent opens, looks up and closes several libraries from 16
// goroutines at once. Each failing lookup asks for a name no other call uses,
// so an error text read from the wrong thread's dlerror would show up as the
// wrong name.
func TestConcurrent(t *testing.T) {
	libs := []struct{ path, good string }{
		{"libc.so.6", "strlen"},
		{"libm.so.6", "cos"},
		{libTest, "add6"},
		{libLazy, "lazy_ctor_count"},
		{"", "malloc"},
	}
	shared := open(t, "libm.so.6", cdl.Now)
	const goroutines, rounds = 16, 200
	var wg sync.WaitGroup
	errs := make(chan error, goroutines)
	for g := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- worker(g, rounds, libs, shared)
		}()
	}
	// Close the shared handle while the workers use it: they must see either
	// a result or ErrClosed.
	shared.Close()
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
}

func worker(g, rounds int, libs []struct{ path, good string }, shared *cdl.Handle) error {
	for i := range rounds {
		lib := libs[(g+i)%len(libs)]
		flags := cdl.Now
		if lib.path == libLazy {
			flags = cdl.Lazy
		}
		h, err := cdl.Open(lib.path, flags)
		if err != nil {
			return err
		}
		if p, err := h.Sym(lib.good); err != nil || p == 0 {
			return fmt.Errorf("Sym(%s) in %q = %#x, %v", lib.good, lib.path, p, err)
		}
		bad := fmt.Sprintf("cdl_missing_g%d_r%d", g, i)
		_, err = h.Sym(bad)
		var e *cdl.Error
		if !errors.As(err, &e) || e.Name != bad || !strings.HasSuffix(e.Msg, "undefined symbol: "+bad) {
			return fmt.Errorf("Sym(%s) in %q = %v: error for the wrong call", bad, lib.path, err)
		}
		if i%7 == 0 {
			_, err := cdl.Open(fmt.Sprintf("/nonexistent/g%d_r%d.so", g, i), cdl.Now)
			if err == nil || !strings.Contains(err.Error(), fmt.Sprintf(`g%d_r%d.so: cannot open shared object file`, g, i)) {
				return fmt.Errorf("Open of a missing file: %v", err)
			}
		}
		if _, err := shared.Sym("sin"); err != nil && !errors.Is(err, cdl.ErrClosed) {
			return fmt.Errorf("Sym(sin) on the shared handle: %v", err)
		}
		if err := h.Close(); err != nil {
			return err
		}
		if _, err := h.Sym(lib.good); !errors.Is(err, cdl.ErrClosed) {
			return fmt.Errorf("Sym after Close: %v", err)
		}
	}
	return nil
}

// TestConcurrentClose closes a handle while goroutines look symbols up in
// it, over and over: each lookup must find the symbol or fail with ErrClosed,
// never with a loader error (the sign of a dlsym on a handle already
// dlclosed), and once Close returns the object must be gone.
func TestConcurrentClose(t *testing.T) {
	// A copy of the test library, so that no other test holds a reference.
	data, err := os.ReadFile(libTest)
	if err != nil {
		t.Fatal(err)
	}
	lib := filepath.Join(t.TempDir(), "closeme.so")
	specimen.WriteFile(t, lib, data, 0o755)
	const goroutines, rounds = 4, 30
	for round := range rounds {
		h, err := cdl.Open(lib, cdl.Now)
		if err != nil {
			t.Fatal(err)
		}
		var found atomic.Int64
		var wg sync.WaitGroup
		errs := make(chan error, goroutines)
		for range goroutines {
			wg.Go(func() {
				for {
					p, err := h.Sym("add6")
					if errors.Is(err, cdl.ErrClosed) {
						errs <- nil
						return
					}
					if err != nil || p == 0 {
						errs <- fmt.Errorf("round %d: Sym(add6) = %#x, %v", round, p, err)
						return
					}
					found.Add(1)
				}
			})
		}
		for found.Load() < 100 {
			runtime.Gosched()
		}
		if err := h.Close(); err != nil {
			t.Fatalf("round %d: Close: %v", round, err)
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		if h2, err := cdl.Open(lib, cdl.Now|cdl.NoLoad); err == nil {
			h2.Close()
			t.Fatalf("round %d: %s still loaded after Close", round, lib)
		}
	}
}
