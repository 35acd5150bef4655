package cli

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/sys/unix"

	"github.com/soinspect/soinspect/elfinspect"
	"github.com/soinspect/soinspect/internal/render"
	"github.com/soinspect/soinspect/internal/scan"
)

func init() { subcommands = append(subcommands, newScanCmd) }

type scanOptions struct {
	json, all bool
	host      string
}

func newScanCmd() *cobra.Command {
	o := &scanOptions{}
	cmd := &cobra.Command{
		Use:   "scan [--json] [--all] [--host HOST] DIR...",
		Short: "Find every ELF shared object under DIRs, classify it, and flag plugin identity clashes",
		Long: `Walk the trees and find every ELF shared object by its content, not its name;
classify each (Go plugin, Go c-shared library, C/C++ library, executable)
and show, for Go plugins, the file name — the ID a loader keyed on file names
uses — beside the pluginpath, the ID the Go runtime uses. Flag one pluginpath
under several files, one file name for different pluginpaths, and files that
are not what their name suggests.

With --host, check every Go plugin found against HOST, as the only plugin
the host opens (see soinspect check). Nothing is loaded. Symbolic links are
not followed. Unreadable and malformed files are reported and skipped.

Exit status: 0 when nothing is flagged, every file could be read and (with
--host) every plugin is loadable; 1 otherwise; 2 for usage errors.`,
		Example: `  soinspect scan bin/plugins
  soinspect scan --host bin/pluginhost bin/plugins
  soinspect scan --json /usr/lib/x86_64-linux-gnu | jq '.entries[] | select(.class=="go-plugin")'`,
		Args: minArgs(1, "scan: at least one DIR is required"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return o.run(cmd, args)
		},
	}
	cmd.Flags().BoolVar(&o.json, "json", false, "print the whole result as one JSON object")
	cmd.Flags().BoolVar(&o.all, "all", false, "list every shared object, not only the Go ones and the flagged ones")
	cmd.Flags().StringVar(&o.host, "host", "", "check every Go plugin found against this host program")
	return cmd
}

func (o *scanOptions) run(cmd *cobra.Command, dirs []string) error {
	stderr := cmd.ErrOrStderr()
	opts := scan.Options{}
	if o.host != "" {
		h, err := elfinspect.Open(o.host)
		if err != nil {
			return usagef("scan: --host: %v", err)
		}
		defer h.Close()
		opts.Host = h
	}
	prog := newProgress(stderr)
	opts.Progress = prog.report
	res, err := scan.Scan(dirs, opts)
	prog.done()
	if err != nil {
		return err
	}
	for _, e := range res.Errors {
		fmt.Fprintf(stderr, "soinspect scan: %s: %s\n", e.Path, e.Error)
	}
	bw := bufio.NewWriterSize(cmd.OutOrStdout(), 64<<10)
	if o.json {
		err = render.JSON(bw, res)
	} else {
		err = o.write(bw, res)
	}
	if err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	bad := len(res.Errors) + len(res.Findings)
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

func (o *scanOptions) write(w io.Writer, res *scan.Result) error {
	counts := [][2]string{
		{"scanned", fmt.Sprintf("%d files in %s (%d symbolic links not followed)", res.FilesSeen, strings.Join(res.Dirs, ", "), res.SymlinksSkipped)},
	}
	for _, c := range []struct {
		class scan.Class
		what  string
	}{
		{scan.ClassGoPlugin, "Go plugins"},
		{scan.ClassGoCShared, "Go c-shared libraries"},
		{scan.ClassGoShared, "Go shared libraries (-buildmode=shared)"},
		{scan.ClassCLibrary, "C/C++ shared libraries"},
		{scan.ClassExecutable, "executables (position-independent, or named *.so)"},
		{scan.ClassLdScript, "GNU ld scripts named *.so"},
		{scan.ClassNotELF, "named *.so but not ELF"},
		{scan.ClassOther, "other ELF files named *.so"},
	} {
		if n := res.Count(c.class); n > 0 {
			counts = append(counts, [2]string{c.what, strconv.Itoa(n)})
		}
	}
	if len(res.Errors) > 0 {
		counts = append(counts, [2]string{"unreadable (skipped)", strconv.Itoa(len(res.Errors))})
	}
	if err := render.Fields(w, render.FormatTable, "Scan", counts); err != nil {
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
	// The CHECK verdict wraps first; then the pluginpath, the file name and
	// the directory lose their middles, widest first.
	header := []string{"FILE NAME", "PLUGINPATH", "CLASS", "GO", "FLAGS"}
	elide, shrink := 1, []int{0}
	if len(dirs) > 1 {
		header = append(header, "DIRECTORY")
		shrink = append(shrink, len(header)-1)
	}
	if hasCheck {
		header = append(header, "CHECK")
		elide, shrink = len(header)-1, append(shrink, 1)
	}
	title := "\nShared objects (file name: a loader's ID; pluginpath: the Go runtime's)"
	if len(dirs) == 1 {
		for d := range dirs {
			title += " in " + d
		}
	}
	t := &render.Table{Title: title, Header: header, Elide: elide, Wrap: hasCheck, Shrink: shrink, Width: render.Width}
	for _, e := range res.Entries {
		if !shown(e) {
			continue
		}
		pp := e.PluginPath
		if pp == "" {
			pp = "-"
		}
		row := []string{e.Name, pp, string(e.Class), e.GoVersion, strings.Join(e.Flags, ",")}
		if len(dirs) > 1 {
			row = append(row, filepath.Dir(e.Path))
		}
		if hasCheck {
			c := ""
			if e.Check != nil {
				c = verdictWord(e.Check)
				if p := e.Check.FirstPackage(); p != "" {
					c += " (" + p + ")"
				}
			}
			row = append(row, c)
		}
		t.Rows = append(t.Rows, row)
	}
	if len(t.Rows) == 0 {
		_, err := fmt.Fprintln(w, "\nNo Go shared objects, nothing flagged (--all lists every shared object).")
		return err
	}
	if !o.all {
		t.Footer = "Go shared objects and flagged files only; --all lists every shared object"
	}
	if err := t.Write(w, render.FormatTable); err != nil {
		return err
	}
	if len(res.Findings) > 0 {
		ft := &render.Table{Title: "\nFindings", Header: []string{"FLAG", "FINDING", "FILES"}, Elide: 1, Wrap: true, Width: render.Width}
		for _, f := range res.Findings {
			ft.Rows = append(ft.Rows, []string{f.Code, f.Message, strings.Join(f.Files, "\n")})
		}
		return ft.Write(w, render.FormatTable)
	}
	_, err := fmt.Fprintln(w, "\nNothing flagged.")
	return err
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
	fmt.Fprintf(p.w, "\r\x1b[Kscanning: %d files, %d shared objects  %s", s.FilesSeen, s.Found, render.Elide(s.Path, 50))
}

func (p *progress) done() {
	if p.drawn {
		fmt.Fprint(p.w, "\r\x1b[K")
	}
}
