package cli

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"

	"github.com/spf13/cobra"

	"github.com/soinspect/soinspect/elfinspect"
	"github.com/soinspect/soinspect/internal/render"
	"github.com/soinspect/soinspect/ldso"
	"github.com/soinspect/soinspect/plugincheck"
)

type checkOptions struct {
	out      outputFlags
	requires []string
	root     string
	together bool
	// notRun, from call or compare, says why they ran nothing and show
	// this analysis instead (see checkInstead).
	notRun string
}

// checkShort is the line for check in the root's help and in completion.
const checkShort = "Predict whether HOST's plugin.Open accepts each PLUGIN, with every reason, without loading anything"

func newCheckCmd() *cobra.Command {
	o := &checkOptions{}
	cmd := &cobra.Command{
		Use:   "check [--format F | --json] [--require NAME:TYPE ...] [--root DIR] [--together] HOST PLUGIN...",
		Short: checkShort,
		Long: `Compare a host program with Go plugins, from the files alone, and say for each
plugin whether plugin.Open would load it, and if not, every reason: not a Go
plugin, a host that cannot load plugins, another Go toolchain, every package
whose link hash differs (plugin.Open names only the first) with both hashes
and the likely cause from the two build infos, and pluginpath collisions.

Each PLUGIN is judged as the only plugin HOST opens, in a process of its
own. With --together they are judged as one HOST process opens them, in the
order given, the way a host that loads a directory of plugins does: a
package the host does not link must have the link hash of the copy an
earlier plugin brought (even one plugin.Open rejected: it stays mapped); a
pluginpath already loaded fails with "plugin already loaded"; the same file
again returns the plugin loaded then, or repeats its first error with
"(previous failure)"; a crash leaves the rest not reached.

--require NAME:TYPE (repeatable) demands that each plugin export NAME with
exactly the Go type TYPE, as reflect prints it after plugin.Lookup: a
function's type, or a pointer for a variable ('Count:*int').

Exit status: 0 when every plugin is loadable and meets every --require,
1 otherwise, 2 for usage errors.`,
		Example: `  soinspect check bin/pluginhost bin/plugins/plugin1.so bin/plugins/plugin2.so
  soinspect check --require 'Run:func() string' bin/pluginhost bin/plugins/*.so
  soinspect check --together bin/pluginhost bin/plugins/*.so
  soinspect check --json bin/pluginhost bin/plugins/plugin1.so | jq .reasons`,
		Args: minArgs(2, "a HOST and at least one PLUGIN are required"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.out.resolve(cmd); err != nil {
				return err
			}
			reqs := make([]plugincheck.Requirement, 0, len(o.requires))
			for _, s := range o.requires {
				r, err := plugincheck.ParseRequirement(s)
				if err != nil {
					return usagef("--require: %v", err)
				}
				reqs = append(reqs, r)
			}
			return o.run(cmd, args[0], args[1:], reqs)
		},
	}
	o.out.add(cmd)
	cmd.Flags().StringArrayVar(&o.requires, "require", nil, "demand an export NAME of Go type TYPE, as 'NAME:TYPE' (repeatable)")
	cmd.Flags().BoolVar(&o.together, "together", false, "judge the plugins as opened in the order given by one HOST process, not each alone")
	cmd.Flags().StringVar(&o.root, "root", "", "judge the loader inside `DIR` as a root file system (its ld.so.cache and libraries); HOST and PLUGIN are paths inside it")
	return cmd
}

// checkJSON is one line of `check --json`: a Verdict with the host's
// name and, with --together, the plugin's place in the order of opening
// (from 1).
type checkJSON struct {
	Host  string `json:"host"`
	Order int    `json:"order,omitempty"`
	// NotRun is set when call or compare gave this analysis because
	// their --host could run nothing: why.
	NotRun string `json:"not_run,omitempty"`
	plugincheck.Verdict
}

func (o *checkOptions) run(cmd *cobra.Command, hostPath string, pluginPaths []string, reqs []plugincheck.Requirement) error {
	host, hostErr := openInRoot(o.root, hostPath)
	if hostErr != nil {
		warn(cmd, "%v", hostErr)
	} else {
		defer host.Close()
	}
	// Every PLUGIN gets a verdict, in the order given, even one that cannot
	// be read: dlopen would refuse it and it leaves no trace in the process,
	// so it is left out of the set the Checker models.
	verdicts := make([]plugincheck.Verdict, len(pluginPaths))
	var plugins []*elfinspect.File
	var at []int
	for i, p := range pluginPaths {
		f, err := openInRoot(o.root, p)
		if err != nil {
			warn(cmd, "%v", err)
			verdicts[i] = unreadableVerdict(p, err)
			continue
		}
		defer f.Close()
		plugins, at = append(plugins, f), append(at, i)
	}
	if hostErr != nil {
		host = nil // the Checker's verdict for no host, with the reason said
	}
	checker := plugincheck.NewChecker(host).WithLoader(ldso.Config{Root: o.root})
	var judged []plugincheck.Verdict
	var set plugincheck.Set
	if o.together {
		set = checker.CheckTogether(plugins, reqs)
		judged = set.Verdicts
	} else {
		for _, f := range plugins {
			judged = append(judged, checker.Check(f, reqs))
		}
	}
	for j, v := range judged {
		if hostErr != nil && len(v.Reasons) > 0 && v.Reasons[0].Code == plugincheck.ReasonHostNotGo {
			v.Reasons[0].Message = "the host could not be read: " + hostErr.Error()
		}
		verdicts[at[j]] = v
	}

	bw := bufio.NewWriterSize(cmd.OutOrStdout(), 64<<10)
	doc := o.out.doc(bw)
	if o.notRun != "" && !o.out.isJSON() {
		doc.Text(render.Visible(o.notRun))
		doc.Blank()
	}
	failed := 0
	for i := range verdicts {
		v := &verdicts[i]
		if !v.OK {
			failed++
		}
		var err error
		if o.out.isJSON() {
			line := checkJSON{Host: hostPath, NotRun: o.notRun, Verdict: *v}
			if o.together {
				line.Order = i + 1
			}
			err = render.JSON(bw, line)
		} else {
			opened := ""
			if o.together {
				opened = fmt.Sprintf("%d of %d, in one process", i+1, len(verdicts))
			}
			err = o.writeOpened(doc, v, i == 0, opened)
		}
		if err != nil {
			return err
		}
	}
	if !o.out.isJSON() && len(verdicts) > 1 {
		ok := len(verdicts) - countNotOK(verdicts)
		doc.Blank()
		how := "each opened alone (--together: opened in this order by one process)"
		if o.together {
			how = "opened in this order by one process"
			if set.CrashedAt != "" {
				how += "; the process dies opening " + set.CrashedAt
			}
		} else if n := checker.CheckTogether(plugins, reqs).Loaded; n < loadable(verdicts) {
			// Say when one process opening them all would fare worse.
			would := fmt.Sprintf("only %d would load", n)
			if n == 0 {
				would = "none would load"
			}
			how = "each opened alone; opened in this order by one process, " + would + " (--together says why)"
		}
		doc.Text(fmt.Sprintf("%d of %s pass against %s, %s", ok, count(len(verdicts), "plugin", "plugins"), hostPath, how))
	}
	if err := doc.Flush(); err != nil {
		return err
	}
	return flushFailed(bw, failed)
}

// unreadableVerdict is the verdict for a PLUGIN that cannot be opened as
// an ELF file: plugin.Open fails in realpath or in dlopen. The verdict
// names the file apart, so its message is the error without the name.
func unreadableVerdict(path string, err error) plugincheck.Verdict {
	msg := err.Error()
	if pe := (*elfinspect.Error)(nil); errors.As(err, &pe) {
		msg = pe.Err.Error()
	}
	v := plugincheck.Verdict{
		Plugin:  path,
		Outcome: plugincheck.OutcomeError,
		Error:   msg,
		Reasons: []plugincheck.Reason{{Code: plugincheck.ReasonUnreadable, Message: msg, Fatal: true}},
	}
	if text, ok := unreadableOpenError(path); ok {
		v.Error, v.Exact, v.DlopenFailed = text, true, true
	}
	return v
}

// unreadableOpenError is what plugin.Open says, after its own
// `plugin.Open("NAME"): `, for a file that is no ELF object, in the cases
// known exactly: realpath(3) fails (no such file, a symlink loop, a
// directory not searchable), or glibc's open_verify refuses what it reads
// first, a directory or fewer bytes than an ELF header or no ELF magic,
// naming the real path. Other cases (a FIFO blocks dlopen's open; a
// device, an unreadable file) report false.
func unreadableOpenError(path string) (string, bool) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", false
	}
	real, err := filepath.EvalSymlinks(abs)
	if err != nil {
		return "realpath failed", true
	}
	fi, err := os.Stat(real)
	if err != nil {
		return "", false
	}
	if fi.IsDir() {
		return real + ": cannot read file data: Is a directory", true
	}
	if !fi.Mode().IsRegular() {
		return "", false
	}
	f, err := os.Open(real)
	if err != nil {
		return "", false
	}
	defer f.Close()
	var hdr [64]byte // sizeof(Elf64_Ehdr)
	n, _ := io.ReadFull(f, hdr[:])
	switch {
	case n < len(hdr):
		return real + ": file too short", true
	case string(hdr[:4]) != "\x7fELF":
		return real + ": invalid ELF header", true
	}
	return "", false
}

// loadable counts the verdicts whose plugin plugin.Open would return.
func loadable(vs []plugincheck.Verdict) int {
	n := 0
	for _, v := range vs {
		if v.Loadable {
			n++
		}
	}
	return n
}

func countNotOK(vs []plugincheck.Verdict) int {
	n := 0
	for _, v := range vs {
		if !v.OK {
			n++
		}
	}
	return n
}

// verdictWord is the one-word answer for people.
func verdictWord(v *plugincheck.Verdict) string {
	switch {
	case v.OK:
		return "loadable"
	case v.Loadable:
		return "loadable, but fails --require"
	case v.Outcome == plugincheck.OutcomeCrash:
		return "WILL FAIL: crashes the host"
	case v.Outcome == plugincheck.OutcomeNotReached:
		return "WILL FAIL: not reached (the host crashed before)"
	case v.Outcome == plugincheck.OutcomeCannotOpen:
		return "WILL FAIL: the host cannot open plugins"
	}
	return "WILL FAIL"
}

func (o *checkOptions) write(w *render.Doc, v *plugincheck.Verdict, first bool) error {
	return o.writeOpened(w, v, first, "")
}

// writeOpened writes v; opened, if not "", says where in the order of
// opening (--together) the plugin comes.
func (o *checkOptions) writeOpened(w *render.Doc, v *plugincheck.Verdict, first bool, opened string) error {
	if !first {
		w.Blank()
	}
	pairs := [][2]string{{"plugin", v.Plugin}, {"verdict", verdictWord(v)}}
	if opened != "" {
		pairs = slices.Insert(pairs, 1, [2]string{"opened", opened})
	}
	if v.PluginPath != "" {
		pairs = append(pairs, [2]string{"pluginpath", v.PluginPath})
	} else if v.Kind != "" {
		pairs = append(pairs, [2]string{"kind", string(v.Kind)})
	}
	if v.GoVersion != "" {
		pairs = append(pairs, [2]string{"go version", v.GoVersion})
	}
	if !v.Loadable {
		what := v.OpenError(v.Plugin)
		if !v.Exact {
			what += " (likely)"
		}
		label := "plugin.Open"
		if v.Outcome == plugincheck.OutcomeCrash {
			label = "plugin.Open crashes"
		}
		pairs = append(pairs, [2]string{label, what})
	}
	if err := w.Fields("", visibleValues(pairs)); err != nil {
		return err
	}
	var general [][]string
	var evidence []string // of each package row
	pkgs := &render.Table{
		Title:  "\nPackages whose link hash differs (plugin.Open names only the first)",
		Header: []string{"PACKAGE", "HASH IN PROCESS", "PLUGIN HASH", "LIKELY CAUSE"},
		Kinds:  []render.Kind{render.Path, render.Prose, render.Fixed, render.Prose},
	}
	for _, r := range v.Reasons {
		if r.Code == plugincheck.ReasonPackageHash {
			have := r.HostHash
			if r.HashFrom != "host" {
				have += " (" + r.HashFrom + ")"
			}
			cause := r.Cause
			if r.Remedy != "" {
				cause += "; way out: " + r.Remedy
			}
			pkgs.Rows = append(pkgs.Rows, []string{r.Package, have, r.PluginHash, cause})
			evidence = append(evidence, r.Evidence)
			continue
		}
		general = append(general, []string{string(r.Code), r.Message})
	}
	if len(general) > 0 {
		t := &render.Table{Title: "\nReasons", Header: []string{"CODE", "REASON"}, Kinds: []render.Kind{render.Fixed, render.Prose}}
		t.Rows = general
		if err := w.Table(t); err != nil {
			return err
		}
	}
	if len(pkgs.Rows) > 0 {
		pkgs.Footer = count(len(pkgs.Rows), "package differs", "packages differ")
		if cause, same := commonCause(pkgs.Rows); same {
			// One cause for all: say it once, under the table.
			for i := range pkgs.Rows {
				pkgs.Rows[i] = pkgs.Rows[i][:3]
			}
			pkgs.Header = pkgs.Header[:3]
			pkgs.Footer += "; likely cause: " + cause
			if evidence[0] != "" {
				pkgs.Footer += "\nevidence: " + evidence[0]
				if len(evidence) > 1 {
					pkgs.Footer += " (and likewise for the others)"
				}
			}
		} else if cause, n, first := mostCommonCause(pkgs.Rows); n > 1 {
			// Most packages share a cause: say it once, under the table,
			// and give the others theirs with their evidence.
			common := make([]bool, len(evidence))
			for i, e := range evidence {
				switch {
				case pkgs.Rows[i][3] == cause:
					common[i] = true
					pkgs.Rows[i][3] = "the common cause (below)"
				case e != "":
					pkgs.Rows[i][3] = e + "; " + pkgs.Rows[i][3]
				}
			}
			pkgs.Footer += fmt.Sprintf("; the common cause of %d of them: %s", n, cause)
			for i := first; i < len(evidence); i++ {
				if common[i] && evidence[i] != "" {
					pkgs.Footer += "\nevidence: " + evidence[i] + " (and likewise for the others)"
					break
				}
			}
		} else {
			// A cause each: the evidence goes with it.
			for i, e := range evidence {
				if e != "" {
					pkgs.Rows[i][3] = e + "; " + pkgs.Rows[i][3]
				}
			}
		}
		if err := w.Table(pkgs); err != nil {
			return err
		}
	}
	w.List("\nNotes", v.Notes)
	return nil
}

// mostCommonCause returns the cause (column 3) most rows share, how many
// do, and the first of them.
func mostCommonCause(rows [][]string) (cause string, n, first int) {
	counts := map[string]int{}
	for _, r := range rows {
		counts[r[3]]++
		if c := counts[r[3]]; c > n {
			cause, n = r[3], c
		}
	}
	for i, r := range rows {
		if r[3] == cause {
			return cause, n, i
		}
	}
	return cause, n, 0
}

// commonCause returns the cause (column 3) shared by every row.
func commonCause(rows [][]string) (string, bool) {
	for _, r := range rows[1:] {
		if r[3] != rows[0][3] {
			return "", false
		}
	}
	return rows[0][3], true
}
