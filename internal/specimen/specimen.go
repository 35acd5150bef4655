// Package specimen is the test harness of soinspect's packages: it builds
// the Go plugins, programs and C libraries the tests inspect, each once per
// `go test` run however many test binaries ask for it, and finds the
// system files and tools the oracle tests use. It is for tests only.
//
// A specimen is built lazily, on the first call that needs it (Path,
// Build, BuildAll, BuildRecipe, Dir), into a cache shared by all test
// processes and kept from one run to the next while the sources stay the
// same (see cache.go for the policy). Whole-system sweeps take a
// deterministic sample unless SOINSPECT_TEST_FULL=1 (see Sample).
package specimen

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
)

// A Recipe says how to build one specimen.
type Recipe struct {
	Name string   // the file name of the result
	Dir  string   // where the command runs, relative to the module root
	Tool string   // "go": go build -o OUT Args...; "CC", "CXX": the compiler go env names, Args..., -o OUT
	Args []string // the command's arguments
	Env  []string // extra environment
}

// Go127 is the Go toolchain of the cross-release specimens.
const Go127 = "go1.27.3"

func goPlugin(args ...string) Recipe {
	return Recipe{Tool: "go", Args: append([]string{"-buildmode=plugin"}, args...)}
}

// recipes are the named specimens: every file more than one package uses,
// and the Makefile's builds of the same (see the report on plugins/).
var recipes = map[string]Recipe{
	"soinspect":               {Tool: "go", Args: []string{"./cmd/soinspect"}},
	"depfloor":                {Tool: "go", Args: []string{"./cmd/soinspect/testdata/depfloor"}}, // soinspect's start-up floor
	"mincgo":                  {Tool: "go", Args: []string{"./cmd/soinspect/testdata/mincgo"}},   // the yardstick of soinspect's start-up
	"pluginhost":              {Tool: "go", Args: []string{"./cmd/pluginhost"}},
	"pluginhost-trimpath":     {Tool: "go", Args: []string{"-trimpath", "./cmd/pluginhost"}}, // every package hash differs from plugin1's
	"plugin1.so":              goPlugin("./plugins/plugin1"),
	"plugin1-trimpath.so":     goPlugin("-trimpath", "./plugins/plugin1"),
	"plugin1-race.so":         goPlugin("-race", "./plugins/plugin1"),
	"plugin1-go127.so":        {Tool: "go", Args: []string{"-buildmode=plugin", "./plugins/plugin1"}, Env: []string{"GOTOOLCHAIN=" + Go127}},
	"plugin2.so":              goPlugin("./plugins/plugin2"),
	"kitchensink.so":          goPlugin("./plugins/kitchensink"),
	"kitchensink-stripped.so": goPlugin("-ldflags=-s -w", "./plugins/kitchensink"),
	"kitchensink-trimpath.so": goPlugin("-trimpath", "./plugins/kitchensink"),
	"kitchensink-cshared.so":  {Tool: "go", Args: []string{"-buildmode=c-shared", "./plugins/kitchensink"}},
	"fromfile.so":             goPlugin("plugins/fromfile/main.go"),
	"dotted.v2.so":            goPlugin("./plugins/dotted.v2"),
	"fuzzbase.so":             goPlugin("-ldflags=-w", "./plugins/dotted.v2"),
	"oracle":                  {Tool: "go", Args: []string{"./goplugin/testdata/pluginoracle"}},
	"oracle-trimpath":         {Tool: "go", Args: []string{"-trimpath", "./goplugin/testdata/pluginoracle"}},
	"big.so":                  goPlugin("./testdata/bigplugin"),
	"bighost":                 {Tool: "go", Args: []string{"./internal/compattest/testdata/bighost"}},
	"kitchensink-go127.so":    {Tool: "go", Args: []string{"-buildmode=plugin", "./plugins/kitchensink"}, Env: []string{"GOTOOLCHAIN=" + Go127}},
	"oracle-go127":            {Tool: "go", Args: []string{"./goplugin/testdata/pluginoracle"}, Env: []string{"GOTOOLCHAIN=" + Go127}},
	// The loading lab's: plugins whose init sleeps or panics, one taking
	// arguments, a C library with a constructor, the C host of `make
	// c-demo` and its c-shared library.
	"sleepinit.so":            goPlugin("./internal/probe/testdata/sleepinit"),
	"panicinit.so":            goPlugin("./internal/probe/testdata/panicinit"),
	"argsplugin.so":           goPlugin("./internal/probe/testdata/argsplugin"),
	"libctor.so":              {Tool: "CC", Args: []string{"-shared", "-fPIC", "-Wall", "-Wextra", "-Werror", "internal/probe/testdata/ctorlib/ctor.c"}},
	"host":                    {Tool: "CC", Args: []string{"-Wall", "-Wextra", "-Werror", "-O2", "-g", "c/host.c", "-ldl"}},
	"libsoinspect_cshared.so": {Tool: "go", Args: []string{"-buildmode=c-shared", "./c/cshared"}},
}

// ErrNoCompiler is returned (wrapped) when go env names no C compiler
// that can be found.
var ErrNoCompiler = errors.New("no C compiler")

type buildResult struct {
	once sync.Once
	path string
	err  error
}

var (
	buildsMu sync.Mutex
	builds   = map[string]*buildResult{} // by recipe hash
	// buildSem lets a few commands run at once: linking is single-threaded.
	buildSem = make(chan struct{}, 3)
)

// moduleRoot is the directory holding soinspect's go.mod: the nearest one
// above the directory the tests run in (their package's).
var moduleRoot = sync.OnceValue(func() string {
	wd, _ := os.Getwd()
	for dir := wd; ; dir = filepath.Dir(dir) {
		if b, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil &&
			bytes.HasPrefix(b, []byte("module github.com/soinspect/soinspect\n")) {
			return dir
		}
		if filepath.Dir(dir) == dir {
			return wd
		}
	}
})

// Root returns the module root: where the recipes' paths start.
func Root() string { return moduleRoot() }

// once runs build at most once per process for the given hash.
func once(hash string, build func() (string, error)) (string, error) {
	buildsMu.Lock()
	r := builds[hash]
	if r == nil {
		r = &buildResult{}
		builds[hash] = r
	}
	buildsMu.Unlock()
	r.once.Do(func() { r.path, r.err = build() })
	return r.path, r.err
}

// BuildRecipe returns the path of the specimen r builds, building it if no
// test process has yet.
func BuildRecipe(r Recipe) (string, error) {
	h := hashOf(r)
	return once(h, func() (string, error) {
		dir, err := buildOnce(h, func(tmp string) error {
			buildSem <- struct{}{}
			defer func() { <-buildSem }()
			return run(r, filepath.Join(tmp, r.Name))
		})
		if err != nil {
			return "", err
		}
		return filepath.Join(dir, r.Name), nil
	})
}

// run runs r's command with out as its output file.
func run(r Recipe, out string) error {
	dir := filepath.Join(moduleRoot(), r.Dir)
	var cmd *exec.Cmd
	switch r.Tool {
	case "go":
		_, err := GoBuild(dir, r.Env, append([]string{"-o", out}, r.Args...)...)
		return err
	case "CC", "CXX":
		env, err := goEnv()
		if err != nil {
			return err
		}
		cc := strings.Fields(env[r.Tool])
		if len(cc) == 0 {
			return fmt.Errorf("%w: go env %s is empty", ErrNoCompiler, r.Tool)
		}
		if _, err := exec.LookPath(cc[0]); err != nil {
			return fmt.Errorf("%w: %v", ErrNoCompiler, err)
		}
		cmd = exec.Command(cc[0], slices.Concat(cc[1:], r.Args, []string{"-o", out})...)
	default:
		return fmt.Errorf("specimen %s: no tool %q", r.Name, r.Tool)
	}
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), r.Env...)
	var output bytes.Buffer
	cmd.Stdout, cmd.Stderr = &output, &output
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s: %s: %v\n%s", cmd.Dir, strings.Join(cmd.Args, " "), err, output.Bytes())
	}
	return nil
}

// Build returns the path of the named specimen, building it on first use.
func Build(name string) (string, error) {
	r, ok := recipes[name]
	if !ok {
		return "", fmt.Errorf("no specimen %q", name)
	}
	r.Name = name
	return BuildRecipe(r)
}

// BuildAll builds the named specimens in parallel and returns their
// paths, in order; for a TestMain that keeps them in package variables.
func BuildAll(names ...string) ([]string, error) {
	paths := make([]string, len(names))
	errs := make([]error, len(names))
	var wg sync.WaitGroup
	for i, n := range names {
		wg.Go(func() { paths[i], errs[i] = Build(n) })
	}
	wg.Wait()
	return paths, errors.Join(errs...)
}

// Path builds the named specimens in parallel and returns the path of the
// first one; the test fails if any build fails, and is skipped where
// plugins cannot be built (for the arm64 specimens: where the cross
// toolchain is missing).
func Path(t testing.TB, names ...string) string {
	t.Helper()
	if ok, why := haveCgo(); !ok {
		t.Skip(why)
	}
	if slices.ContainsFunc(names, isArm64) {
		NeedArm64Build(t)
	}
	paths, err := BuildAll(names...)
	if err != nil {
		t.Fatal(err)
	}
	return paths[0]
}

// BuildDir returns a directory of files made by build, which the calling
// test package supplies: build fills the empty directory it is given, once
// per cache key. The directory is shared and must not be written to. The
// key covers name and the calling package's test files (build is among
// them). It takes no testing.TB, so that TestMain can call it.
func BuildDir(name string, build func(dir string) error) (string, error) {
	tests, err := testFilesHash()
	if err != nil {
		return "", err
	}
	h := hashOf([]string{"dir", name, tests})
	p, err := once(h, func() (string, error) {
		return buildOnce(h, func(tmp string) error {
			dir := filepath.Join(tmp, name)
			if err := os.Mkdir(dir, 0o755); err != nil {
				return err
			}
			return build(dir)
		})
	})
	if err != nil {
		return "", err
	}
	return filepath.Join(p, name), nil
}

// testFilesHash hashes the test files of the package under test (the
// directory the test runs in).
func testFilesHash() (string, error) {
	ms, err := filepath.Glob("*_test.go")
	if err != nil {
		return "", err
	}
	var sums []string
	for _, m := range ms {
		b, err := os.ReadFile(m)
		if err != nil {
			return "", err
		}
		sums = append(sums, m, hashOf(string(b)))
	}
	return hashOf(sums), nil
}

// ProbeCache returns the directory the tests give soinspect as its probe
// host cache (SOINSPECT_PROBE_CACHE): in this run's part of the specimen
// cache, shared by the test processes, so that each probe host is built
// once per source tree.
func ProbeCache() (string, error) {
	key, err := keyDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(key, "probe-hosts"), nil
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
	env, err := goEnv()
	if err != nil {
		return false, err.Error()
	}
	if env["CGO_ENABLED"] != "1" {
		return false, "plugins need cgo, and CGO_ENABLED is not 1"
	}
	cc := strings.Fields(env["CC"])
	if len(cc) == 0 {
		return false, "plugins need a C compiler, and go env CC is empty"
	}
	if _, err := exec.LookPath(cc[0]); err != nil {
		return false, fmt.Sprintf("plugins need a C compiler: %v", err)
	}
	return true, ""
})
