// Package scan walks directory trees for ELF shared objects, found by
// content rather than by name, classifies each (Go plugin, Go c-shared
// library, C/C++ library, ...), and flags what would confuse a loader that
// keys plugins on file names while the Go runtime keys them on pluginpath.
// It reads headers, the dynamic section and build info only; it never loads
// a file and never prints: progress goes to a callback.
package scan

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/soinspect/soinspect/elfinspect"
	"github.com/soinspect/soinspect/plugincheck"
)

// Class is the coarse kind of a shared object a scan reports.
type Class string

// The classes a scan tells apart.
const (
	ClassGoPlugin   Class = "go-plugin"   // -buildmode=plugin
	ClassGoCShared  Class = "go-c-shared" // -buildmode=c-shared
	ClassGoShared   Class = "go-shared"   // -buildmode=shared
	ClassCLibrary   Class = "c-library"   // a shared library not built by Go
	ClassExecutable Class = "executable"  // a program, Go or not, PIE or not
	ClassLdScript   Class = "ld-script"   // a GNU ld script named *.so (libc.so): fine
	ClassNotELF     Class = "not-elf"     // named like a shared object, but not ELF
	ClassOther      Class = "other"       // relocatable objects, core files, ...
)

// Entry is one file the scan reports: every ELF shared object, and any
// file named like one (*.so, *.so.N).
//
// JSON: {"path", "name", "class", "kind", "arch", "go_version",
// "pluginpath", "flags", "notes", "check", "opened"}.
type Entry struct {
	// Path is the file's path as the walk found it; Name its base name,
	// the ID a loader keyed on file names would use.
	Path string `json:"path"`
	Name string `json:"name"`
	// Class is the coarse kind; Kind the exact one from elfinspect.
	Class Class           `json:"class"`
	Kind  elfinspect.Kind `json:"kind,omitempty"`
	Arch  string          `json:"arch,omitempty"`
	// GoVersion is the toolchain of a Go file.
	GoVersion string `json:"go_version,omitempty"`
	// PluginPath is a Go plugin's pluginpath: the ID the Go runtime uses.
	PluginPath string `json:"pluginpath,omitempty"`
	// Flags are the codes of this file's findings.
	Flags []string `json:"flags,omitempty"`
	// Notes say in words what is odd about this file.
	Notes []string `json:"notes,omitempty"`
	// Check is the verdict of plugin.Open in the host, with Options.Host.
	Check *plugincheck.Verdict `json:"check,omitempty"`
	// Opened, with Options.Together, is the Go plugin's place (from 1)
	// in the order the host opens the plugins found.
	Opened int `json:"opened,omitempty"`
}

// Finding codes.
const (
	// FindingSharedPluginPath: one pluginpath under several files; a
	// process can load only one of them ("plugin already loaded").
	FindingSharedPluginPath = "same-pluginpath"
	// FindingSharedName: one file name for plugins with different
	// pluginpaths; a loader keyed on file names mixes them up.
	FindingSharedName = "same-name"
	// FindingMisnamed: a file that is not what its name suggests.
	FindingMisnamed = "misnamed"
)

// Finding is something a scan flags, about one file or several.
//
// JSON: {"code", "message", "files"}.
type Finding struct {
	Code    string   `json:"code"`
	Message string   `json:"message"`
	Files   []string `json:"files"`
}

// FileError is a file or directory the scan could not read; it was skipped.
//
// JSON: {"path", "error"}.
type FileError struct {
	Path  string `json:"path"`
	Error string `json:"error"`
}

// NotEntered is a directory the walk did not go into: a mount point of a
// pseudo filesystem such as /proc or /sys, or of another filesystem with
// Options.OneFileSystem.
//
// JSON: {"path", "reason"}.
type NotEntered struct {
	Path   string `json:"path"`
	Reason string `json:"reason"`
}

// Result is what a scan found, sorted by path.
//
// JSON: {"dirs", "files_seen", "symlinks_skipped", "special_skipped",
// "excluded", "not_entered": [NotEntered], "host_problem"?, "entries":
// [Entry], "findings": [Finding], "errors": [FileError]}.
type Result struct {
	// Dirs are the roots as given: directories, or files named directly.
	Dirs      []string `json:"dirs"`
	FilesSeen int      `json:"files_seen"`
	// SymlinksSkipped counts the symbolic links met inside the trees; a
	// root that is a symbolic link is followed.
	SymlinksSkipped int `json:"symlinks_skipped"`
	// SpecialSkipped counts FIFOs, sockets and devices inside the trees,
	// which are never opened.
	SpecialSkipped int `json:"special_skipped"`
	// Excluded counts the files and directories Options.Exclude matched.
	Excluded   int          `json:"excluded"`
	NotEntered []NotEntered `json:"not_entered,omitempty"`
	// HostProblem, with Options.Host, is why the host cannot open any
	// plugin at all (not a Go program, no package plugin, no cgo); the
	// entries then carry no Check.
	HostProblem *plugincheck.Reason `json:"host_problem,omitempty"`
	Entries     []Entry             `json:"entries"`
	Findings    []Finding           `json:"findings,omitempty"`
	Errors      []FileError         `json:"errors,omitempty"`
}

// Count returns how many entries have class c.
func (r *Result) Count(c Class) int {
	n := 0
	for i := range r.Entries {
		if r.Entries[i].Class == c {
			n++
		}
	}
	return n
}

// Progress is reported to Options.Progress as the scan goes.
type Progress struct {
	FilesSeen int    // regular files examined so far
	Found     int    // entries found so far
	Path      string // the file just examined
}

// Options tune a scan. The zero value is ready to use.
type Options struct {
	// Workers is how many files are read at once; 0 means 4 × GOMAXPROCS
	// (reading is mostly waiting on the disk).
	Workers int
	// Progress, if set, is called after each file from a single
	// goroutine; it must be quick.
	Progress func(Progress)
	// Host, if set, is checked against every Go plugin found, each as
	// the only plugin the host opens (but see Together).
	Host *elfinspect.File
	// Together, with Host, judges the Go plugins found as one host
	// process opens them all, in the order the walk finds them (see
	// plugincheck.Set): each root in the order given, and inside a
	// directory the names in lexical order, as os.ReadDir and
	// filepath.Glob give them to a host that loads a directory.
	Together bool
	// OneFileSystem keeps the walk on the filesystem of each root, as
	// find -xdev does. Without it, the walk still does not enter pseudo
	// filesystems (proc, sysfs, cgroup, debugfs, ...) below a root.
	OneFileSystem bool
	// Exclude holds glob patterns (path.Match syntax) for files and
	// directories to leave out: a pattern with a slash is matched against
	// the whole path, one without against the base name. Roots are never
	// excluded.
	Exclude []string
}

// ErrNothingScanned is returned, with a Result whose Errors say why, when
// no root could be scanned at all.
var ErrNothingScanned = errors.New("nothing could be scanned")

// Scan walks roots — directories, or files named directly — and returns
// what it found. A root that is a symbolic link is followed, as find -H
// does; symbolic links inside the trees are not: a link names a file the
// walk finds under its own name. Only regular files are ever opened: FIFOs,
// sockets and devices are counted and skipped. Unreadable files and bad
// ELF files are reported in Result.Errors, one line each, and skipped. A
// root that is neither a directory nor a regular file is an error, and so
// is a file named directly that is not ELF. Scan returns
// ErrNothingScanned when every root failed, and an error for a malformed
// Exclude pattern.
func Scan(roots []string, opts Options) (*Result, error) {
	for _, p := range opts.Exclude {
		if _, err := path.Match(p, ""); err != nil {
			return nil, fmt.Errorf("exclude pattern %q: %w", p, err)
		}
	}
	workers := opts.Workers
	if workers <= 0 {
		workers = 4 * runtime.GOMAXPROCS(0)
	}
	res := &Result{Dirs: roots, Entries: []Entry{}}
	var checker *plugincheck.Checker // the host's facts, read once
	if opts.Host != nil {
		checker = plugincheck.NewChecker(opts.Host)
		if r := hostProblem(checker, opts.Host); r != nil {
			res.HostProblem, checker = r, nil
		}
	}
	jobs := make(chan job, 256)
	type out struct {
		e    *Entry
		err  *FileError
		path string
		seq  int
	}
	each := checker // the Checker of each plugin alone
	if opts.Together {
		each = nil
	}
	var found []seqEntry // with Together: the Go plugins, to check in walk order
	outs := make(chan out, 256)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				e, err := examine(j.path, each, j.named)
				o := out{e: e, path: j.path, seq: j.seq}
				if err != nil {
					o.err = &FileError{Path: j.path, Error: err.Error()}
				}
				outs <- o
			}
		}()
	}
	w := &walker{opts: &opts, jobs: jobs, pseudo: map[uint64]string{}}
	go func() {
		for _, r := range roots {
			w.root(r)
		}
		close(jobs)
		wg.Wait()
		close(outs)
	}()
	for o := range outs {
		res.FilesSeen++
		if o.err != nil {
			res.Errors = append(res.Errors, *o.err)
		} else if o.e != nil {
			res.Entries = append(res.Entries, *o.e)
			if o.e.Class == ClassGoPlugin {
				found = append(found, seqEntry{o.seq, o.e.Path})
			}
		}
		if opts.Progress != nil {
			opts.Progress(Progress{FilesSeen: res.FilesSeen, Found: len(res.Entries), Path: o.path})
		}
	}
	res.Errors = append(res.Errors, w.errs...)
	res.SymlinksSkipped, res.SpecialSkipped, res.Excluded, res.NotEntered = w.symlinks, w.special, w.excluded, w.notEntered
	slices.SortFunc(res.Entries, func(a, b Entry) int { return strings.Compare(a.Path, b.Path) })
	if opts.Together && checker != nil {
		checkTogether(checker, res.Entries, found)
	}
	slices.SortFunc(res.Errors, func(a, b FileError) int { return strings.Compare(a.Path, b.Path) })
	res.Findings = findings(res.Entries)
	if len(roots) > 0 && allFailed(roots, res.Errors) {
		return res, ErrNothingScanned
	}
	return res, nil
}

// allFailed reports whether every root has an error of its own.
func allFailed(roots []string, errs []FileError) bool {
	failed := map[string]bool{}
	for _, e := range errs {
		failed[e.Path] = true
	}
	for _, r := range roots {
		if !failed[r] {
			return false
		}
	}
	return true
}

// HostProblem returns why host cannot open any Go plugin at all — it is
// not a Go program, a Go library, does not link package plugin, or was
// built without cgo — or nil when it can.
func HostProblem(host *elfinspect.File) *plugincheck.Reason {
	return hostProblem(plugincheck.NewChecker(host), host)
}

// hostProblem is HostProblem with the host's Checker. The answer is the
// Checker's own: the first reason of its verdict for the host taken as a
// plugin, when that reason is about the host.
func hostProblem(c *plugincheck.Checker, host *elfinspect.File) *plugincheck.Reason {
	v := c.Check(host, nil)
	if len(v.Reasons) > 0 {
		switch r := v.Reasons[0]; r.Code {
		case plugincheck.ReasonHostNotGo, plugincheck.ReasonHostNoPlugin, plugincheck.ReasonHostNoCgo:
			return &r
		}
	}
	return nil
}

// errText is the message of err without the file's name, which a
// FileError holds apart: the errors of the os package and of elfinspect
// name the file in an *elfinspect.Error or an *fs.PathError.
func errText(err error) string {
	var ee *elfinspect.Error
	var pe *fs.PathError
	switch {
	case errors.As(err, &ee):
		return ee.Err.Error()
	case errors.As(err, &pe):
		return pe.Err.Error()
	}
	return err.Error()
}
