package disasm

import "fmt"

// The ARMv8.1 LSE atomics (ldaddal, casal, swpal, ...), which arm64asm
// does not decode and the Go runtime and sync/atomic use on arm64: a
// decoder for them in objdump's syntax.

var lseOps = [8]string{"add", "clr", "eor", "set", "smax", "smin", "umax", "umin"}

// decodeLSE decodes w as an LSE atomic in GNU syntax, or reports false.
func decodeLSE(w uint32) (string, bool) {
	size := w >> 30
	rs, rn, rt := w>>16&31, w>>5&31, w&31
	reg := func(r uint32) string {
		switch {
		case r == 31 && size == 3:
			return "xzr"
		case r == 31:
			return "wzr"
		case size == 3:
			return fmt.Sprintf("x%d", r)
		}
		return fmt.Sprintf("w%d", r)
	}
	base := "sp"
	if rn != 31 {
		base = fmt.Sprintf("x%d", rn)
	}
	sz := ""
	switch size {
	case 0:
		sz = "b"
	case 1:
		sz = "h"
	}
	switch {
	case w>>24&0x3f == 0x38 && w&(1<<21) != 0 && w>>10&3 == 0:
		// LD<op>{A}{L}{B,H} and SWP{A}{L}{B,H}: size 111000 A R 1 Rs o3 opc 00 Rn Rt.
		a, r := w>>23&1 == 1, w>>22&1 == 1
		o3, opc := w>>15&1, w>>12&7
		var name string
		switch {
		case o3 == 0:
			name = "ld" + lseOps[opc]
		case opc == 0:
			name = "swp"
		default:
			return "", false
		}
		order := ""
		if a {
			order += "a"
		}
		if r {
			order += "l"
		}
		if o3 == 0 && !a && rt == 31 {
			// ST<op>{L}{B,H}: the load's result discarded.
			return fmt.Sprintf("st%s%s%s %s, [%s]", lseOps[opc], order, sz, reg(rs), base), true
		}
		return fmt.Sprintf("%s%s%s %s, %s, [%s]", name, order, sz, reg(rs), reg(rt), base), true
	case w&0x3fa07c00 == 0x08a07c00:
		// CAS{A}{L}{B,H}: size 0010001 L 1 Rs o0 11111 Rn Rt.
		order := ""
		if w>>22&1 == 1 {
			order += "a"
		}
		if w>>15&1 == 1 {
			order += "l"
		}
		return fmt.Sprintf("cas%s%s %s, %s, [%s]", order, sz, reg(rs), reg(rt), base), true
	}
	return "", false
}
