package compattest

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"text/tabwriter"

	"github.com/soinspect/soinspect/internal/scan"
	"github.com/soinspect/soinspect/plugincheck"
)

// sets are plugin sets one host process opens in order, for
// TestTogether. Each names what the real plugin.Open must show, so that a
// row that stops testing its case (the builds changed) fails rather than
// passes for another reason.
var sets = []struct {
	name    string
	plugins []string
	want    []string // per plugin: "ok", or a substring of the real error
}{
	{"two compatible plugins", []string{"plugin.so", "extra12.so"}, []string{"ok", "ok"}},
	// Each loads alone (the host does not link example.com/dep/extra);
	// together the second meets the first's copy.
	{"a dependency the host lacks, two versions", []string{"extra12.so", "extra13.so"},
		[]string{"ok", "different version of package example.com/dep/extra"}},
	{"the same, the other way round", []string{"extra13.so", "extra12.so"},
		[]string{"ok", "different version of package example.com/dep/extra"}},
	{"a third plugin after a failure", []string{"extra12.so", "extra13.so", "plugin.so"},
		[]string{"ok", "different version", "ok"}},
	{"the same path twice", []string{"plugin.so", "plugin.so"}, []string{"ok", "ok"}},
	{"a symbolic link to a plugin loaded", []string{"plugin.so", "link-plugin.so"}, []string{"ok", "ok"}},
	{"a copy: the same pluginpath", []string{"plugin.so", "plugin-copy.so"}, []string{"ok", "plugin already loaded"}},
	{"a failure, then the same path", []string{"extra12.so", "extra13.so", "extra13.so"},
		[]string{"ok", "different version", "(previous failure)"}},
	{"a failure against the host, twice", []string{"plugin-dep13.so", "plugin-dep13.so"},
		[]string{"different version of package example.com/dep", "(previous failure)"}},
	{"a failure, then a symbolic link to it", []string{"plugin-dep13.so", "link-dep13.so"},
		[]string{"different version", "(previous failure)"}},
	{"a failed plugin stays mapped", []string{"plugin-trimpath.so", "plugin.so"}, nil},
	{"the same path again after another plugin failed", []string{"plugin.so", "plugin-dep13.so", "plugin.so"}, nil},
	{"a crash ends the set", []string{"cshared.so", "plugin.so"}, []string{"no plugin module data", "not-reached"}},
	// No new module: the last one is the plugin loaded, or a failed one.
	{"a C library after a plugin, twice", []string{"plugin.so", "cshared.so", "cshared.so"},
		[]string{"ok", "plugin already loaded", "plugin already loaded (previous failure)"}},
	{"a hard link to a failed plugin", []string{"plugin-trimpath.so", "hardlink-trimpath.so"},
		[]string{"different version", "no plugin module data"}},
}

// setLinks makes, in work, the symbolic links the sets open.
var setLinks = sync.OnceValue(func() error {
	for link, target := range map[string]string{"link-plugin.so": "plugin.so", "link-dep13.so": "plugin-dep13.so"} {
		if err := os.Symlink(target, filepath.Join(work, link)); err != nil && !os.IsExist(err) {
			return err
		}
	}
	err := os.Link(filepath.Join(work, "plugin-trimpath.so"), filepath.Join(work, "hardlink-trimpath.so"))
	if err != nil && !os.IsExist(err) {
		return err
	}
	return nil
})

// TestTogether holds `check --together` to a real host process opening
// each set in order, and plain `check` (each plugin alone) to a host
// process of its own per plugin: every verdict, every error text.
func TestTogether(t *testing.T) {
	setup(t)
	if err := setLinks(); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	pairs, agreed := 0, 0
	var b strings.Builder
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "SET\tHOW\tPLUGIN\tREAL plugin.Open\tCHECK SAYS\tAGREE")
	lines := make([][]string, len(sets))
	tally := func(set int, how, p string, o observed, v plugincheck.Verdict, d string) {
		mu.Lock()
		defer mu.Unlock()
		pairs++
		mark := "yes"
		if d == "" {
			agreed++
		} else {
			mark = "NO"
		}
		says := "loadable"
		if !v.Loadable {
			says = fmt.Sprintf("%s: %s", v.Outcome, v.OpenError("./"+p))
		}
		lines[set] = append(lines[set], fmt.Sprintf("%s\t%s\t%s\t%s\t%s\t%s", sets[set].name, how, p, clip(o.String(), 70), clip(says, 90), mark))
	}
	var wg sync.WaitGroup
	for i, s := range sets {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Together: one process.
			obs := runHost(t, "host", s.plugins)
			vs, code := runCheck(t, "host", s.plugins)
			if len(obs) != len(s.plugins) || len(vs) != len(s.plugins) {
				t.Errorf("%s: no result", s.name)
				return
			}
			allOK := true
			for j, p := range s.plugins {
				if j < len(s.want) && !strings.Contains(obs[j].String(), s.want[j]) {
					t.Errorf("%s: the real host gives %s for %s, the row expects %q", s.name, obs[j], p, s.want[j])
				}
				d := agree(vs[j], obs[j], "./"+p)
				if d != "" {
					t.Errorf("%s, together, %s: %s", s.name, p, d)
				}
				tally(i, "together", p, obs[j], vs[j], d)
				allOK = allOK && vs[j].OK
			}
			if want := map[bool]int{true: 0, false: 1}[allOK]; code != want {
				t.Errorf("%s: check --together exited %d, want %d", s.name, code, want)
			}
			// Alone: a process each.
			vs, _ = runCheckArgs(t, []string{"check", "--json", "./host"}, s.plugins)
			if len(vs) != len(s.plugins) {
				return
			}
			for j, p := range s.plugins {
				obs := runHost(t, "host", []string{p})
				d := agree(vs[j], obs[0], "./"+p)
				if d != "" {
					t.Errorf("%s, alone, %s: %s", s.name, p, d)
				}
				tally(i, "alone", p, obs[0], vs[j], d)
			}
		}()
	}
	wg.Wait()
	for _, ls := range lines {
		for _, l := range ls {
			fmt.Fprintln(tw, l)
		}
	}
	tw.Flush()
	t.Logf("check --together (one process) and check (a process each) versus the real plugin.Open:\n%s%d of %d verdicts agree", b.String(), agreed, pairs)
	if agreed != pairs {
		t.Errorf("agreement %d of %d, want 100%%", agreed, pairs)
	}
}

// TestTogetherEvidence: a package an earlier plugin brought is explained
// from that plugin's build, not the host's.
func TestTogetherEvidence(t *testing.T) {
	setup(t)
	vs, _ := runCheck(t, "host", []string{"extra12.so", "extra13.so"})
	if len(vs) != 2 {
		t.Fatal("no verdicts")
	}
	var r *plugincheck.Reason
	for i := range vs[1].Reasons {
		if vs[1].Reasons[i].Code == plugincheck.ReasonPackageHash {
			r = &vs[1].Reasons[i]
		}
	}
	if r == nil {
		t.Fatalf("no package-hash reason: %+v", vs[1].Reasons)
	}
	for _, want := range []string{"./extra12.so", "v1.2.0", "v1.3.0"} {
		if !strings.Contains(r.Cause, want) {
			t.Errorf("cause %q lacks %q", r.Cause, want)
		}
	}
	if r.HashFrom != "./extra12.so" || !strings.Contains(r.Evidence, "dep/v1.2.0/extra/extra.go") || !strings.Contains(r.Evidence, "dep/v1.3.0/extra/extra.go") {
		t.Errorf("hash from %q, evidence %q: want extra12.so's copy and both source paths", r.HashFrom, r.Evidence)
	}
	vs, _ = runCheck(t, "host", []string{"extra12.so", "plugin.so", "extra12.so"})
	if len(vs) == 3 && !strings.Contains(strings.Join(vs[2].Notes, "\n"), "the same file as ./extra12.so") {
		t.Errorf("the same file again: notes %q", vs[2].Notes)
	}
	out, _, code := runSoinspect(t, "check", "--together", "host", "extra12.so", "extra13.so")
	for _, want := range []string{"1 of 2, in one process", "2 of 2, in one process", "extra12.so", "opened in this order by one process"} {
		if !strings.Contains(out, want) || code != 1 {
			t.Errorf("check --together (exit %d) lacks %q:\n%s", code, want, out)
		}
	}
	out, _, code = runSoinspect(t, "check", "host", "extra12.so", "extra13.so")
	if code != 0 || !strings.Contains(out, "each opened alone") {
		t.Errorf("check, each alone: exit %d\n%s", code, out)
	}
}

// TestScanTogether holds `scan --host --together` to a real host process
// that opens the plugins the scan found, in the order the scan says.
func TestScanTogether(t *testing.T) {
	setup(t)
	dir := t.TempDir()
	place := map[string]string{
		"a/1.so":         "extra12.so",
		"a/2.so":         "extra13.so", // the other version of example.com/dep/extra
		"a/3.so":         "plugin.so",
		"b/copy.so":      "plugin.so", // the same pluginpath as a/3.so
		"b/dep13.so":     "plugin-dep13.so",
		"b/sub/extra.so": "extra12.so", // the same pluginpath as a/1.so
		"b/zz-c.so":      "cshared.so", // not a Go plugin: not opened
	}
	for dst, src := range place {
		p := filepath.Join(dir, dst)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := copyFile(filepath.Join(work, src), p); err != nil {
			t.Fatal(err)
		}
	}
	// Roots in the order given: b before a.
	out, stderr, code := runSoinspect(t, "scan", "--json", "--host", "./host", "--together", filepath.Join(dir, "b"), filepath.Join(dir, "a"))
	var res scan.Result
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("scan --json: %v\n%s\n%s", err, out, stderr)
	}
	if code != 1 {
		t.Errorf("exit %d, want 1 (plugins fail)", code)
	}
	order := map[int]scan.Entry{}
	for _, e := range res.Entries {
		if e.Class != scan.ClassGoPlugin {
			if e.Check != nil || e.Opened != 0 {
				t.Errorf("%s (%s) has a verdict", e.Path, e.Class)
			}
			continue
		}
		if e.Check == nil || e.Opened == 0 {
			t.Errorf("%s: no verdict or place", e.Path)
			continue
		}
		order[e.Opened] = e
	}
	wantOrder := []string{"b/copy.so", "b/dep13.so", "b/sub/extra.so", "a/1.so", "a/2.so", "a/3.so"}
	var paths []string
	for i := range wantOrder {
		e, ok := order[i+1]
		if !ok {
			t.Fatalf("no plugin opened %d-th: %v", i+1, order)
		}
		if rel, _ := filepath.Rel(dir, e.Path); rel != wantOrder[i] {
			t.Errorf("opened %d-th: %s, want %s", i+1, rel, wantOrder[i])
		}
		paths = append(paths, e.Path)
	}
	rels := relPaths(paths)
	obs := runHost(t, "host", rels)
	for i, p := range paths {
		if d := agree(*order[i+1].Check, obs[i], "./"+rels[i]); d != "" {
			t.Errorf("%s: %s", p, d)
		}
	}
	text, _, _ := runSoinspect(t, "scan", "--host", "./host", "--together", filepath.Join(dir, "b"), filepath.Join(dir, "a"))
	for _, want := range []string{"1: loadable", "5: WILL FAIL (example.com/dep/extra)", "6: WILL FAIL (plugin already loaded)"} {
		if !strings.Contains(text, want) {
			t.Errorf("scan --together lacks %q:\n%s", want, text)
		}
	}
	if _, stderr, code := runSoinspect(t, "scan", "--together", dir); code != 2 || !strings.Contains(stderr, "--host") {
		t.Errorf("--together without --host: exit %d, %s", code, stderr)
	}
}

// relPaths makes paths relative to work, where runHost runs the host
// (it prefixes each with "./").
func relPaths(ps []string) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		rel, err := filepath.Rel(work, p)
		if err != nil {
			panic(fmt.Sprint(err))
		}
		out[i] = rel
	}
	return out
}
