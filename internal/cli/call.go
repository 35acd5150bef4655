package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/soinspect/soinspect/cdl"
	"github.com/soinspect/soinspect/internal/probe"
	"github.com/soinspect/soinspect/internal/render"
)

type callOptions struct {
	raw, trace, force bool
	flags, sig, set   string
	host              string
	timeout           time.Duration
	out               outputFlags
}

// callShort is the line for call in the root's help and in completion.
const callShort = "Load a shared object in a child process and call a symbol, the Go way or the raw C way"

func newCallCmd() *cobra.Command {
	o := &callOptions{}
	cmd := &cobra.Command{
		Use:   "call [--raw [--flags F] [--sig SIG]] [--host auto|self|PATH] [--trace] [--set JSON] [--timeout D] [--force] [--format F | --json] FILE SYMBOL [ARG...]",
		Short: callShort,
		Long: `Load FILE in a child process and call SYMBOL with the ARGs.

Without --raw, the Go way: plugin.Open, then plugin.Lookup(SYMBOL). A func is
called through reflect, its ARGs parsed by its parameter types (integers,
floats, strings, bools; JSON for anything else), and every result printed
(errors as errors). A var prints its value; --set JSON assigns it first. What
the plugin's inits printed during plugin.Open is shown.

The Go way runs in a probe host, a small program soinspect builds from source
it carries: plugin.Open accepts a plugin only into a host built with the same
toolchain and the same hash-relevant settings (-trimpath, -race, ...). With
--host auto (the default), soinspect's own probe runs when the same analysis
as 'soinspect check' says it can load FILE; otherwise a probe host is built
with FILE's toolchain and settings. Each is built once (the go command must be
on PATH; the first use takes seconds and says so on stderr) and cached under
$XDG_CACHE_HOME/soinspect/probe (~/.cache/soinspect/probe). --host self always
runs soinspect's own probe; --host PATH runs your program, which must speak
the probe protocol; for a Go program that does not, nothing runs, and call
says so and gives the analysis of 'soinspect check PATH FILE' instead, with its
exit status. The report says which host ran.

With --raw, the C way: dlopen (RTLD_LAZY unless --flags says otherwise), dlsym,
and a call through cdl's C trampoline with the C signature --sig (default
void()). For a Go plugin, short names resolve: Run is <pluginpath>.Run, and
init is the plugin's own init functions (<pluginpath>.init.0, .init.1, ...),
called in the order its inittask lists them. Calling Go code this way crashes
unless it is a leaf function: the report says what happened and why. An ARG
of null (or NULL) passes a null pointer to a pointer or char* parameter
(\null passes the word); variadic signatures (...) are refused.

FILE is a path. A bare name that is a file in the current directory is
loaded as ./NAME; one that is not is left to dlopen's library search
(libm.so.6), which --raw can use and plugin.Open, taking only paths, cannot.
Before anything is loaded, FILE is read statically: a file that is not ELF
or not a regular file, an object for another machine, a C library given to
plugin.Open, or a SYMBOL the plugin does not export is refused with what
would have happened; --force loads it anyway.

The child runs with your full privileges: it is a guard against crashes, not
a sandbox, and its arguments are visible in ps. Ctrl-C (SIGINT), SIGTERM or
SIGHUP kills the child's whole process group, whatever it started too.

Flags must come before FILE: everything after it is SYMBOL and ARGs, so
negative numbers pass as they are.

Exit status: 0 when the call returned, 1 when the child crashed or timed out
(the report is still printed), a step failed or a pre-check refused FILE,
2 for usage errors, 128+signal when interrupted (130 for Ctrl-C).`,
		Example: `  soinspect call bin/plugins/plugin1.so Run
  soinspect call --set '"Hi"' bin/plugins/plugin1.so Greeting
  soinspect call --raw --trace bin/plugins/plugin1.so init
  soinspect call --raw --sig 'long()' bin/plugins/plugin1.so Answer
  soinspect call --raw --sig 'double(double)' libm.so.6 cos 0.5`,
		Args: minArgs(2, "FILE and SYMBOL are required"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.out.resolve(cmd); err != nil {
				return err
			}
			return o.run(cmd, args[0], args[1], args[2:])
		},
	}
	cmd.Flags().SetInterspersed(false)
	cmd.Annotations = map[string]string{passThroughArgs: "FILE"} // flags after FILE are refused
	f := cmd.Flags()
	f.BoolVar(&o.raw, "raw", false, "load with dlopen and call with the C calling convention, through cdl")
	f.StringVar(&o.flags, "flags", "lazy", "dlopen flags for --raw, comma-separated: "+strings.ToLower(strings.ReplaceAll(cdl.AllFlags.String(), "|", ", ")))
	f.StringVar(&o.sig, "sig", "void()", "the C signature for --raw, such as 'double(double)'")
	addHostFlag(f, &o.host)
	f.BoolVar(&o.trace, "trace", false, "print each loader call as it happens, ltrace-style")
	f.StringVar(&o.set, "set", "", "assign this JSON to the variable before printing it (Go way)")
	f.DurationVar(&o.timeout, "timeout", probe.DefaultTimeout, "kill the child after this long")
	o.out.add(cmd)
	f.BoolVar(&o.force, "force", false, "load FILE even when the static pre-checks say it cannot work")
	return cmd
}

// parseFlags reads --flags: "lazy", "now,global", "RTLD_NOW|RTLD_GLOBAL";
// Lazy unless it says Now.
func parseFlags(s string) (cdl.Flag, error) {
	f, err := cdl.ParseFlag(s)
	if err != nil {
		msg := err.Error()
		if e, ok := errors.AsType[*cdl.Error](err); ok {
			msg = e.Msg
		}
		return 0, usagef("--flags: %s", msg)
	}
	if f&(cdl.Lazy|cdl.Now) == 0 {
		f |= cdl.Lazy
	}
	return f, nil
}

func (o *callOptions) run(cmd *cobra.Command, file, symbol string, args []string) error {
	if o.timeout <= 0 {
		return usagef("--timeout must be positive")
	}
	fs := cmd.Flags()
	if !o.raw && (fs.Changed("flags") || fs.Changed("sig")) {
		return usagef("--flags and --sig need --raw (plugin.Open always uses RTLD_NOW|RTLD_GLOBAL and Go types)")
	}
	if o.raw && fs.Changed("host") {
		return usagef("--host is for the Go way: --raw runs in soinspect itself")
	}
	if o.raw && fs.Changed("set") {
		return usagef("--set is for the Go way, without --raw")
	}
	if o.raw {
		// The user's mistakes first, before anything about the file.
		if _, _, err := o.rawArgs(args); err != nil {
			return err
		}
	}
	tgt, st, err := resolveTarget(file)
	if err != nil {
		return err
	}
	if !o.force {
		if err := o.precheck(tgt, st, symbol); err != nil {
			return err
		}
	}
	bw := bufio.NewWriter(cmd.OutOrStdout())
	defer bw.Flush()
	w := o.out.doc(bw)
	defer w.Flush()
	opts := probeOptions(cmd, o.timeout, o.host, o.force)
	if o.raw {
		return o.runRaw(cmd.Context(), w, st, tgt, symbol, args, opts)
	}
	err = o.runGo(cmd.Context(), w, st, tgt, symbol, args, opts)
	if co := (*probe.CheckOnlyError)(nil); errors.As(err, &co) {
		w.Flush()
		bw.Flush()
		return checkInstead(cmd, o.out, co)
	}
	return err
}

// precheck refuses, from the file alone, what cannot work, saying what
// would happen: a file this process cannot load, for the raw way a data
// symbol, and for the Go way a bare
// name plugin.Open would not find, a file that is no Go plugin (loading it
// runs its constructors and then aborts) or a symbol the plugin does not
// export (found only after its inits ran).
func (o *callOptions) precheck(tgt loadTarget, st *probe.Static, symbol string) error {
	why := loadProblem(tgt, st)
	if why == "" && o.raw && st != nil {
		if names, err := st.Resolve(symbol); err == nil {
			why = st.RawProblem(names)
		}
	}
	if why == "" && !o.raw {
		if tgt.Search {
			why = fmt.Sprintf("%s: no such file in the current directory; plugin.Open takes a path and does not search library directories: it would fail with `plugin.Open(%q): realpath failed`. Give the file's path, or load it with --raw", tgt.Given, tgt.Given)
		} else {
			why = st.GoProblem(symbol)
		}
	}
	if why == "" {
		return nil
	}
	return fmt.Errorf("%s. Nothing was loaded; --force loads it anyway", strings.TrimSuffix(why, "."))
}

// rawArgs checks --flags, --sig and the arguments of call --raw against
// the signature, and returns the dlopen flags and the signature.
func (o *callOptions) rawArgs(args []string) (cdl.Flag, cdl.Signature, error) {
	var sig cdl.Signature
	flags, err := parseFlags(o.flags)
	if err != nil {
		return 0, sig, err
	}
	sig, err = cdl.ParseSignature(o.sig)
	if err != nil {
		return 0, sig, usagef("--sig: %v", err)
	}
	if _, err := sig.ParseArgs(args); err != nil {
		return 0, sig, usagef("%v", err)
	}
	return flags, sig, nil
}

func (o *callOptions) runRaw(ctx context.Context, w *render.Doc, st *probe.Static, tgt loadTarget, symbol string, args []string, opts probe.Options) error {
	opts.Emulation = tgt.Emulation
	path := tgt.Path
	flags, sig, err := o.rawArgs(args)
	if err != nil {
		return err
	}
	syms := []string{symbol}
	if st != nil {
		if syms, err = st.Resolve(symbol); err != nil {
			return err
		}
	}
	req := probe.RawRequest{Path: path, Flags: flags, Symbols: syms, Call: true, Sig: o.sig, Args: args,
		InitTask: st.InitTaskSymbol()}
	var onStep func(probe.RawMsg)
	if o.trace && !o.out.isJSON() {
		if tgt.Note != "" {
			w.Item("", "  ", "# "+tgt.Note)
		}
		var handle uint64
		var base uint64
		onStep = func(m probe.RawMsg) {
			if m.Step == "dlopen" {
				handle, base = m.Addr, m.Base
			}
			if line := traceRaw(m, handle, base, st, sig, args); line != "" {
				w.Item("", "      ", line)
				w.Flush()
			}
		}
	}
	rep, err := probe.Raw(ctx, req, st, opts, onStep)
	if err != nil {
		return err
	}
	return o.finish(w, rep, rep.Outcome, rawStatus(rep), func() error {
		return o.writeRaw(w, rep, symbol, st, tgt)
	})
}

// finish writes a finished report as JSON, or, unless the run was
// interrupted, as the tables write draws, and returns status, the
// command's error for the report.
func (o *callOptions) finish(w *render.Doc, rep any, outcome probe.Outcome, status error, write func() error) error {
	if o.out.isJSON() {
		if err := w.JSON(rep); err != nil {
			return err
		}
		return status
	}
	if outcome == probe.OutcomeInterrupted {
		return status
	}
	if o.trace {
		w.Blank()
	}
	if err := write(); err != nil {
		return err
	}
	return status
}

// rawStatus is the command's error for a finished raw report.
func rawStatus(rep *probe.RawReport) error {
	if rep.Outcome == probe.OutcomeInterrupted {
		return interruptedError{rep.Exit.Interrupted}
	}
	if rep.Returned {
		return nil
	}
	return failedError{1}
}

// traceRaw formats one step ltrace-style, or "" for a step with no line.
func traceRaw(m probe.RawMsg, handle, base uint64, st *probe.Static, sig cdl.Signature, args []string) string {
	switch m.Step {
	case "dlopen":
		if m.Err != "" {
			return fmt.Sprintf("dlopen(%q, %s) = NULL   # %s", m.Name, m.Flags, m.Err)
		}
		return fmt.Sprintf("dlopen(%q, %s) = %#x", m.Name, m.Flags, m.Addr)
	case "inittask":
		return fmt.Sprintf("  # %s: state %d (%s)", m.Name, m.State, initState(m.State))
	case "dlsym":
		if m.Err != "" {
			return fmt.Sprintf("dlsym(%#x, %q) = NULL   # %s", handle, m.Name, m.Err)
		}
		s := fmt.Sprintf("dlsym(%#x, %q) = %#x", handle, m.Name, m.Addr)
		if base != 0 && m.Addr >= base {
			if where := st.Where(m.Addr - base); where != "" {
				s += " (" + where + ")"
			}
		}
		return s
	case "call":
		return fmt.Sprintf("%s(%s)   # as %s, through cdl's C trampoline", shortName(m.Name), strings.Join(args, ", "), sig)
	case "return":
		return "  = " + m.Value
	case "error":
		return "  # error: " + m.Err
	}
	return ""
}

func shortName(s string) string {
	if i := strings.LastIndexByte(s, '/'); i >= 0 {
		return s[i+1:]
	}
	return s
}

func initState(s int) string {
	switch s {
	case 0:
		return "no Go init has run"
	case 1:
		return "running"
	case 2:
		return "done: the inits ran"
	}
	return "unknown"
}

func (o *callOptions) writeRaw(w *render.Doc, rep *probe.RawReport, asked string, st *probe.Static, tgt loadTarget) error {
	req := rep.Request
	pairs := fileRows(tgt, rawExe(tgt))
	if m, ok := rep.Step("dlopen", ""); ok {
		pairs = append(pairs, [2]string{"dlopen", m.Flags})
		if m.Err != "" {
			pairs = append(pairs, [2]string{"error", m.Err})
		} else {
			pairs = append(pairs,
				[2]string{"real path", m.RealPath},
				[2]string{"handle", labHex(m.Addr)},
				[2]string{"load base", labHex(m.Base)},
				[2]string{"dlopen time", fmtNanos(m.Nanos)})
		}
	}
	if m, ok := rep.Step("inittask", ""); ok {
		pairs = append(pairs, [2]string{"Go inits", fmt.Sprintf("%s (%s state %d)", initState(m.State), shortName(m.Name), m.State)})
	}
	if len(req.Symbols) > 1 || len(req.Symbols) == 1 && req.Symbols[0] != asked {
		pairs = append(pairs, [2]string{"symbol", fmt.Sprintf("%s → %s", asked, strings.Join(req.Symbols, ", "))})
	} else {
		pairs = append(pairs, [2]string{"symbol", asked})
	}
	pairs = append(pairs, [2]string{"signature", req.Sig})
	for _, m := range rep.Steps {
		switch m.Step {
		case "dlsym":
			v := labHex(m.Addr)
			if m.Err != "" {
				v = "error: " + m.Err
			} else if b := baseOf(rep); b != 0 {
				if where := st.Where(m.Addr - b); where != "" {
					v += " (" + where + ")"
				}
			}
			pairs = append(pairs, [2]string{"dlsym " + shortName(m.Name), v})
		case "return":
			pairs = append(pairs, [2]string{"returned", fmt.Sprintf("%s = %s (%s)", shortName(m.Name), m.Value, fmtNanos(m.Nanos))})
		case "error":
			pairs = append(pairs, [2]string{"error", m.Err})
		}
	}
	switch {
	case rep.Crash != nil:
		pairs = append(pairs, [2]string{"outcome", stopLabel(rep.Outcome, rep.Crash, rep.Exit)})
		pairs = append(pairs, [2]string{"child", rep.Exit.String()})
		if c := rep.Crash; c.HasFault {
			pc := labHex(c.PC)
			if c.PCSymbol != "" {
				pc += " (" + c.PCSymbol + ")"
			}
			if c.FaultAddr() {
				pairs = append(pairs, [2]string{"fault", fmt.Sprintf("%s, address %s, pc %s", c.Signal, labHex(c.Addr), pc)})
			} else {
				pairs = append(pairs, [2]string{"fault", fmt.Sprintf("%s, pc %s", c.Signal, pc)})
			}
		}
		if c := rep.Crash; c.CalledFrom != "" {
			pairs = append(pairs, [2]string{"morestack called from", c.CalledFrom})
		}
	case rep.Returned:
		pairs = append(pairs, [2]string{"outcome", "returned"})
	default:
		pairs = append(pairs, [2]string{"outcome", "not called"})
	}
	if err := w.Fields("call --raw: dlopen, dlsym, call with the C calling convention", visibleValues(pairs)); err != nil {
		return err
	}
	writeTail(w, "printed while loading", nil, rep.Exit, rep.Crash)
	return nil
}

// writeTail writes what the child printed, by phase, and why it stopped
// if it crashed. loadCrash is the crash to blame the loading phase's
// output on, if any.
func writeTail(w *render.Doc, loadTitle string, loadCrash *probe.Crash, ex probe.Exit, crash *probe.Crash) {
	writeOutput(w, loadTitle, ex.Load, loadCrash)
	writeOutput(w, "printed by the call", ex.Call, crash)
	writeOutput(w, "printed outside both", ex.Other, crash)
	if crash != nil {
		writeWhy(w, crash)
	}
}

func baseOf(rep *probe.RawReport) uint64 {
	m, _ := rep.Step("dlopen", "")
	return m.Base
}

// writeOutput prints what the child wrote in one phase. With a crash, the
// runtime's long report is cut to its key lines.
func writeOutput(w *render.Doc, title string, out probe.Output, crash *probe.Crash) {
	if out.Empty() {
		return
	}
	w.Section("\n" + title + ":")
	if out.Stdout != "" {
		w.Output("stdout| ", out.Stdout)
	}
	if out.Stderr != "" {
		if before, report, ok := splitReport(out.Stderr, crash); ok {
			if before != "" {
				w.Output("stderr| ", before)
			}
			w.Text(fmt.Sprintf("stderr| (the Go runtime's report: %d lines; its key lines follow, --json has all)", strings.Count(report, "\n")))
			w.Output("stderr| ", strings.Join(crash.Report, "\n"))
		} else {
			w.Output("stderr| ", out.Stderr)
		}
	}
	if out.Dropped > 0 {
		w.Text(fmt.Sprintf("(%s more not kept)", count(int(out.Dropped), "byte", "bytes")))
	}
}

// splitReport splits stderr where the Go runtime's crash report starts
// (the line of the first of its key lines found there), so that what the
// loaded code wrote before it is shown as it is. ok is false when this
// stream holds none of the report.
func splitReport(stderr string, crash *probe.Crash) (before, report string, ok bool) {
	if crash == nil {
		return "", "", false
	}
	i := -1
	for _, l := range crash.Report {
		if j := strings.Index(stderr, l); j >= 0 && (i < 0 || j < i) {
			i = j
		}
	}
	if i < 0 {
		return "", "", false
	}
	for i > 0 && stderr[i-1] != '\n' {
		i--
	}
	return stderr[:i], stderr[i:], true
}

// writeWhy prints the explanation, one wrapped paragraph a sentence (at
// most 100 columns wide: longer lines are hard to read).
func writeWhy(w *render.Doc, c *probe.Crash) {
	if len(c.Explain) == 0 {
		return
	}
	writeCrashCode(w, c)
	w.Section("\nWhat happened:")
	for _, s := range c.Explain {
		w.ItemWithin("  • ", "    ", s, 100)
	}
}

// visibleValues makes the values of a report's key: value pairs visible
// before they go into prose cells, where a newline would start a line: the
// values hold paths, dlerror's and the runtime's messages and printed Go
// values, and none of soinspect's own has a newline.
func visibleValues(pairs [][2]string) [][2]string {
	for i := range pairs {
		pairs[i][1] = render.Visible(pairs[i][1])
	}
	return pairs
}

func labHex(v uint64) string { return "0x" + strconv.FormatUint(v, 16) }

func fmtNanos(ns int64) string {
	return time.Duration(ns).Round(time.Microsecond / 10).String()
}

// targetRows are the report's first rows: the file, and how it was loaded
// when that is not plain. The names go into prose cells, where a newline
// would start a line: render.Visible shows it as ^J.
func targetRows(tgt loadTarget) [][2]string {
	given, path := render.Visible(tgt.Given), render.Visible(tgt.Path)
	switch {
	case tgt.Search:
		return [][2]string{{"file", given}, {"found by", "dlopen's library search (not a file in the current directory)"}}
	case tgt.Note != "":
		return [][2]string{{"file", given}, {"loaded as", path + " (a file here; a bare name would make dlopen search its library path)"}}
	}
	return [][2]string{{"file", path}}
}
