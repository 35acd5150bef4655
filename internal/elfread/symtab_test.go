package elfread_test

import (
	"encoding/binary"
	"testing"

	"github.com/soinspect/soinspect/internal/elfread"
)

// NameIs agrees with NameBytes for every offset of a string table whose
// last string has no terminator, and names around each.
func TestNameIsAgreesWithNameBytes(t *testing.T) {
	strs := []byte("\x00foo\x00foobar\x00baz")
	names := []string{"", "f", "fo", "foo", "foob", "foobar", "foobarx", "oo", "bar", "ba", "baz", "bazz", "az", "z"}
	for off := 0; off <= len(strs)+1; off++ {
		data := make([]byte, 24)
		binary.LittleEndian.PutUint32(data, uint32(off))
		st, err := elfread.NewSymtab(data, strs, true, binary.LittleEndian)
		if err != nil {
			t.Fatal(err)
		}
		s, _ := st.Sym(0)
		for _, n := range names {
			if got, want := st.NameIs(s, n), string(st.NameBytes(s)) == n; got != want {
				t.Errorf("offset %d, name %q: NameIs %v, NameBytes says %v", off, n, got, want)
			}
		}
	}
}
