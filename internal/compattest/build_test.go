package compattest

import (
	"bytes"
	"debug/elf"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/soinspect/soinspect/internal/specimen"
)

// work is the temporary directory of this test binary: the generated
// modules and the built hosts and plugins, copied from the ones built once
// for the whole test run (see package specimen), which tests may add to.
var work string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "compattest-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	work = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// artifact is one file the matrix needs and how to build it.
type artifact struct {
	name string   // output file under work
	mod  string   // "m12" (example.com/dep v1.2.0) or "m13" (v1.3.0)
	pkg  string   // ./host, ./plugin, ...
	args []string // extra go build flags
	env  []string // extra environment
	// optional artifacts may fail to build (a toolchain that cannot be
	// fetched); the rows using them are skipped and the reason logged.
	optional bool
}

var artifacts = []artifact{
	{name: "host", mod: "m12", pkg: "./host"},
	{name: "host-race", mod: "m12", pkg: "./host", args: []string{"-race"}},
	{name: "host-nocgo", mod: "m12", pkg: "./host", env: []string{"CGO_ENABLED=0"}},
	{name: "host-noplugin", mod: "m12", pkg: "./noplugin"},
	{name: "plugin.so", mod: "m12", pkg: "./plugin", args: []string{"-buildmode=plugin"}},
	{name: "plugin-trimpath.so", mod: "m12", pkg: "./plugin", args: []string{"-buildmode=plugin", "-trimpath"}},
	{name: "plugin-dep13.so", mod: "m13", pkg: "./plugin", args: []string{"-buildmode=plugin"}},
	{name: "plugin-Nl.so", mod: "m12", pkg: "./plugin", args: []string{"-buildmode=plugin", "-gcflags=all=-N -l"}},
	{name: "plugin-race.so", mod: "m12", pkg: "./plugin", args: []string{"-buildmode=plugin", "-race"}},
	{name: "plugin-go1.27.3.so", mod: "m12", pkg: "./plugin", args: []string{"-buildmode=plugin"}, env: []string{"GOTOOLCHAIN=go1.27.3"}, optional: true},
	{name: "plugin-stripped.so", mod: "m12", pkg: "./plugin", args: []string{"-buildmode=plugin", "-ldflags=-s -w"}},
	{name: "cshared.so", mod: "m12", pkg: "./cshared", args: []string{"-buildmode=c-shared"}},
	{name: "hostmain.so", mod: "m12", pkg: "./host", args: []string{"-buildmode=plugin"}},
	{name: "extra12.so", mod: "m12", pkg: "./plugin2", args: []string{"-buildmode=plugin"}},
	{name: "extra13.so", mod: "m13", pkg: "./plugin2", args: []string{"-buildmode=plugin"}},
}

var (
	setupOnce sync.Once
	setupErr  error
	// missing maps an optional artifact that failed to build to why.
	missing = map[string]string{}
	soBin   string
)

// missingFile lists, in work, the optional artifacts that failed to build.
const missingFile = "missing.json"

// setup finds or builds soinspect and work, in parallel; it skips the
// test with -short, as everything that needs them does.
func setup(t testing.TB) {
	if testing.Short() {
		t.Skip("builds hosts and plugins")
	}
	setupOnce.Do(func() { setupErr = doSetup(t) })
	if setupErr != nil {
		t.Fatal(setupErr)
	}
}

func doSetup(t testing.TB) error {
	soErr := make(chan error, 1)
	go func() { soErr <- buildSoinspect() }()
	// Whether go1.27.3 can be had is part of the key: a run that could
	// not fetch it does not leave its rows skipped for the next.
	name := "compattest"
	if ok, _ := specimen.HaveGo127(); !ok {
		name += "-without-" + specimen.Go127
	}
	shared, err := specimen.BuildDir(name, func(dir string) error { return buildWork(t, dir) })
	if err := <-soErr; err != nil {
		return err
	}
	if err != nil {
		return err
	}
	if err := copyTree(shared, work); err != nil {
		return err
	}
	b, err := os.ReadFile(filepath.Join(work, missingFile))
	if err != nil {
		return err
	}
	return json.Unmarshal(b, &missing)
}

// buildWork generates the two modules into work and builds every artifact
// there, in parallel, sharing the Go build cache.
func buildWork(t testing.TB, work string) error {
	start := time.Now()
	if err := writeModules(work); err != nil {
		return err
	}
	missing, err := buildArtifacts(work, artifacts)
	if err != nil {
		return err
	}
	// The same plugin under another file name (another inode), and a hard
	// link to it (the same inode).
	if err := copyFile(filepath.Join(work, "plugin.so"), filepath.Join(work, "plugin-copy.so")); err != nil {
		return err
	}
	if err := os.Link(filepath.Join(work, "plugin.so"), filepath.Join(work, "plugin-hardlink.so")); err != nil {
		return err
	}
	if err := craft(work); err != nil {
		return err
	}
	b, err := json.Marshal(missing)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(work, missingFile), b, 0o644); err != nil {
		return err
	}
	t.Logf("built %d hosts and plugins in %v", len(artifacts)-len(missing), time.Since(start).Round(time.Second))
	return nil
}

// writeModules generates into work the two modules the artifacts are
// built in: two copies of the same module, one per version of
// example.com/dep. The second has another module path so that its plugins
// have other pluginpaths.
func writeModules(work string) error {
	td, err := filepath.Abs("testdata")
	if err != nil {
		return err
	}
	for mod, v := range map[string]string{"m12": "v1.2.0", "m13": "v1.3.0"} {
		dir := filepath.Join(work, mod)
		for _, sub := range []string{"host", "plugin", "plugin2", "cshared", "noplugin"} {
			if err := copyDir(filepath.Join(td, sub), filepath.Join(dir, sub)); err != nil {
				return err
			}
		}
		path := "example.com/compat"
		if mod == "m13" {
			path = "example.com/compat13"
		}
		gomod := fmt.Sprintf("module %s\n\ngo 1.26\n\nrequire example.com/dep %s\n\nreplace example.com/dep %s => %s\n",
			path, v, v, filepath.Join(td, "dep", v))
		if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte(gomod), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// buildArtifacts builds arts in work, three at a time, sharing the Go
// build cache, and returns the optional artifacts that failed to build,
// with why.
func buildArtifacts(work string, arts []artifact) (map[string]string, error) {
	var jobs []func() error
	var mu sync.Mutex
	missing := map[string]string{}
	for _, a := range arts {
		jobs = append(jobs, func() error {
			args := append(append([]string{}, a.args...), "-o", filepath.Join(work, a.name), a.pkg)
			out, err := goBuild(filepath.Join(work, a.mod), a.env, args...)
			if err != nil && a.optional {
				mu.Lock()
				missing[a.name] = fmt.Sprintf("%v: %s", err, firstLines(out, 3))
				mu.Unlock()
				return nil
			}
			return err
		})
	}
	// Three at a time: two cores, and the linker waits on disk.
	sem := make(chan struct{}, 3)
	errs := make(chan error, len(jobs))
	var wg sync.WaitGroup
	for _, j := range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			errs <- j()
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return missing, nil
}

// craft makes the objects dlopen refuses, without a cross compiler: a copy
// of plugin.so whose ELF header says EM_AARCH64 (dlopen checks the header
// before anything else, so it is refused as a real arm64 plugin is), a
// symlink to it, a 32-bit shared object (gcc -m32 without the 32-bit C
// library: -nostdlib) and a relocatable object, all in work.
func craft(work string) error {
	b, err := os.ReadFile(filepath.Join(work, "plugin.so"))
	if err != nil {
		return err
	}
	if len(b) < 20 {
		return fmt.Errorf("plugin.so: too short")
	}
	b[18], b[19] = byte(elf.EM_AARCH64), byte(elf.EM_AARCH64>>8) // e_machine, little-endian
	if err := os.WriteFile(filepath.Join(work, "plugin-arm64.so"), b, 0o755); err != nil {
		return err
	}
	if err := os.Symlink("plugin-arm64.so", filepath.Join(work, "link-arm64.so")); err != nil {
		return err
	}
	cc, err := specimen.CC()
	if err != nil {
		return err
	}
	src := filepath.Join(work, "f.c")
	if err := os.WriteFile(src, []byte("int f(void) { return 42; }\n"), 0o644); err != nil {
		return err
	}
	for _, args := range [][]string{
		{"-m32", "-shared", "-fPIC", "-nostdlib", "-o", filepath.Join(work, "lib32.so"), src},
		{"-c", "-fPIC", "-o", filepath.Join(work, "reloc.o"), src},
	} {
		if out, err := exec.Command(cc, args...).CombinedOutput(); err != nil {
			return fmt.Errorf("%s %s: %v\n%s", cc, strings.Join(args, " "), err, out)
		}
	}
	// Files that are no ELF object at all, and names that are no file.
	for name, b := range map[string][]byte{
		"empty.so": nil,
		"text.so":  []byte("hello\n"),
		"junk.so":  bytes.Repeat([]byte("not an ELF header; "), 10),
	} {
		if err := os.WriteFile(filepath.Join(work, name), b, 0o644); err != nil {
			return err
		}
	}
	if err := os.Mkdir(filepath.Join(work, "dir.so"), 0o755); err != nil {
		return err
	}
	if err := os.Symlink("loop.so", filepath.Join(work, "loop.so")); err != nil {
		return err
	}
	return nil
}

var (
	soinspectOnce sync.Once
	soinspectErr  error
)

// buildSoinspect finds or builds soinspect (see package specimen) and
// sets soBin, once for every test.
func buildSoinspect() error {
	soinspectOnce.Do(func() { soBin, soinspectErr = specimen.Build("soinspect") })
	return soinspectErr
}

func goBuild(dir string, env []string, args ...string) ([]byte, error) {
	return specimen.GoBuild(dir, env, args...)
}

func firstLines(b []byte, n int) string {
	lines := strings.SplitN(strings.TrimSpace(string(b)), "\n", n+1)
	if len(lines) > n {
		lines = lines[:n]
	}
	return strings.Join(lines, " | ")
}

// copyTree copies the directory src into dst, keeping its symbolic links
// and which of its files are hard links of one another.
func copyTree(src, dst string) error {
	copied := map[uint64]string{} // inode → copy
	return filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		out := filepath.Join(dst, rel)
		switch {
		case d.IsDir():
			return os.MkdirAll(out, 0o755)
		case d.Type()&os.ModeSymlink != 0:
			target, err := os.Readlink(p)
			if err != nil {
				return err
			}
			return os.Symlink(target, out)
		}
		var st syscall.Stat_t
		if err := syscall.Stat(p, &st); err != nil {
			return err
		}
		if first, ok := copied[st.Ino]; ok {
			return os.Link(first, out)
		}
		copied[st.Ino] = out
		return copyFile(p, out)
	})
}

func copyDir(src, dst string) error {
	return filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		return copyFile(p, filepath.Join(dst, rel))
	})
}

func copyFile(src, dst string) error {
	b, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	return os.WriteFile(dst, b, 0o755)
}

// runSoinspect runs the built soinspect and returns stdout, stderr and
// the exit status.
func runSoinspect(t testing.TB, args ...string) (string, string, int) {
	t.Helper()
	// These tests look for words, not layout: a width no path of any
	// checkout wraps at keeps them independent of where the tree lives.
	out, errs, code, err := specimen.Run(work, append(os.Environ(), "COLUMNS=1000"), soBin, args...)
	if err != nil {
		t.Errorf("soinspect %v: %v", args, err) // not Fatalf: goroutines call this
	}
	return out, errs, code
}
