package cli

import "github.com/soinspect/soinspect/internal/probe"

// loadProblem is st.LoadProblem, save for an object of another machine:
// nothing when its child can run under qemu-user (see probe.Emulate), and
// when it could but cannot, followed by what is missing and how to run it.
func loadProblem(st *probe.Static) string {
	why := st.LoadProblem()
	if why == "" {
		return ""
	}
	emu, how := st.Emulate()
	switch {
	case emu != nil:
		return ""
	case how != "":
		return why + ". " + how
	}
	return why
}

// emulation returns how the children for st run under qemu-user, or nil
// when they run natively (or cannot run at all).
func emulation(st *probe.Static) *probe.Emulation {
	emu, _ := st.Emulate()
	return emu
}

// fileRows are the rows of call's table that say what was loaded, and
// the emulator the child ran under, if any.
func fileRows(tgt loadTarget) [][2]string {
	rows := targetRows(tgt)
	if tgt.Emulation != nil {
		rows = append(rows, [2]string{"runs under", tgt.Emulation.String()})
	}
	return rows
}
