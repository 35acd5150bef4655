package specimen

import (
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"
)

// The child half of TestBuildOnceAcrossProcesses: build the shared
// specimen, counting builds in a log, slowly enough that the others wait.
func init() {
	log := os.Getenv("SPECIMEN_TEST_CHILD_LOG")
	if log == "" {
		return
	}
	dir, err := buildOnce("shared", func(tmp string) error {
		f, err := os.OpenFile(log, os.O_APPEND|os.O_WRONLY, 0)
		if err != nil {
			return err
		}
		fmt.Fprintf(f, "build %d\n", os.Getpid())
		f.Close()
		time.Sleep(300 * time.Millisecond)
		return os.WriteFile(filepath.Join(tmp, "out"), []byte("built"), 0o644)
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	b, err := os.ReadFile(filepath.Join(dir, "out"))
	if err != nil || string(b) != "built" {
		fmt.Fprintf(os.Stderr, "read %s: %q, %v\n", dir, b, err)
		os.Exit(1)
	}
	os.Exit(0)
}

// TestBuildOnceAcrossProcesses starts several test processes at once that
// all need the same build: exactly one builds it, all see it whole.
func TestBuildOnceAcrossProcesses(t *testing.T) {
	cache := t.TempDir()
	log := filepath.Join(cache, "log")
	if err := os.WriteFile(log, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	var cmds []*exec.Cmd
	var outs []*strings.Builder
	for range 4 {
		cmd := exec.Command(exe, "-test.run=^$")
		cmd.Env = append(os.Environ(), EnvCache+"="+filepath.Join(cache, "root"), "SPECIMEN_TEST_CHILD_LOG="+log)
		out := new(strings.Builder)
		cmd.Stdout, cmd.Stderr = out, out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		cmds, outs = append(cmds, cmd), append(outs, out)
	}
	for i, cmd := range cmds {
		if err := cmd.Wait(); err != nil {
			t.Errorf("child: %v: %s", err, outs[i])
		}
	}
	b, err := os.ReadFile(log)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(b), "build "); n != 1 {
		t.Errorf("%d builds, want 1:\n%s", n, b)
	}
	// Nothing half-built is left: one key, one build, its lock.
	keys, _ := filepath.Glob(filepath.Join(cache, "root", "*", "shared*"))
	if len(keys) != 2 {
		t.Errorf("cache holds %v, want the build and its lock", keys)
	}
}

// TestFailedBuildLeavesNothing: a build that fails leaves no directory,
// and the next attempt builds again.
func TestFailedBuildLeavesNothing(t *testing.T) {
	t.Setenv(EnvCache, t.TempDir())
	root, err := cacheRoot()
	if err != nil {
		t.Fatal(err)
	}
	key := filepath.Join(root, "k")
	if err := useKey(key); err != nil {
		t.Fatal(err)
	}
	saved := keyDir
	keyDir = func() (string, error) { return key, nil }
	t.Cleanup(func() { keyDir = saved })
	calls := 0
	build := func(fail bool) func(string) error {
		return func(tmp string) error {
			calls++
			os.WriteFile(filepath.Join(tmp, "half"), []byte("x"), 0o644)
			if fail {
				return fmt.Errorf("killed")
			}
			return nil
		}
	}
	if _, err := buildOnce("b", build(true)); err == nil {
		t.Fatal("a failed build succeeded")
	}
	if ms, _ := filepath.Glob(filepath.Join(key, "b*")); len(ms) != 1 || !strings.HasSuffix(ms[0], ".lock") {
		t.Errorf("after a failed build: %v", ms)
	}
	if _, err := buildOnce("b", build(false)); err != nil {
		t.Fatal(err)
	}
	if _, err := buildOnce("b", build(false)); err != nil {
		t.Fatal(err)
	}
	if calls != 2 {
		t.Errorf("%d builds, want 2", calls)
	}
}

// TestTrimKeepsUsedKeys: the oldest keys go, unless a process holds them.
func TestTrimKeepsUsedKeys(t *testing.T) {
	root := t.TempDir()
	old := time.Now().Add(-time.Hour)
	var names []string
	for i := range keepKeys + 2 {
		name := fmt.Sprintf("key%d", i)
		names = append(names, name)
		dir := filepath.Join(root, name)
		os.Mkdir(dir, 0o755)
		os.WriteFile(filepath.Join(dir, ".inuse"), nil, 0o644)
		at := old.Add(time.Duration(i) * time.Minute) // key0 oldest
		os.Chtimes(filepath.Join(dir, ".inuse"), at, at)
	}
	// key0 is held by a running process (this one, as another would).
	held, err := os.Open(filepath.Join(root, "key0", ".inuse"))
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	if err := lockShared(held); err != nil {
		t.Fatal(err)
	}
	ours := filepath.Join(root, "ours")
	os.Mkdir(ours, 0o755)
	trim(root, ours)
	var left []string
	for _, n := range append(names, "ours") {
		if _, err := os.Stat(filepath.Join(root, n)); err == nil {
			left = append(left, n)
		}
	}
	// Kept: ours, the keepKeys-1 newest others, and the held one.
	want := []string{"key0", "key3", "key4", "key5", "ours"}
	if strings.Join(left, " ") != strings.Join(want, " ") {
		t.Errorf("left %v, want %v", left, want)
	}
}

// TestHashSources: the key follows the sources a build reads, not the
// tests, notes or outputs next to them.
func TestHashSources(t *testing.T) {
	base := fstest.MapFS{
		"go.mod":                      {Data: []byte("module m\n")},
		"a/a.go":                      {Data: []byte("package a\n")},
		"a/testdata/x.c":              {Data: []byte("int x;\n")},
		"a/a_test.go":                 {Data: []byte("package a\n")},
		"README.md":                   {Data: []byte("# m\n")},
		"a/testdata/fuzz/FuzzA/seed1": {Data: []byte("go test fuzz v1\n")},
		"bin/soinspect":               {Data: []byte("ELF")},
		".git/HEAD":                   {Data: []byte("ref\n")},
	}
	key := func(fsys fstest.MapFS) string {
		dir := t.TempDir()
		for name, f := range fsys {
			p := filepath.Join(dir, name)
			os.MkdirAll(filepath.Dir(p), 0o755)
			os.WriteFile(p, f.Data, 0o644)
		}
		h := newHash()
		if err := hashSources(h, dir); err != nil {
			t.Fatal(err)
		}
		return fmt.Sprintf("%x", h.Sum(nil))
	}
	with := func(name, data string) fstest.MapFS {
		m := fstest.MapFS{}
		for k, v := range base {
			m[k] = v
		}
		m[name] = &fstest.MapFile{Data: []byte(data), Mode: fs.FileMode(0o644)}
		return m
	}
	k := key(base)
	for _, c := range []struct {
		name, data string
		changes    bool
	}{
		{"a/a.go", "package a // changed\n", true},
		{"a/testdata/x.c", "int y;\n", true},
		{"go.mod", "module m\n\ngo 1.26\n", true},
		{"a/b.go", "package a\n", true},
		{"a/a_test.go", "package a // changed\n", false},
		{"README.md", "# changed\n", false},
		{"a/testdata/fuzz/FuzzA/seed2", "go test fuzz v1\n", false},
		{"bin/plugin1.so", "ELF", false},
		{".git/index", "x", false},
	} {
		if got := key(with(c.name, c.data)) != k; got != c.changes {
			t.Errorf("changing %s changes the key: %v, want %v", c.name, got, c.changes)
		}
	}
}

func TestSample(t *testing.T) {
	items := make([]int, 100)
	for i := range items {
		items[i] = i
	}
	t.Setenv(EnvFull, "")
	got, which := Sample(items, 4)
	if fmt.Sprint(got) != "[0 25 50 75]" || !strings.Contains(which, "4 of 100") {
		t.Errorf("Sample = %v, %q", got, which)
	}
	if got, _ := Sample(items[:3], 4); len(got) != 3 {
		t.Errorf("Sample of fewer = %v", got)
	}
	t.Setenv(EnvFull, "1")
	if got, which := Sample(items, 4); len(got) != 100 || which != "all 100" {
		t.Errorf("full Sample = %d items, %q", len(got), which)
	}
}
