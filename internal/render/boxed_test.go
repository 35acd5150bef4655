package render

import (
	"bytes"
	"fmt"
	"runtime"
	"strings"
	"testing"
)

// TestBoxedMatchesTablewriter holds the fast path for long tables to the
// bytes tablewriter draws for the same table.
func TestBoxedMatchesTablewriter(t *testing.T) {
	tbl := &Table{
		Title:  "Symbols",
		Header: []string{"ADDRESS", "SIZE", "T", "BIND", "VERSION", "NAME"},
		Right:  []int{1},
		Kinds:  []Kind{Fixed, Fixed, Fixed, Fixed, Name, Name},
		Footer: "note",
	}
	for i := 0; i < 300; i++ {
		name := fmt.Sprintf("sym%d", i*i)
		if i%5 == 0 {
			name = fmt.Sprintf("github.com/p/x%d.F·f", i) // a funcval: a non-ASCII rune
		}
		if i%17 == 0 {
			name = "日本語の名前" // double-width runes
		}
		if i%7 == 0 {
			name = "std::basic_string<char, std::char_traits<char>, std::allocator<char> >::append(char const*)" + strings.Repeat("x", i%13)
		}
		ver := ""
		if i%3 == 0 {
			ver = "@@GLIBC_2.2.5"
		}
		size := fmt.Sprint(i * 37 % 1000)
		if i%11 == 0 {
			size = ""
		}
		tbl.Rows = append(tbl.Rows, []string{fmt.Sprintf("%08x", i*4096), size, "T", "GLOBAL", ver, name})
	}
	defer func(n int) { fastRows = n }(fastRows)

	for _, f := range []Format{FormatTable, FormatMarkdown} {
		compareFast(t, tbl, Options{Format: f, Width: 80})
	}
	// One-rune columns.
	compareFast(t, &Table{Header: []string{"A", "B"}, Rows: [][]string{{"x", "1"}, {"", "22"}}, Right: []int{1}}, Options{Format: FormatMarkdown})
}

func compareFast(t *testing.T, tbl *Table, o Options) {
	t.Helper()
	var slow, fast bytes.Buffer
	fastRows = 1 << 30
	if err := tbl.Write(&slow, o); err != nil {
		t.Fatal(err)
	}
	fastRows = 1
	if err := tbl.Write(&fast, o); err != nil {
		t.Fatal(err)
	}
	if slow.String() != fast.String() {
		sl, fl := strings.Split(slow.String(), "\n"), strings.Split(fast.String(), "\n")
		for i := range min(len(sl), len(fl)) {
			if sl[i] != fl[i] {
				t.Fatalf("%s line %d differs:\ntablewriter: %q\nfast:        %q", o.Format, i+1, sl[i], fl[i])
			}
		}
		t.Fatalf("lengths differ: %d vs %d lines", len(sl), len(fl))
	}
}

// TestParallelLayoutSame: a table long enough to be laid out on every CPU
// comes out byte for byte as laid out on one.
func TestParallelLayoutSame(t *testing.T) {
	tbl := &Table{Header: []string{"ADDRESS", "NAME", "PATH"}, Kinds: []Kind{Fixed, Name, Path}}
	for i := range parallelRows + 123 {
		tbl.Rows = append(tbl.Rows, []string{fmt.Sprintf("%08x", i),
			fmt.Sprintf("ns%d::vector<std::pair<int, long>, alloc<x%d>>::push_back(value_type const&)", i%97, i),
			fmt.Sprintf("/usr/lib/x86_64-linux-gnu/dir%d/lib%d.so", i%13, i)})
	}
	var one, many bytes.Buffer
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	tbl.Write(&one, Options{Format: FormatTable, Width: 80})
	runtime.GOMAXPROCS(4)
	tbl.Write(&many, Options{Format: FormatTable, Width: 80})
	if one.String() != many.String() {
		t.Error("the parallel layout differs from the serial one")
	}
}
