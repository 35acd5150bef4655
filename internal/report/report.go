// Package report draws one ELF object — above all a Go plugin — as a
// single self-contained HTML page for a room: its identity, its layout to
// scale in the file and in memory, where its bytes go, the anatomy of a Go
// plugin and, when the object was loaded, where it landed in a process.
//
// Build reads the file with the static libraries (elfinspect, goplugin,
// plugincheck) into a Report; AddProcess adds what a loading child saw;
// WriteHTML writes the page. Every picture is inline SVG drawn here, so the
// page shows everything without JavaScript; a small inline script adds a
// symbol filter and a theme toggle. The page makes no network request.
// Every string from the file is escaped for HTML, with control characters
// and bidi overrides made visible.
package report

import (
	"github.com/soinspect/soinspect/elfinspect"
	"github.com/soinspect/soinspect/goplugin"
	"github.com/soinspect/soinspect/internal/elfread"
	"github.com/soinspect/soinspect/internal/guard"
	"github.com/soinspect/soinspect/plugincheck"
)

// Report is everything the page shows, built from one file.
type Report struct {
	Identity Identity `json:"identity"`
	// Layout is the file's segments and sections, offsets and addresses.
	Layout *Layout `json:"layout"`
	// Bytes is where the file's bytes go, grouped.
	Bytes *Bytes `json:"bytes"`
	// Anatomy is the Go plugin anatomy; nil for anything else.
	Anatomy *Anatomy `json:"anatomy,omitempty"`
	// Deps is the load graph as ld.so would build it; nil with
	// Options.NoDeps.
	Deps *Deps `json:"deps,omitempty"`
	// Code is the decoded start of the plugin's first init function; nil
	// for anything but a Go plugin.
	Code *Code `json:"code,omitempty"`
	// Process is the address spaces of the loading children; nil unless
	// AddProcess was called.
	Process *Process `json:"process,omitempty"`
	// Notes are what could not be read, and why.
	Notes []string `json:"notes,omitempty"`
}

// Identity is what the file is.
type Identity struct {
	File       string                    `json:"file"`
	Size       int64                     `json:"size"`
	Kind       elfinspect.Kind           `json:"kind"`
	Class      string                    `json:"class"`
	Machine    string                    `json:"machine"`
	Type       string                    `json:"type"`
	GoVersion  string                    `json:"go_version,omitempty"`
	PluginPath string                    `json:"pluginpath,omitempty"`
	ImportPath string                    `json:"import_path,omitempty"`
	Soname     string                    `json:"soname,omitempty"`
	Needed     []string                  `json:"needed,omitempty"`
	MainModule string                    `json:"main_module,omitempty"`
	Deps       int                       `json:"deps,omitempty"`
	Settings   []elfinspect.BuildSetting `json:"settings,omitempty"`
	// Host and Verdict are the host given with --host and what
	// plugin.Open in it would do.
	Host    string               `json:"host,omitempty"`
	Verdict *plugincheck.Verdict `json:"verdict,omitempty"`
}

// Options are what Build needs besides the file.
type Options struct {
	// Host, if not nil, is the program that would load the plugin: the
	// check verdict, the inits it has already run and its package hashes
	// are shown against it.
	Host *elfinspect.File
	// TopGroups and TopSymbols bound the treemap's groups and the symbols
	// listed; 0 means the defaults (40 and 60).
	TopGroups, TopSymbols int
	// NoDeps leaves the load graph out: for a file read from standard
	// input, which has no directory of its own for $ORIGIN.
	NoDeps bool
	// FilterList bounds the symbols embedded for the page's filter, the
	// largest first; 0 means 10000.
	FilterList int
}

// Build reads f into a Report. It fails only when f cannot be read at
// all, with an error that names the file; what cannot be learned goes to
// Notes. A panic while reading a malformed file is stopped (package guard)
// and becomes such an error.
func Build(f *elfinspect.File, opts Options) (r *Report, err error) {
	defer guard.Recover(func(p any) {
		r, err = nil, &elfinspect.Error{Op: "report", Path: f.Path, Err: elfread.PanicError("ELF file", p)}
	})
	r = &Report{}
	d, err := goplugin.Describe(f)
	if err != nil {
		return nil, err
	}
	r.Notes = append(r.Notes, d.Notes...)
	id := &r.Identity
	id.File, id.Size, id.Kind = f.Path, f.Size, d.Kind
	id.Class, id.Machine, id.Type = f.Class(), f.Machine(), f.Type()
	id.GoVersion = d.GoVersion
	id.Soname, id.Needed = d.ABI.Soname, d.ABI.Needed
	if d.Build != nil {
		id.MainModule = d.Build.Main.Path
		if d.Build.Main.Version != "" {
			id.MainModule += "@" + d.Build.Main.Version
		}
		id.Deps = len(d.Build.Deps)
		id.Settings = d.Build.Settings
	}
	if d.Plugin != nil {
		id.PluginPath, id.ImportPath = d.Plugin.PluginPath, d.Plugin.ImportPath
		r.Notes = append(r.Notes, d.Plugin.Notes...)
	}
	if opts.Host != nil {
		id.Host = opts.Host.Path
		v := plugincheck.NewChecker(opts.Host).Check(f, nil)
		id.Verdict = &v
	}
	r.Layout = buildLayout(f)
	if !opts.NoDeps {
		var note string
		if r.Deps, note = buildDeps(f); note != "" {
			r.Notes = append(r.Notes, note)
		}
	}
	r.Bytes = buildBytes(f, r.Layout, opts)
	if d.Plugin != nil {
		r.Anatomy = buildAnatomy(f, d.Plugin, r.Layout, opts.Host)
		r.Layout.Marks = append(r.Layout.Marks, r.Anatomy.Places...)
		var note string
		if r.Code, note = buildCode(f, d.Plugin); note != "" {
			r.Notes = append(r.Notes, note)
		}
	}
	return r, nil
}
