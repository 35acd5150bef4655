package compattest

import (
	"bufio"
	"bytes"
	"fmt"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"text/tabwriter"

	"github.com/soinspect/soinspect/plugincheck"
)

// row is one host process opening plugins in order.
type row struct {
	name    string
	host    string
	plugins []string
}

var rows = []row{
	{"identical builds", "host", []string{"plugin.so"}},
	{"plugin -trimpath", "host", []string{"plugin-trimpath.so"}},
	{"dependency v1.3.0 vs v1.2.0", "host", []string{"plugin-dep13.so"}},
	{"plugin -gcflags=all=-N -l", "host", []string{"plugin-Nl.so"}},
	{"plugin -race, host not", "host", []string{"plugin-race.so"}},
	{"host -race, plugin not", "host-race", []string{"plugin.so"}},
	{"both -race", "host-race", []string{"plugin-race.so"}},
	{"plugin by go1.27.3", "host", []string{"plugin-go1.27.3.so"}},
	{"duplicate pluginpath (a copy)", "host", []string{"plugin.so", "plugin-copy.so"}},
	{"same inode (a hard link)", "host", []string{"plugin.so", "plugin-hardlink.so"}},
	{"same path after a failure", "host", []string{"plugin-trimpath.so", "plugin-trimpath.so"}},
	{"c-shared as a plugin", "host", []string{"cshared.so"}},
	{"c-shared after a plugin", "host", []string{"plugin.so", "cshared.so"}},
	{"host without package plugin", "host-noplugin", []string{"plugin.so"}},
	{"host with CGO_ENABLED=0", "host-nocgo", []string{"plugin.so"}},
	{"stripped plugin", "host", []string{"plugin-stripped.so"}},
	{"the host's main package as a plugin", "host", []string{"hostmain.so"}},
	{"package the host lacks, two versions", "host", []string{"extra12.so", "extra13.so"}},
	// Objects dlopen refuses, crafted without a cross compiler (see craft).
	{"plugin for another machine (AArch64)", "host", []string{"plugin-arm64.so"}},
	{"another machine, twice", "host", []string{"plugin-arm64.so", "plugin-arm64.so"}},
	{"another machine, through a symlink", "host", []string{"link-arm64.so"}},
	{"a 32-bit object", "host", []string{"lib32.so"}},
	{"a relocatable object", "host", []string{"reloc.o"}},
	{"an executable", "host", []string{"host-noplugin"}},
	// Not ELF objects, not files: plugin.Open's realpath or dlopen's
	// first read refuses them.
	{"a file that does not exist", "host", []string{"nosuch.so"}},
	{"a symlink loop", "host", []string{"loop.so"}},
	{"a directory", "host", []string{"dir.so"}},
	{"an empty file", "host", []string{"empty.so"}},
	{"a short text file", "host", []string{"text.so"}},
	{"a text file longer than an ELF header", "host", []string{"junk.so", "plugin.so"}},
}

// observed is what one plugin.Open did in a real host process.
type observed struct {
	outcome plugincheck.Outcome
	text    string // the error, or the fatal error line
}

func (o observed) String() string {
	if o.outcome == plugincheck.OutcomeOK {
		return "ok"
	}
	return string(o.outcome) + ": " + o.text
}

var fatalLine = regexp.MustCompile(`(?m)^fatal error: .*$`)

// runHost runs host with the plugins and returns one observation each.
func runHost(t *testing.T, host string, plugins []string) []observed {
	args := make([]string, len(plugins))
	for i, p := range plugins {
		args[i] = "./" + p
	}
	if host == "host-noplugin" {
		// The real outcome: the program has no plugin.Open to call. Show it
		// from the binary, not from check's own reading.
		out, err := exec.Command("go", "tool", "nm", filepath.Join(work, host)).Output()
		if err != nil {
			t.Errorf("go tool nm %s: %v", host, err)
			return nil
		}
		if bytes.Contains(out, []byte(" plugin.Open")) {
			t.Errorf("%s links plugin.Open", host)
			return nil
		}
		obs := make([]observed, len(plugins))
		for i := range obs {
			obs[i] = observed{plugincheck.OutcomeCannotOpen, "no plugin.Open in the host (go tool nm)"}
		}
		return obs
	}
	cmd := hostCommand(host, args)
	cmd.Dir = work
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	_ = cmd.Run() // a crash is an outcome
	var obs []observed
	sc := bufio.NewScanner(&stdout)
	for sc.Scan() {
		line, ok := strings.CutPrefix(sc.Text(), "RESULT ")
		if !ok {
			continue
		}
		if line == "ok" {
			obs = append(obs, observed{outcome: plugincheck.OutcomeOK})
		} else {
			obs = append(obs, observed{plugincheck.OutcomeError, line})
		}
	}
	if len(obs) < len(plugins) {
		if m := fatalLine.Find(stderr.Bytes()); m != nil {
			obs = append(obs, observed{plugincheck.OutcomeCrash, string(m)})
		} else {
			obs = append(obs, observed{plugincheck.OutcomeCrash, "died: " + firstLines(stderr.Bytes(), 2)})
		}
	}
	for len(obs) < len(plugins) {
		obs = append(obs, observed{outcome: plugincheck.OutcomeNotReached})
	}
	return obs
}

// runCheck runs `soinspect check --together --json` on the same files:
// the host opens them in order, in one process.
func runCheck(t *testing.T, host string, plugins []string) ([]plugincheck.Verdict, int) {
	return runCheckArgs(t, []string{"check", "--together", "--json", "./" + host}, plugins)
}

// runCheckArgs runs soinspect with args and then the plugins, and reads
// one JSON verdict a plugin.
func runCheckArgs(t *testing.T, args []string, plugins []string) ([]plugincheck.Verdict, int) {
	args = slices.Clone(args)
	for _, p := range plugins {
		args = append(args, "./"+p)
	}
	out, stderr, code := runSoinspect(t, args...)
	vs, err := parseVerdicts(out)
	if err != nil {
		t.Error(err)
		return nil, code
	}
	if len(vs) != len(plugins) {
		t.Errorf("check gave %d verdicts for %d plugins; stderr: %s", len(vs), len(plugins), stderr)
		return nil, code
	}
	return vs, code
}

var pkgInError = regexp.MustCompile(`different version of package (\S+)`)

// agree compares a verdict with the real outcome; "" means they agree.
func agree(v plugincheck.Verdict, o observed, name string) string {
	if v.Loadable != (o.outcome == plugincheck.OutcomeOK) {
		return fmt.Sprintf("loadable: check %v, real %v", v.Loadable, o.outcome == plugincheck.OutcomeOK)
	}
	if v.Outcome != o.outcome {
		return fmt.Sprintf("outcome: check %s, real %s", v.Outcome, o.outcome)
	}
	if m := pkgInError.FindStringSubmatch(o.text); m != nil && !slices.Contains(v.Packages(), m[1]) {
		return fmt.Sprintf("plugin.Open names package %s, which check does not list (%v)", m[1], v.Packages())
	}
	if o.outcome == plugincheck.OutcomeError && !v.Exact {
		// Every error class in the matrix is one check knows exactly.
		return fmt.Sprintf("error: check gives %q but does not claim it exact; real %q", v.OpenError(name), o.text)
	}
	if v.Exact {
		switch o.outcome {
		case plugincheck.OutcomeError:
			if want := v.OpenError(name); want != o.text {
				return fmt.Sprintf("error: check %q, real %q", want, o.text)
			}
		case plugincheck.OutcomeCrash:
			if v.Error != o.text {
				return fmt.Sprintf("crash: check %q, real %q", v.Error, o.text)
			}
		}
	}
	return ""
}

func TestMatrix(t *testing.T) {
	setup(t)
	runMatrix(t, rows)
	t.Log(`row "host without package plugin": a host that does not link package plugin cannot call plugin.Open at all; ` +
		`the real outcome is read from the binary (go tool nm finds no plugin.Open), and check must say the host cannot open plugins`)
}

// runMatrix runs each row's host on its plugins and check on the same
// files, in parallel, logs the table of both, and fails unless they agree
// on every pair.
func runMatrix(t *testing.T, rows []row) {
	type result struct {
		row     row
		plugin  string
		real    observed
		verdict plugincheck.Verdict
		diff    string
	}
	results := make([][]result, len(rows))
	var skipped []string
	var wg sync.WaitGroup
	for i, r := range rows {
		var why []string
		for _, f := range append([]string{r.host}, r.plugins...) {
			if m, ok := missing[f]; ok {
				why = append(why, f+": "+m)
			}
		}
		if len(why) > 0 {
			skipped = append(skipped, fmt.Sprintf("SKIPPED %q: could not build %s", r.name, strings.Join(why, "; ")))
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Errorf, not Fatalf: this is not the test's goroutine.
			obs := runHost(t, r.host, r.plugins)
			vs, code := runCheck(t, r.host, r.plugins)
			if len(obs) != len(r.plugins) || len(vs) != len(r.plugins) {
				t.Errorf("%s: no result", r.name)
				return
			}
			allOK := true
			for j, p := range r.plugins {
				d := agree(vs[j], obs[j], "./"+p)
				results[i] = append(results[i], result{r, p, obs[j], vs[j], d})
				allOK = allOK && vs[j].OK
			}
			if want := map[bool]int{true: 0, false: 1}[allOK]; code != want {
				t.Errorf("%s: check exited %d, want %d", r.name, code, want)
			}
		}()
	}
	wg.Wait()

	var b strings.Builder
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ROW\tHOST\tPLUGIN\tREAL plugin.Open\tCHECK SAYS\tAGREE")
	pairs, agreed := 0, 0
	for _, rs := range results {
		for _, r := range rs {
			pairs++
			mark := "yes"
			if r.diff != "" {
				mark = "NO: " + r.diff
				t.Errorf("%s / %s: %s", r.row.name, r.plugin, r.diff)
			} else {
				agreed++
			}
			says := "loadable"
			if !r.verdict.Loadable {
				says = fmt.Sprintf("will fail (%s): %s", r.verdict.Outcome, firstReason(r.verdict))
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", r.row.name, r.row.host, r.plugin, clip(r.real.String(), 90), clip(says, 110), mark)
		}
	}
	tw.Flush()
	for _, s := range skipped {
		b.WriteString(s + "\n")
	}
	fmt.Fprintf(&b, "agreement: %d of %d pairs (%.0f%%)\n", agreed, pairs, 100*float64(agreed)/float64(max(pairs, 1)))
	t.Log("check versus the real plugin.Open:\n" + b.String())
	if agreed != pairs {
		t.Errorf("agreement %d of %d, want 100%%", agreed, pairs)
	}
}

// firstReason is the verdict's first fatal reason, for the matrix.
func firstReason(v plugincheck.Verdict) string {
	n := 0
	var first string
	for _, r := range v.Reasons {
		if !r.Fatal {
			continue
		}
		if n == 0 {
			first = string(r.Code)
			if r.Package != "" {
				first += " " + r.Package
			}
		}
		n++
	}
	if n > 1 {
		first += fmt.Sprintf(" (+%d more)", n-1)
	}
	return first
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n-1] + "…"
}
