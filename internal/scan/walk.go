package scan

import (
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// job is one regular file to examine; named is true for a file the user
// named as a root.
type job struct {
	path  string
	named bool
	seq   int // the order in which the walk found it
}

// walker walks the roots of one scan and sends the regular files it finds
// to jobs. It runs in one goroutine; its counters are read once it is done.
type walker struct {
	opts *Options
	jobs chan<- job
	seq  int // jobs sent so far
	// pseudo caches, per device, the name of its pseudo filesystem ("" for
	// a real one), so that statfs runs once per mount.
	pseudo map[uint64]string

	errs                        []FileError
	symlinks, special, excluded int
	notEntered                  []NotEntered
}

// root scans one root: a symbolic link is followed (find -H), a directory
// walked, a regular file examined as named, and anything else refused.
func (w *walker) root(r string) {
	st, err := os.Stat(r)
	if err != nil {
		w.errs = append(w.errs, FileError{Path: r, Error: errText(err)})
		return
	}
	switch {
	case st.Mode().IsRegular():
		w.send(job{path: r, named: true})
		return
	case !st.IsDir():
		w.errs = append(w.errs, FileError{Path: r, Error: notRegular(st.Mode())})
		return
	}
	start := r
	if lst, err := os.Lstat(r); err == nil && lst.Mode()&fs.ModeSymlink != 0 {
		// WalkDir does not follow a symbolic link given as its root; with a
		// trailing slash the system resolves it, and the paths found keep
		// the name the user gave (/lib/x, not /usr/lib/x).
		start = r + string(filepath.Separator)
	}
	rootDev, haveDev := device(st)
	filepath.WalkDir(start, func(p string, de fs.DirEntry, err error) error {
		if p == start {
			p = r
		}
		if err != nil {
			w.errs = append(w.errs, FileError{Path: p, Error: errText(err)})
			if de != nil && de.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if p != r && w.isExcluded(p) {
			w.excluded++
			if de.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		switch t := de.Type(); {
		case t.IsDir():
			if p == r || !haveDev {
				return nil
			}
			if why := w.skipMount(p, de, rootDev); why != "" {
				w.notEntered = append(w.notEntered, NotEntered{Path: p, Reason: why})
				return fs.SkipDir
			}
		case t&fs.ModeSymlink != 0:
			w.symlinks++
		case t.IsRegular():
			w.send(job{path: p})
		default:
			// FIFOs, sockets, devices: never opened, so never a hang.
			w.special++
		}
		return nil
	})
}

// skipMount says why the walk should not enter directory p, or "": it is
// on another device than the root's and either OneFileSystem is set or it
// is a pseudo filesystem.
func (w *walker) skipMount(p string, de fs.DirEntry, rootDev uint64) string {
	info, err := de.Info()
	if err != nil {
		return ""
	}
	dev, ok := device(info)
	if !ok || dev == rootDev {
		return ""
	}
	if w.opts.OneFileSystem {
		return "another filesystem (--one-file-system)"
	}
	name, seen := w.pseudo[dev]
	if !seen {
		name = pseudoFS(p)
		w.pseudo[dev] = name
	}
	if name != "" {
		return "a pseudo filesystem (" + name + ")"
	}
	return ""
}

// isExcluded matches p against the Exclude patterns: the whole path for a
// pattern with a slash, else the base name.
func (w *walker) isExcluded(p string) bool {
	for _, pat := range w.opts.Exclude {
		subject := filepath.Base(p)
		if strings.Contains(pat, "/") {
			subject = filepath.ToSlash(p)
		}
		if ok, _ := path.Match(pat, subject); ok {
			return true
		}
	}
	return false
}

// send numbers j in the order of the walk and hands it to the workers.
func (w *walker) send(j job) {
	w.seq++
	j.seq = w.seq
	w.jobs <- j
}
