package probe

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// buildScript stands for the go build of a probe host: the cache's code
// under test is all the rest (locks, temporary directory, marker, rename,
// records of use, pruning), run on a real directory.
func buildScript(builds *atomic.Int32) func(ctx context.Context, src, out string) error {
	return func(ctx context.Context, src, out string) error {
		if builds != nil {
			builds.Add(1)
		}
		return os.WriteFile(out, []byte("#!/bin/sh\nexit 0\n"), 0o755)
	}
}

func mustEnsure(t *testing.T, root, key string, builds *atomic.Int32) string {
	t.Helper()
	bin, _, _, err := ensureHost(context.Background(), root, key, buildScript(builds))
	if err != nil {
		t.Fatalf("ensureHost %s: %v", key, err)
	}
	return bin
}

// age sets the modification times of paths to d ago.
func age(t *testing.T, d time.Duration, paths ...string) {
	t.Helper()
	at := time.Now().Add(-d)
	for _, p := range paths {
		if err := os.Chtimes(p, at, at); err != nil {
			t.Fatal(err)
		}
	}
}

// ageEntry makes the entry root/key look last used d ago.
func ageEntry(t *testing.T, root, key string, d time.Duration) {
	t.Helper()
	e := filepath.Join(root, key)
	age(t, d, filepath.Join(e, hostUsed), filepath.Join(e, hostMarker), e)
}

func exists(p string) bool {
	_, err := os.Lstat(p)
	return err == nil
}

func testKey(s string) string { return hostKey([]string{"go=test", s}) }

// The daily pruning removes what has not been used for pruneUnused and the
// stale temporary directories, keeps the rest, skips a key whose lock
// another holds, and touches nothing that is not an entry.
func TestCachePrune(t *testing.T) {
	root := t.TempDir()
	oldKey, freshKey, busyKey, otherKey := testKey("old"), testKey("fresh"), testKey("busy"), testKey("other")
	var builds atomic.Int32
	for _, k := range []string{oldKey, freshKey, busyKey} {
		mustEnsure(t, root, k, &builds)
	}
	ageEntry(t, root, oldKey, 40*24*time.Hour)
	ageEntry(t, root, busyKey, 40*24*time.Hour)
	ageEntry(t, root, freshKey, 29*24*time.Hour)

	mkdir := func(p string, d time.Duration) string {
		if err := os.MkdirAll(filepath.Join(p, "src"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(p, "src", "main.go"), []byte("package main\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		age(t, d, filepath.Join(p, "src", "main.go"), filepath.Join(p, "src"), p)
		return p
	}
	staleTmp := mkdir(filepath.Join(root, "."+oldKey+".tmp-123"), 2*time.Hour)
	youngTmp := mkdir(filepath.Join(root, "."+freshKey+".tmp-456"), 10*time.Minute)
	busyTmp := mkdir(filepath.Join(root, "."+busyKey+".tmp-789"), 2*time.Hour)

	// Foreign things, all old: a directory outside reached through
	// symbolic links named like an entry and like a temporary directory,
	// a directory and a file of other names, a key in capitals.
	outside := mkdir(t.TempDir(), 40*24*time.Hour)
	foreign := []string{
		filepath.Join(root, otherKey), filepath.Join(root, "."+otherKey+".tmp-1"),
		mkdir(filepath.Join(root, "notes"), 40*24*time.Hour),
		mkdir(filepath.Join(root, strings.ToUpper(otherKey)), 40*24*time.Hour),
		mkdir(filepath.Join(root, "."+otherKey+".tmp-"), 40*24*time.Hour),
		filepath.Join(root, "README"),
	}
	for _, l := range foreign[:2] {
		if err := os.Symlink(outside, l); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(foreign[5], []byte("mine\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	age(t, 40*24*time.Hour, foreign[5])

	// Another holder of busyKey's lock (another open file description, as
	// another process would have).
	lock, err := lockKey(context.Background(), root, busyKey, true)
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Close()

	age(t, 2*24*time.Hour, filepath.Join(root, pruneStamp)) // last pruned two days ago
	builds.Store(0)
	mustEnsure(t, root, freshKey, &builds) // a use: prunes
	if n := builds.Load(); n != 0 {
		t.Errorf("the use of a cached entry built %d times", n)
	}
	for _, c := range []struct {
		path string
		kept bool
	}{
		{filepath.Join(root, oldKey), false},
		{staleTmp, false},
		{filepath.Join(root, freshKey), true},
		{youngTmp, true},
		{filepath.Join(root, busyKey), true},
		{busyTmp, true},
		{filepath.Join(outside, "src", "main.go"), true},
		{filepath.Join(root, oldKey+".lock"), true},
	} {
		if exists(c.path) != c.kept {
			t.Errorf("%s: kept %v, want %v", c.path, !c.kept, c.kept)
		}
	}
	for _, p := range foreign {
		if !exists(p) {
			t.Errorf("%s: a foreign file was removed", p)
		}
	}
	if cachedHost(filepath.Join(root, busyKey)) == "" || cachedHost(filepath.Join(root, freshKey)) == "" {
		t.Errorf("a kept entry is no longer complete")
	}

	// Pruned within a day: not again, even with busyKey free.
	lock.Close()
	mustEnsure(t, root, freshKey, nil)
	if !exists(filepath.Join(root, busyKey)) {
		t.Errorf("pruned twice within a day")
	}
	// A day later: busyKey goes.
	age(t, 25*time.Hour, filepath.Join(root, pruneStamp))
	mustEnsure(t, root, freshKey, nil)
	if exists(filepath.Join(root, busyKey)) || exists(busyTmp) {
		t.Errorf("an unused entry outlived its lock")
	}
	for _, p := range foreign {
		if !exists(p) {
			t.Errorf("%s: a foreign file was removed", p)
		}
	}
}

// A use is recorded at most once a day: a stat otherwise. A use through
// cachedProbe (Options.CacheDir) records it as ensureHost does; an entry
// pruned after the check is built again.
func TestCacheUseRecord(t *testing.T) {
	root := t.TempDir()
	settings := []string{"go=test", "use"}
	key := hostKey(settings)
	mustEnsure(t, root, key, nil)
	used := filepath.Join(root, key, hostUsed)
	st, err := os.Stat(used)
	if err != nil {
		t.Fatalf("no record of use after a build: %v", err)
	}
	if time.Since(st.ModTime()) > time.Hour {
		t.Errorf("record of use after a build: %v", st.ModTime())
	}

	age(t, time.Hour, used)
	before, _ := os.Stat(used)
	mustEnsure(t, root, key, nil)
	if h, err := cachedProbe(context.Background(), settings, Options{CacheDir: root}); err != nil || h == nil {
		t.Fatalf("cachedProbe: %v %v", h, err)
	}
	after, _ := os.Stat(used)
	if !after.ModTime().Equal(before.ModTime()) {
		t.Errorf("a use within the day rewrote the record: %v, then %v", before.ModTime(), after.ModTime())
	}

	age(t, 2*24*time.Hour, used)
	if h, err := cachedProbe(context.Background(), settings, Options{CacheDir: root}); err != nil || h == nil {
		t.Fatalf("cachedProbe: %v %v", h, err)
	}
	if st, _ := os.Stat(used); time.Since(st.ModTime()) > time.Hour {
		t.Errorf("a use after a day was not recorded: %v", st.ModTime())
	}

	// Unused for long, pruned: the next use builds it again.
	ageEntry(t, root, key, 40*24*time.Hour)
	pruneEntries(root, time.Now())
	if exists(filepath.Join(root, key)) {
		t.Fatal("not pruned")
	}
	if h, err := cachedProbe(context.Background(), settings, Options{CacheDir: root}); err != nil || h != nil {
		t.Errorf("cachedProbe of a pruned entry: %v %v", h, err)
	}
	var builds atomic.Int32
	mustEnsure(t, root, key, &builds)
	if builds.Load() != 1 {
		t.Errorf("a pruned entry was not built again")
	}
}

// Uses, builds and prunings at once (run it with -race): with the real
// clock no entry in use goes; with a clock a month ahead, where every
// entry and temporary directory is old, the locks alone keep builds whole.
func TestCachePruneConcurrent(t *testing.T) {
	for _, ahead := range []time.Duration{0, 31 * 24 * time.Hour} {
		t.Run(fmt.Sprintf("ahead=%v", ahead), func(t *testing.T) {
			root := t.TempDir()
			keys := []string{testKey("a"), testKey("b"), testKey("c")}
			var done atomic.Bool
			var wg sync.WaitGroup
			wg.Go(func() {
				for !done.Load() {
					pruneEntries(root, time.Now().Add(ahead))
					os.Remove(filepath.Join(root, pruneStamp))
					pruneCache(root)
				}
			})
			var users sync.WaitGroup
			for w := 0; w < 4; w++ {
				users.Go(func() {
					for i := 0; i < 30; i++ {
						key := keys[(w+i)%len(keys)]
						bin, _, _, err := ensureHost(context.Background(), root, key, buildScript(nil))
						if err != nil {
							t.Errorf("ensureHost: %v", err)
							return
						}
						if _, err := os.Stat(bin); err != nil && ahead == 0 {
							t.Errorf("an entry in use was removed: %v", err)
						}
					}
				})
			}
			users.Wait()
			done.Store(true)
			wg.Wait()
			ents, _ := os.ReadDir(root)
			for _, e := range ents {
				switch {
				case isKey(e.Name()) && cachedHost(filepath.Join(root, e.Name())) == "":
					t.Errorf("%s: an entry left incomplete", e.Name())
				case tmpKey(e.Name()) != "":
					t.Errorf("%s: a temporary directory left behind", e.Name())
				}
			}
		})
	}
}
