package cli

import (
	"strings"
	"testing"

	"github.com/soinspect/soinspect/internal/render"
)

// TestHelpFitsWidth: every command's --help fits the terminal, as every
// other output does; only the examples, commands to copy, keep their length.
func TestHelpFitsWidth(t *testing.T) {
	var cmds [][]string
	cmds = append(cmds, []string{"--help"})
	for _, c := range NewRootCmd().Commands() {
		if !c.Hidden {
			cmds = append(cmds, []string{c.Name(), "--help"})
		}
	}
	for _, args := range cmds {
		for _, width := range []int{60, 100} {
			out, stderr, code := runAt(t, width, args...)
			if code != 0 {
				t.Fatalf("%v: exit %d: %s", args, code, stderr)
			}
			examples := false
			for _, l := range strings.Split(out, "\n") {
				if l == "" || l[0] != ' ' {
					examples = l == "Examples:"
				}
				if w := render.DisplayWidth(l); w > width && !examples {
					t.Errorf("%v at %d columns: a line of %d columns:\n%s", args, width, w, l)
				}
			}
			if !strings.Contains(out, "Usage:") {
				t.Errorf("%v: no usage:\n%s", args, out)
			}
		}
	}
}
