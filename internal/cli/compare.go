package cli

import (
	"bufio"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/soinspect/soinspect/internal/probe"
	"github.com/soinspect/soinspect/internal/render"
)

type compareOptions struct {
	out     outputFlags
	timeout time.Duration
	host    string
	force   bool
}

// compareShort is the line for compare in the root's help and in completion.
const compareShort = "Load a Go plugin the raw way (dlopen) and the Go way (plugin.Open), each in a child, side by side"

func newCompareCmd() *cobra.Command {
	o := &compareOptions{}
	cmd := &cobra.Command{
		Use:   "compare [--format F | --json] [--host auto|self|PATH] [--force] [--timeout D] FILE [SYMBOL...]",
		Short: compareShort,
		Long: `Load FILE twice, each time in a child process of its own: the raw way
(dlopen with RTLD_LAZY, then dlsym of <pluginpath>.SYMBOL) and the Go way
(plugin.Open, which dlopens with RTLD_NOW|RTLD_GLOBAL and runs the inits, then
plugin.Lookup(SYMBOL)). Show side by side the flags, the real path, the handle,
whether the Go inits ran and what they printed, each symbol's dlsym address
beside the pointer inside the value plugin.Lookup returned, its Go type, the
time each step took and every error.

The two children load the object at different addresses, so the addresses
are compared as offsets from each child's load base; the Go child also dlsyms
each symbol itself, and that address must equal Lookup's pointer exactly.
SYMBOLs default to every export of the plugin.

The Go way runs in a probe host built with FILE's toolchain and hash-relevant
settings when soinspect's own probe cannot load it (--host, as for call: auto,
self or PATH; built once, cached). A plugin whose packages differ from what
any such host links (other package versions) fails plugin.Open: with --host
self (or --force) its exact error shows beside the raw load, which still works.

FILE must be a file (a bare name is taken from the current directory): the
Go way, plugin.Open, takes paths only. An object for another machine is
refused before anything is loaded.

Exit status: 0 when both loads worked and every symbol was found both ways
at the same place; 1 when an address differed, either load failed, a child
crashed or timed out, or a symbol could not be compared; 2 for usage
errors; 128+signal when interrupted (130 for Ctrl-C).`,
		Example: `  soinspect compare bin/plugins/plugin1.so
  soinspect compare bin/plugins/plugin1.so Run Greeting
  soinspect compare --json bin/plugins/plugin1.so`,
		Args: minArgs(1, "FILE is required"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.out.resolve(cmd); err != nil {
				return err
			}
			return o.run(cmd, args[0], args[1:])
		},
	}
	cmd.Flags().SetInterspersed(false)
	cmd.Annotations = map[string]string{passThroughArgs: "FILE"} // flags after FILE are refused
	o.out.add(cmd)
	cmd.Flags().DurationVar(&o.timeout, "timeout", probe.DefaultTimeout, "kill each child after this long")
	addHostFlag(cmd.Flags(), &o.host)
	cmd.Flags().BoolVar(&o.force, "force", false, "run the Go way in the closest probe host even when the analysis says none here can load FILE")
	return cmd
}

func (o *compareOptions) run(cmd *cobra.Command, file string, names []string) error {
	if o.timeout <= 0 {
		return usagef("--timeout must be positive")
	}
	tgt, st, err := resolveTarget(file)
	if err != nil {
		return err
	}
	if tgt.Search {
		return fmt.Errorf("%s: no such file in the current directory; compare needs a path, as plugin.Open does (it would fail with `plugin.Open(%q): realpath failed`)", file, file)
	}
	if why := loadProblem(tgt, st); why != "" {
		return fmt.Errorf("%s. Nothing was loaded", why)
	}
	if st.Plugin == nil && len(names) == 0 {
		return usagef("%s is not a Go plugin; name the SYMBOLs to compare", file)
	}
	opts := probeOptions(cmd, o.timeout, o.host, o.force)
	opts.Emulation = tgt.Emulation
	cmp, err := probe.Compare(cmd.Context(), tgt.Path, st, names, opts)
	if co := (*probe.CheckOnlyError)(nil); errors.As(err, &co) {
		return checkInstead(cmd, o.out, co)
	}
	if err != nil {
		return err
	}
	if cmp.Interrupted != "" {
		if o.out.isJSON() {
			w := bufio.NewWriter(cmd.OutOrStdout())
			render.JSON(w, cmp)
			w.Flush()
		}
		return interruptedError{cmp.Interrupted}
	}
	w := bufio.NewWriter(cmd.OutOrStdout())
	defer w.Flush()
	if o.out.isJSON() {
		if err := render.JSON(w, cmp); err != nil {
			return err
		}
	} else {
		doc := o.out.doc(w)
		if err := o.write(doc, cmp, tgt.Emulation); err != nil {
			return err
		}
		if err := doc.Flush(); err != nil {
			return err
		}
	}
	if !cmp.OK() {
		return failedError{1}
	}
	return nil
}

// write draws the comparison; emu is the emulator the children ran under,
// or nil.
func (o *compareOptions) write(w *render.Doc, c *probe.Comparison, emu *probe.Emulation) error {
	raw, gor := c.Raw, c.Go
	rm, _ := raw.Step("dlopen", "")
	gm, _ := gor.Step("open", "")
	// A child that died inside dlopen or plugin.Open reported no step:
	// what it was asked is still known.
	if rm.Name == "" {
		rm.Name, rm.Flags = raw.Request.Path, raw.Request.Flags.CName()
	}
	if gm.Name == "" {
		gm.Name, gm.Flags = gor.Request.Path, "RTLD_NOW|RTLD_GLOBAL"
	}
	rows := [][]string{
		{"call", fmt.Sprintf("dlopen(path, %s)", rm.Flags), "plugin.Open(path)"},
		{"host", "soinspect", hostLabel(gor.Host)},
		{"flags", rm.Flags, gm.Flags},
		{"path given", rm.Name, gm.Name},
		{"real path", rm.RealPath, gm.RealPath},
		{"handle", hexOrDash(rm.Addr), hexOrDash(gm.Handle)},
		{"load base", hexOrDash(rm.Base), hexOrDash(gm.Base)},
		{"open time", nanosOrDash(rm.Nanos), nanosOrDash(gm.Nanos)},
	}
	ri, rok := raw.Step("inittask", "")
	gi, gok := gor.Step("inittask", "")
	if rok || gok {
		rows = append(rows, []string{"Go inits", initCell(ri.State, rok), initCell(gi.State, gok)})
	}
	rows = append(rows, []string{"init output", outputCell(raw.Exit.Load, raw.Crash), outputCell(gor.Exit.Load, gor.Crash)})
	rows = append(rows, []string{"error", errCell(rm.Err, raw.Outcome, raw.Crash, raw.Exit), errCell(gm.Err, gor.Outcome, gor.Crash, gor.Exit)})
	rows = append(rows, []string{"child", raw.Exit.String(), gor.Exit.String()})
	if emu != nil {
		rows = append(rows, []string{"runs under", emu.Running(emu.Exe), emu.Running(goExe(c.Go.Host))})
	}
	for _, r := range rows {
		for i := 1; i < len(r); i++ {
			r[i] = render.Visible(r[i]) // paths and messages in prose cells: no newline may start a line
		}
	}
	t := &render.Table{Title: "compare: " + render.Visible(c.Path), Header: []string{"", "RAW (cdl, dlopen)", "GO (plugin.Open)"},
		Rows: rows, Kinds: []render.Kind{render.Fixed, render.Prose, render.Prose}}
	if c.PluginPath != "" {
		t.Footer = "pluginpath: " + render.Visible(c.PluginPath)
	}
	if err := w.Table(t); err != nil {
		return err
	}

	// The times go under the table: beside two addresses and an offset
	// they would push the table past 100 columns.
	st := &render.Table{Title: "\nsymbols: dlsym (raw child) vs the pointer in plugin.Lookup's value (Go child)",
		Header: []string{"NAME", "KIND", "GO TYPE", "DLSYM (RAW)", "LOOKUP (GO)", "OFFSET", "SAME"},
		Kinds:  []render.Kind{render.Name, render.Fixed, render.Name, render.Fixed, render.Fixed, render.Prose, render.Fixed},
		Right:  []int{3, 4, 5}}
	var times []string
	for _, s := range c.Symbols {
		off := hexOrDash(s.RawOff)
		if s.RawOff != s.GoOff && s.GoOff != 0 {
			off = hexOrDash(s.RawOff) + " ≠ " + hexOrDash(s.GoOff)
		} else if s.Where != "" {
			off = s.Where
		}
		same := "-"
		switch {
		case s.RawErr != "" || s.GoErr != "" || s.RawAddr == 0 || s.GoAddr == 0:
		case s.Match:
			same = "yes"
		default:
			same = "NO"
		}
		rawCell, goCell := hexOrDash(s.RawAddr), hexOrDash(s.GoAddr)
		if s.RawErr != "" {
			rawCell = "error"
		}
		if s.GoErr != "" {
			goCell = "error"
		}
		typ := s.Type
		if typ == "" && s.StaticType != "" {
			typ = s.StaticType + " (static)"
		}
		st.Rows = append(st.Rows, []string{s.Name, s.Kind, typ, rawCell, goCell, off, same})
		times = append(times, s.Name+" "+nanosOrDash(s.RawNanos)+" / "+nanosOrDash(s.GoNanos))
	}
	var notes []string
	for _, s := range c.Symbols {
		if s.RawErr != "" {
			notes = append(notes, "raw "+s.Name+": "+s.RawErr)
		}
		if s.GoErr != "" && gm.Err == "" {
			notes = append(notes, "go "+s.Name+": "+s.GoErr)
		}
	}
	notes = append(notes, sideNotes("raw", "dlopen", rm.Err, raw.Outcome, raw.Crash)...)
	notes = append(notes, sideNotes("Go", "plugin.Open", gm.Err, gor.Outcome, gor.Crash)...)
	if c.Mismatches > 0 {
		notes = append(notes, count(c.Mismatches, "symbol", "symbols")+" at different addresses: dlsym and plugin.Lookup disagree")
	}
	if same := c.Compared - c.Mismatches; same > 0 {
		notes = append(notes, fmt.Sprintf("%d of %s compared and the same: the same file offset both ways, and in the Go child dlsym equals the pointer inside plugin.Lookup's value", same, count(len(c.Symbols), "symbol", "symbols")))
	}
	if c.NotCompared > 0 {
		notes = append(notes, fmt.Sprintf("%d of %s could not be compared: dlsym or plugin.Lookup gave no address", c.NotCompared, count(len(c.Symbols), "symbol", "symbols")))
	}
	if len(times) > 0 {
		notes = append(notes, "dlsym / Lookup times: "+strings.Join(times, ", "))
	}
	st.Footer = strings.Join(notes, "\n")
	if err := w.Table(st); err != nil {
		return err
	}
	for _, cr := range []*probe.Crash{raw.Crash, gor.Crash} {
		if cr != nil {
			writeWhy(w, cr)
		}
	}
	return nil
}

func initCell(state int, ok bool) string {
	if !ok {
		return "-"
	}
	return fmt.Sprintf("%s (state %d)", initState(state), state)
}

// sideNotes say what one side did not measure, and why.
func sideNotes(side, load, loadErr string, o probe.Outcome, c *probe.Crash) []string {
	switch {
	case (o == probe.OutcomeTimedOut || o == probe.OutcomeCrashed) && c != nil:
		what := "crashed"
		if o == probe.OutcomeTimedOut {
			what = "timed out"
		}
		return []string{fmt.Sprintf("The %s child %s during %s: nothing after that was measured the %s way.", side, what, c.Phase, side)}
	case loadErr == "":
		return nil
	case side == "Go" && strings.Contains(loadErr, "plugin was built with a different version of package"):
		return []string{"plugin.Open failed, so nothing was looked up the Go way. It refuses a plugin whose packages were built differently from the host's (here soinspect's): it compares every package's link hash and runtime settings; dlopen checks none of that and still loads the file."}
	}
	return []string{fmt.Sprintf("%s failed, so nothing was looked up the %s way.", load, side)}
}

// outputCell is what a child printed while loading, in one cell; a Go
// runtime's crash report is cut to its key lines, as call does.
func outputCell(out probe.Output, crash *probe.Crash) string {
	text := out.Stdout + out.Stderr
	if before, report, ok := splitReport(out.Stderr, crash); ok && out.Stderr != "" {
		text = out.Stdout + before + fmt.Sprintf("(the Go runtime's report: %d lines; its key lines follow, --json has all)\n", strings.Count(report, "\n")) +
			strings.Join(crash.Report, "\n")
	}
	s := strings.TrimRight(text, "\n")
	if s == "" {
		return "(nothing)"
	}
	return strings.ReplaceAll(s, "\n", " ⏎ ")
}

// errCell is one side's error: how its child stopped, else its load error.
func errCell(err string, o probe.Outcome, c *probe.Crash, ex probe.Exit) string {
	switch o {
	case probe.OutcomeCrashed:
		if c != nil {
			return crashLabel(c, ex)
		}
	case probe.OutcomeTimedOut:
		return fmt.Sprintf("TIMED OUT after %v", ex.Timeout)
	}
	if err == "" {
		return "none"
	}
	return err
}

func nanosOrDash(ns int64) string {
	if ns == 0 {
		return "-"
	}
	return fmtNanos(ns)
}

func hexOrDash(v uint64) string {
	if v == 0 {
		return "-"
	}
	return labHex(v)
}
