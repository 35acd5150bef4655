package specimen

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"
)

// The cache. Every build lands in a directory of its own,
//
//	<root>/<key>/<recipe hash>/<name>
//
// where root is $SOINSPECT_TEST_CACHE, else soinspect-test-<uid> in the
// temporary directory ($TMPDIR, else /tmp: emptied at boot, and short, for
// the paths the tests print must fit their lines); key is a hash of the go
// command's version and environment, the module root and the content of
// the module's sources (test files, Markdown and golden files excepted);
// and the recipe hash covers the build command. The first test process to
// need a build takes a file lock, builds into a temporary directory and
// renames it into place, so that concurrent test binaries (go test runs
// packages in parallel) build each specimen once and a killed build never
// leaves a half-written file behind. Later runs with the same sources reuse
// the builds; a changed source means a new key, built afresh. Every test
// process holds a shared lock on its key while it runs; the keys beyond the
// keepKeys most recently used are removed when no process holds them.
// `make clean` removes the whole root; so should an upgrade of the C
// compiler or linker, which the key does not follow.

// EnvCache names the environment variable that moves the cache root.
const EnvCache = "SOINSPECT_TEST_CACHE"

// keepKeys is how many keys (source trees) stay in the cache.
const keepKeys = 4

// cacheFormat changes when the cache's layout or hashing does.
const cacheFormat = "soinspect-test-cache 1"

// keyEnv is the part of `go env` that changes what a build produces.
var keyEnv = []string{"GOVERSION", "GOROOT", "GOOS", "GOARCH", "GOAMD64", "GOEXPERIMENT", "GOFLAGS",
	"GOTOOLCHAIN", "GOWORK", "CC", "CXX", "CGO_ENABLED", "CGO_CFLAGS", "CGO_CPPFLAGS", "CGO_CXXFLAGS", "CGO_LDFLAGS"}

// goEnv holds those variables, read once.
var goEnv = sync.OnceValues(func() (map[string]string, error) {
	cmd := exec.Command("go", append([]string{"env", "-json"}, keyEnv...)...)
	cmd.Dir = moduleRoot()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go env: %v: %s", err, bytes.TrimSpace(stderr.Bytes()))
	}
	env := map[string]string{}
	if err := json.Unmarshal(out, &env); err != nil {
		return nil, fmt.Errorf("go env -json: %v", err)
	}
	return env, nil
})

// keyDir is this process's directory of the cache, created, locked shared
// for the life of the process, and marked as just used.
var keyDir = sync.OnceValues(func() (string, error) {
	root, err := cacheRoot()
	if err != nil {
		return "", err
	}
	env, err := goEnv()
	if err != nil {
		return "", err
	}
	h := newHash()
	fmt.Fprintf(h, "%s\nroot %s\n", cacheFormat, moduleRoot())
	for _, k := range keyEnv {
		fmt.Fprintf(h, "%s=%q\n", k, env[k])
	}
	if err := hashSources(h, moduleRoot()); err != nil {
		return "", fmt.Errorf("hashing the module's sources: %v", err)
	}
	dir := filepath.Join(root, hex.EncodeToString(h.Sum(nil))[:8])
	if err := useKey(dir); err != nil {
		return "", err
	}
	trim(root, dir)
	return dir, nil
})

// cacheRoot returns the root of the cache, with symbolic links resolved
// (the loader reports real paths; tests compare them).
func cacheRoot() (string, error) {
	root := os.Getenv(EnvCache)
	if root == "" {
		// In a shared directory: ours alone, or not used.
		root = filepath.Join(os.TempDir(), fmt.Sprintf("soinspect-test-%d", os.Getuid()))
		if err := os.Mkdir(root, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
			return "", err
		}
		var st syscall.Stat_t
		if err := syscall.Lstat(root, &st); err != nil {
			return "", err
		}
		if st.Mode&syscall.S_IFMT != syscall.S_IFDIR || int(st.Uid) != os.Getuid() {
			return "", fmt.Errorf("%s is not a directory of ours (set %s to another)", root, EnvCache)
		}
	}
	if err := os.MkdirAll(root, 0o755); err != nil {
		return "", err
	}
	root, err := filepath.Abs(root)
	if err != nil {
		return "", err
	}
	return filepath.EvalSymlinks(root)
}

// hashSources writes the path and content of every file under root that a
// build may read into h: not the test files, Markdown, golden files, fuzz
// corpora, build outputs, nor anything hidden or under bin/.
func hashSources(h hash.Hash, root string) error {
	return filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		if rel == "." {
			return nil
		}
		if skipInHash(rel, d) {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() {
			if d.Type()&fs.ModeSymlink != 0 {
				target, _ := os.Readlink(p)
				fmt.Fprintf(h, "link %q %q\n", rel, target)
			}
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		fmt.Fprintf(h, "file %q %d\n", rel, len(b))
		h.Write(b)
		return nil
	})
}

// inUse holds this process's shared lock on its key; never closed.
var inUse *os.File

// useKey creates dir, locks dir/.inuse shared (a trim removes only keys it
// can lock exclusively) and marks the key as just used. A trim may remove
// the directory between our open and our lock: then try again.
func useKey(dir string) error {
	for range 10 {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		name := filepath.Join(dir, ".inuse")
		f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE, 0o644)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return err
		}
		if err := lockShared(f); err != nil {
			f.Close()
			return fmt.Errorf("lock %s: %v", name, err)
		}
		if sameFile(f, name) {
			now := time.Now()
			os.Chtimes(name, now, now)
			inUse = f
			return nil
		}
		f.Close()
	}
	return fmt.Errorf("%s: removed under us again and again", dir)
}

// lockShared takes a shared lock on f, waiting for it.
func lockShared(f *os.File) error { return syscall.Flock(int(f.Fd()), syscall.LOCK_SH) }

// newHash returns the hash of the cache's keys.
func newHash() hash.Hash { return sha256.New() }

// sameFile reports whether the open file f is still the file at name.
func sameFile(f *os.File, name string) bool {
	a, err := f.Stat()
	if err != nil {
		return false
	}
	b, err := os.Stat(name)
	return err == nil && os.SameFile(a, b)
}

// trim removes the keys beyond the keepKeys most recently used, except
// those a process holds. Failing to trim is not an error.
func trim(root, ours string) {
	ents, err := os.ReadDir(root)
	if err != nil {
		return
	}
	type key struct {
		dir  string
		used time.Time
	}
	var keys []key
	for _, e := range ents {
		dir := filepath.Join(root, e.Name())
		if !e.IsDir() || dir == ours {
			continue
		}
		k := key{dir: dir}
		if st, err := os.Stat(filepath.Join(dir, ".inuse")); err == nil {
			k.used = st.ModTime()
		} else if st, err := os.Stat(dir); err == nil {
			k.used = st.ModTime()
		}
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i].used.After(keys[j].used) })
	for i, k := range keys {
		if i+1 < keepKeys {
			continue
		}
		f, err := os.OpenFile(filepath.Join(k.dir, ".inuse"), os.O_RDWR|os.O_CREATE, 0o644)
		if err != nil {
			continue
		}
		if syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB) == nil {
			os.RemoveAll(k.dir)
		}
		f.Close()
	}
}

// buildOnce runs build into a fresh temporary directory next to
// key/<hash> and renames it into place, unless another process (or an
// earlier run) already has: the exclusive lock on key/<hash>.lock decides.
// It returns key/<hash>.
func buildOnce(hash string, build func(tmp string) error) (string, error) {
	key, err := keyDir()
	if err != nil {
		return "", err
	}
	final := filepath.Join(key, hash)
	if _, err := os.Stat(final); err == nil {
		return final, nil
	}
	lock, err := os.OpenFile(final+".lock", os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return "", err
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return "", fmt.Errorf("lock %s: %v", lock.Name(), err)
	}
	defer syscall.Flock(int(lock.Fd()), syscall.LOCK_UN)
	if _, err := os.Stat(final); err == nil {
		return final, nil // built while we waited
	}
	// Holding the lock, any temporary directory of this hash is a killed
	// build's.
	stale, _ := filepath.Glob(final + ".tmp-*")
	for _, s := range stale {
		os.RemoveAll(s)
	}
	tmp, err := os.MkdirTemp(key, hash+".tmp-")
	if err != nil {
		return "", err
	}
	if err := build(tmp); err != nil {
		os.RemoveAll(tmp)
		return "", err
	}
	if err := os.Rename(tmp, final); err != nil {
		os.RemoveAll(tmp)
		return "", err
	}
	return final, nil
}

// hashOf returns a short hex hash of the JSON form of v.
func hashOf(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // only plain structs and strings are hashed
	}
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])[:8]
}

// skipInHash reports whether a file or directory under the module root is
// no input of any build.
func skipInHash(rel string, d fs.DirEntry) bool {
	name := d.Name()
	if strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") {
		return true
	}
	if d.IsDir() {
		return rel == "bin" || name == "fuzz" && filepath.Base(filepath.Dir(rel)) == "testdata" ||
			strings.HasPrefix(name, "fuzz-out")
	}
	for _, suf := range []string{"_test.go", ".md", ".golden", ".txt", ".mk", ".so", ".test", ".prof", ".out"} {
		if strings.HasSuffix(name, suf) {
			return true
		}
	}
	return name == "Makefile"
}
