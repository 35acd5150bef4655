package elfinspect_test

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/soinspect/soinspect/elfinspect"
)

func TestSortSymbols(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	syms := make([]elfinspect.Symbol, 5000)
	for i := range syms {
		syms[i] = elfinspect.Symbol{Name: string(rune('a' + r.IntN(20))), Value: uint64(r.IntN(50)), Size: uint64(i)}
	}
	for _, key := range []elfinspect.SortKey{elfinspect.SortName, elfinspect.SortAddr, elfinspect.SortSize} {
		got := slices.Clone(syms)
		want := slices.Clone(syms)
		elfinspect.SortSymbols(got, key)
		slices.SortStableFunc(want, func(a, b elfinspect.Symbol) int {
			switch key {
			case elfinspect.SortName:
				return strings.Compare(a.Name, b.Name)
			case elfinspect.SortAddr:
				return int(a.Value) - int(b.Value)
			}
			return int(a.Size) - int(b.Size)
		})
		for i := range got {
			if got[i].Name != want[i].Name || got[i].Value != want[i].Value || got[i].Size != want[i].Size {
				t.Fatalf("%s: [%d] = %+v, want %+v", key, i, got[i], want[i])
			}
		}
	}
	if _, err := elfinspect.ParseSortKey("bogus"); err == nil {
		t.Error("ParseSortKey(bogus): no error")
	}
}
