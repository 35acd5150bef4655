package goplugin_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/soinspect/soinspect/elfinspect"
	"github.com/soinspect/soinspect/goplugin"
	"github.com/soinspect/soinspect/internal/specimen"
	"github.com/soinspect/soinspect/internal/testutil"
)

// oracleExport and oracleReport mirror what testdata/pluginoracle writes.
type oracleExport struct {
	Name    string            `json:"name"`
	Kind    string            `json:"kind"`
	Type    string            `json:"type"`
	Methods []goplugin.Method `json:"methods,omitempty"`
	Symbol  string            `json:"symbol"`
	Addr    uint64            `json:"addr"`
	Dlsym   bool              `json:"dlsym"`
}

type oracleTask struct {
	Symbol   string   `json:"symbol"`
	Addr     uint64   `json:"addr"`
	InPlugin bool     `json:"in_plugin"`
	State    uint32   `json:"state"`
	Funcs    []string `json:"funcs"`
}

type oracleHash struct {
	Package  string `json:"package"`
	InPlugin bool   `json:"in_plugin"`
	Hash     string `json:"hash"`
}

type oracleReport struct {
	PluginPath string         `json:"pluginpath"`
	Base       uint64         `json:"base"`
	Exports    []oracleExport `json:"exports"`
	InitTasks  []oracleTask   `json:"init_tasks"`
	PkgHashes  []oracleHash   `json:"pkghashes"`
	// Output is what the host printed: the plugin's init functions'.
	Output string `json:"-"`
}

// oracleCases pair each plugin specimen with a host built with the same
// toolchain and flags (a -trimpath plugin only loads into a -trimpath host:
// the package hashes differ).
var oracleCases = []struct {
	name, plugin, host string
	go127              bool
	arm64              bool // cross-built, run under qemu-aarch64
}{
	{"plugin1", "plugin1.so", "oracle", false, false},
	{"plugin2", "plugin2.so", "oracle", false, false},
	{"kitchensink", "kitchensink.so", "oracle", false, false},
	{"stripped", "kitchensink-stripped.so", "oracle", false, false},
	{"trimpath", "kitchensink-trimpath.so", "oracle-trimpath", false, false},
	{"fromfile", "fromfile.so", "oracle", false, false},
	{"dotted", "dotted.v2.so", "oracle", false, false},
	{specimen.Go127, "kitchensink-go127.so", "oracle-go127", true, false},
	{"plugin1 arm64", "plugin1-arm64.so", "oracle-arm64", false, true},
	{"kitchensink arm64", "kitchensink-arm64.so", "oracle-arm64", false, true},
}

func readPlugin(t *testing.T, path string) *goplugin.Plugin {
	t.Helper()
	f := testutil.OpenELF(t, path)
	pi, err := goplugin.Read(f)
	if err != nil {
		t.Fatal(err)
	}
	return pi
}

func runOracle(t *testing.T, host, plugin string, arm64 bool) *oracleReport {
	t.Helper()
	out := filepath.Join(t.TempDir(), "oracle.json")
	cmd := exec.Command(host, plugin, out)
	if arm64 {
		cmd = specimen.Arm64Command(host, plugin, out)
	}
	printed, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(cmd.Args, " "), err, printed)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	r := oracleReport{Output: string(printed)}
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	return &r
}

// TestPluginOracle checks the static anatomy of every specimen against what
// plugin.Open and Lookup show in a host process: the same pluginpath, the
// same names, kinds, reflect type strings and method sets, and addresses
// equal to dlsym("<pluginpath>.<Name>") less the load base.
func TestPluginOracle(t *testing.T) {
	// Start every build at once; each subtest then waits for its own.
	var names []string
	for _, c := range oracleCases {
		if c.go127 {
			if ok, _ := specimen.HaveGo127(); !ok || testing.Short() {
				continue
			}
		}
		if c.arm64 && (specimen.Arm64BuildMissing() != "" || specimen.Arm64RunMissing() != "") {
			continue
		}
		names = append(names, c.plugin, c.host)
	}
	specimen.Path(t, names...)

	for _, c := range oracleCases {
		t.Run(c.name, func(t *testing.T) {
			if c.go127 {
				if testing.Short() {
					t.Skip("-short: skipping the go1.27.3 builds")
				}
				if ok, why := specimen.HaveGo127(); !ok {
					t.Skip(why)
				}
			}
			if c.arm64 {
				specimen.NeedArm64Run(t)
			}
			plugin, host := specimen.Path(t, c.plugin), specimen.Path(t, c.host)
			want := runOracle(t, host, plugin, c.arm64)
			pi := readPlugin(t, plugin)
			if len(pi.Notes) > 0 {
				t.Errorf("notes: %q", pi.Notes)
			}
			if pi.PluginPath != want.PluginPath {
				t.Errorf("pluginpath = %q, oracle %q", pi.PluginPath, want.PluginPath)
			}
			var got []oracleExport
			for _, e := range pi.Exports {
				got = append(got, oracleExport{Name: e.Name, Kind: e.Kind, Type: e.Type, Methods: e.Methods, Symbol: e.Symbol, Addr: e.Addr, Dlsym: true})
			}
			for _, e := range want.Exports {
				if !e.Dlsym {
					t.Errorf("oracle: dlsym(%q) is not the address Lookup(%q) gave", e.Symbol, e.Name)
				}
			}
			if !reflect.DeepEqual(got, want.Exports) {
				g, _ := json.MarshalIndent(got, "", "  ")
				w, _ := json.MarshalIndent(want.Exports, "", "  ")
				t.Errorf("static exports differ from plugin.Open's:\nstatic: %s\noracle: %s", g, w)
			}
			if len(want.Exports) == 0 {
				t.Errorf("oracle saw no exports")
			}
			tasks, ran, hashes := checkRuntimeTables(t, pi, want, host)
			if strings.HasPrefix(c.plugin, "plugin1") && strings.Count(want.Output, "plugin1: init.0 ran\n") != 1 {
				// The side effect of the init task plugin.Open ran.
				t.Errorf("the host printed %q, want plugin1's init.0 line once", want.Output)
			}
			t.Logf("%s: pluginpath %s, %d exports, %d init tasks (%d run by plugin.Open), %d package hashes agree",
				filepath.Base(plugin), pi.PluginPath, len(got), tasks, ran, hashes)
		})
	}
}

// The pluginpath of the kitchensink specimen, and its package whose path
// has a dot in its last element (the runtime escapes it as %2e).
const (
	kitchensinkPath = "github.com/soinspect/soinspect/plugins/kitchensink"
	kitchensinkDot  = kitchensinkPath + "/internal/v1.2"
)

// checkKitchensinkInitTasks checks the init tasks of a kitchensink build,
// which do not depend on the machine, and returns them by package.
func checkKitchensinkInitTasks(t *testing.T, pi *goplugin.Plugin) map[string]goplugin.InitTask {
	t.Helper()
	const pp, dot = kitchensinkPath, kitchensinkDot
	tasks := map[string]goplugin.InitTask{}
	for _, it := range pi.InitTasks {
		tasks[it.Package] = it
	}
	var mainFuncs []string
	for _, fn := range tasks[pp].Funcs {
		mainFuncs = append(mainFuncs, fn.Name)
	}
	// The package-level var initialisation runs as pp.init, then init.0-2.
	if want := []string{pp + ".init", pp + ".init.0", pp + ".init.1", pp + ".init.2"}; !slices.Equal(mainFuncs, want) {
		t.Errorf("main package init funcs = %q, want %q", mainFuncs, want)
	}
	if len(pi.InitTasks) == 0 {
		t.Errorf("no init tasks")
	} else if last := pi.InitTasks[len(pi.InitTasks)-1]; last.Package != pp {
		t.Errorf("last init task is %s, want the plugin's own package", last.Package)
	}
	if it, ok := tasks[dot]; !ok || it.Symbol != pp+"/internal/v1%2e2..inittask" || len(it.Funcs) != 1 || it.Funcs[0].Name != pp+"/internal/v1%2e2.init.0" {
		t.Errorf("init task of %s = %+v", dot, it)
	}
	return tasks
}

// TestPluginKitchensink checks what the oracle cannot see: init tasks,
// package hashes, build info and ABI facts.
func TestPluginKitchensink(t *testing.T) {
	path := specimen.Path(t, "kitchensink.so", "kitchensink-stripped.so", "kitchensink-trimpath.so")
	pi := readPlugin(t, path)
	const pp, dot = kitchensinkPath, kitchensinkDot

	if pi.Layout != "go1.26" || pi.PluginPathSource != "moduledata" || pi.ImportPath != pp {
		t.Errorf("layout %q, source %q, import path %q", pi.Layout, pi.PluginPathSource, pi.ImportPath)
	}
	tasks := checkKitchensinkInitTasks(t, pi)
	if _, ok := tasks[pp+"/internal/shapes"]; !ok {
		t.Errorf("no init task for internal/shapes")
	}
	hashes := map[string]string{}
	for _, h := range pi.PackageHashes {
		if len(h.Hash) != 16 {
			t.Errorf("hash of %s = %q, want 16 hex digits", h.Package, h.Hash)
		}
		if h.RuntimeSymbol != "go:link.pkghash."+h.Package {
			t.Errorf("runtime symbol of %s = %q", h.Package, h.RuntimeSymbol)
		}
		hashes[h.Package] = h.Hash
	}
	for _, p := range []string{"runtime", "fmt", pp, dot, pp + "/internal/shapes"} {
		if hashes[p] == "" {
			t.Errorf("no package hash for %s", p)
		}
	}
	if v, _ := pi.Build.Setting("-buildmode"); v != "plugin" || pi.Build.Path != pp || !strings.HasPrefix(pi.GoVersion, "go1.26") {
		t.Errorf("build info: -buildmode=%s path %s go %s", v, pi.Build.Path, pi.GoVersion)
	}
	if v, _ := pi.Build.Setting("CGO_ENABLED"); v != "1" {
		t.Errorf("CGO_ENABLED = %q", v)
	}
	registered := 0
	for _, e := range pi.ABI.InitArray {
		if e.RegistersModule {
			registered++
			if e.Symbol != "go:link.addmoduledata" {
				t.Errorf("module registered by %+v", e)
			}
		}
	}
	if registered != 1 || pi.ABI.ABI0Wrappers == 0 || !slices.Contains(pi.ABI.Needed, "libc.so.6") {
		t.Errorf("ABI facts: %+v", pi.ABI)
	}

	// Stripped: the same anatomy (names come from .dynsym), save addresses.
	st := readPlugin(t, specimen.Path(t, "kitchensink-stripped.so"))
	if diff := sameAnatomy(pi, st); diff != "" {
		t.Errorf("stripped build differs: %s", diff)
	}
	if len(st.ABI.InitArray) != len(pi.ABI.InitArray) || !st.ABI.InitArray[1].RegistersModule {
		t.Errorf("stripped init_array: %+v", st.ABI.InitArray)
	}
	// -trimpath: the same anatomy, other package hashes, the setting recorded.
	tp := readPlugin(t, specimen.Path(t, "kitchensink-trimpath.so"))
	if diff := sameAnatomy(pi, tp); diff != "" {
		t.Errorf("trimpath build differs: %s", diff)
	}
	if v, _ := tp.Build.Setting("-trimpath"); v != "true" {
		t.Errorf("-trimpath setting = %q", v)
	}
	if tp.PackageHashes[0] == pi.PackageHashes[0] {
		t.Errorf("-trimpath did not change the package hash of %s", pi.PackageHashes[0].Package)
	}
}

// sameAnatomy compares two builds of the same code, ignoring addresses and
// hashes.
func sameAnatomy(a, b *goplugin.Plugin) string {
	type export struct{ Name, Kind, Type string }
	ex := func(pi *goplugin.Plugin) (es []export) {
		for _, e := range pi.Exports {
			es = append(es, export{e.Name, e.Kind, e.Type})
		}
		return es
	}
	tasks := func(pi *goplugin.Plugin) (ts []string) {
		for _, it := range pi.InitTasks {
			var fs []string
			for _, fn := range it.Funcs {
				fs = append(fs, fn.Name)
			}
			ts = append(ts, it.Package+":"+strings.Join(fs, ","))
		}
		return ts
	}
	pkgs := func(pi *goplugin.Plugin) (ps []string) {
		for _, h := range pi.PackageHashes {
			ps = append(ps, h.Package)
		}
		return ps
	}
	switch {
	case a.PluginPath != b.PluginPath:
		return fmt.Sprintf("pluginpath %q vs %q", a.PluginPath, b.PluginPath)
	case !reflect.DeepEqual(ex(a), ex(b)):
		return fmt.Sprintf("exports %v vs %v", ex(a), ex(b))
	case !slices.Equal(tasks(a), tasks(b)):
		return fmt.Sprintf("init tasks %q vs %q", tasks(a), tasks(b))
	case !slices.Equal(pkgs(a), pkgs(b)):
		return fmt.Sprintf("packages %q vs %q", pkgs(a), pkgs(b))
	case len(b.Notes) > 0:
		return fmt.Sprintf("notes %q", b.Notes)
	}
	return ""
}

// TestPluginFromFile checks the pluginpath of a plugin built from a file.
func TestPluginFromFile(t *testing.T) {
	pi := readPlugin(t, specimen.Path(t, "fromfile.so"))
	if !strings.HasPrefix(pi.PluginPath, "plugin/unnamed-") || pi.Build.Path != "command-line-arguments" || len(pi.Notes) > 0 {
		t.Errorf("pluginpath %q, build path %q, notes %q", pi.PluginPath, pi.Build.Path, pi.Notes)
	}
}

// TestPluginDotted checks a pluginpath whose last element has a dot.
func TestPluginDotted(t *testing.T) {
	pi := readPlugin(t, specimen.Path(t, "dotted.v2.so"))
	if pi.PluginPath != "github.com/soinspect/soinspect/plugins/dotted%2ev2" || pi.ImportPath != "github.com/soinspect/soinspect/plugins/dotted.v2" {
		t.Errorf("pluginpath %q, import path %q", pi.PluginPath, pi.ImportPath)
	}
}

// TestPluginDegraded reads a plugin as if its Go release were unknown: the
// exports come from .dynsym, without types, and a note says why.
func TestPluginDegraded(t *testing.T) {
	for _, name := range []string{"kitchensink.so", "kitchensink-stripped.so", "fromfile.so", "dotted.v2.so"} {
		t.Run(name, func(t *testing.T) {
			path := specimen.Path(t, name)
			full := readPlugin(t, path)
			restore := goplugin.ForgetLayoutForTest("go1.26")
			deg := readPlugin(t, path)
			restore()
			if deg.Layout != "" || len(deg.Notes) == 0 || !strings.Contains(deg.Notes[0], "not known") {
				t.Errorf("layout %q, notes %q", deg.Layout, deg.Notes)
			}
			if deg.PluginPath != full.PluginPath {
				t.Errorf("pluginpath %q (from %s), want %q", deg.PluginPath, deg.PluginPathSource, full.PluginPath)
			}
			type export struct {
				Name, Kind string
				Addr       uint64
			}
			var want, got []export
			for _, e := range full.Exports {
				want = append(want, export{e.Name, e.Kind, e.Addr})
			}
			for _, e := range deg.Exports {
				got = append(got, export{e.Name, e.Kind, e.Addr})
				if e.Type != "" {
					t.Errorf("degraded export %s has a type", e.Name)
				}
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("degraded exports:\n%v\nwant\n%v", got, want)
			}
		})
	}
}

// TestDescribe checks the account of files that are not Go plugins, and the
// host side of the package hash check.
func TestDescribe(t *testing.T) {
	cs := specimen.Path(t, "kitchensink-cshared.so", "oracle", "oracle-trimpath", "kitchensink.so", "kitchensink-stripped.so")
	f := testutil.OpenELF(t, cs)
	if _, err := goplugin.Read(f); !errors.Is(err, goplugin.ErrNotPlugin) || !strings.Contains(err.Error(), "c-shared") {
		t.Errorf("Plugin() of a c-shared library: %v", err)
	}
	d, err := goplugin.Describe(f)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range d.CExports {
		names = append(names, e.Name)
		if !strings.HasPrefix(e.Wrapper, "_cgoexp_") || e.Addr == 0 {
			t.Errorf("C export %+v", e)
		}
	}
	if !slices.Equal(names, []string{"KSAdd", "KSVersion"}) || d.Kind != elfinspect.KindGoCShared || d.Plugin != nil {
		t.Errorf("c-shared: kind %s, C exports %q", d.Kind, names)
	}

	// A plugin is described with its anatomy, and lists its C exports too.
	pf := testutil.OpenELF(t, specimen.Path(t, "kitchensink.so"))
	pd, err := goplugin.Describe(pf)
	if err != nil {
		t.Fatal(err)
	}
	if pd.Plugin == nil || len(pd.CExports) != 2 || pd.Kind != elfinspect.KindGoPlugin {
		t.Errorf("plugin description: kind %s, plugin %v, C exports %v", pd.Kind, pd.Plugin != nil, pd.CExports)
	}

	// A C library: its soname and dynamic symbols, no Go.
	if out, err := exec.Command("gcc", "-print-file-name=libc.so.6").Output(); err == nil {
		libc := strings.TrimSpace(string(out))
		if lf, err := elfinspect.Open(libc); err == nil {
			ld, err := goplugin.Describe(lf)
			lf.Close()
			if err != nil || ld.Build != nil || ld.Plugin != nil || ld.ABI.Soname != "libc.so.6" || ld.DynSyms.Defined < 1000 {
				t.Errorf("%s: %v, %+v", libc, err, ld)
			}
		}
	}

	// A stripped plugin is still described as a plugin.
	sf := testutil.OpenELF(t, specimen.Path(t, "kitchensink-stripped.so"))
	sd, err := goplugin.Describe(sf)
	if err != nil || sd.Kind != elfinspect.KindGoPlugin || sd.Plugin == nil {
		t.Errorf("stripped plugin: %v, kind %s", err, sd.Kind)
	}

	// The host exports the hashes plugin.Open compares against: for every
	// package both link, they must agree with the plugin's link-time hashes
	// for a host built like the plugin, and differ for a -trimpath host.
	plugHashes := map[string]string{}
	for _, h := range pd.Plugin.PackageHashes {
		plugHashes[h.Package] = h.Hash
	}
	for _, c := range []struct {
		host  string
		agree bool
	}{{"oracle", true}, {"oracle-trimpath", false}} {
		hf := testutil.OpenELF(t, specimen.Path(t, c.host))
		hd, err := goplugin.Describe(hf)
		if err != nil || hd.Kind != elfinspect.KindGoExecutable || hd.Build == nil {
			t.Errorf("%s: %v, %+v", c.host, err, hd)
		}
		hs, err := goplugin.PackageHashes(hf)
		if err != nil {
			t.Fatal(err)
		}
		shared, agree := 0, 0
		for _, h := range hs {
			if ph, ok := plugHashes[h.Package]; ok {
				shared++
				if ph == h.Hash {
					agree++
				}
			}
		}
		if shared < 20 || (c.agree && agree != shared) || (!c.agree && agree == shared) {
			t.Errorf("%s: %d shared packages, %d hashes agree", c.host, shared, agree)
		}
	}
}

func TestInitIndex(t *testing.T) {
	for _, tc := range []struct {
		sym  string
		want int
	}{
		{"example.com/p.init", -1},
		{"example.com/p.init.0", 0},
		{"example.com/p.init.10", 10},
		{"example.com/init.p.init.2", 2},
		{"main.run", -1},
	} {
		if got := goplugin.InitIndex(tc.sym); got != tc.want {
			t.Errorf("InitIndex(%q) = %d, want %d", tc.sym, got, tc.want)
		}
	}
	names := []string{"p.init.10", "p.init.2", "p.init", "p.init.0"}
	slices.SortFunc(names, func(a, b string) int { return goplugin.InitIndex(a) - goplugin.InitIndex(b) })
	if want := []string{"p.init", "p.init.0", "p.init.2", "p.init.10"}; !slices.Equal(names, want) {
		t.Errorf("sorted: %q, want %q", names, want)
	}
}
