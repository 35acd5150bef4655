package cli

import (
	"strings"
	"testing"

	"github.com/soinspect/soinspect/disasm"
)

func TestCount(t *testing.T) {
	for _, c := range []struct {
		n    int
		want string
	}{{0, "0 files"}, {1, "1 file"}, {2, "2 files"}} {
		if got := count(c.n, "file", "files"); got != c.want {
			t.Errorf("count(%d) = %q, want %q", c.n, got, c.want)
		}
	}
}

// TestListingTitleOneInstruction: a one-instruction listing says so in the
// singular.
func TestListingTitleOneInstruction(t *testing.T) {
	l := &disasm.Listing{Arch: "amd64", Section: ".text", Start: 0x1000, End: 0x1001, Insts: make([]disasm.Inst, 1)}
	if got := listingTitle("f.so", l); !strings.HasSuffix(got, ", 1 instruction)") {
		t.Errorf("title %q, want it to end in \", 1 instruction)\"", got)
	}
}
