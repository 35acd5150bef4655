package cli

import (
	"io"
	"os"
	"runtime/debug"

	"github.com/spf13/cobra"
	"golang.org/x/sys/unix"

	"github.com/soinspect/soinspect/internal/render"
)

// outputFlags are the --format and --json flags every command shares.
type outputFlags struct {
	format string
	json   bool
	opts   render.Options
}

// add registers --format and --json on cmd.
func (f *outputFlags) add(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.format, "format", "table", "output format: table, plain (one record a line), markdown or json")
	cmd.Flags().BoolVar(&f.json, "json", false, "same as --format json")
}

// resolve reads the flags into render options fitted to cmd's output: its
// width ($COLUMNS, the terminal's, or 100) and whether it is a terminal.
// --json beside another --format is a usage error, not a silent choice.
func (f *outputFlags) resolve(cmd *cobra.Command) error {
	format, err := render.ParseFormat(f.format)
	if err != nil {
		return usagef("--format: %v", err)
	}
	if f.json {
		if cmd.Flags().Changed("format") && format != render.FormatJSON {
			return usagef("--json and --format %s contradict each other", format)
		}
		format = render.FormatJSON
	}
	out := cmd.OutOrStdout()
	f.opts = render.Options{Format: format, Width: terminalWidth(out), Terminal: isTerminal(out)}
	return nil
}

// isJSON reports whether the output is JSON.
func (f *outputFlags) isJSON() bool { return f.opts.Format == render.FormatJSON }

// doc starts a report on w.
func (f *outputFlags) doc(w io.Writer) *render.Doc { return render.NewDoc(w, f.opts) }

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	_, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS)
	return err == nil
}

// roomForListing lifts the soft memory limit main sets for streaming
// listings (24 MiB) to 96 MiB for a view that must hold the whole listing
// to lay it out, and for the report's page. On libLLVM-15 (`symbols -D --defined-only`, peak RSS from
// /usr/bin/time -v) the table view peaks at 53 MiB, and with
// GOMEMLIMIT=24MiB it takes 1.9× the wall time and 2.2× the CPU time
// (medians of 7 alternating runs, 2026-12-02): the collector runs almost
// without pause. GOMEMLIMIT, if set, wins.
func roomForListing() {
	const room = 96 << 20
	if os.Getenv("GOMEMLIMIT") == "" && debug.SetMemoryLimit(-1) < room {
		debug.SetMemoryLimit(room)
	}
}
