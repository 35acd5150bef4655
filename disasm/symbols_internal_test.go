package disasm

import (
	"slices"
	"testing"

	"github.com/soinspect/soinspect/internal/specimen"
	"github.com/soinspect/soinspect/internal/testutil"
)

// TestByAddrStable: the address index is what a stable sort of all the
// entries by (address, rank), keeping the first of each address, gives,
// in a Go plugin and in the C library.
func TestByAddrStable(t *testing.T) {
	for _, path := range []string{specimen.Path(t, "plugin1.so"), specimen.SysLib(t, "libc.so.6")} {
		d, err := New(testutil.OpenELF(t, path))
		if err != nil {
			t.Fatal(err)
		}
		if err := d.init(); err != nil {
			t.Fatal(err)
		}
		want := slices.Clone(d.syms.all)
		slices.SortStableFunc(want, func(a, b symEntry) int {
			if a.addr != b.addr {
				if a.addr < b.addr {
					return -1
				}
				return 1
			}
			return a.rank - b.rank
		})
		want = slices.CompactFunc(want, func(a, b symEntry) bool { return a.addr == b.addr })
		if len(want) < 100 || !slices.Equal(d.syms.byAddr, want) {
			t.Errorf("%s: the index of %d entries differs from the stable sort's %d", path, len(d.syms.byAddr), len(want))
		}
	}
}
