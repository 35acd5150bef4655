package probe

import (
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// The probe host cache: one directory per build of the probe host,
// os.UserCacheDir()/soinspect/probe/<key>, the key a hash of the
// toolchain and hash-relevant settings (pluginbuild.HashSettings) and of
// the probe host's source. Shared by concurrent soinspect processes:
//
//   - a build holds an exclusive flock on <key>.lock, so one process
//     builds and the others wait, then use its result;
//   - it builds into a temporary directory beside the entry and renames
//     it into place only once complete and synced, so an entry is there
//     whole or not at all; a build killed midway leaves only its
//     temporary directory, which the next build of the key, or the
//     next pruning (hostprune.go), removes;
//   - an entry is used only when its marker file, written last, holds the
//     size, modification time and inode its binary had when complete
//     (and its SHA-256, for the record): a binary torn or rewritten since
//     is rebuilt, never run. A stat, not a hash, so that a cached call
//     costs no more than one that needs no build.

//go:embed probehost/*.go
var hostSource embed.FS

// hostBinary and hostMarker are the names inside a cache entry.
const (
	hostBinary = "probehost"
	hostMarker = "complete"
)

// EnvCacheDir names the environment variable that moves the probe host
// cache.
const EnvCacheDir = "SOINSPECT_PROBE_CACHE"

// DefaultCacheDir returns the probe host cache's directory: $EnvCacheDir
// if set, else os.UserCacheDir()/soinspect/probe.
func DefaultCacheDir() (string, error) {
	if d := os.Getenv(EnvCacheDir); d != "" {
		return d, nil
	}
	d, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("the probe host cache: %w", err)
	}
	return filepath.Join(d, "soinspect", "probe"), nil
}

// hostKey is the cache key of a probe host built with settings.
func hostKey(settings []string) string {
	h := sha256.New()
	for _, s := range settings {
		fmt.Fprintf(h, "%q\n", s)
	}
	fs.WalkDir(hostSource, ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := hostSource.ReadFile(p)
			fmt.Fprintf(h, "%s %d\n", p, len(b))
			h.Write(b)
		}
		return nil
	})
	return hex.EncodeToString(h.Sum(nil))[:32]
}

// cachedHost returns the binary of the complete entry in dir, or "" when
// there is none (missing, unfinished or damaged).
func cachedHost(dir string) string {
	mark, err := os.ReadFile(filepath.Join(dir, hostMarker))
	if err != nil {
		return ""
	}
	bin := filepath.Join(dir, hostBinary)
	st, err := os.Stat(bin)
	if err != nil || !st.Mode().IsRegular() {
		return ""
	}
	want := statText(st)
	if i := strings.IndexByte(string(mark), '\n'); i < 0 || string(mark[:i]) != want {
		return ""
	}
	return bin
}

// statText is the first line of a marker: what a stat says of the binary.
func statText(st os.FileInfo) string {
	var ino uint64
	if sys, ok := st.Sys().(*syscall.Stat_t); ok {
		ino = sys.Ino
	}
	return fmt.Sprintf("size %d mtime %d inode %d", st.Size(), st.ModTime().UnixNano(), ino)
}

// markerText is a marker: the binary's stat, then its SHA-256.
func markerText(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	st, err := f.Stat()
	if err != nil {
		return "", err
	}
	return statText(st) + "\nsha256 " + hex.EncodeToString(h.Sum(nil)) + "\n", nil
}

// ensureHost returns the cached probe host under root for key, building
// it with build (which writes the binary at the path it is given from
// the source directory it is given) when the cache lacks it. built says
// whether this call built it, and took how long.
func ensureHost(ctx context.Context, root, key string, build func(ctx context.Context, srcDir, out string) error) (bin string, built bool, took time.Duration, err error) {
	entry := filepath.Join(root, key)
	defer func() {
		if err == nil {
			pruneCache(root) // after the key's lock is released
		}
	}()
	if bin := cachedHost(entry); bin != "" && noteUse(ctx, root, key) {
		return bin, false, 0, nil
	}
	if err := os.MkdirAll(root, 0o755); err != nil {
		return "", false, 0, fmt.Errorf("the probe host cache: %w", err)
	}
	lock, err := lockKey(ctx, root, key, true)
	if err != nil {
		return "", false, 0, fmt.Errorf("the probe host cache: waiting for another soinspect's build: %w", err)
	}
	defer lock.Close() // releases the flock
	// Another process may have built it while this one waited.
	if bin := cachedHost(entry); bin != "" {
		touchUsed(entry)
		return bin, false, 0, nil
	}
	// Under the lock no other build of the key runs: whatever is left of
	// one is a killed build's, or a damaged entry.
	stale, _ := filepath.Glob(filepath.Join(root, "."+key+".tmp-*"))
	for _, s := range stale {
		os.RemoveAll(s)
	}
	if err := os.RemoveAll(entry); err != nil {
		return "", false, 0, fmt.Errorf("the probe host cache: removing a damaged entry: %w", err)
	}
	tmp, err := os.MkdirTemp(root, "."+key+".tmp-")
	if err != nil {
		return "", false, 0, fmt.Errorf("the probe host cache: %w", err)
	}
	defer os.RemoveAll(tmp) // nothing left once renamed
	src := filepath.Join(tmp, "src")
	if err := writeHostSource(src); err != nil {
		return "", false, 0, fmt.Errorf("the probe host cache: %w", err)
	}
	start := time.Now()
	out := filepath.Join(tmp, hostBinary)
	if err := build(ctx, src, out); err != nil {
		return "", false, 0, err
	}
	took = time.Since(start)
	if err := os.RemoveAll(src); err != nil {
		return "", false, 0, err
	}
	if err := syncPath(out); err != nil {
		return "", false, 0, fmt.Errorf("the probe host cache: %w", err)
	}
	mark, err := markerText(out)
	if err != nil {
		return "", false, 0, fmt.Errorf("the probe host just built: %w", err)
	}
	if err := writeSynced(filepath.Join(tmp, hostMarker), []byte(mark)); err != nil {
		return "", false, 0, fmt.Errorf("the probe host cache: %w", err)
	}
	if err := syncPath(tmp); err != nil {
		return "", false, 0, fmt.Errorf("the probe host cache: %w", err)
	}
	if err := os.Rename(tmp, entry); err != nil {
		return "", false, 0, fmt.Errorf("the probe host cache: %w", err)
	}
	syncPath(root)
	touchUsed(entry)
	return filepath.Join(entry, hostBinary), true, took, nil
}

// writeHostSource writes the probe host's module into dir: its embedded
// source and a go.mod whose go line every toolchain that builds plugins
// accepts.
func writeHostSource(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	files, err := fs.Glob(hostSource, "probehost/*.go")
	if err != nil {
		return err
	}
	for _, p := range files {
		if strings.HasSuffix(p, "_test.go") {
			continue
		}
		b, err := hostSource.ReadFile(p)
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, filepath.Base(p)), b, 0o644); err != nil {
			return err
		}
	}
	return os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module soinspect.invalid/probehost\n\ngo 1.18\n"), 0o644)
}

func writeSynced(path string, b []byte) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func syncPath(p string) error {
	f, err := os.Open(p)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}

// flockCtx takes an exclusive flock on f, giving up when ctx ends.
func flockCtx(ctx context.Context, f *os.File) error {
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) && !errors.Is(err, syscall.EINTR) {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}
