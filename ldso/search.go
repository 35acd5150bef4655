package ldso

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"syscall"
)

// Via says how ld.so found an object: the "[via]" of soinspect deps.
type Via string

// The ways an object is found, in the words soinspect prints.
const (
	ViaMain        Via = "main"            // the file itself
	ViaPreload     Via = "preload"         // LD_PRELOAD (--preload) or /etc/ld.so.preload
	ViaInterpreter Via = "interpreter"     // the dynamic loader, already in the process
	ViaPath        Via = "path"            // a name with a slash, opened as it is
	ViaRPath       Via = "rpath"           // DT_RPATH of the loader or one of its loaders
	ViaLibPath     Via = "LD_LIBRARY_PATH" // the --library-path directories
	ViaRunPath     Via = "runpath"         // DT_RUNPATH of the loader itself
	ViaCache       Via = "cache"           // /etc/ld.so.cache
	ViaDefault     Via = "default"         // the system directories
	ViaLoaded      Via = "loaded"          // another name of an object already loaded
	ViaNotFound    Via = "not found"
)

// searchDir is one directory of a search path (r_search_path_elem):
// its name with a trailing slash ("" is the current directory).
type searchDir struct {
	dir    string
	origin bool // the directory came from $ORIGIN
}

// fillinRPath is fillin_rpath: it splits a path list at any of seps,
// expands the tokens of each element, drops those that expand to nothing
// and duplicates, and ends each with a slash.
func fillinRPath(list, seps string, c *dstContext) []searchDir {
	var out []searchDir
	seen := map[string]bool{}
	rest := list
	for {
		var cp string
		i := strings.IndexAny(rest, seps)
		if i < 0 {
			cp, rest = rest, ""
		} else {
			cp, rest = rest[:i], rest[i+1:]
		}
		origin := false
		if cp != "" {
			cp, origin = c.substitute(cp)
			if cp == "" {
				if i < 0 {
					break
				}
				continue
			}
			for len(cp) > 1 && cp[len(cp)-1] == '/' {
				cp = cp[:len(cp)-1]
			}
			if !strings.HasSuffix(cp, "/") {
				cp += "/"
			}
		}
		if !seen[cp] {
			seen[cp] = true
			if len(out) == maxSearchDirs {
				break
			}
			out = append(out, searchDir{dir: cp, origin: origin})
		}
		if i < 0 {
			break
		}
	}
	return out
}

// systemDirs are the default directories of Debian's x86-64 ld.so
// (SYSTEM_DIRS), each with its trailing slash.
var systemDirs = []string{"/lib/x86_64-linux-gnu/", "/usr/lib/x86_64-linux-gnu/", "/lib/", "/usr/lib/"}

// dirState caches what the search learned of a directory.
type dirState struct {
	exists  bool
	entries map[string]bool // names in it; nil if it could not be listed
}

// lookupDir lists a directory once, so that a search tries only the
// names it holds.
func (ld *loader) lookupDir(dir string) *dirState {
	if s, ok := ld.dirs[dir]; ok {
		return s
	}
	s := &dirState{}
	d := dir
	if d == "" {
		d = ld.cwd
	}
	if hp, err := ld.fs.hostPath(d); err == nil {
		if fi, err := os.Stat(hp); err == nil && fi.IsDir() {
			s.exists = true
			if ents, err := os.ReadDir(hp); err == nil && len(ents) <= 1<<20 {
				s.entries = make(map[string]bool, len(ents))
				for _, e := range ents {
					s.entries[e.Name()] = true
				}
			}
		}
	}
	ld.dirs[dir] = s
	return s
}

// found is the outcome of opening one candidate file.
type found struct {
	path   string
	obj    *Object
	id     fileID
	hasID  bool
	hwcaps string
}

// openVerify is open_verify on one candidate. It returns (nil, nil) when
// the file is absent or passed over, an *openVerifyError when the search
// must stop there (the file exists but is no loadable object), and
// sets otherClass when the file was of the other ELF class.
func (ld *loader) openVerify(p string) (*found, *openVerifyError, error) {
	fh, fi, err := ld.fs.open(p)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) && errors.Is(pe.Err, syscall.EISDIR) {
			return nil, &openVerifyError{"cannot read file data: Is a directory"}, nil
		}
		return nil, nil, err
	}
	ld.opened++
	key, keyed := keyOf(fi)
	pool := ld.cfg.Pool
	if pool != nil && keyed {
		if obj := pool.get(key); obj != nil {
			fh.Close()
			f := &found{path: p, obj: obj}
			f.id, f.hasID = statID(fi)
			return f, nil, nil
		}
	}
	src := newSource(fh, fi.Size())
	ld.reading = &reading{path: p, src: src}
	obj, err := readObject(p, src, fi.Size())
	ld.reading = nil
	if err != nil {
		src.Close()
		var skip errSkip
		if errors.As(err, &skip) {
			if skip.otherClass {
				ld.otherClass = true
			}
			return nil, nil, syscall.ENOENT
		}
		var ov *openVerifyError
		if errors.As(err, &ov) {
			return nil, ov, nil
		}
		return nil, &openVerifyError{err.Error()}, nil
	}
	if pool == nil || !keyed || !pool.add(key, obj, src) {
		ld.files = append(ld.files, src)
	}
	f := &found{path: p, obj: obj}
	f.id, f.hasID = statID(fi)
	return f, nil, nil
}

// openPath is open_path: it tries name in each directory of dirs, with
// each of the capability subdirectories, recording each path tried.
func (ld *loader) openPath(name string, dirs []searchDir, tried *[]string) (*found, *searchDir, error) {
	if len(dirs) == 0 || ld.dead[&dirs[0]] {
		return nil, nil, nil
	}
	if len(name) > nameMax {
		// open fails with ENAMETOOLONG in the first directory that
		// exists, and ld.so gives up on the path there.
		return nil, nil, nil
	}
	any := false
	for i := range dirs {
		d := &dirs[i]
		hereAny := false
		var lastErr error
		for _, sub := range ld.caps {
			ld.probes++
			if ld.probes > maxProbes {
				return nil, nil, &LoadError{Name: name, Msg: fmt.Sprintf("search abandoned after %d directory probes (the search paths are too long)", maxProbes)}
			}
			dir := d.dir + sub
			st := ld.lookupDir(dir)
			if !st.exists {
				continue
			}
			hereAny = true
			cand := dir + name
			if len(*tried) < maxTried {
				*tried = append(*tried, cand)
			}
			if st.entries != nil && !st.entries[name] {
				lastErr = syscall.ENOENT
				continue
			}
			f, fatal, err := ld.openVerify(cand)
			if fatal != nil {
				return nil, nil, &LoadError{Name: cand, Msg: fatal.Error()}
			}
			if f != nil {
				f.hwcaps = strings.TrimSuffix(strings.TrimPrefix(sub, "glibc-hwcaps/"), "/")
				if !strings.HasPrefix(sub, "glibc-hwcaps/") {
					f.hwcaps = ""
				}
				return f, d, nil
			}
			lastErr = err
		}
		if hereAny && lastErr != nil && !errors.Is(lastErr, fs.ErrNotExist) && !errors.Is(lastErr, fs.ErrPermission) && !errors.Is(lastErr, syscall.ENOENT) {
			// The file exists and is readable, but something went wrong:
			// ld.so gives up on this search path.
			return nil, nil, nil
		}
		any = any || hereAny
	}
	if !any && ld.mayDrop(dirs) {
		// None of the directories exists: ld.so drops the whole path.
		ld.dead[&dirs[0]] = true
	}
	return nil, nil, nil
}

// mayDrop reports whether a search path may be dropped when none of its
// directories exists: every one but the system directories and
// LD_LIBRARY_PATH's, as open_path decides.
func (ld *loader) mayDrop(dirs []searchDir) bool {
	return len(ld.libPath) == 0 || &dirs[0] != &ld.libPath[0]
}

// The bounds of a search on hostile paths: the directories one path list
// keeps, the paths recorded per missing library, the (directory,
// subdirectory) probes of one load.
const (
	nameMax       = 255 // NAME_MAX: the longest file name open accepts
	maxSearchDirs = 1 << 12
	maxTried      = 1 << 8
	maxProbes     = 1 << 22
)
