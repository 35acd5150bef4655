package compattest

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/soinspect/soinspect/elfinspect"
	"github.com/soinspect/soinspect/internal/specimen"
	"github.com/soinspect/soinspect/pluginbuild"
)

// The `soinspect build --for` matrix: a host application module (app) and a
// third-party plugin module (greeter), whose dependencies come from a file
// GOPROXY built here. The plugin requires dep v1.3.0 through greetlib; the
// host links dep v1.2.0. For every host variant, the plugin soinspect
// builds must load in the real host and answer a call, and the plugin a
// plain `go build -buildmode=plugin` makes must be refused by it.

// hostVariant is one way of building the host.
type hostVariant struct {
	name string
	args []string // go build flags
	env  []string
	full bool // only with SOINSPECT_TEST_FULL=1: an expensive build
	// fetch names a toolchain the variant needs; the variant is skipped
	// with the reason when the go command cannot fetch it.
	fetch string
}

var hostVariants = []hostVariant{
	{name: "plain"},
	{name: "trimpath", args: []string{"-trimpath"}},
	{name: "race", args: []string{"-race"}},
	{name: "tags", args: []string{"-tags=soinspecttag"}, full: true},
	{name: "gcflags-N-l", args: []string{"-gcflags=all=-N -l"}, full: true},
	{name: "go1.27.3", env: []string{"GOTOOLCHAIN=go1.27.3"}, full: true, fetch: "go1.27.3"},
	{name: "go1.27.3-trimpath", args: []string{"-trimpath"}, env: []string{"GOTOOLCHAIN=go1.27.3"}, full: true, fetch: "go1.27.3"},
	{name: "GOAMD64=v3", env: []string{"GOAMD64=v3"}, full: true},
	{name: "race-trimpath", args: []string{"-race", "-trimpath"}, full: true},
	{name: "cover", args: []string{"-cover"}, full: true},
}

// buildForEnv is the environment of every go command of the matrix: the
// fake modules come from the file proxy, unchecked by the checksum database
// (GONOSUMDB); a toolchain the go command fetches is still verified.
var buildForEnv []string

type buildForSetup struct {
	dir     string // work/buildfor
	prefix  string // module path prefix of the fake modules
	app     string // the host module's directory
	greeter string // the plugin module's directory
	naive   string // greeter built with a plain go build -buildmode=plugin
	modSums map[string]string
}

var (
	bfOnce sync.Once
	bfSet  *buildForSetup
	bfErr  error
)

// setupBuildFor builds the build --for fixtures once; it skips the test
// with -short.
func setupBuildFor(t *testing.T) *buildForSetup {
	t.Helper()
	if testing.Short() {
		t.Skip("builds hosts and plugins")
	}
	bfOnce.Do(func() { bfSet, bfErr = doSetupBuildFor(t) })
	if bfErr != nil {
		t.Fatal(bfErr)
	}
	return bfSet
}

func doSetupBuildFor(t *testing.T) (*buildForSetup, error) {
	start := time.Now()
	src, err := filepath.Abs("testdata/buildfor")
	if err != nil {
		return nil, err
	}
	files, sum, err := readTree(src)
	if err != nil {
		return nil, err
	}
	s := &buildForSetup{dir: filepath.Join(work, "buildfor"), prefix: "soinspect.test/h" + sum[:10]}
	s.app, s.greeter = filepath.Join(s.dir, "app"), filepath.Join(s.dir, "greeter")
	proxy := filepath.Join(s.dir, "proxy")
	buildForEnv = []string{
		// The toolchain of the go1.27.3 variants may still need the real proxy.
		"GOPROXY=file://" + filepath.ToSlash(proxy) + ",https://proxy.golang.org",
		"GOFLAGS=-mod=mod", "GONOSUMDB=soinspect.test", "GONOSUMCHECK=1",
		"GOWORK=off", "GOTOOLCHAIN=local",
	}
	subst := func(b []byte) []byte { return bytes.ReplaceAll(b, []byte("MODPREFIX"), []byte(s.prefix)) }
	mods := []struct{ mod, version, dir string }{
		{"dep", "v1.2.0", "dep/v1.2.0"}, {"dep", "v1.3.0", "dep/v1.3.0"}, {"greetlib", "v1.0.0", "greetlib"},
	}
	for _, m := range mods {
		if err := writeProxyModule(proxy, s.prefix+"/"+m.mod, m.version, files, m.dir, subst); err != nil {
			return nil, err
		}
	}
	for _, d := range []string{"app", "greeter"} {
		for name, b := range files {
			if rel, ok := strings.CutPrefix(name, d+"/"); ok {
				dst := filepath.Join(s.dir, d, rel)
				if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
					return nil, err
				}
				if err := os.WriteFile(dst, subst(b), 0o644); err != nil {
					return nil, err
				}
			}
		}
		// go.sum, from the file proxy, as the module's author would commit it.
		if out, err := goCmd(filepath.Join(s.dir, d), nil, "mod", "tidy"); err != nil {
			return nil, fmt.Errorf("%v\n%s", err, out)
		}
	}
	if err := buildSoinspect(); err != nil {
		return nil, err
	}
	s.naive = filepath.Join(s.dir, "naive.so")
	if out, err := goCmd(s.greeter, nil, "build", "-buildmode=plugin", "-o", s.naive, "."); err != nil {
		return nil, fmt.Errorf("%v\n%s", err, out)
	}
	s.modSums = map[string]string{}
	for _, f := range []string{"go.mod", "go.sum"} {
		s.modSums[f] = fileSum(t, filepath.Join(s.greeter, f))
	}
	t.Logf("buildfor: modules %s, proxy and naive plugin in %v", s.prefix, time.Since(start).Round(time.Second))
	return s, nil
}

// readTree reads every file under dir, keyed by slash path, with a hash of
// the lot.
func readTree(dir string) (map[string][]byte, string, error) {
	files := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		files[filepath.ToSlash(rel)] = b
		return err
	})
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	h := sha256.New()
	for _, n := range names {
		fmt.Fprintf(h, "%s\x00%d\x00", n, len(files[n]))
		h.Write(files[n])
	}
	return files, hex.EncodeToString(h.Sum(nil)), err
}

// writeProxyModule lays out module mod@version in a GOPROXY directory:
// @v/list, .info, .mod and .zip, from the files under dir.
func writeProxyModule(proxy, mod, version string, files map[string][]byte, dir string, subst func([]byte) []byte) error {
	vdir := filepath.Join(proxy, filepath.FromSlash(mod), "@v")
	if err := os.MkdirAll(vdir, 0o755); err != nil {
		return err
	}
	var zbuf bytes.Buffer
	zw := zip.NewWriter(&zbuf)
	var names []string
	for n := range files {
		if strings.HasPrefix(n, dir+"/") && !strings.Contains(strings.TrimPrefix(n, dir+"/"), "/") {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	for _, n := range names {
		w, err := zw.Create(mod + "@" + version + "/" + strings.TrimPrefix(n, dir+"/"))
		if err != nil {
			return err
		}
		w.Write(subst(files[n]))
	}
	if err := zw.Close(); err != nil {
		return err
	}
	list, _ := os.ReadFile(filepath.Join(vdir, "list"))
	for name, b := range map[string][]byte{
		version + ".info": fmt.Appendf(nil, `{"Version":%q,"Time":"2026-01-01T00:00:00Z"}`, version),
		version + ".mod":  subst(files[dir+"/go.mod"]),
		version + ".zip":  zbuf.Bytes(),
		"list":            append(list, version+"\n"...),
	} {
		if err := os.WriteFile(filepath.Join(vdir, name), b, 0o644); err != nil {
			return err
		}
	}
	return nil
}

func goCmd(dir string, env []string, args ...string) ([]byte, error) {
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	cmd.Env = append(append(os.Environ(), buildForEnv...), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return out, fmt.Errorf("%s: go %s: %v", dir, strings.Join(args, " "), err)
	}
	return out, nil
}

func fileSum(t testing.TB, p string) string {
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

var hosts sync.Map // variant name -> *hostBuild

type hostBuild struct {
	once sync.Once
	path string
	err  error
}

// buildHost builds the host app as variant v, once for every test.
func buildHost(t *testing.T, s *buildForSetup, v hostVariant) string {
	t.Helper()
	hb, _ := hosts.LoadOrStore(v.name, &hostBuild{})
	h := hb.(*hostBuild)
	h.once.Do(func() {
		h.path = filepath.Join(s.dir, "app-"+v.name)
		args := append(append([]string{"build"}, v.args...), "-o", h.path, ".")
		if out, err := goCmd(s.app, v.env, args...); err != nil {
			h.err = fmt.Errorf("%v\n%s", err, out)
		}
	})
	if h.err != nil {
		t.Fatal(h.err)
	}
	return h.path
}

// runBuildFor runs soinspect in dir with the matrix's environment.
func runBuildFor(t *testing.T, dir string, env []string, args ...string) (string, string, int) {
	t.Helper()
	out, errs, code, err := specimen.Run(dir, append(append(os.Environ(), buildForEnv...), env...), soBin, args...)
	if err != nil {
		t.Fatalf("soinspect %v: %v", args, err)
	}
	return out, errs, code
}

// callHost runs host on plugin and returns its RESULT line.
func callHost(t *testing.T, host, plugin string) string {
	t.Helper()
	cmd := exec.Command(host, plugin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	_ = cmd.Run() // a crash is an outcome
	for _, l := range strings.Split(out.String(), "\n") {
		if r, ok := strings.CutPrefix(l, "RESULT "); ok {
			return r
		}
	}
	if m := fatalLine.Find(errb.Bytes()); m != nil {
		return "crash: " + string(m)
	}
	return "died: " + firstLines(errb.Bytes(), 2)
}

func TestBuildForMatrix(t *testing.T) {
	s := setupBuildFor(t)
	full := os.Getenv("SOINSPECT_TEST_FULL") == "1"
	// Two variants at a time: each is a host and a plugin build.
	sem := make(chan struct{}, 2)
	var mu sync.Mutex
	var table []string
	t.Cleanup(func() {
		sort.Strings(table)
		t.Logf("soinspect build --for, per host variant:\n%s", strings.Join(table, "\n"))
	})
	// The group returns when every parallel variant has finished.
	t.Run("variants", func(t *testing.T) {
		testVariants(t, s, full, sem, &mu, &table)
	})
	t.Run("go.mod untouched", func(t *testing.T) {
		for f, want := range s.modSums {
			if got := fileSum(t, filepath.Join(s.greeter, f)); got != want {
				t.Errorf("%s of the plugin module changed", f)
			}
		}
	})
}

func testVariants(t *testing.T, s *buildForSetup, full bool, sem chan struct{}, mu *sync.Mutex, table *[]string) {
	for _, v := range hostVariants {
		t.Run(v.name, func(t *testing.T) {
			if v.full && !full {
				t.Skip("an expensive host build: set SOINSPECT_TEST_FULL=1 (make test-full)")
			}
			t.Parallel()
			sem <- struct{}{}
			defer func() { <-sem }()
			if v.fetch != "" {
				if out, err := goCmd(os.TempDir(), []string{"GOTOOLCHAIN=" + v.fetch}, "version"); err != nil {
					t.Skipf("GOTOOLCHAIN=%s cannot be fetched here: %v: %s", v.fetch, err, firstLines(out, 2))
				}
			}
			start := time.Now()
			host := buildHost(t, s, v)
			hostTime := time.Since(start)
			out := filepath.Join(s.dir, "greeter-"+v.name+".so")
			start = time.Now()
			stdout, stderr, code := runBuildFor(t, s.greeter, nil, "build", "--for", host, "-o", out)
			buildTime := time.Since(start)
			if code != 0 {
				t.Fatalf("soinspect build --for %s: exit %d\n%s\n%s", v.name, code, stdout, stderr)
			}
			got := callHost(t, host, out)
			if want := "hello, world! (dep v1.2.0)"; got != want {
				t.Errorf("host %s with the plugin soinspect built: %q, want %q\n%s", v.name, got, want, stdout)
			}
			naive := callHost(t, host, s.naive)
			if strings.HasPrefix(naive, "hello") {
				t.Errorf("host %s loads the plain go build's plugin (%q): the variant tests nothing", v.name, naive)
			}
			mu.Lock()
			*table = append(*table, fmt.Sprintf("  %-18s host %5.1fs  build --for %5.1fs  call: %q  plain build: %s",
				v.name, hostTime.Seconds(), buildTime.Seconds(), got, naive))
			mu.Unlock()
		})
	}
}

func TestBuildForCLI(t *testing.T) {
	s := setupBuildFor(t)
	host := buildHost(t, s, hostVariants[1])
	dep := s.prefix + "/dep"
	t.Run("dry-run", func(t *testing.T) {
		out, errOut, code := runBuildFor(t, s.greeter, nil, "build", "--for", host, "--dry-run")
		if code != 0 {
			t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
		}
		for _, want := range []string{
			"GOTOOLCHAIN=" + runtimeGoVersion(t), "CGO_ENABLED=1", "-trimpath",
			"-require=" + dep + "@v1.2.0", "-exclude=" + dep + "@v1.3.0",
			`go build -modfile="$tmp"/go.mod -mod=mod -buildmode=plugin -trimpath`,
			"require " + dep + " v1.2.0", "exclude " + dep + " v1.3.0",
		} {
			if !strings.Contains(out, want) {
				t.Errorf("--dry-run lacks %q:\n%s", want, out)
			}
		}
		if _, err := os.Stat(filepath.Join(s.greeter, "greeter.so")); err == nil {
			t.Errorf("--dry-run built greeter.so")
		}
	})
	t.Run("dry-run script runs", func(t *testing.T) {
		// The printed commands, pasted into a shell, build a plugin that loads.
		out, _, code := runBuildFor(t, s.greeter, nil, "build", "--for", host, "--dry-run", "-o", filepath.Join(s.dir, "pasted.so"))
		if code != 0 {
			t.Fatalf("exit %d", code)
		}
		var script []string
		for _, l := range strings.Split(out, "\n") {
			if l != "" && !strings.HasPrefix(l, "#") && !strings.HasPrefix(l, " ") && l != "Notes on the recipe" && l != "Problems" {
				script = append(script, l)
			}
		}
		cmd := exec.Command("sh", "-ec", strings.Join(script, "\n"))
		cmd.Env = append(os.Environ(), buildForEnv...)
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("the script failed: %v\n%s\n%s", err, strings.Join(script, "\n"), b)
		}
		if got := callHost(t, host, filepath.Join(s.dir, "pasted.so")); got != "hello, world! (dep v1.2.0)" {
			t.Errorf("the pasted recipe's plugin: %q", got)
		}
	})
	t.Run("json", func(t *testing.T) {
		out, _, code := runBuildFor(t, s.greeter, nil, "build", "--for", host, "--dry-run", "--json")
		if code != 0 {
			t.Fatalf("exit %d", code)
		}
		var r pluginbuild.Recipe
		if err := json.Unmarshal([]byte(out), &r); err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		if len(r.Pins) == 0 || r.Pins[0].Module != dep || r.Pins[0].Version != "v1.2.0" || r.Pins[0].PluginVersion != "v1.3.0" {
			t.Errorf("pins: %+v", r.Pins)
		}
	})
	t.Run("needs a newer module", func(t *testing.T) {
		out, errOut, code := runBuildFor(t, s.greeter, nil, "build", "--for", host, "-o", filepath.Join(s.dir, "needsnew.so"), "./needsnew")
		if code != 1 {
			t.Fatalf("exit %d, want 1\n%s\n%s", code, out, errOut)
		}
		for _, want := range []string{"needs-newer-module", dep + " v1.3.0", "links v1.2.0", "Extra", "way out: rebuild the host with " + dep + " v1.3.0"} {
			if !strings.Contains(out, want) {
				t.Errorf("output lacks %q:\n%s", want, out)
			}
		}
	})
	t.Run("replace", func(t *testing.T) {
		// A host whose go.mod replaces dep with a directory: build pins the
		// same directory; once it is gone, build says so and how to fix it.
		dir := filepath.Join(s.dir, "dep-local")
		appDir := filepath.Join(s.dir, "app-replace")
		if err := copyDir(s.app, appDir); err != nil {
			t.Fatal(err)
		}
		src, _ := filepath.Abs("testdata/buildfor/dep/v1.2.0")
		if err := copyDir(src, dir); err != nil {
			t.Fatal(err)
		}
		for _, f := range []string{"go.mod", "dep.go", "tag.go"} {
			b, err := os.ReadFile(filepath.Join(dir, f))
			if err != nil {
				t.Fatal(err)
			}
			os.WriteFile(filepath.Join(dir, f), bytes.ReplaceAll(b, []byte("MODPREFIX"), []byte(s.prefix)), 0o644)
		}
		host := filepath.Join(s.dir, "app-replace-host")
		if out, err := goCmd(appDir, nil, "mod", "edit", "-replace="+dep+"="+dir); err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		if out, err := goCmd(appDir, nil, "build", "-o", host, "."); err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		plugin := filepath.Join(s.dir, "greeter-replace.so")
		out, errOut, code := runBuildFor(t, s.greeter, nil, "build", "--for", host, "-o", plugin)
		if code != 0 || !strings.Contains(out, dep+"@v1.2.0 => "+dir) {
			t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
		}
		if got := callHost(t, host, plugin); got != "hello, world! (dep v1.2.0)" {
			t.Errorf("the host with the plugin built against its replace: %q", got)
		}
		if err := os.Rename(dir, dir+".gone"); err != nil {
			t.Fatal(err)
		}
		out, _, code = runBuildFor(t, s.greeter, nil, "build", "--for", host, "--dry-run")
		if code != 1 || !strings.Contains(out, "replace-missing") || !strings.Contains(out, dir+", which does not exist here") {
			t.Errorf("exit %d:\n%s", code, out)
		}
	})
	t.Run("usage", func(t *testing.T) {
		if _, errOut, code := runBuildFor(t, s.greeter, nil, "build"); code != 2 || !strings.Contains(errOut, "--for") {
			t.Errorf("no --for: exit %d, %q", code, errOut)
		}
		if _, _, code := runBuildFor(t, s.greeter, nil, "build", "--for", host, "a", "b"); code != 2 {
			t.Errorf("two packages: exit %d", code)
		}
	})
	t.Run("host cannot load", func(t *testing.T) {
		nocgo := filepath.Join(s.dir, "app-nocgo")
		if out, err := goCmd(s.app, []string{"CGO_ENABLED=0"}, "build", "-o", nocgo, "."); err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		out, _, code := runBuildFor(t, s.greeter, nil, "build", "--for", nocgo, "--dry-run")
		if code != 1 || !strings.Contains(out, "host-cannot-load") || !strings.Contains(out, "CGO_ENABLED=0") {
			t.Errorf("exit %d:\n%s", code, out)
		}
	})
}

func runtimeGoVersion(t *testing.T) string {
	out, err := exec.Command("go", "env", "GOVERSION").Output()
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(out))
}

// BenchmarkBuildDryRun times the recipe of `soinspect build --dry-run`
// without the process: open the ~20 MB host, derive the recipe of
// testdata/bigplugin (go env, go mod edit -json, go mod graph), remove
// its temporary go.mod.
func BenchmarkBuildDryRun(b *testing.B) {
	buildBig(b)
	root, err := filepath.Abs("../..")
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		h, err := elfinspect.Open(bigHost)
		if err != nil {
			b.Fatal(err)
		}
		r, err := pluginbuild.Derive(context.Background(), h, pluginbuild.Options{
			Dir: root, Package: "./testdata/bigplugin", Output: filepath.Join(work, "big-recipe.so"), NoFetch: true,
		})
		if err != nil {
			b.Fatal(err)
		}
		if r.Fatal() {
			b.Fatalf("problems: %+v", r.Problems)
		}
		r.Close()
		h.Close()
	}
	if st, err := os.Stat(bigHost); err == nil {
		b.ReportMetric(float64(st.Size())/1e6, "host-MB")
	}
}
