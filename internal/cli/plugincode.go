package cli

import (
	"strings"

	"github.com/soinspect/soinspect/disasm"
	"github.com/soinspect/soinspect/elfinspect"
	"github.com/soinspect/soinspect/goplugin"
)

// initArrayCode decodes, from the file, each .init_array entry that
// registers a Go module: ": lea 0x16e339(%rip),%rdi (local.moduledata);
// call 0x1c5b60 (runtime.addmoduledata.abi0)", by the entry's address.
// An entry whose code cannot be decoded has none.
func initArrayCode(f *elfinspect.File, entries []goplugin.InitArrayEntry) map[uint64]string {
	code := map[uint64]string{}
	var d *disasm.Disassembler
	for _, e := range entries {
		if !e.RegistersModule {
			continue
		}
		if d == nil {
			var err error
			if d, err = disasm.New(f); err != nil {
				return code
			}
		}
		l, err := d.At(e.Addr, disasm.Options{Count: 2})
		if err != nil {
			continue
		}
		var parts []string
		for _, in := range l.Insts {
			p := in.Text
			if in.Note != "" {
				p += " (" + in.Note + ")"
			}
			parts = append(parts, p)
		}
		code[e.Addr] = ": " + strings.Join(parts, "; ")
	}
	return code
}
