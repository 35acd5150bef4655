package probe

import "debug/elf"

// gRegisters is the register Go's ABIInternal keeps the current goroutine
// in, per machine.
var gRegisters = map[elf.Machine]string{elf.EM_X86_64: "R14", elf.EM_AARCH64: "X28"}

// gHome says where Go code expects its goroutine (g) in the crashed
// function: the register its decoded stack check reads, else the one the
// file's machine keeps g in, else a phrase that names none.
func gHome(c *Crash, st *Static) string {
	if l, ok := c.stackCheck(); ok && l.GReg != "" && l.GReg[0] != '%' {
		return "in register " + l.GReg
	}
	if st != nil {
		if r, ok := gRegisters[st.Machine]; ok {
			return "in register " + r
		}
	}
	return "where its ABI keeps it"
}
