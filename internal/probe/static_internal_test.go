package probe

import (
	"reflect"
	"sort"
	"testing"

	"github.com/soinspect/soinspect/elfinspect"
	"github.com/soinspect/soinspect/internal/specimen"
)

// TestByValueStable: ReadStatic's symbols are what a stable sort by
// address of the defined, named symbols of .symtab then .dynsym gives, in
// a Go plugin and in the C library.
func TestByValueStable(t *testing.T) {
	for _, path := range []string{specimen.Path(t, "plugin1.so"), specimen.SysLib(t, "libc.so.6")} {
		st, err := ReadStatic(path)
		if err != nil {
			t.Fatal(err)
		}
		f, err := elfinspect.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		syms, _ := f.Symbols(elfinspect.TableSymtab)
		dyn, _ := f.Symbols(elfinspect.TableDynsym)
		f.Close()
		var want []elfinspect.Symbol
		for _, list := range [][]elfinspect.Symbol{syms, dyn} {
			for _, s := range list {
				if s.Defined && s.Value != 0 && s.Name != "" {
					want = append(want, s)
				}
			}
		}
		sort.SliceStable(want, func(i, j int) bool { return want[i].Value < want[j].Value })
		if len(want) < 100 || !reflect.DeepEqual(st.funcs, want) {
			t.Errorf("%s: %d symbols differ from the stable sort's %d", path, len(st.funcs), len(want))
		}
	}
}
