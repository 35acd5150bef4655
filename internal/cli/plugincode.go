package cli

import (
	"strings"

	"github.com/soinspect/soinspect/disasm"
	"github.com/soinspect/soinspect/elfinspect"
)

// initArrayCode decodes the .init_array entry that registers a Go
// plugin's module, from the file: ": lea 0x16e339(%rip),%rdi
// (local.moduledata); call 0x1c5b60 (runtime.addmoduledata.abi0)". It
// returns "" when the code cannot be decoded.
func initArrayCode(path string, addr uint64) string {
	f, err := elfinspect.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	d, err := disasm.New(f)
	if err != nil {
		return ""
	}
	l, err := d.At(addr, disasm.Options{Count: 2})
	if err != nil {
		return ""
	}
	var parts []string
	for _, in := range l.Insts {
		p := in.Text
		if in.Note != "" {
			p += " (" + in.Note + ")"
		}
		parts = append(parts, p)
	}
	return ": " + strings.Join(parts, "; ")
}
