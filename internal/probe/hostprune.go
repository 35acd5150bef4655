package probe

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// The pruning of the probe host cache. Each entry records its last use
// in the modification time of its file hostUsed, touched at most once a
// day (a stat, not a write, on every other call). After a successful use
// or build, at most once a day (the stamp file pruneStamp in the cache's
// directory, under its own flock), the cache removes the entries not used
// for pruneUnused and the temporary directories of killed builds older
// than pruneStaleTmp. It removes an entry or temporary directory only
// while it holds the key's lock, taken without waiting (skipping a key in
// use), and only after checking again, under the lock, that the entry is
// still unused; a use that finds its entry's record older than a day
// takes the same lock to touch it, so that it either keeps the entry or
// finds it gone and builds it again. It looks only at names a cache entry
// has, never follows a symbolic link, and leaves the <key>.lock files be:
// removing a lock file others may hold is not safe.

const (
	hostUsed      = "used"   // in an entry: its modification time is the last use
	pruneStamp    = "pruned" // in the cache: its modification time is the last pruning
	pruneEvery    = 24 * time.Hour
	pruneUnused   = 30 * 24 * time.Hour
	pruneStaleTmp = time.Hour
)

// isKey says whether name is a cache key (see hostKey).
func isKey(name string) bool {
	if len(name) != 32 {
		return false
	}
	for _, c := range name {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// tmpKey returns the key of a build's temporary directory name
// (".<key>.tmp-<random>"), or "".
func tmpKey(name string) string {
	rest, ok := strings.CutPrefix(name, ".")
	if !ok {
		return ""
	}
	key, random, ok := strings.Cut(rest, ".tmp-")
	if !ok || !isKey(key) || random == "" || strings.ContainsRune(random, '/') {
		return ""
	}
	return key
}

// lockKey opens root/<key>.lock and takes its exclusive flock: waiting
// until ctx ends when wait, else failing at once with EWOULDBLOCK when
// another holds it. Closing the file releases the lock.
func lockKey(ctx context.Context, root, key string, wait bool) (*os.File, error) {
	f, err := os.OpenFile(filepath.Join(root, key+".lock"), os.O_RDWR|os.O_CREATE|syscall.O_NOFOLLOW, 0o644)
	if err != nil {
		return nil, err
	}
	if wait {
		err = flockCtx(ctx, f)
	} else {
		err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// noteUse records the use of the complete entry root/key and says whether
// it is still there. Within a day of the last record it only stats;
// otherwise it touches the record under the key's lock, so that no
// pruning removes the entry between the check and the touch.
func noteUse(ctx context.Context, root, key string) bool {
	entry := filepath.Join(root, key)
	if st, err := os.Stat(filepath.Join(entry, hostUsed)); err == nil && time.Since(st.ModTime()) < pruneEvery {
		return true
	}
	lock, err := lockKey(ctx, root, key, true)
	if err != nil {
		return true // no record this time; the entry was there
	}
	defer lock.Close()
	if cachedHost(entry) == "" {
		return false // pruned (or damaged) meanwhile
	}
	touchUsed(entry)
	return true
}

// touchUsed sets the modification time of entry's record of use to now,
// creating it if need be.
func touchUsed(entry string) {
	p := filepath.Join(entry, hostUsed)
	now := time.Now()
	if err := os.Chtimes(p, now, now); errors.Is(err, os.ErrNotExist) {
		if f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|syscall.O_NOFOLLOW, 0o644); err == nil {
			f.Close()
		}
	}
}

// lastUse is when entry was last used: the latest modification time of
// its record of use, its marker and itself (an entry made before records
// of use has only the last two).
func lastUse(entry string) time.Time {
	var t time.Time
	for _, p := range []string{filepath.Join(entry, hostUsed), filepath.Join(entry, hostMarker), entry} {
		if st, err := os.Lstat(p); err == nil && st.ModTime().After(t) {
			t = st.ModTime()
		}
	}
	return t
}

// pruneCache prunes the cache at root if it was not pruned within a day.
// Errors are not reported: pruning is housekeeping, and the next one
// tries again.
func pruneCache(root string) {
	stamp := filepath.Join(root, pruneStamp)
	if st, err := os.Lstat(stamp); err == nil && st.Size() > 0 && time.Since(st.ModTime()) < pruneEvery {
		return
	}
	f, err := os.OpenFile(stamp, os.O_RDWR|os.O_CREATE|syscall.O_NOFOLLOW, 0o644)
	if err != nil {
		return
	}
	defer f.Close()
	if syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB) != nil {
		return // another process prunes
	}
	// Another process may have pruned while this one opened the stamp.
	if st, err := f.Stat(); err != nil || !st.Mode().IsRegular() || st.Size() > 0 && time.Since(st.ModTime()) < pruneEvery {
		return
	}
	pruneEntries(root, time.Now())
	if _, err := f.WriteAt([]byte("pruned\n"), 0); err == nil {
		now := time.Now()
		os.Chtimes(stamp, now, now)
	}
}

// pruneEntries removes, from the cache at root, the entries last used
// before now-pruneUnused and the temporary directories older than
// now-pruneStaleTmp, each under its key's lock and only if no one holds
// it. Anything else is left as it is.
func pruneEntries(root string, now time.Time) {
	ents, err := os.ReadDir(root)
	if err != nil {
		return
	}
	for _, e := range ents {
		name := e.Name()
		p := filepath.Join(root, name)
		key, old := name, now.Add(-pruneUnused)
		if k := tmpKey(name); k != "" {
			key, old = k, now.Add(-pruneStaleTmp)
		} else if !isKey(name) {
			continue
		}
		if st, err := os.Lstat(p); err != nil || !st.IsDir() {
			continue // not an entry: a file, or a symbolic link
		}
		if !lastUse(p).Before(old) {
			continue
		}
		lock, err := lockKey(context.Background(), root, key, false)
		if err != nil {
			continue // in use: being built or its use recorded
		}
		// Under the lock: still unused, and still a directory.
		if st, err := os.Lstat(p); err == nil && st.IsDir() && lastUse(p).Before(old) {
			os.RemoveAll(p)
		}
		lock.Close()
	}
}
