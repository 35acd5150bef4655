package cli

import (
	"io"
	"os"
	"regexp"
	"runtime/debug"
	"testing"

	"github.com/spf13/cobra"

	"github.com/soinspect/soinspect/internal/render"
)

// TestSymbolsRoomWhenHeld: a listing that is held whole before it prints
// (here plain with --match, which demangles every name first) lifts the
// soft memory limit main sets; a streamed plain listing keeps it.
func TestSymbolsRoomWhenHeld(t *testing.T) {
	if os.Getenv("GOMEMLIMIT") != "" {
		t.Skip("GOMEMLIMIT is set")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Skip(err)
	}
	old := debug.SetMemoryLimit(-1)
	defer debug.SetMemoryLimit(old)
	for _, c := range []struct {
		match string
		room  bool
	}{{"", false}, {"main", true}} {
		debug.SetMemoryLimit(24 << 20)
		o := &symbolsOptions{demangle: "auto", sort: "name", files: 1}
		if c.match != "" {
			o.matchRE = regexp.MustCompile(c.match)
		}
		o.out.opts = render.Options{Format: render.FormatPlain}
		if err := o.run(&cobra.Command{}, io.Discard, exe); err != nil {
			t.Fatal(err)
		}
		if got := debug.SetMemoryLimit(-1) >= 96<<20; got != c.room {
			t.Errorf("--match %q: limit raised %v, want %v", c.match, got, c.room)
		}
	}
}
