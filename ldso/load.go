package ldso

import (
	"debug/elf"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"runtime/debug"
	"strings"

	"github.com/soinspect/soinspect/internal/guard"
)

// loader is the state of one emulated load.
type loader struct {
	cfg        Config
	fs         fsys
	cwd        string
	caps       []string
	level      int
	dirs       map[string]*dirState
	dead       map[*searchDir]bool // search paths none of whose directories exists
	byName     map[string]*Loaded  // the objects found, by every name they answer to
	probes     int
	cache      *Cache
	cacheErr   error
	cacheRead  bool
	libPath    []searchDir
	res        *Result
	main       *Loaded
	otherClass bool
	opened     int
	files      []*source
	reading    *reading     // the file being read by openVerify
	tables     *tableReader // reads the tables of the objects mapped, ahead of their use
}

// maxObjects bounds the load set: a hostile chain of distinct libraries
// cannot make the emulation run away. Real processes load hundreds.
const maxObjects = 1 << 14

// Load emulates what ld.so does with file: it maps the file, its
// preloads, and the breadth-first closure of their DT_NEEDED entries,
// searching each as dl-load.c does, and deduplicating by name, soname
// and file identity. Nothing is mapped or run. An error is returned when
// file itself cannot be read as an object; failures of the load are in
// the Result.
func Load(file string, cfg Config) (res *Result, err error) {
	ld, err := newLoader(cfg)
	if err != nil {
		return nil, err
	}
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer guard.Recover(func(p any) {
		res, err = nil, ld.panicError("the load set", p)
		if ld.reading != nil {
			ld.reading.src.Close()
		}
		ld.close()
	})
	// The reader ends before anything is unmapped: on a panic of the load
	// (deferred last, this runs first) and before an error's close.
	ld.tables = newTableReader()
	defer ld.tables.finish()
	res, err = ld.load(file)
	ld.tables.finish()
	if err != nil {
		ld.close()
		return nil, err
	}
	res.ld = ld
	return res, nil
}

// Close closes the files the Result reads from; its objects can no
// longer be read (for versions or symbols) afterwards.
func (r *Result) Close() error {
	if r.ld != nil {
		r.ld.close()
	}
	return nil
}

func newLoader(cfg Config) (*loader, error) {
	ld := &loader{cfg: cfg, dirs: map[string]*dirState{}, dead: map[*searchDir]bool{}, byName: map[string]*Loaded{}}
	if cfg.Root != "" && cfg.Root != "/" {
		abs, err := filepath.Abs(cfg.Root)
		if err != nil {
			return nil, err
		}
		fi, err := os.Stat(abs)
		if err != nil {
			return nil, err
		}
		if !fi.IsDir() {
			return nil, fmt.Errorf("%s: not a directory", cfg.Root)
		}
		ld.fs.root = abs
		ld.cwd = "/"
	} else if wd, err := os.Getwd(); err == nil {
		ld.cwd = wd
	}
	ld.level = cfg.ISALevel
	if ld.level == 0 {
		ld.level = HostISALevel()
	}
	if ld.cfg.Platform == "" {
		ld.cfg.Platform = "x86_64"
	}
	if ld.cfg.Lib == "" {
		ld.cfg.Lib = "lib/x86_64-linux-gnu"
	}
	if ld.cfg.Interpreter == "" {
		ld.cfg.Interpreter = DefaultInterpreter
	}
	ld.caps = capSubdirs(ld.level, ld.cfg.Platform)
	return ld, nil
}

func (ld *loader) close() {
	for _, f := range ld.files {
		f.Close()
	}
	ld.files = nil
}

func (ld *loader) dstOf(l *Loaded) *dstContext {
	c := &dstContext{
		secure: ld.res.Secure, executable: l == ld.main, platform: ld.cfg.Platform,
		lib: ld.cfg.Lib, trusted: systemDirs,
	}
	if l.Path != "" {
		c.origin = originOf(l.Path, ld.cwd)
		if l == ld.main && ld.cfg.AsExecuted {
			if hp, err := ld.fs.hostPath(l.Path); err == nil {
				if rp, err := filepath.EvalSymlinks(hp); err == nil && ld.fs.root == "" {
					c.origin = path.Dir(rp)
				}
			}
		}
	}
	return c
}

func (ld *loader) load(file string) (*Result, error) {
	ld.res = &Result{File: file, rtldAt: -1}
	f, fatal, err := ld.openVerify(file)
	if err != nil {
		return nil, err
	}
	switch {
	case fatal != nil:
		return nil, &NotLoadableError{File: file, Msg: fatal.Error()}
	case f == nil && ld.otherClass:
		return nil, &NotLoadableError{File: file, Msg: "wrong ELF class: ELFCLASS32"}
	case f == nil:
		return nil, &NotLoadableError{File: file, Msg: "not an x86-64 object"}
	case !f.obj.Dynamic:
		return nil, &NotLoadableError{File: file, Msg: "not a dynamic executable (no PT_DYNAMIC)"}
	}
	main := &Loaded{Name: file, Path: file, Via: ViaMain, Object: f.obj, id: f.id, hasID: f.hasID}
	main.names = []string{file}
	ld.main = main
	ld.register(main, file, f.obj.Soname)
	if fi, err := ld.stat(file); err == nil {
		ld.res.Secure = fi.Mode()&(fs.ModeSetuid|fs.ModeSetgid) != 0
	}
	ld.res.Secure = ld.res.Secure || ld.cfg.Secure
	ld.res.Objects = []*Loaded{main}
	ld.tables.add(main)

	// The interpreter is in the process before anything is loaded.
	interp := f.obj.Interp
	if interp == "" {
		interp = ld.cfg.Interpreter
	}
	ld.res.Interpreter = interp
	rtld := &Loaded{Name: interp, Path: interp, Via: ViaInterpreter, names: []string{interp}}
	if rf, _, _ := ld.openVerify(interp); rf != nil {
		rtld.Object = rf.obj
	} else {
		// Without its file the loader still answers to its name.
		rtld.Object = &Object{Path: interp, Soname: path.Base(interp)}
	}
	ld.res.interp = rtld
	ld.tables.add(rtld)

	if !ld.res.Secure && ld.cfg.LibraryPath != "" {
		ld.libPath = fillinRPath(ld.cfg.LibraryPath, ":;", ld.dstOf(main))
	}
	ld.preloads()
	ld.res.Static = len(f.obj.Needed) == 0
	if ld.res.Static && len(ld.res.Objects) == 1 {
		return ld.res, nil
	}
	ld.bfs()
	ld.placeInterpreter()
	for i, l := range ld.res.Objects {
		l.index = i
	}
	for _, l := range ld.res.Objects {
		if l.Found() && !l.IsInterpreter() {
			l.Needs = make([]int, len(l.Object.Needed))
			for k := range l.Needs {
				l.Needs[k] = -1
				if k < len(l.deps) {
					l.Needs[k] = l.deps[k].index
				}
			}
		}
	}
	return ld.res, nil
}

func (ld *loader) stat(p string) (fs.FileInfo, error) {
	hp, err := ld.fs.hostPath(p)
	if err != nil {
		return nil, err
	}
	return os.Stat(hp)
}

// preloads loads LD_PRELOAD's and /etc/ld.so.preload's objects, as
// rtld.c's do_preload does: a missing one is a warning, not a failure.
func (ld *loader) preloads() {
	var names []string
	names = append(names, strings.FieldsFunc(ld.cfg.Preload, func(r rune) bool { return r == ' ' || r == ':' })...)
	if !ld.cfg.NoPreloadFile {
		if b, err := ld.fs.readFile("/etc/ld.so.preload", 1<<20); err == nil {
			names = append(names, strings.FieldsFunc(string(b), func(r rune) bool {
				return r == ' ' || r == '\t' || r == '\n' || r == ':'
			})...)
		}
	}
	for _, n := range names {
		if ld.res.Secure && strings.Contains(n, "/") {
			continue // secure mode: only names, searched in the system directories
		}
		l, err := ld.mapObject(ld.main, n, false)
		if err != nil || l == nil || !l.Found() {
			ld.res.Warnings = append(ld.res.Warnings, fmt.Sprintf("object '%s' from LD_PRELOAD cannot be preloaded (cannot open shared object file): ignored.", n))
			continue
		}
		if l.Via != ViaLoaded {
			l.Via = ViaPreload
		}
		if ld.appendNew(l) {
			ld.tables.add(l)
		}
	}
}

// appendNew adds l to the load list unless it is already there.
func (ld *loader) appendNew(l *Loaded) bool {
	for _, o := range ld.res.Objects {
		if o == l {
			return false
		}
	}
	ld.res.Objects = append(ld.res.Objects, l)
	return true
}

// bfs is _dl_map_object_deps: each object of the list in turn, each of
// its DT_NEEDED entries in order; a new object joins the end of the list.
func (ld *loader) bfs() {
	inList := map[*Loaded]bool{}
	for _, l := range ld.res.Objects {
		inList[l] = true
	}
	for i := 0; i < len(ld.res.Objects); i++ {
		l := ld.res.Objects[i]
		if !l.Found() || l.IsInterpreter() {
			continue
		}
		for _, raw := range l.Object.Needed {
			name := raw
			if hasDST(raw) {
				name, _ = ld.dstOf(l).substitute(raw)
				if name == "" {
					ld.res.Fatal = &LoadError{Name: raw, Msg: "empty dynamic string token substitution"}
					return
				}
			}
			dep, err := ld.mapObject(l, name, true)
			if err != nil {
				var le *LoadError
				if errors.As(err, &le) {
					ld.res.Fatal = le
				} else {
					ld.res.Fatal = &LoadError{Name: name, Msg: err.Error()}
				}
				return
			}
			if !inList[dep] {
				if len(ld.res.Objects) >= maxObjects {
					ld.res.Fatal = &LoadError{Name: name, Msg: fmt.Sprintf("more than %d objects in the load set", maxObjects)}
					return
				}
				inList[dep] = true
				ld.res.Objects = append(ld.res.Objects, dep)
				if dep.Found() && !dep.IsInterpreter() {
					ld.tables.add(dep)
				}
				if dep.IsInterpreter() && ld.res.rtldAt < 0 {
					ld.res.rtldAt = len(ld.res.Objects) - 1
				}
			}
			dep.NeededBy = appendIdx(dep.NeededBy, i)
			l.deps = append(l.deps, dep)
		}
	}
}

func appendIdx(s []int, i int) []int {
	if len(s) > 0 && s[len(s)-1] == i {
		return s
	}
	return append(s, i)
}

// placeInterpreter moves the interpreter to where rtld.c puts it in the
// list of a traced program: right after the object that precedes it in
// the search list, which holds no missing libraries.
func (ld *loader) placeInterpreter() {
	objs := ld.res.Objects
	at := -1
	for i, l := range objs {
		if l.IsInterpreter() {
			at = i
		}
	}
	if at < 0 {
		return
	}
	prev := at - 1
	for prev > 0 && !objs[prev].Found() {
		prev--
	}
	rt := objs[at]
	copy(objs[prev+2:at+1], objs[prev+1:at])
	objs[prev+1] = rt
	// NeededBy indexes refer to the old order: remap them.
	old := make(map[int]int, len(objs))
	for newI := range objs {
		oldI := newI
		switch {
		case newI == prev+1:
			oldI = at
		case newI > prev+1 && newI <= at:
			oldI = newI - 1
		}
		old[oldI] = newI
	}
	for _, l := range objs {
		for k, v := range l.NeededBy {
			l.NeededBy[k] = old[v]
		}
	}
}

// matches is _dl_name_match_p plus the soname test of _dl_map_object.
func (l *Loaded) matches(name string) bool {
	if !l.Found() {
		return false
	}
	if l.matchesName(name) {
		return true
	}
	if l.Object.Soname != "" && l.Object.Soname == name {
		l.addName(name)
		return true
	}
	return false
}

func (l *Loaded) addName(n string) {
	for _, x := range l.names {
		if x == n {
			return
		}
	}
	if len(l.names) < 64 {
		l.names = append(l.names, n)
	}
}

// mapObject is _dl_map_object in trace mode: the object already loaded
// under name, or the one found by the search, or (trace) a record of a
// library not found. The error is a fatal one.
func (ld *loader) mapObject(from *Loaded, name string, trace bool) (*Loaded, error) {
	objs := ld.res.Objects
	if ld.res.interp.matches(name) {
		return ld.res.interp, nil
	}
	if l, ok := ld.byName[name]; ok {
		// The first object of the list with that name or soname.
		l.addName(name)
		return l, nil
	}
	ld.otherClass = false
	var tried []string
	var f *found
	var dir *searchDir
	var via Via
	if !strings.Contains(name, "/") {
		var err error
		f, dir, via, err = ld.search(from, name, &tried)
		if err != nil {
			return nil, err
		}
	} else {
		via = ViaPath
		tried = append(tried, name)
		var fatal *openVerifyError
		var err error
		f, fatal, err = ld.openVerify(name)
		if fatal != nil {
			return nil, &LoadError{Name: name, Msg: fatal.Error()}
		}
		_ = err
	}
	if f == nil {
		if !trace {
			return nil, nil
		}
		return &Loaded{Name: name, Via: ViaNotFound, Tried: tried, loader: from}, nil
	}
	// The same file under another name is the same object.
	if f.hasID {
		for _, l := range objs {
			if l.hasID && l.id == f.id {
				l.addName(name)
				ld.register(l, name)
				return l, nil
			}
		}
	}
	l := &Loaded{Name: name, Path: f.path, Via: via, Object: f.obj, id: f.id, hasID: f.hasID,
		Hwcaps: f.hwcaps, loader: from}
	if dir != nil {
		l.Dir, l.Origin = dir.dir, dir.origin
	}
	l.names = []string{name}
	ld.register(l, name, l.Path, l.Object.Soname)
	return l, nil
}

// register records the names a found object answers to, unless an
// object earlier in the list already answers to them: _dl_map_object
// takes the first object of the list whose name or soname matches.
func (ld *loader) register(l *Loaded, names ...string) {
	for _, n := range names {
		if _, ok := ld.byName[n]; !ok && n != "" {
			ld.byName[n] = l
		}
	}
}

// paths returns the decomposed DT_RPATH and DT_RUNPATH of l, once.
func (ld *loader) paths(l *Loaded) (rpath, runpath []searchDir) {
	if !l.rpDone {
		l.rpDone = true
		if o := l.Object; o != nil {
			if o.RunPath != nil && *o.RunPath != "" {
				l.runp = fillinRPath(*o.RunPath, ":", ld.dstOf(l))
			}
			if o.RPath != nil && *o.RPath != "" {
				l.rpath = fillinRPath(*o.RPath, ":", ld.dstOf(l))
			}
		}
	}
	return l.rpath, l.runp
}

// search is the search of _dl_map_object for a name without a slash.
func (ld *loader) search(from *Loaded, name string, tried *[]string) (*found, *searchDir, Via, error) {
	try := func(dirs []searchDir) (*found, *searchDir, error) {
		if len(dirs) == 0 {
			return nil, nil, nil
		}
		return ld.openPath(name, dirs, tried)
	}
	// DT_RPATH of the loader and its loaders, unless the loader has
	// DT_RUNPATH; then the main program's.
	if from == nil || from.Object.RunPath == nil {
		didMain := false
		for l := from; l != nil; l = l.loader {
			rp, _ := ld.paths(l)
			if len(rp) == 0 {
				continue
			}
			f, d, err := try(rp)
			if err != nil || f != nil {
				return f, d, ViaRPath, err
			}
			didMain = didMain || l == ld.main
		}
		if !didMain && ld.main != nil {
			rp, _ := ld.paths(ld.main)
			f, d, err := try(rp)
			if err != nil || f != nil {
				return f, d, ViaRPath, err
			}
		}
	}
	if f, d, err := try(ld.libPath); err != nil || f != nil {
		return f, d, ViaLibPath, err
	}
	if from != nil {
		_, runp := ld.paths(from)
		if f, d, err := try(runp); err != nil || f != nil {
			return f, d, ViaRunPath, err
		}
	}
	nodeflib := false
	if l := from; l != nil && l.Object != nil {
		nodeflib = l.Object.Flags1&elf.DF_1_NODEFLIB != 0
	} else if ld.main != nil {
		nodeflib = ld.main.Object.Flags1&elf.DF_1_NODEFLIB != 0
	}
	if !ld.cfg.NoCache {
		if c := ld.loadCache(); c != nil {
			if p, hw, ok := c.Lookup(name, ld.level); ok {
				skip := false
				if nodeflib {
					for _, d := range systemDirs {
						if strings.HasPrefix(p, d) {
							skip = true
						}
					}
				}
				if !skip {
					*tried = append(*tried, p)
					f, fatal, _ := ld.openVerify(p)
					if fatal != nil {
						return nil, nil, "", &LoadError{Name: p, Msg: fatal.Error()}
					}
					if f != nil {
						f.hwcaps = hw
						return f, &searchDir{dir: path.Dir(p) + "/"}, ViaCache, nil
					}
				}
			}
		}
	}
	if !nodeflib {
		dirs := make([]searchDir, len(systemDirs))
		for i, d := range systemDirs {
			dirs[i] = searchDir{dir: d}
		}
		if f, d, err := try(dirs); err != nil || f != nil {
			return f, d, ViaDefault, err
		}
	}
	return nil, nil, ViaNotFound, nil
}

// loadCache reads /etc/ld.so.cache once.
func (ld *loader) loadCache() *Cache {
	if !ld.cacheRead {
		ld.cacheRead = true
		b, err := ld.fs.readFile("/etc/ld.so.cache", maxCacheFileLength)
		if err == nil {
			ld.cache, ld.cacheErr = ParseCache(b)
		} else {
			ld.cacheErr = err
		}
	}
	return ld.cache
}
