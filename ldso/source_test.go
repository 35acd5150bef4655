package ldso

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/soinspect/soinspect/internal/guard"
)

// A library truncated while it is mapped makes a read of its tables fault
// (SIGBUS): with the guard on, as users run, Bind returns an error
// naming the file, and the process goes on; so does a later Bind.
func TestTruncatedWhileMapped(t *testing.T) {
	dir := fixtures(t)
	b, err := os.ReadFile(filepath.Join(dir, "d1/libi2.so"))
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "libi2.so")
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	res := load(t, p, Config{NoPreloadFile: true})
	if res.Objects[0].Object.src.data == nil {
		t.Skip("the file could not be mapped here: nothing to fault")
	}
	if err := os.Truncate(p, 0); err != nil {
		t.Fatal(err)
	}
	defer guard.SetOn(true)()
	bs, err := Bind(res, BindOptions{Shadowed: true})
	if err == nil {
		t.Fatalf("Bind on a truncated file: %d bindings, no error", len(bs))
	}
	if msg := err.Error(); !strings.HasPrefix(msg, p+": read fault at ") || !strings.Contains(msg, "truncated?") {
		t.Errorf("Bind: error %q, want one naming %s and a read fault", msg, p)
	}
	// The tables whose first read faulted stay unreadable, not half read.
	if _, err := Bind(res, BindOptions{}); err == nil || !strings.HasPrefix(err.Error(), p+": ") {
		t.Errorf("Bind again: error %v, want one naming %s", err, p)
	}
	CheckVersions(res) // a table it cannot read counts as absent: no crash
}
