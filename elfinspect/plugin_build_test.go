package elfinspect_test

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

// The plugin tests build their specimens themselves, once per test binary,
// into one temporary directory that TestMain removes. Nothing is cached in
// the repository; the Go build cache makes the second run fast.

// buildDir holds every specimen built by this test binary.
var buildDir string

// TestMain is the package's only TestMain: it owns the directory the
// specimen builds go to.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "elfinspect-specimens-")
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

// Go toolchain for the cross-release specimens.
const go127 = "go1.27.3"

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
	"oracle":                  {args: []string{"./elfinspect/testdata/pluginoracle"}},
	"oracle-trimpath":         {args: []string{"-trimpath", "./elfinspect/testdata/pluginoracle"}},
	"big.so":                  {args: []string{"-buildmode=plugin", "./testdata/bigplugin"}},
	"kitchensink-go127.so":    {args: []string{"-buildmode=plugin", "./plugins/kitchensink"}, env: []string{"GOTOOLCHAIN=" + go127}},
	"oracle-go127":            {args: []string{"./elfinspect/testdata/pluginoracle"}, env: []string{"GOTOOLCHAIN=" + go127}},
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

// moduleRoot is the directory holding go.mod (the tests run in elfinspect/).
func specimenModuleRoot() string {
	wd, _ := os.Getwd()
	return filepath.Dir(wd)
}

// build returns the path of the named specimen, building it on first use.
func buildSpecimen(name string) (string, error) {
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
		cmd.Dir = specimenModuleRoot()
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

// specimen builds the named specimens in parallel and returns the path of
// the first one; the test fails if any build fails.
func specimen(t testing.TB, names ...string) string {
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
			_, errs[i] = buildSpecimen(n)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	p, _ := buildSpecimen(names[0])
	return p
}

// haveGo127 reports whether the go1.27.3 toolchain can be had (it is
// fetched through the module proxy on first use), and why not.
var haveGo127 = sync.OnceValues(func() (bool, string) {
	cmd := exec.Command("go", "version")
	cmd.Env = append(os.Environ(), "GOTOOLCHAIN="+go127)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return false, fmt.Sprintf("GOTOOLCHAIN=%s go version: %v: %s", go127, err, bytes.TrimSpace(out))
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
