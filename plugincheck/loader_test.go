package plugincheck_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/soinspect/soinspect/elfinspect"
	"github.com/soinspect/soinspect/internal/specimen"
	"github.com/soinspect/soinspect/internal/testutil"
	"github.com/soinspect/soinspect/plugincheck"
)

// The loader's verdict is held to the real plugin.Open: a tiny host opens
// cgo plugins whose C library is gone, or lacks the symbol version the
// plugin was linked against.
const loaderHost = `package main

import (
	"fmt"
	"os"
	"plugin"
)

func main() {
	for _, p := range os.Args[1:] {
		if _, err := plugin.Open(p); err != nil {
			fmt.Println("RESULT", err)
		} else {
			fmt.Println("RESULT ok")
		}
	}
}
`

const loaderPlugin = `package main

/*
#cgo LDFLAGS: -L${SRCDIR}/../lib -l%s -Wl,-rpath,${SRCDIR}/../lib
int %s(void);
*/
import "C"

func Call() int { return int(C.%s()) }
`

// usesPlugin calls prov_fn, which it neither defines nor gets from a
// library of its own (no DT_NEEDED names libprov.so): it loads only into a
// process where an earlier RTLD_GLOBAL dlopen brought libprov.so.
const usesPlugin = `package main

/*
#cgo LDFLAGS: -Wl,--unresolved-symbols=ignore-all
int prov_fn(void);
*/
import "C"

func Call() int { return int(C.prov_fn()) + 1 }
`

func run(t testing.TB, dir string, env []string, name string, args ...string) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
}

var (
	loaderOnce sync.Once
	loaderDir  string
	loaderErr  string
)

// buildLoaderFixtures builds, once, in a temporary directory: libgone.so
// and libver.so (version VER_2), a host, and two cgo plugins linked
// against them; then deletes libgone.so and rebuilds libver.so with only
// VER_1.
func buildLoaderFixtures(t testing.TB) string {
	loaderOnce.Do(func() {
		dir, err := os.MkdirTemp("", "plugincheck-loader-")
		if err != nil {
			loaderErr = err.Error()
			return
		}
		loaderDir = dir
		// A failing step ends the caller with Fatal; then the message
		// below stays for every later caller.
		loaderErr = "building the fixtures failed"
		func() {
			for _, d := range []string{"host", "miss", "ver", "prov", "uses", "lib"} {
				os.MkdirAll(filepath.Join(dir, d), 0o755)
			}
			w := func(p, s string) {
				specimen.WriteFile(t, filepath.Join(dir, p), []byte(s), 0o644)
			}
			w("go.mod", "module example.com/loadertest\n\ngo 1.26\n")
			w("host/main.go", loaderHost)
			w("miss/main.go", strings.ReplaceAll(strings.ReplaceAll(loaderPlugin, "-l%s", "-lgone"), "%s", "gone"))
			w("ver/main.go", strings.ReplaceAll(strings.ReplaceAll(loaderPlugin, "-l%s", "-lver"), "%s", "vf"))
			w("prov/main.go", strings.ReplaceAll(strings.ReplaceAll(loaderPlugin, "-l%s", "-lprov"), "%s", "prov_fn"))
			w("uses/main.go", usesPlugin)
			w("lib/prov.c", "int prov_fn(void) { return 7; }\n")
			w("lib/gone.c", "int gone(void) { return 1; }\n")
			w("lib/ver.c", "int vf(void) { return 2; }\n")
			w("lib/v2.map", "VER_2 { global: vf; local: *; };\n")
			w("lib/v1.map", "VER_1 { global: vf; local: *; };\n")
			cc := "gcc"
			run(t, dir, nil, cc, "-shared", "-fPIC", "-o", "lib/libgone.so", "-Wl,-soname,libgone.so", "lib/gone.c")
			run(t, dir, nil, cc, "-shared", "-fPIC", "-o", "lib/libprov.so", "-Wl,-soname,libprov.so", "lib/prov.c")
			run(t, dir, nil, cc, "-shared", "-fPIC", "-o", "lib/libver.so", "-Wl,-soname,libver.so", "-Wl,--version-script=lib/v2.map", "lib/ver.c")
			env := []string{"CGO_ENABLED=1", "GOFLAGS=-buildvcs=false"}
			run(t, dir, env, "go", "build", "-o", "host/host", "./host")
			run(t, dir, env, "go", "build", "-buildmode=plugin", "-o", "miss/p.so", "./miss")
			run(t, dir, env, "go", "build", "-buildmode=plugin", "-o", "ver/p.so", "./ver")
			run(t, dir, env, "go", "build", "-buildmode=plugin", "-o", "prov/p.so", "./prov")
			run(t, dir, env, "go", "build", "-buildmode=plugin", "-o", "uses/p.so", "./uses")
			os.Remove(filepath.Join(dir, "lib/libgone.so"))
			run(t, dir, nil, cc, "-shared", "-fPIC", "-o", "lib/libver.so", "-Wl,-soname,libver.so", "-Wl,--version-script=lib/v1.map", "lib/ver.c")
			loaderErr = ""
		}()
	})
	if loaderErr != "" {
		t.Fatal(loaderErr)
	}
	return loaderDir
}

func TestMain(m *testing.M) {
	code := m.Run()
	if loaderDir != "" && code == 0 {
		os.RemoveAll(loaderDir)
	}
	os.Exit(code)
}

// needLoaderFixtures skips tb unless the loader fixtures can be built here.
func needLoaderFixtures(tb testing.TB) {
	tb.Helper()
	if runtime.GOOS != "linux" || runtime.GOARCH != "amd64" {
		tb.Skip("the loader modelled is x86-64 glibc's")
	}
	if testing.Short() {
		tb.Skip("builds a host and two cgo plugins")
	}
	for _, tool := range []string{"gcc", "go"} {
		specimen.NeedTool(tb, tool)
	}
}

// openInHost runs the fixtures' host in dir on plugins, which one process
// opens in turn, and returns what plugin.Open said of each ("ok" or its
// error), with the host's output.
func openInHost(dir string, plugins []string) (real []string, out []byte) {
	cmd := exec.Command("./host/host", plugins...)
	cmd.Dir = dir
	out, _ = cmd.Output()
	for _, line := range strings.Split(string(out), "\n") {
		if r, ok := strings.CutPrefix(line, "RESULT "); ok {
			real = append(real, r)
		}
	}
	return real, out
}

func TestLoaderVerdictMatchesPluginOpen(t *testing.T) {
	needLoaderFixtures(t)
	dir := buildLoaderFixtures(t)
	plugins := []string{"miss/p.so", "ver/p.so"}
	real, out := openInHost(dir, plugins)
	if len(real) != len(plugins) {
		t.Fatalf("host printed %q", out)
	}
	host := testutil.OpenELF(t, filepath.Join(dir, "host/host"))
	wantCode := []plugincheck.ReasonCode{plugincheck.ReasonMissingLibrary, plugincheck.ReasonMissingVersion}
	wd, _ := os.Getwd()
	if err := os.Chdir(dir); err != nil {
		t.Fatal(err)
	}
	defer os.Chdir(wd)
	ch := plugincheck.NewChecker(host)
	for i, p := range plugins {
		f := testutil.OpenELF(t, p)
		v := ch.Check(f, nil)
		if got := v.OpenError(p); got != real[i] {
			t.Errorf("%s: check predicts\n  %s\nplugin.Open says\n  %s", p, got, real[i])
		}
		if len(v.Reasons) == 0 || v.Reasons[0].Code != wantCode[i] {
			t.Errorf("%s: first reason %+v, want %s", p, v.Reasons, wantCode[i])
		}
		if v.Loadable {
			t.Errorf("%s: predicted loadable", p)
		}
	}
	if !strings.Contains(real[0], "libgone.so: cannot open shared object file") || !strings.Contains(real[1], "version `VER_2' not found") {
		t.Errorf("the fixtures do not fail as designed: %q", real)
	}
}

// In a set, a plugin's references may bind to the libraries an earlier
// plugin brought: plugin.Open dlopens with RTLD_GLOBAL. A failed dlopen
// leaves nothing behind and is not cached, so the same plugin opened
// again after its provider loads.
func TestCheckTogetherBindsToEarlierPluginsLibraries(t *testing.T) {
	needLoaderFixtures(t)
	dir := buildLoaderFixtures(t)
	plugins := []string{"uses/p.so", "prov/p.so", "uses/p.so"}
	real, out := openInHost(dir, plugins)
	if len(real) != len(plugins) || real[0] == "ok" || real[1] != "ok" || real[2] != "ok" {
		t.Fatalf("the fixtures do not load as designed: host printed %q", out)
	}
	wd, _ := os.Getwd()
	if err := os.Chdir(dir); err != nil {
		t.Fatal(err)
	}
	defer os.Chdir(wd)
	host := testutil.OpenELF(t, "host/host")
	var files []*elfinspect.File
	for _, p := range plugins {
		files = append(files, testutil.OpenELF(t, p))
	}
	set := plugincheck.NewChecker(host).CheckTogether(files, nil)
	for i, v := range set.Verdicts {
		got := v.OpenError(plugins[i])
		if got == "" {
			got = "ok"
		}
		if got != real[i] {
			t.Errorf("open %d, %s: check --together predicts\n  %s\nplugin.Open says\n  %s", i+1, plugins[i], got, real[i])
		}
	}
	if v := plugincheck.NewChecker(host).Check(files[0], nil); v.Loadable {
		t.Errorf("%s alone: predicted loadable; its prov_fn binds nowhere", plugins[0])
	}
}

// openLoaderFixtures builds the loader fixtures and opens their host and
// the plugins it cannot load: one misses a library, one a symbol version.
func openLoaderFixtures(tb testing.TB) (host *elfinspect.File, plugins []*elfinspect.File) {
	tb.Helper()
	needLoaderFixtures(tb)
	dir := buildLoaderFixtures(tb)
	host = testutil.OpenELF(tb, filepath.Join(dir, "host/host"))
	for _, p := range []string{"miss/p.so", "ver/p.so"} {
		plugins = append(plugins, testutil.OpenELF(tb, filepath.Join(dir, p)))
	}
	return host, plugins
}

// One Checker loads its host's load set once, however many plugins it
// checks and from however many goroutines, and each verdict is the one a
// Checker made for that plugin alone gives.
func TestCheckerLoadsHostOnce(t *testing.T) {
	host, plugins := openLoaderFixtures(t)
	want := make([]string, len(plugins))
	for i, p := range plugins {
		one := plugincheck.NewChecker(host)
		v := one.Check(p, nil)
		want[i] = v.OpenError(p.Path)
		if n := plugincheck.HostLoads(one); n != 1 {
			t.Errorf("a Checker that checked one plugin loaded its host %d times", n)
		}
	}
	ch := plugincheck.NewChecker(host)
	if n := plugincheck.HostLoads(ch); n != 0 {
		t.Errorf("a new Checker loaded its host %d times, want 0 (on first need)", n)
	}
	const rounds = 8
	got := make([]string, rounds*len(plugins))
	var wg sync.WaitGroup
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p := plugins[i%len(plugins)]
			v := ch.Check(p, nil)
			got[i] = v.OpenError(p.Path)
		}()
	}
	wg.Wait()
	seq := ch.CheckTogether(plugins, nil).Verdicts
	for i := range seq {
		got = append(got, seq[i].OpenError(seq[i].Plugin))
	}
	for i, g := range got {
		if w := want[i%len(plugins)]; g != w {
			t.Errorf("%s: the shared Checker predicts\n  %s\na Checker of its own\n  %s", plugins[i%len(plugins)].Path, g, w)
		}
	}
	if n := plugincheck.HostLoads(ch); n != 1 {
		t.Errorf("checking %d plugins loaded the host %d times, want 1", len(got), n)
	}
}

// BenchmarkCheckerLoader checks the loader fixtures' plugins: with one
// Checker for all (the host loaded once) and with a Checker per plugin
// (the host read and loaded for each one: an upper bound of what the
// shared load set saves, since a new Checker also rereads the host's facts).
func BenchmarkCheckerLoader(b *testing.B) {
	host, plugins := openLoaderFixtures(b)
	const perRun = 32
	b.Run("shared", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			ch := plugincheck.NewChecker(host)
			for i := range perRun {
				ch.Check(plugins[i%len(plugins)], nil)
			}
		}
	})
	b.Run("per-plugin", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			for i := range perRun {
				plugincheck.NewChecker(host).Check(plugins[i%len(plugins)], nil)
			}
		}
	})
}
