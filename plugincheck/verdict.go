// Package plugincheck predicts, from the files alone, what plugin.Open
// does when a host program loads Go plugins: the verdict for each plugin
// (loads, fails with which error, crashes the host), every cause with its
// evidence, and whether the plugin meets the host's requirements. Nothing
// is loaded or run.
//
// A Checker reads the host's facts once and checks any number of plugins
// against them.
package plugincheck

import (
	"errors"
	"fmt"
	"strings"

	"github.com/soinspect/soinspect/elfinspect"
)

// Requirement is an export a host demands of its plugins: a name
// plugin.Lookup must find, with exactly this Go type (as
// reflect.TypeOf(sym).String() prints it: "func() string" for a function,
// "*int" for an exported variable of type int).
//
// JSON: {"name", "type"}.
type Requirement struct {
	Name string `json:"name"`
	Type string `json:"type"`
}

// ParseRequirement parses "NAME:TYPE", such as "Run:func() string". The
// name ends at the first colon; the type is the rest, with surrounding
// blanks removed (a Go type string never starts with a colon).
func ParseRequirement(s string) (Requirement, error) {
	name, typ, ok := strings.Cut(s, ":")
	name, typ = strings.TrimSpace(name), strings.TrimSpace(typ)
	if !ok || name == "" || typ == "" {
		return Requirement{}, fmt.Errorf("requirement %q: want NAME:TYPE, such as 'Run:func() string'", s)
	}
	if !isGoIdent(name) {
		return Requirement{}, fmt.Errorf("requirement %q: %q is not a Go identifier", s, name)
	}
	return Requirement{Name: name, Type: typ}, nil
}

// String returns the requirement as ParseRequirement takes it.
func (r Requirement) String() string { return r.Name + ":" + r.Type }

func isGoIdent(s string) bool {
	for i, c := range s {
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c > 0x7f || i > 0 && c >= '0' && c <= '9') {
			return false
		}
	}
	return s != ""
}

// Outcome is what a host gets from plugin.Open, as a Checker predicts it.
type Outcome string

// The outcomes of plugin.Open.
const (
	// OutcomeOK: plugin.Open returns the plugin.
	OutcomeOK Outcome = "ok"
	// OutcomeError: plugin.Open returns an error; the plugin stays mapped.
	OutcomeError Outcome = "error"
	// OutcomeCrash: the runtime throws a fatal error and the host dies.
	OutcomeCrash Outcome = "crash"
	// OutcomeCannotOpen: the host has no working plugin.Open at all.
	OutcomeCannotOpen Outcome = "cannot-open"
	// OutcomeNotReached: an earlier plugin in the list crashed the host.
	OutcomeNotReached Outcome = "not-reached"
)

// ReasonCode names a kind of Reason; codes are stable, for scripts.
type ReasonCode string

// The reasons a Checker gives.
const (
	ReasonUnreadable      ReasonCode = "unreadable"           // the plugin's anatomy could not be read
	ReasonNotPlugin       ReasonCode = "not-plugin"           // c-shared, executable, C library, ...
	ReasonWrongArch       ReasonCode = "wrong-arch"           // OS, machine or class differ from the host's
	ReasonHostNotGo       ReasonCode = "host-not-go"          // the host is not a Go program
	ReasonHostNoPlugin    ReasonCode = "host-no-plugin"       // the host does not link package plugin
	ReasonHostNoCgo       ReasonCode = "host-no-cgo"          // the host links plugin but was built with CGO_ENABLED=0
	ReasonGoVersion       ReasonCode = "go-version"           // the toolchains differ
	ReasonPackageHash     ReasonCode = "package-hash"         // a package's link hash differs
	ReasonPluginPath      ReasonCode = "pluginpath-collision" // an earlier plugin has the same pluginpath
	ReasonAlreadyLoaded   ReasonCode = "already-loaded"       // the same file (inode) was opened before
	ReasonPreviousFail    ReasonCode = "previous-failure"     // the same path failed before
	ReasonMissingSymbol   ReasonCode = "missing-symbol"       // a plugin table entry has no .dynsym symbol
	ReasonMissingExport   ReasonCode = "missing-export"       // a --require'd name is not exported
	ReasonExportType      ReasonCode = "export-type"          // a --require'd name has another type
	ReasonHostCrashed     ReasonCode = "host-crashed-earlier" // an earlier plugin crashed the host
	ReasonUnorderedHashes ReasonCode = "unordered-hashes"     // the first failing package cannot be told
)

// Reason is one thing that makes a plugin fail, in one line a user can act
// on. Package, the hashes and Cause are set for ReasonPackageHash.
//
// JSON: {"code", "message", "package", "host_hash", "plugin_hash",
// "hash_from", "cause", "evidence", "remedy", "host_source",
// "plugin_source"}.
type Reason struct {
	Code    ReasonCode `json:"code"`
	Message string     `json:"message"`
	// Package is the import path whose link hash differs.
	Package string `json:"package,omitempty"`
	// HostHash is the hash the process already has for Package (16 hex
	// digits); PluginHash is the plugin's own.
	HostHash   string `json:"host_hash,omitempty"`
	PluginHash string `json:"plugin_hash,omitempty"`
	// HashFrom is the module HostHash comes from: "host", or the file
	// of an earlier plugin when the host does not link Package.
	HashFrom string `json:"hash_from,omitempty"`
	// Cause is the likely cause, from the two build infos: a dependency
	// version, a replace, -trimpath, -gcflags, -race, -tags, CGO_*,
	// GOAMD64, GOEXPERIMENT, the toolchain.
	Cause string `json:"cause,omitempty"`
	// Evidence quotes where each side compiled Package from, as the
	// function tables record it.
	Evidence string `json:"evidence,omitempty"`
	// Remedy is the way out of Cause: the flag, the pin or the path.
	Remedy string `json:"remedy,omitempty"`
	// HostSource and PluginSource are the evidence: a source file of
	// Package as each side's function table records it (HostSource is
	// HashFrom's: the host's, or an earlier plugin's).
	HostSource   string `json:"host_source,omitempty"`
	PluginSource string `json:"plugin_source,omitempty"`
	// Fatal is false for reasons that do not stop plugin.Open, such as an
	// unmet Requirement.
	Fatal bool `json:"fatal"`
}

// Verdict is the prediction for one plugin.
//
// JSON: {"plugin", "kind", "pluginpath", "go_version", "loadable",
// "meets_requirements", "ok", "outcome", "error", "exact", "reasons":
// [Reason], "notes"}.
type Verdict struct {
	// Plugin is the plugin's file as it was opened.
	Plugin     string          `json:"plugin"`
	Kind       elfinspect.Kind `json:"kind"`
	PluginPath string          `json:"pluginpath,omitempty"`
	GoVersion  string          `json:"go_version,omitempty"`
	// Loadable is true when plugin.Open would succeed.
	Loadable bool `json:"loadable"`
	// MeetsRequirements is true when every Requirement is met.
	MeetsRequirements bool `json:"meets_requirements"`
	// OK is Loadable && MeetsRequirements.
	OK bool `json:"ok"`
	// Outcome is what plugin.Open does.
	Outcome Outcome `json:"outcome"`
	// Error is the predicted failure: plugin.Open's error text after
	// its `plugin.Open("name"): ` prefix (see OpenError), the runtime's
	// fatal error for a crash, or why the host cannot open plugins.
	Error string `json:"error,omitempty"`
	// Exact is true when Error is the exact text the runtime produces.
	Exact bool `json:"exact"`
	// DlopenFailed is true when dlopen itself refuses the file: Error is
	// then dlerror's text, which names the realpath, and plugin.Open
	// quotes the name it was given with its ".so" (it trims that only
	// after dlopen succeeds).
	DlopenFailed bool `json:"dlopen_failed,omitempty"`
	// Reasons lists every problem, the fatal ones first, in the order
	// plugin.Open would meet them.
	Reasons []Reason `json:"reasons,omitempty"`
	// Notes are facts that do not make the plugin fail, such as the
	// packages the plugin brings itself.
	Notes []string `json:"notes,omitempty"`
}

// OpenError formats Error as plugin.Open(name) reports it. It returns ""
// for a loadable plugin, and Error unchanged for a crash, a host that
// cannot open plugins or the stub plugin.Open of a host without cgo.
// plugin.Open quotes the name with a trailing ".so" removed, except when
// it repeats a previous failure or dlopen failed (DlopenFailed).
func (v *Verdict) OpenError(name string) string {
	if v.Outcome != OutcomeError {
		if v.Outcome == OutcomeOK {
			return ""
		}
		return v.Error
	}
	if len(v.Reasons) > 0 {
		switch v.Reasons[0].Code {
		case ReasonHostNoCgo:
			return v.Error
		case ReasonPreviousFail:
			return `plugin.Open("` + name + `"): ` + v.Error
		}
	}
	if v.DlopenFailed {
		return `plugin.Open("` + name + `"): ` + v.Error
	}
	return `plugin.Open("` + strings.TrimSuffix(name, ".so") + `"): ` + v.Error
}

// FirstPackage returns the package of the first fatal package-hash reason,
// the one plugin.Open would name, or "".
func (v *Verdict) FirstPackage() string {
	for _, r := range v.Reasons {
		if r.Code == ReasonPackageHash && r.Fatal {
			return r.Package
		}
	}
	return ""
}

// Packages returns the packages of every package-hash reason.
func (v *Verdict) Packages() []string {
	var ps []string
	for _, r := range v.Reasons {
		if r.Code == ReasonPackageHash {
			ps = append(ps, r.Package)
		}
	}
	return ps
}

// The runtime's messages (runtime/plugin.go, plugin/plugin_stubs.go).
const (
	msgNoModuleData   = "fatal error: runtime: no plugin module data"
	msgAlreadyLoaded  = "plugin already loaded"
	msgDifferentPkg   = "plugin was built with a different version of package "
	msgNotImplemented = "plugin: not implemented"
)

// ErrNilFile is reported in a Verdict for a nil *File.
var ErrNilFile = errors.New("no file")
