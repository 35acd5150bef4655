// Package scan walks directory trees for ELF shared objects, found by
// content rather than by name, classifies each (Go plugin, Go c-shared
// library, C/C++ library, ...), and flags what would confuse a loader that
// keys plugins on file names while the Go runtime keys them on pluginpath.
// It reads headers, the dynamic section and build info only; it never loads
// a file and never prints: progress goes to a callback.
package scan

import (
	"bytes"
	"debug/elf"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/soinspect/soinspect/elfinspect"
	"github.com/soinspect/soinspect/goplugin"
	"github.com/soinspect/soinspect/plugincheck"

	"github.com/soinspect/soinspect/internal/guard"
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
// "pluginpath", "flags", "notes", "check"}.
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

// Result is what a scan found, sorted by path.
//
// JSON: {"dirs", "files_seen", "symlinks_skipped", "entries": [Entry],
// "findings": [Finding], "errors": [FileError]}.
type Result struct {
	Dirs            []string    `json:"dirs"`
	FilesSeen       int         `json:"files_seen"`
	SymlinksSkipped int         `json:"symlinks_skipped"`
	Entries         []Entry     `json:"entries"`
	Findings        []Finding   `json:"findings,omitempty"`
	Errors          []FileError `json:"errors,omitempty"`
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
	// the only plugin the host opens.
	Host *elfinspect.File
}

// Scan walks dirs (files may be given too) and returns what it found.
// Symbolic links are not followed: a link names a file the walk finds
// under its own name. Unreadable files and bad ELF files are reported in
// Result.Errors and skipped. Scan fails only when no dir can be read.
func Scan(dirs []string, opts Options) (*Result, error) {
	workers := opts.Workers
	if workers <= 0 {
		workers = 4 * runtime.GOMAXPROCS(0)
	}
	res := &Result{Dirs: dirs, Entries: []Entry{}}
	paths := make(chan string, 256)
	type out struct {
		e    *Entry
		err  *FileError
		path string
	}
	outs := make(chan out, 256)
	var checker *plugincheck.Checker // the host's facts, read once
	if opts.Host != nil {
		checker = plugincheck.NewChecker(opts.Host)
	}
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for p := range paths {
				e, err := examine(p, checker)
				o := out{e: e, path: p}
				if err != nil {
					o.err = &FileError{Path: p, Error: err.Error()}
				}
				outs <- o
			}
		}()
	}
	var walkErrs []FileError
	readable := 0
	go func() {
		for _, d := range dirs {
			err := filepath.WalkDir(d, func(p string, de fs.DirEntry, err error) error {
				if err != nil {
					walkErrs = append(walkErrs, FileError{Path: p, Error: errText(err)})
					if de != nil && de.IsDir() {
						return fs.SkipDir
					}
					return nil
				}
				switch t := de.Type(); {
				case t.IsDir():
					if p == d {
						readable++
					}
				case t&fs.ModeSymlink != 0:
					res.SymlinksSkipped++
				case t.IsRegular():
					if p == d {
						readable++
					}
					paths <- p
				}
				return nil
			})
			if err != nil {
				walkErrs = append(walkErrs, FileError{Path: d, Error: errText(err)})
			}
		}
		close(paths)
		wg.Wait()
		close(outs)
	}()
	for o := range outs {
		res.FilesSeen++
		if o.err != nil {
			res.Errors = append(res.Errors, *o.err)
		} else if o.e != nil {
			res.Entries = append(res.Entries, *o.e)
		}
		if opts.Progress != nil {
			opts.Progress(Progress{FilesSeen: res.FilesSeen, Found: len(res.Entries), Path: o.path})
		}
	}
	res.Errors = append(res.Errors, walkErrs...)
	if readable == 0 && len(dirs) > 0 {
		return res, fmt.Errorf("no directory could be read: %s: %s", res.Errors[0].Path, res.Errors[0].Error)
	}
	slices.SortFunc(res.Entries, func(a, b Entry) int { return strings.Compare(a.Path, b.Path) })
	slices.SortFunc(res.Errors, func(a, b FileError) int { return strings.Compare(a.Path, b.Path) })
	res.Findings = findings(res.Entries)
	return res, nil
}

// errText is the message of err without the file's name, which a
// FileError holds apart: every error of the os package and of elfinspect
// names the file in an *fs.PathError.
func errText(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// namedShared reports whether a file name suggests a shared object:
// "x.so" or "x.so.1.2".
func namedShared(name string) bool {
	return strings.HasSuffix(name, ".so") || strings.Contains(name, ".so.")
}

// isLdScript recognises a GNU ld script by its start: a comment or a
// GROUP/INPUT command.
func isLdScript(b []byte) bool {
	t := bytes.TrimSpace(b)
	if !bytes.HasPrefix(t, []byte("/*")) && !bytes.HasPrefix(t, []byte("GROUP")) && !bytes.HasPrefix(t, []byte("INPUT")) {
		return false
	}
	return bytes.Contains(t, []byte("GROUP")) || bytes.Contains(t, []byte("INPUT")) || bytes.Contains(t, []byte("ld script")) || bytes.Contains(t, []byte("linker script"))
}

// examine reads one file; it returns nil, nil for a file that is neither
// an ELF shared object nor named like one.
func examine(path string, host *plugincheck.Checker) (*Entry, error) {
	name := filepath.Base(path)
	var hdr [512]byte
	fh, err := os.Open(path)
	if err != nil {
		return nil, errors.New(errText(err))
	}
	n, err := io.ReadFull(fh, hdr[:])
	fh.Close()
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		return nil, errors.New(errText(err))
	}
	isELF := n >= 18 && string(hdr[:4]) == elf.ELFMAG
	if !isELF {
		if !namedShared(name) {
			return nil, nil
		}
		e := &Entry{Path: path, Name: name, Class: ClassNotELF}
		if isLdScript(hdr[:n]) {
			// What the linker reads for -lc; dlopen never sees it.
			e.Class = ClassLdScript
			e.Notes = append(e.Notes, "a GNU ld script, for the link-time linker: normal for lib*.so")
			return e, nil
		}
		what := "not an ELF file"
		if string(hdr[:min(n, 8)]) == "!<arch>\n" {
			what = "an ar archive"
		}
		e.Flags = append(e.Flags, FindingMisnamed)
		e.Notes = append(e.Notes, "named like a shared object but "+what)
		return e, nil
	}
	// e_type is at offset 16 in both classes, in the file's byte order.
	typ := elf.Type(hdr[16]) | elf.Type(hdr[17])<<8
	if hdr[elf.EI_DATA] == byte(elf.ELFDATA2MSB) {
		typ = elf.Type(hdr[17]) | elf.Type(hdr[16])<<8
	}
	if typ != elf.ET_DYN && !namedShared(name) {
		return nil, nil
	}
	f, err := elfinspect.Open(path)
	if err != nil {
		return nil, errors.New(errText(err))
	}
	defer f.Close()
	return classify(f, path, name, host), nil
}

func classify(f *elfinspect.File, path, name string, host *plugincheck.Checker) (e *Entry) {
	e = &Entry{Path: path, Name: name, Arch: f.Machine()}
	defer guard.Recover(func(p any) {
		e.Class, e.Kind = ClassOther, elfinspect.KindOther
		e.Notes = append(e.Notes, fmt.Sprint("unreadable: ", p))
	})
	e.Kind = f.Kind()
	if f.IsGo() {
		if b, err := f.BuildInfo(); err == nil {
			e.GoVersion = b.GoVersion
			// The build info says what the linker was told, whatever the
			// sections look like after stripping.
			switch mode, _ := b.Setting("-buildmode"); mode {
			case "plugin":
				e.Kind = elfinspect.KindGoPlugin
			case "c-shared":
				e.Kind = elfinspect.KindGoCShared
			case "exe", "pie":
				e.Kind = elfinspect.KindGoExecutable
			}
		}
	}
	switch e.Kind {
	case elfinspect.KindGoPlugin:
		e.Class = ClassGoPlugin
		if pi, err := goplugin.Read(f); err == nil {
			e.PluginPath = pi.PluginPath
		} else {
			e.Notes = append(e.Notes, "plugin anatomy unreadable: "+err.Error())
		}
		if host != nil {
			v := host.Check(f, nil)
			e.Check = &v
		}
	case elfinspect.KindGoCShared:
		e.Class = ClassGoCShared
	case elfinspect.KindGoShared:
		e.Class = ClassGoShared
	case elfinspect.KindSharedLib:
		e.Class = ClassCLibrary
	case elfinspect.KindPIE:
		if f.DlopenProblem() == "" {
			// Runnable, but not flagged DF_1_PIE: dlopen loads it.
			e.Class = ClassCLibrary
			e.Notes = append(e.Notes, "a library with an interpreter: it can also run as a program")
		} else {
			e.Class = ClassExecutable
		}
	case elfinspect.KindGoExecutable, elfinspect.KindExecutable:
		e.Class = ClassExecutable
	default:
		e.Class = ClassOther
	}
	if m := misnamed(e); m != "" {
		e.Flags = append(e.Flags, FindingMisnamed)
		e.Notes = append(e.Notes, m)
	}
	return e
}

// misnamed says how a file is not what its name suggests, or "".
func misnamed(e *Entry) string {
	lower := strings.ToLower(e.Name)
	switch {
	case namedShared(e.Name) && e.Class == ClassExecutable:
		return "named like a shared object but is an executable (" + string(e.Kind) + "): dlopen refuses it"
	case namedShared(e.Name) && e.Class == ClassOther:
		return "named like a shared object but is " + string(e.Kind)
	case strings.Contains(lower, "plugin") && e.Class == ClassGoCShared:
		return "named like a plugin but is a Go c-shared library: plugin.Open cannot load it"
	case e.Class == ClassGoPlugin && !namedShared(e.Name):
		return "a Go plugin not named *.so: a loader looking for *.so misses it"
	}
	return ""
}

// findings looks across files: pluginpaths under several files, and file
// names shared by different pluginpaths; and gathers single-file flags.
func findings(entries []Entry) []Finding {
	var out []Finding
	byPath := map[string][]int{}
	byName := map[string][]int{}
	var pps, names []string
	for i := range entries {
		e := &entries[i]
		if e.Class != ClassGoPlugin || e.PluginPath == "" {
			continue
		}
		if byPath[e.PluginPath] == nil {
			pps = append(pps, e.PluginPath)
		}
		byPath[e.PluginPath] = append(byPath[e.PluginPath], i)
		if byName[e.Name] == nil {
			names = append(names, e.Name)
		}
		byName[e.Name] = append(byName[e.Name], i)
	}
	slices.Sort(pps)
	slices.Sort(names)
	for _, pp := range pps {
		is := byPath[pp]
		if len(is) < 2 {
			continue
		}
		f := Finding{Code: FindingSharedPluginPath}
		distinct := map[string]bool{}
		for _, i := range is {
			f.Files = append(f.Files, entries[i].Path)
			distinct[entries[i].Name] = true
		}
		under := "files"
		if len(distinct) > 1 {
			under = "different file names"
		}
		f.Message = fmt.Sprintf("pluginpath %s is used by %d %s: one process can load only one of them; the others fail with \"plugin already loaded\"", pp, len(is), under)
		out = append(out, f)
		for _, i := range is {
			entries[i].Flags = append(entries[i].Flags, FindingSharedPluginPath)
		}
	}
	for _, n := range names {
		is := byName[n]
		seen := map[string]bool{}
		var distinct []string
		for _, i := range is {
			if pp := entries[i].PluginPath; !seen[pp] {
				seen[pp] = true
				distinct = append(distinct, pp)
			}
		}
		if len(distinct) < 2 {
			continue
		}
		f := Finding{Code: FindingSharedName,
			Message: fmt.Sprintf("file name %s is used by %d plugins with different pluginpaths (%s): a loader keyed on file names mixes them up", n, len(distinct), strings.Join(distinct, ", "))}
		for _, i := range is {
			f.Files = append(f.Files, entries[i].Path)
			entries[i].Flags = append(entries[i].Flags, FindingSharedName)
		}
		out = append(out, f)
	}
	for i := range entries {
		if slices.Contains(entries[i].Flags, FindingMisnamed) {
			out = append(out, Finding{Code: FindingMisnamed, Message: entries[i].Notes[len(entries[i].Notes)-1], Files: []string{entries[i].Path}})
		}
	}
	return out
}
