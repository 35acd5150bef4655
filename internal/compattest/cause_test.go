package compattest

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/soinspect/soinspect/plugincheck"
)

// Causes with evidence: for a package whose link hash differs, check quotes
// the source paths both function tables record and names the cause from
// them. Each case is held to the real plugin.Open of the host.

// causeArtifacts builds the plugins of the cases the main matrix lacks: a
// vendored build, and a build against a copy of the dependency's directory.
var (
	causeOnce sync.Once
	causeErr  error
)

func setupCauses(t *testing.T) {
	setup(t)
	causeOnce.Do(func() { causeErr = doSetupCauses() })
	if causeErr != nil {
		t.Fatal(causeErr)
	}
}

func doSetupCauses() error {
	m12 := filepath.Join(work, "m12")
	vend, local := filepath.Join(work, "m12vendor"), filepath.Join(work, "m12local")
	depCopy := filepath.Join(work, "depcopy")
	for _, d := range []string{vend, local} {
		if err := copyDir(m12, d); err != nil {
			return err
		}
	}
	td, _ := filepath.Abs("testdata/dep/v1.2.0")
	if err := copyDir(td, depCopy); err != nil {
		return err
	}
	jobs := []func() error{
		func() error {
			if out, err := goCmd(vend, nil, "mod", "vendor"); err != nil {
				return fmt.Errorf("%v\n%s", err, out)
			}
			_, err := goBuild(vend, nil, "-mod=vendor", "-buildmode=plugin", "-o", filepath.Join(work, "plugin-vendor.so"), "./plugin")
			return err
		},
		func() error {
			if out, err := goCmd(local, nil, "mod", "edit", "-replace=example.com/dep@v1.2.0="+depCopy); err != nil {
				return fmt.Errorf("%v\n%s", err, out)
			}
			_, err := goBuild(local, nil, "-buildmode=plugin", "-o", filepath.Join(work, "plugin-localcopy.so"), "./plugin")
			return err
		},
	}
	jobs = append(jobs, func() error { return buildOtherGOROOT(m12) })
	errs := make(chan error, len(jobs))
	for _, j := range jobs {
		go func() { errs <- j() }()
	}
	for range jobs {
		if err := <-errs; err != nil {
			return err
		}
	}
	return nil
}

// buildOtherGOROOT builds plugin-goroot.so, a plugin that links package
// plugin, with a Go installation at another path whose package plugin is
// patched: a symlink farm of GOROOT with a copy of src/plugin that has one
// line more. The compiler writes GOROOT's files as "$GOROOT/...", so only
// the patched package differs, and only it is compiled again.
func buildOtherGOROOT(m12 string) error {
	out, err := exec.Command("go", "env", "GOROOT").Output()
	if err != nil {
		return err
	}
	goroot := strings.TrimSpace(string(out))
	alt := filepath.Join(work, "goroot")
	if err := os.MkdirAll(filepath.Join(alt, "src"), 0o755); err != nil {
		return err
	}
	for _, dir := range []string{goroot, filepath.Join(goroot, "src")} {
		ents, err := os.ReadDir(dir)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(goroot, dir)
		for _, e := range ents {
			if e.Name() == "src" && rel == "." || e.Name() == "plugin" && rel == "src" {
				continue
			}
			if err := os.Symlink(filepath.Join(dir, e.Name()), filepath.Join(alt, rel, e.Name())); err != nil {
				return err
			}
		}
	}
	if err := copyDir(filepath.Join(goroot, "src", "plugin"), filepath.Join(alt, "src", "plugin")); err != nil {
		return err
	}
	p := filepath.Join(alt, "src", "plugin", "plugin.go")
	b, err := os.ReadFile(p)
	if err != nil {
		return err
	}
	if err := os.WriteFile(p, append([]byte("// A patched copy: this line moves every position.\n"), b...), 0o644); err != nil {
		return err
	}
	mod := filepath.Join(work, "m12goroot")
	if err := copyDir(m12, mod); err != nil {
		return err
	}
	src := "// Command pluginimp is a plugin that links package plugin.\npackage main\n\nimport \"plugin\"\n\n// Open is plugin.Open.\nvar Open = plugin.Open\n\nfunc main() {}\n"
	if err := os.MkdirAll(filepath.Join(mod, "pluginimp"), 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(mod, "pluginimp", "main.go"), []byte(src), 0o644); err != nil {
		return err
	}
	_, err = goBuild(mod, []string{"GOROOT=" + alt}, "-buildmode=plugin", "-o", filepath.Join(work, "plugin-goroot.so"), "./pluginimp")
	return err
}

// checkCause runs host with plugin for real and check on the same files,
// requires them to agree, and returns the reason of package pkg.
func checkCause(t *testing.T, dir, host, plugin, pkg string) plugincheck.Reason {
	t.Helper()
	var real observed
	if dir == work {
		real = runHost(t, host, []string{plugin})[0]
	} else {
		got := callHost(t, filepath.Join(dir, host), filepath.Join(dir, plugin))
		real = observed{plugincheck.OutcomeError, strings.TrimPrefix(got, "error: ")}
		if strings.HasPrefix(got, "hello") {
			real = observed{outcome: plugincheck.OutcomeOK}
		}
	}
	vs, _ := runCheckIn(t, dir, host, plugin)
	if len(vs) != 1 {
		t.Fatalf("check gave %d verdicts", len(vs))
	}
	v := vs[0]
	if real.outcome == plugincheck.OutcomeOK || v.Loadable {
		t.Fatalf("the case tests nothing: real %v, check loadable %v", real, v.Loadable)
	}
	name := "./" + plugin // as runHost opens it
	if dir != work {
		name = filepath.Join(dir, plugin)
	}
	if d := agree(v, real, name); d != "" {
		t.Errorf("check and plugin.Open disagree: %s", d)
	}
	if m := pkgInError.FindStringSubmatch(real.text); m == nil || !strings.Contains(real.text, pkg) && pkg != "" {
		t.Logf("plugin.Open: %s", real.text)
	}
	for _, r := range v.Reasons {
		if r.Code == plugincheck.ReasonPackageHash && r.Package == pkg {
			if r.HostSource == "" || r.PluginSource == "" {
				t.Errorf("%s: no evidence (host_source %q, plugin_source %q)", pkg, r.HostSource, r.PluginSource)
			}
			if r.Remedy == "" {
				t.Errorf("%s: no remedy", pkg)
			}
			return r
		}
	}
	t.Fatalf("no package-hash reason for %s in %+v", pkg, v.Reasons)
	return plugincheck.Reason{}
}

func runCheckIn(t *testing.T, dir, host, plugin string) ([]plugincheck.Verdict, int) {
	if dir == work {
		return runCheck(t, host, []string{plugin})
	}
	out, _, code := runBuildFor(t, dir, nil, "check", "--json", host, plugin)
	return decodeVerdicts(t, out), code
}

func decodeVerdicts(t *testing.T, out string) []plugincheck.Verdict {
	vs, err := parseVerdicts(out)
	if err != nil {
		t.Fatal(err)
	}
	return vs
}

// parseVerdicts reads the output of check --json: one verdict a plugin.
func parseVerdicts(out string) ([]plugincheck.Verdict, error) {
	var vs []plugincheck.Verdict
	dec := json.NewDecoder(strings.NewReader(out))
	for dec.More() {
		var v plugincheck.Verdict
		if err := dec.Decode(&v); err != nil {
			return nil, fmt.Errorf("check --json output: %v\n%s", err, out)
		}
		vs = append(vs, v)
	}
	return vs, nil
}

func TestCauseEvidence(t *testing.T) {
	setupCauses(t)
	tests := []struct {
		name, plugin, pkg string
		cause             []string
		remedy            string
	}{
		{"trimmed on one side", "plugin-trimpath.so", "example.com/dep",
			[]string{"trimmed in the plugin only", "the plugin from example.com/dep@v1.2.0/dep.go", "testdata/dep/v1.2.0/dep.go"}, "without -trimpath"},
		{"vendored", "plugin-vendor.so", "example.com/dep",
			[]string{"vendored in the plugin", "/m12vendor/vendor/example.com/dep/dep.go", "testdata/dep/v1.2.0/dep.go"}, "-mod=mod"},
		{"local directory", "plugin-localcopy.so", "example.com/dep",
			[]string{"a local directory that differs", "testdata/dep/v1.2.0", filepath.Join(work, "depcopy")}, "replace =>"},
		{"different GOROOT paths", "plugin-goroot.so", "plugin",
			[]string{"different GOROOT paths", filepath.Join(work, "goroot"), filepath.Join(work, "goroot", "src", "plugin") + "/"}, "the Go installation at"},
		{"local directory and version", "plugin-dep13.so", "example.com/dep",
			[]string{"a local directory that differs", "testdata/dep/v1.3.0/dep.go", "module example.com/dep: host v1.2.0"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := checkCause(t, work, "host", tt.plugin, tt.pkg)
			said := r.Cause + " | " + r.Evidence
			for _, want := range tt.cause {
				if !strings.Contains(said, want) {
					t.Errorf("cause and evidence %q lack %q", said, want)
				}
			}
			if !strings.Contains(r.Remedy, tt.remedy) {
				t.Errorf("remedy %q lacks %q", r.Remedy, tt.remedy)
			}
		})
	}
}

// TestCauseModuleCache builds the plugin with soinspect build --for, but
// from another module cache: the host, built without -trimpath, compiled
// its modules from the shared one. build says so before building, and check
// names the two caches.
func TestCauseModuleCache(t *testing.T) {
	s := setupBuildFor(t)
	host := buildHost(t, s, hostVariant{name: "plain"})
	cache := filepath.Join(s.dir, "othercache")
	env := []string{"GOMODCACHE=" + cache, "GOFLAGS=-mod=mod -modcacherw"}
	t.Cleanup(func() { os.RemoveAll(cache) })
	out, errOut, code := runBuildFor(t, s.greeter, env, "build", "--for", host, "-o", filepath.Join(s.dir, "othercache.so"))
	if code != 1 {
		t.Fatalf("exit %d, want 1\n%s\n%s", code, out, errOut)
	}
	for _, want := range []string{"module-cache-path", "GOMODCACHE=", cache, "-trimpath"} {
		if !strings.Contains(out, want) {
			t.Errorf("build output lacks %q:\n%s", want, out)
		}
	}
	dep := s.prefix + "/dep"
	r := checkCause(t, s.dir, filepath.Base(host), "othercache.so", dep)
	for _, want := range []string{"different module cache paths", cache} {
		if !strings.Contains(r.Cause, want) {
			t.Errorf("cause %q lacks %q", r.Cause, want)
		}
	}
	if !strings.Contains(r.Remedy, "GOMODCACHE=") {
		t.Errorf("remedy %q", r.Remedy)
	}
}
