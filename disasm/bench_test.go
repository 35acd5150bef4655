package disasm_test

import (
	"testing"

	"github.com/soinspect/soinspect/disasm"
	"github.com/soinspect/soinspect/goplugin"
	"github.com/soinspect/soinspect/internal/specimen"
	"github.com/soinspect/soinspect/internal/testutil"
)

// BenchmarkFirstInit decodes the first instruction of the plugin's first
// init function in a ~20 MB plugin (testdata/bigplugin) with a new
// Disassembler each time, as `soinspect report` does: the cost is mostly
// the symbol index built on first use. The file is opened and its
// anatomy read once, outside the loop.
//
//	go test ./disasm -run '^$' -bench FirstInit -count 3
func BenchmarkFirstInit(b *testing.B) {
	path, _ := specimen.BenchFile(b, "big.so")
	f := testutil.OpenELF(b, path)
	pi, err := goplugin.Read(f)
	if err != nil {
		b.Fatal(err)
	}
	var addr uint64
	for _, t := range pi.InitTasks {
		if len(t.Funcs) > 0 && t.Funcs[0].Addr != 0 {
			addr = t.Funcs[0].Addr
			break
		}
	}
	if addr == 0 {
		b.Fatal("no init function")
	}
	b.ReportAllocs()
	for b.Loop() {
		d, err := disasm.New(f)
		if err != nil {
			b.Fatal(err)
		}
		l, err := d.At(addr, disasm.Options{Count: 1})
		if err != nil || len(l.Insts) != 1 {
			b.Fatalf("at %#x: %v", addr, err)
		}
	}
}
