package cli

import "github.com/soinspect/soinspect/internal/probe"

// loadProblem is st.LoadProblem, save for an object of another machine:
// nothing when its child can run under qemu-user (tgt.Emulation), and
// when it could but cannot, followed by what is missing and how to run it.
func loadProblem(tgt loadTarget, st *probe.Static) string {
	why := st.LoadProblem()
	switch {
	case why == "" || tgt.Emulation != nil:
		return ""
	case tgt.cannotEmulate != "":
		return why + ". " + tgt.cannotEmulate
	}
	return why
}

// fileRows are the rows of call's table that say what was loaded, and
// the emulator the child program exe ran under, if any.
func fileRows(tgt loadTarget, exe string) [][2]string {
	rows := targetRows(tgt)
	if tgt.Emulation != nil {
		rows = append(rows, [2]string{"runs under", tgt.Emulation.Running(exe)})
	}
	return rows
}

// rawExe is the program a raw child for tgt runs under its emulator.
func rawExe(tgt loadTarget) string {
	if tgt.Emulation == nil {
		return ""
	}
	return tgt.Emulation.Exe
}

// goExe is the probe host program a Go-way child ran, or "".
func goExe(h *probe.Host) string {
	if h == nil {
		return ""
	}
	return h.Path
}
