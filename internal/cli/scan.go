package cli

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/sys/unix"

	"github.com/soinspect/soinspect/elfinspect"
	"github.com/soinspect/soinspect/internal/render"
	"github.com/soinspect/soinspect/internal/scan"
	"github.com/soinspect/soinspect/plugincheck"
)

type scanOptions struct {
	all, quiet, oneFS bool
	together          bool
	out               outputFlags
	host              string
	exclude           []string
}

// scanShort is the line for scan in the root's help and in completion.
const scanShort = "Find every ELF shared object under DIRs, classify it, and flag plugin identity clashes"

func newScanCmd() *cobra.Command {
	o := &scanOptions{}
	cmd := &cobra.Command{
		Use:   "scan [--format F | --json] [--all] [--host HOST [--together]] [--one-file-system] [--exclude GLOB]... [--quiet] DIR...",
		Short: scanShort,
		Long: `Walk the trees and find every ELF shared object by its content, not its name;
classify each (Go plugin, Go c-shared library, C/C++ library, executable)
and show, for Go plugins, the file name — the ID a loader keyed on file names
uses — beside the pluginpath, the ID the Go runtime uses. Flag one pluginpath
under several files, one file name for different pluginpaths, and files that
are not what their name suggests.

With --host, check every Go plugin found against HOST, as the only plugin
the host opens (see soinspect check); a HOST that cannot open plugins at all
is said once. With --host and --together, judge them as one HOST process
that opens every Go plugin found, in the order the walk finds them — each
DIR in the order given, inside it the names in lexical order, as os.ReadDir
and filepath.Glob give them to a host that loads a directory — the way
check --together does: a later plugin must agree with the packages earlier
ones brought, and a pluginpath already loaded fails. Nothing is loaded.

A DIR that is a symbolic link is followed (as find -H); links inside the
trees are not. Only regular files are opened: FIFOs, sockets and devices are
skipped. Below a DIR the walk does not enter pseudo filesystems (/proc,
/sys, cgroup, ...); --one-file-system keeps it on each DIR's filesystem.
A FILE may be named instead of a DIR. Unreadable and malformed files are
reported, one line each, and skipped; --quiet leaves those lines out.

Exit status: 0 when nothing is flagged, every file could be read and (with
--host) every plugin is loadable; 1 otherwise; 2 for usage errors.`,
		Example: `  soinspect scan bin/plugins
  soinspect scan --host bin/pluginhost bin/plugins
  soinspect scan --host bin/pluginhost --together bin/plugins
  soinspect scan --one-file-system --exclude '.git' --quiet /
  soinspect scan --json /usr/lib/x86_64-linux-gnu | jq '.entries[] | select(.class=="go-plugin")'`,
		Args: minArgs(1, "at least one DIR is required"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.out.resolve(cmd); err != nil {
				return err
			}
			return o.run(cmd, args)
		},
	}
	o.out.add(cmd)
	cmd.Flags().BoolVar(&o.all, "all", false, "list every shared object, not only the Go ones and the flagged ones")
	cmd.Flags().StringVar(&o.host, "host", "", "check every Go plugin found against this host program")
	cmd.Flags().BoolVar(&o.together, "together", false, "with --host: judge the Go plugins found as one HOST process opens them all, in the order found")
	cmd.Flags().BoolVarP(&o.oneFS, "one-file-system", "x", false, "stay on the filesystem of each DIR, as find -xdev")
	cmd.Flags().StringArrayVar(&o.exclude, "exclude", nil, "leave out files and directories matching `GLOB`: the base name, or the whole path if GLOB has a / (repeatable)")
	cmd.Flags().BoolVarP(&o.quiet, "quiet", "q", false, "do not list unreadable files on stderr, nor draw progress (the summary still counts them)")
	return cmd
}

func (o *scanOptions) run(cmd *cobra.Command, dirs []string) error {
	stderr := cmd.ErrOrStderr()
	opts := scan.Options{OneFileSystem: o.oneFS, Exclude: o.exclude, Together: o.together}
	if o.together && o.host == "" {
		return usagef("--together needs --host HOST")
	}
	for _, p := range o.exclude {
		if _, err := path.Match(p, ""); err != nil {
			return usagef("--exclude %q: %v", p, err)
		}
	}
	if o.host != "" {
		h, err := elfinspect.Open(o.host)
		if err != nil {
			return usagef("--host: %v", err)
		}
		defer h.Close()
		opts.Host = h
		if r := scan.HostProblem(h); r != nil {
			// Said once, up front, not as a WILL FAIL on every row.
			warn(cmd, "--host: %s; no plugin can load in it", r.Message)
		}
	}
	prog := newProgress(stderr)
	if !o.quiet {
		opts.Progress = prog.report
	}
	res, err := scan.Scan(dirs, opts)
	prog.done()
	if res != nil && !o.quiet || errors.Is(err, scan.ErrNothingScanned) {
		for _, e := range res.Errors {
			warn(cmd, "%s: %s", render.Visible(e.Path), e.Error)
		}
	}
	if errors.Is(err, scan.ErrNothingScanned) {
		if o.out.isJSON() {
			// A script still gets its one object, with the errors in it.
			if err := render.JSON(cmd.OutOrStdout(), res); err != nil {
				return err
			}
		}
		return failedError{len(res.Errors)}
	}
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(cmd.OutOrStdout(), 64<<10)
	if o.out.isJSON() {
		err = render.JSON(bw, res)
	} else {
		doc := o.out.doc(bw)
		if err = o.write(doc, res); err == nil {
			err = doc.Flush()
		}
	}
	if err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	bad := len(res.Errors) + len(res.Findings)
	if res.HostProblem != nil && res.Count(scan.ClassGoPlugin) > 0 {
		bad++
	}
	for _, e := range res.Entries {
		if e.Check != nil && !e.Check.OK {
			bad++
		}
	}
	if bad > 0 {
		return failedError{bad}
	}
	return nil
}

// scannedLine is the first line of the summary: what was walked and what
// was passed over.
func scannedLine(res *scan.Result) string {
	dirs := make([]string, len(res.Dirs))
	for i, d := range res.Dirs {
		dirs[i] = render.Visible(d) // in a prose cell, where a newline would start a line
	}
	s := count(res.FilesSeen, "file", "files") + " in " + strings.Join(dirs, ", ")
	var skipped []string
	if res.SymlinksSkipped > 0 {
		skipped = append(skipped, count(res.SymlinksSkipped, "symbolic link", "symbolic links")+" not followed")
	}
	if res.SpecialSkipped > 0 {
		skipped = append(skipped, count(res.SpecialSkipped, "FIFO, socket or device", "FIFOs, sockets or devices")+" skipped")
	}
	if res.Excluded > 0 {
		skipped = append(skipped, count(res.Excluded, "path", "paths")+" excluded")
	}
	if n := len(res.NotEntered); n > 0 {
		var names []string
		for _, ne := range res.NotEntered[:min(n, 3)] {
			names = append(names, ne.Path)
		}
		more := ""
		if n > 3 {
			more = ", ..."
		}
		skipped = append(skipped, count(n, "mount", "mounts")+" not entered: "+strings.Join(names, ", ")+more)
	}
	if len(skipped) > 0 {
		s += " (" + strings.Join(skipped, "; ") + ")"
	}
	return s
}

func (o *scanOptions) write(w *render.Doc, res *scan.Result) error {
	counts := [][2]string{
		{"scanned", scannedLine(res)},
	}
	if res.HostProblem != nil {
		counts = append(counts, [2]string{"host", res.HostProblem.Message})
	}
	for _, c := range []struct {
		class scan.Class
		what  string
	}{
		{scan.ClassGoPlugin, "Go plugins"},
		{scan.ClassGoCShared, "Go c-shared libraries"},
		{scan.ClassGoShared, "Go shared libraries (-buildmode=shared)"},
		{scan.ClassCLibrary, "C/C++ shared libraries"},
		{scan.ClassExecutable, "executables"},
		{scan.ClassLdScript, "GNU ld scripts named *.so"},
		{scan.ClassNotELF, "named *.so but not ELF"},
		{scan.ClassOther, "other ELF files named *.so"},
	} {
		if n := res.Count(c.class); n > 0 {
			counts = append(counts, [2]string{c.what, strconv.Itoa(n)})
		}
	}
	if len(res.Errors) > 0 {
		counts = append(counts, [2]string{"skipped: unreadable, or not ELF", strconv.Itoa(len(res.Errors))})
	}
	// The labels are soinspect's own words: they wrap, as the values do.
	summary := &render.Table{Title: "Scan", KeyValue: true, Kinds: []render.Kind{render.Prose, render.Prose}}
	for _, c := range counts {
		summary.Rows = append(summary.Rows, []string{c[0], c[1]})
	}
	if err := w.Table(summary); err != nil {
		return err
	}

	hasCheck := false
	for _, e := range res.Entries {
		hasCheck = hasCheck || e.Check != nil
	}
	shown := func(e scan.Entry) bool {
		goFile := e.Class == scan.ClassGoPlugin || e.Class == scan.ClassGoCShared || e.Class == scan.ClassGoShared
		return o.all || goFile || len(e.Flags) > 0
	}
	// The directory column only earns its width when the files shown are
	// in more than one directory.
	dirs := map[string]bool{}
	for _, e := range res.Entries {
		if shown(e) {
			dirs[filepath.Dir(e.Path)] = true
		}
	}
	// The flags and the CHECK verdict wrap first; then the pluginpath
	// and the directory lose leading elements, widest first. A file name
	// is never cut.
	header := []string{"FILE NAME", "PLUGINPATH", "CLASS", "GO", "FLAGS"}
	kinds := []render.Kind{render.Path, render.Path, render.Fixed, render.Fixed, render.Prose}
	if len(dirs) > 1 {
		header = append(header, "DIRECTORY")
		kinds = append(kinds, render.Path)
	}
	if hasCheck {
		header = append(header, "CHECK")
		kinds = append(kinds, render.Prose)
	}
	title := "\nShared objects (file name: a loader's ID; pluginpath: the Go runtime's)"
	if len(dirs) == 1 {
		for d := range dirs {
			title += " in " + d
		}
	}
	t := &render.Table{Title: title, Header: header, Kinds: kinds}
	for _, e := range res.Entries {
		if !shown(e) {
			continue
		}
		pp := e.PluginPath
		if pp == "" {
			pp = "-"
		}
		row := []string{e.Name, pp, string(e.Class), e.GoVersion, strings.Join(e.Flags, ", ")}
		if len(dirs) > 1 {
			row = append(row, filepath.Dir(e.Path))
		}
		if hasCheck {
			c := ""
			if e.Check != nil {
				c = verdictWord(e.Check)
				if p := e.Check.FirstPackage(); p != "" {
					c += " (" + p + ")"
				} else if why := setReason(e.Check); why != "" {
					c += " (" + why + ")"
				}
				if e.Opened > 0 {
					c = fmt.Sprintf("%d: %s", e.Opened, c)
				}
			}
			row = append(row, c)
		}
		t.Rows = append(t.Rows, row)
	}
	if len(t.Rows) == 0 {
		w.Blank()
		w.Text("No Go shared objects, nothing flagged (--all lists every shared object).")
		return nil
	}
	if !o.all {
		t.Footer = "Go shared objects and flagged files only; --all lists every shared object"
	}
	if err := w.Table(t); err != nil {
		return err
	}
	if len(res.Findings) > 0 {
		ft := &render.Table{Title: "\nFindings", Header: []string{"FLAG", "FINDING", "FILES"},
			Kinds: []render.Kind{render.Fixed, render.Prose, render.Paths}}
		for _, f := range res.Findings {
			ft.Rows = append(ft.Rows, []string{f.Code, f.Message, render.List(f.Files...)})
		}
		return w.Table(ft)
	}
	if n := res.Count(scan.ClassGoPlugin); res.HostProblem != nil && n > 0 {
		what := "none of the " + strconv.Itoa(n) + " Go plugins loads in it"
		if n == 1 {
			what = "the Go plugin does not load in it"
		}
		w.Blank()
		w.Text(fmt.Sprintf("Nothing flagged, but the host cannot open plugins: %s.", what))
		return nil
	}
	w.Blank()
	w.Text("Nothing flagged.")
	return nil
}

// progress draws a one-line indicator on stderr when stderr is a terminal
// and the scan has lasted a moment; it draws nothing when piped.
type progress struct {
	w     io.Writer
	tty   bool
	start time.Time
	last  time.Time
	drawn bool
}

func newProgress(w io.Writer) *progress {
	p := &progress{w: w, start: time.Now()}
	if f, ok := w.(*os.File); ok {
		_, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS)
		p.tty = err == nil
	}
	return p
}

func (p *progress) report(s scan.Progress) {
	if !p.tty {
		return
	}
	now := time.Now()
	if now.Sub(p.start) < 300*time.Millisecond || now.Sub(p.last) < 100*time.Millisecond {
		return
	}
	p.last, p.drawn = now, true
	fmt.Fprintf(p.w, "\r\x1b[Kscanning: %s, %s  %s", count(s.FilesSeen, "file", "files"), count(s.Found, "shared object", "shared objects"), render.ElidePath(render.Visible(s.Path), 50))
}

func (p *progress) done() {
	if p.drawn {
		fmt.Fprint(p.w, "\r\x1b[K")
	}
}

// setReason is, for a plugin that fails because of an earlier one in the
// same process (scan --together), plugin.Open's error: "plugin already
// loaded", or a repeated error with "(previous failure)".
func setReason(v *plugincheck.Verdict) string {
	if len(v.Reasons) == 0 || v.Outcome != plugincheck.OutcomeError {
		return ""
	}
	switch v.Reasons[0].Code {
	case plugincheck.ReasonPluginPath, plugincheck.ReasonAlreadyLoaded, plugincheck.ReasonPreviousFail:
		return v.Error
	}
	return ""
}
