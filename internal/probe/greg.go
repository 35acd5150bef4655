package probe

import "debug/elf"

// gRegister returns the register Go's ABIInternal keeps the current
// goroutine in on machine m; false if it does not know one.
func gRegister(m elf.Machine) (string, bool) {
	switch m {
	case elf.EM_X86_64:
		return "R14", true
	case elf.EM_AARCH64:
		return "X28", true
	}
	return "", false
}

// gHome says where Go code expects its goroutine (g) in the crashed
// function: the register its decoded stack check reads, else the one the
// file's machine keeps g in, else a phrase that names none.
func gHome(c *Crash, st *Static) string {
	if l, ok := c.stackCheck(); ok && l.GReg != "" && l.GReg[0] != '%' {
		return "in register " + l.GReg
	}
	if st != nil {
		if r, ok := gRegister(st.Machine); ok {
			return "in register " + r
		}
	}
	return "where its ABI keeps it"
}
