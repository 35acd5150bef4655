// Package specimen builds the Go plugins, programs and libraries the tests
// of soinspect's packages inspect, once per test binary, into one temporary
// directory, and finds the system files and tools the oracle tests use. It
// is for tests only.
package specimen

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// The tests build their specimens themselves, once per test binary, into
// one temporary directory that Main removes. Nothing is cached in the
// repository; the Go build cache makes the second run fast.

// buildDir holds every specimen built by this test binary.
var buildDir string

// Main runs the tests of a package that builds specimens; call it from the
// package's TestMain. It owns the directory the specimen builds go to.
func Main(m *testing.M) {
	dir, err := os.MkdirTemp("", "soinspect-specimens-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	buildDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// specimenBuild is one `go build` the tests need. The same commands are
// what the Makefile runs for the specimens (see the table in the report on
// plugins/).
type specimenBuild struct {
	name string   // output file name in buildDir
	args []string // after "go build -o OUT", run in the module root
	env  []string // extra environment
}

// Go127 is the Go toolchain of the cross-release specimens.
const Go127 = "go1.27.3"

var specimenBuilds = map[string]specimenBuild{
	"plugin1.so":              {args: []string{"-buildmode=plugin", "./plugins/plugin1"}},
	"plugin2.so":              {args: []string{"-buildmode=plugin", "./plugins/plugin2"}},
	"kitchensink.so":          {args: []string{"-buildmode=plugin", "./plugins/kitchensink"}},
	"kitchensink-stripped.so": {args: []string{"-buildmode=plugin", "-ldflags=-s -w", "./plugins/kitchensink"}},
	"kitchensink-trimpath.so": {args: []string{"-buildmode=plugin", "-trimpath", "./plugins/kitchensink"}},
	"kitchensink-cshared.so":  {args: []string{"-buildmode=c-shared", "./plugins/kitchensink"}},
	"fromfile.so":             {args: []string{"-buildmode=plugin", "plugins/fromfile/main.go"}},
	"dotted.v2.so":            {args: []string{"-buildmode=plugin", "./plugins/dotted.v2"}},
	"fuzzbase.so":             {args: []string{"-buildmode=plugin", "-ldflags=-w", "./plugins/dotted.v2"}},
	"oracle":                  {args: []string{"./goplugin/testdata/pluginoracle"}},
	"oracle-trimpath":         {args: []string{"-trimpath", "./goplugin/testdata/pluginoracle"}},
	"big.so":                  {args: []string{"-buildmode=plugin", "./testdata/bigplugin"}},
	"plugin1-arm64.so":        {args: []string{"-buildmode=plugin", "./plugins/plugin1"}, env: []string{"CC=aarch64-linux-gnu-gcc", "GOARCH=arm64", "CGO_ENABLED=1"}},
	"kitchensink-go127.so":    {args: []string{"-buildmode=plugin", "./plugins/kitchensink"}, env: []string{"GOTOOLCHAIN=" + Go127}},
	"oracle-go127":            {args: []string{"./goplugin/testdata/pluginoracle"}, env: []string{"GOTOOLCHAIN=" + Go127}},
}

type buildResult struct {
	once sync.Once
	path string
	err  error
}

var (
	buildsMu sync.Mutex
	builds   = map[string]*buildResult{}
	// buildSem lets a few links run at once: linking is single-threaded.
	buildSem = make(chan struct{}, 3)
)

// moduleRoot is the directory holding soinspect's go.mod: the nearest one
// above the directory the tests run in (their package's).
func moduleRoot() string {
	wd, _ := os.Getwd()
	for dir := wd; ; dir = filepath.Dir(dir) {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		if filepath.Dir(dir) == dir {
			return wd
		}
	}
}

// Build returns the path of the named specimen, building it on first use.
func Build(name string) (string, error) {
	spec, ok := specimenBuilds[name]
	if !ok {
		return "", fmt.Errorf("no specimen %q", name)
	}
	buildsMu.Lock()
	r := builds[name]
	if r == nil {
		r = &buildResult{}
		builds[name] = r
	}
	buildsMu.Unlock()
	r.once.Do(func() {
		buildSem <- struct{}{}
		defer func() { <-buildSem }()
		out := filepath.Join(buildDir, name)
		args := append([]string{"build", "-o", out}, spec.args...)
		cmd := exec.Command("go", args...)
		cmd.Dir = moduleRoot()
		cmd.Env = append(os.Environ(), spec.env...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Run(); err != nil {
			r.err = fmt.Errorf("go %s: %v\n%s", strings.Join(args, " "), err, stderr.Bytes())
			return
		}
		r.path = out
	})
	return r.path, r.err
}

// Path builds the named specimens in parallel and returns the path of the
// first one; the test fails if any build fails, and is skipped where
// plugins cannot be built.
func Path(t testing.TB, names ...string) string {
	t.Helper()
	if ok, why := haveCgo(); !ok {
		t.Skip(why)
	}
	errs := make([]error, len(names))
	var wg sync.WaitGroup
	for i, n := range names {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = Build(n)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	p, _ := Build(names[0])
	return p
}

// HaveGo127 reports whether the go1.27.3 toolchain can be had (it is
// fetched through the module proxy on first use), and why not.
var HaveGo127 = sync.OnceValues(func() (bool, string) {
	cmd := exec.Command("go", "version")
	cmd.Env = append(os.Environ(), "GOTOOLCHAIN="+Go127)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return false, fmt.Sprintf("GOTOOLCHAIN=%s go version: %v: %s", Go127, err, bytes.TrimSpace(out))
	}
	return true, ""
})

// haveCgo reports whether the go command can build plugins here: they need
// cgo and a C compiler for the external link.
var haveCgo = sync.OnceValues(func() (bool, string) {
	out, err := exec.Command("go", "env", "CGO_ENABLED", "CC").Output()
	if err != nil {
		return false, fmt.Sprintf("go env: %v", err)
	}
	f := strings.Fields(string(out))
	if len(f) < 2 || f[0] != "1" {
		return false, "plugins need cgo, and CGO_ENABLED is not 1"
	}
	if _, err := exec.LookPath(f[1]); err != nil {
		return false, fmt.Sprintf("plugins need a C compiler: %v", err)
	}
	return true, ""
})

// SysLib returns the path of a system library, or skips the test.
func SysLib(tb testing.TB, name string) string {
	tb.Helper()
	for _, dir := range []string{"/usr/lib/x86_64-linux-gnu", "/lib/x86_64-linux-gnu", "/usr/lib64", "/usr/lib"} {
		p := filepath.Join(dir, name)
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	tb.Skipf("%s not found", name)
	return ""
}

// LargestLLVM returns the largest libLLVM-*.so.1 present, or "".
func LargestLLVM() string {
	var best string
	var size int64
	for _, dir := range []string{"/usr/lib/x86_64-linux-gnu", "/usr/lib64", "/usr/lib"} {
		ms, _ := filepath.Glob(filepath.Join(dir, "libLLVM-*.so.1"))
		for _, m := range ms {
			if st, err := os.Stat(m); err == nil && st.Size() > size {
				best, size = m, st.Size()
			}
		}
	}
	return best
}

// NeedTool skips the test if the named program is not installed.
func NeedTool(tb testing.TB, name string) {
	tb.Helper()
	if _, err := exec.LookPath(name); err != nil {
		tb.Skipf("%s not installed", name)
	}
}
