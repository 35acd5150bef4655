package cli

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/soinspect/soinspect/cdl"
	"github.com/soinspect/soinspect/elfinspect"
	"github.com/soinspect/soinspect/internal/probe"
	"github.com/soinspect/soinspect/internal/report"
)

type reportOptions struct {
	out, host string
	load      bool
	timeout   time.Duration
}

// reportShort is the line for report in the root's help and in completion.
const reportShort = "Draw a shared object — above all a Go plugin — as one self-contained HTML page, for a talk or a handout"

func newReportCmd() *cobra.Command {
	o := &reportOptions{}
	cmd := &cobra.Command{
		Use:   "report [-o|--output OUT.html] [--host HOST] [--load] [--timeout D] FILE",
		Short: reportShort,
		Long: `Write one HTML page that draws FILE: its identity; its layout to scale, file
offsets against memory addresses, with the PT_LOAD segments and the sections
inside them; a treemap of where its bytes go; for a Go plugin its exports with
their Go types, its init tasks in run order, its package hashes and where the
runtime finds them.

The page is self-contained (inline CSS and SVG, one small inline script) and
makes no network request: it works from file:// with the network off, has a
light and a dark theme and prints as a handout.

--host HOST adds plugin.Open's verdict in HOST, the init tasks HOST has
already run and the package hashes that differ from HOST's.

--load also loads FILE, in two child processes as compare does (dlopen with
RTLD_LAZY, and plugin.Open), and draws each child's address space side by side:
where the object landed next to the program, libc, ld.so, the heap and the
stacks. Loading runs FILE's code (constructors, Go inits); without --load
nothing is loaded or run.

The page goes to OUT.html (default: FILE's name with .html, in the current
directory), written whole or not at all.`,
		Example: `  soinspect report bin/plugins/plugin1.so
  soinspect report -o talk.html --host bin/pluginhost --load bin/plugins/plugin1.so`,
		Args: minArgs(1, "FILE is required"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) > 1 {
				return usagef("one FILE at a time: %s", cmd.UseLine())
			}
			return o.run(cmd, args[0])
		},
	}
	cmd.Flags().StringVarP(&o.out, "output", "o", "", "write the page to this file (default: FILE's name with .html)")
	cmd.Flags().StringVar(&o.host, "host", "", "the Go program that loads the plugin: verdict, inits run and hashes against it")
	cmd.Flags().BoolVar(&o.load, "load", false, "also load FILE in two child processes and draw where it landed")
	cmd.Flags().DurationVar(&o.timeout, "timeout", probe.DefaultTimeout, "with --load, kill each child after this long")
	return cmd
}

func (o *reportOptions) run(cmd *cobra.Command, file string) error {
	if o.timeout <= 0 {
		return usagef("--timeout must be positive")
	}
	out := o.out
	if out == "" {
		out = strings.TrimSuffix(filepath.Base(file), ".so") + ".html"
		if file == "-" {
			out = "stdin.html"
		}
	}
	if o.load && file == "-" {
		return usagef("--load needs a file, not standard input")
	}
	f, err := openELF(cmd, file)
	if err != nil {
		return err // it names the file
	}
	defer f.Close()
	// The page is drawn from the whole symbol table at once, as a table
	// view is: under main's 24 MiB limit the collector would run without
	// pause (BenchmarkReport).
	roomForListing()
	opts := report.Options{NoDeps: file == "-"}
	if o.host != "" {
		h, err := elfinspect.Open(o.host)
		if err != nil {
			return fmt.Errorf("--host: %w", err)
		}
		defer h.Close()
		opts.Host = h
	}
	rep, err := report.Build(f, opts)
	if err != nil {
		return err // it names the file
	}
	rep.Identity.File = displayPath(file) // not the temporary file of standard input
	if o.load {
		if err := o.loadSides(cmd, file, rep); err != nil {
			return err
		}
	}
	if err := writeAtomic(out, rep); err != nil {
		return err
	}
	fmt.Fprintln(cmd.OutOrStdout(), out)
	return nil
}

// loadSides loads file both ways in children, as compare does, and adds
// each child's address space to the report.
func (o *reportOptions) loadSides(cmd *cobra.Command, file string, rep *report.Report) error {
	tgt, st, err := resolveTarget(file)
	if err != nil {
		return err
	}
	if tgt.Search {
		return fmt.Errorf("%s: no such file in the current directory; --load needs a path", file)
	}
	if why := st.LoadProblem(); why != "" {
		return fmt.Errorf("--load: %s. Nothing was loaded", why)
	}
	exe, _ := os.Executable()
	if r, err := filepath.EvalSymlinks(exe); err == nil {
		exe = r
	}
	// /proc/self/maps names the object by its absolute real path.
	real := tgt.Path
	if a, err := filepath.Abs(real); err == nil {
		real = a
	}
	if r, err := filepath.EvalSymlinks(real); err == nil {
		real = r
	}
	// addSide adds one child's address space, or stops on an interrupt.
	addSide := func(label string, outcome probe.Outcome, exit probe.Exit, crash *probe.Crash, loadErr string, base uint64, maps string) error {
		if outcome == probe.OutcomeInterrupted {
			return interruptedError{exit.Interrupted}
		}
		if loadErr == "" && crash != nil {
			loadErr = crash.How
		}
		rep.AddSide(report.NewSide(label, string(outcome), loadErr, base, maps, real, exe))
		return nil
	}
	popts := probeOptions(cmd, o.timeout, probe.HostAuto, false)
	raw, err := probe.Raw(cmd.Context(), probe.RawRequest{Path: tgt.Path, Flags: cdl.Lazy, InitTask: st.InitTaskSymbol(), Maps: true}, st, popts, nil)
	if err != nil {
		return err
	}
	rm, _ := raw.Step("dlopen", "")
	rmaps, _ := raw.Step("maps", "")
	if err := addSide("raw: dlopen(RTLD_LAZY)", raw.Outcome, raw.Exit, raw.Crash, rm.Err, rm.Base, rmaps.Maps); err != nil {
		return err
	}
	if st.Plugin == nil {
		return nil // plugin.Open takes Go plugins only
	}
	gor, err := probe.Go(cmd.Context(), probe.GoRequest{Path: tgt.Path, InitTask: st.InitTaskSymbol(), Maps: true}, st, popts, nil)
	if err != nil {
		return err
	}
	gm, _ := gor.Step("open", "")
	gmaps, _ := gor.Step("maps", "")
	return addSide("Go: plugin.Open", gor.Outcome, gor.Exit, gor.Crash, gm.Err, gm.Base, gmaps.Maps)
}

// writeAtomic writes the page to a temporary file next to path and renames
// it into place: a reader never sees half a page, and a failure leaves any
// earlier page as it was.
func writeAtomic(path string, rep *report.Report) (err error) {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, errors.Unwrap(err))
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err = rep.WriteHTML(tmp); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err = tmp.Chmod(0o644); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err = tmp.Close(); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("writing %s: %w", path, errors.Unwrap(err))
	}
	return nil
}
