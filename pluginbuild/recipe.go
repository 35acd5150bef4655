// Package pluginbuild derives and runs the build of a Go plugin that a
// given host program's plugin.Open accepts: a recipe. From the host's
// build information and function table it derives the Go toolchain, every
// build setting that changes a package's link hash (-trimpath, -race,
// -msan, -asan, -tags, -gcflags, -asmflags, -cover, -pgo, CGO_ENABLED,
// CGO_*FLAGS, GOEXPERIMENT, GOFIPS140, GOOS/GOARCH and GOAMD64-style
// variables), and for every module the host links that the plugin's build
// uses, the exact version or replacement.
//
// The pins go into a temporary copy of the plugin module's go.mod and
// go.sum, passed to the go command with -modfile: the user's go.mod and
// go.sum are never written. A version the plugin's module graph selects
// above the host's is both required at the host's version and excluded,
// so that no other module's requirement lifts it again.
//
// What cannot be matched on this machine is a Problem with the way out.
// The package runs the go command; it never loads what it builds, and
// never prints.
package pluginbuild

import (
	"fmt"
	"os"
	"strings"
)

// Recipe is the build of a plugin for one host.
//
// JSON: {"host", "host_go_version", "local_go_version", "toolchain",
// "toolchain_goroot", "toolchain_cached", "module", "module_dir",
// "go_mod", "package", "output", "env": [Setting], "flags": [Setting],
// "pins": [Pin], "go_mod_edit": [arg], "go_build": [arg], "permanent":
// [line], "problems": [Problem], "notes": [line]}.
type Recipe struct {
	// Host is the host file the recipe is for.
	Host string `json:"host"`
	// HostGoVersion is the toolchain that built the host ("go1.26.8").
	HostGoVersion string `json:"host_go_version"`
	// LocalGoVersion is the go command's own toolchain here.
	LocalGoVersion string `json:"local_go_version"`
	// Toolchain is the GOTOOLCHAIN value the build runs with.
	Toolchain string `json:"toolchain"`
	// ToolchainGOROOT is where that toolchain is (or will be) installed.
	ToolchainGOROOT string `json:"toolchain_goroot,omitempty"`
	// ToolchainCached is false when the go command must download the
	// toolchain first.
	ToolchainCached bool `json:"toolchain_cached"`
	// Module is the plugin's main module path, ModuleDir its directory,
	// GoMod its go.mod.
	Module    string `json:"module"`
	ModuleDir string `json:"module_dir"`
	GoMod     string `json:"go_mod"`
	// Package is the plugin package as given to go build; Output the
	// file it writes.
	Package string `json:"package"`
	Output  string `json:"output"`
	// Env is the environment the build adds to the user's.
	Env []Setting `json:"env"`
	// Flags are the go build flags derived from the host.
	Flags []Setting `json:"flags"`
	// Pins are the module versions and replacements taken from the host.
	Pins []Pin `json:"pins,omitempty"`
	// EditArgs are the arguments of `go mod edit -modfile=TMP/go.mod`
	// that write the pins (empty when nothing is pinned).
	EditArgs []string `json:"go_mod_edit,omitempty"`
	// BuildArgs are the arguments of the one `go build` command, with
	// "$tmp/go.mod" for the temporary go.mod.
	BuildArgs []string `json:"go_build"`
	// Permanent are the go.mod lines the plugin's module would need to
	// build like this without -modfile.
	Permanent []string `json:"permanent,omitempty"`
	// Problems are what cannot be matched here, each with its way out.
	Problems []Problem `json:"problems,omitempty"`
	// Notes are facts worth knowing that need no action.
	Notes []string `json:"notes,omitempty"`

	tmpDir  string   // holds the temporary go.mod and go.sum
	env     []string // the full environment of the go commands
	goCmd   string
	extra   []string
	hasSum  bool
	pkgArg  string
	selects map[string]string // module -> version the plugin's graph selected before pinning
	graph   *modGraph         // the plugin's module graph before pinning
}

// Setting is one environment variable or go build flag of a recipe, with
// why it is there. For a flag, Name is the flag ("-trimpath", "-tags")
// and Value its value ("" for a boolean flag).
//
// JSON: {"name", "value", "why"}.
type Setting struct {
	Name  string `json:"name"`
	Value string `json:"value"`
	Why   string `json:"why"`
}

// Arg returns the setting as a go build argument: "-trimpath",
// "-tags=netgo".
func (s Setting) Arg() string {
	if s.Value == "" && s.Name != "" && s.Name[0] == '-' {
		return s.Name
	}
	return s.Name + "=" + s.Value
}

// Pin is one module of the host pinned for the plugin's build.
//
// JSON: {"module", "version", "replace", "plugin_version", "required_by",
// "exclude", "why"}.
type Pin struct {
	// Module is the module path; Version the version the host links.
	Module  string `json:"module"`
	Version string `json:"version"`
	// Replace is the host's replacement: "path@version" or a directory.
	Replace string `json:"replace,omitempty"`
	// PluginVersion is the version the plugin's own build selects.
	PluginVersion string `json:"plugin_version"`
	// RequiredBy names a module that requires PluginVersion, when it is
	// newer than Version ("" for the plugin's own go.mod).
	RequiredBy string `json:"required_by,omitempty"`
	// Exclude are versions above Version in the plugin's module graph,
	// excluded so that none is selected.
	Exclude []string `json:"exclude,omitempty"`
	// Why says what the pin changes.
	Why string `json:"why"`
}

// Downgrade reports whether the plugin's build selects a newer version
// than the host links.
func (p Pin) Downgrade() bool { return compareVersions(p.PluginVersion, p.Version) > 0 }

// ProblemCode names a kind of Problem; codes are stable, for scripts.
type ProblemCode string

// The problems a recipe reports.
const (
	// ProblemHostCannotLoad: the host cannot open any plugin.
	ProblemHostCannotLoad ProblemCode = "host-cannot-load"
	// ProblemToolchain: the host's toolchain cannot be had here.
	ProblemToolchain ProblemCode = "toolchain-unavailable"
	// ProblemGoLine: the plugin's go.mod demands a newer Go than the host's.
	ProblemGoLine ProblemCode = "go-line-too-new"
	// ProblemModCachePath: the host (without -trimpath) compiled its
	// modules from a module cache at another path.
	ProblemModCachePath ProblemCode = "module-cache-path"
	// ProblemLocalPath: the host (without -trimpath) compiled a module
	// from a directory that is not here, or another one.
	ProblemLocalPath ProblemCode = "local-directory"
	// ProblemReplaceMissing: a replace of the host points to a directory
	// that does not exist here.
	ProblemReplaceMissing ProblemCode = "replace-missing"
	// ProblemNewerModule: the plugin needs a newer module version than
	// the host links (it does not build against the host's).
	ProblemNewerModule ProblemCode = "needs-newer-module"
	// ProblemVersionLifted: a pinned module was still selected above the
	// host's version.
	ProblemVersionLifted ProblemCode = "version-not-pinned"
	// ProblemPluginModuleInHost: the host links the plugin's own module.
	ProblemPluginModuleInHost ProblemCode = "plugin-module-in-host"
	// ProblemSetting: a build setting of the host that cannot be repeated.
	ProblemSetting ProblemCode = "setting"
	// ProblemBuild: go build failed for another reason.
	ProblemBuild ProblemCode = "build-failed"
	// ProblemNotLoadable: the plugin was built, and the host would still
	// refuse it.
	ProblemNotLoadable ProblemCode = "not-loadable"
)

// Problem is something of the host's build that cannot be matched here,
// in one sentence, with the way out.
//
// JSON: {"code", "message", "remedy", "fatal"}.
type Problem struct {
	Code    ProblemCode `json:"code"`
	Message string      `json:"message"`
	Remedy  string      `json:"remedy"`
	// Fatal is true when the plugin cannot load while it stands; false
	// for a risk the check after the build settles.
	Fatal bool `json:"fatal"`
}

func (r *Recipe) problem(code ProblemCode, fatal bool, remedy, format string, args ...any) {
	r.Problems = append(r.Problems, Problem{Code: code, Fatal: fatal, Remedy: remedy, Message: fmt.Sprintf(format, args...)})
}

// Fatal reports whether a fatal problem stands.
func (r *Recipe) Fatal() bool {
	for _, p := range r.Problems {
		if p.Fatal {
			return true
		}
	}
	return false
}

// Close removes the recipe's temporary files.
func (r *Recipe) Close() error {
	if r.tmpDir == "" {
		return nil
	}
	err := os.RemoveAll(r.tmpDir)
	r.tmpDir = ""
	return err
}

// Script returns the recipe as shell lines to paste, run from ModuleDir:
// the temporary copy of go.mod and go.sum, the go mod edit with the pins,
// and the one go build command.
func (r *Recipe) Script() []string {
	lines := []string{"cd " + shellQuote(r.ModuleDir), `tmp=$(mktemp -d)`}
	cp := "cp go.mod"
	if r.hasSum {
		cp += " go.sum"
	}
	lines = append(lines, cp+` "$tmp"/`)
	env := r.envPrefix()
	if len(r.EditArgs) > 0 {
		lines = append(lines, env+"go mod edit "+quoteArgs(append([]string{`-modfile=$tmp/go.mod`}, r.EditArgs...)))
	}
	lines = append(lines, env+"go "+quoteArgs(r.BuildArgs))
	return lines
}

// envPrefix is "NAME=value ... " for the recipe's environment.
func (r *Recipe) envPrefix() string {
	var b strings.Builder
	for _, e := range r.Env {
		b.WriteString(e.Name + "=" + shellQuote(e.Value) + " ")
	}
	return b.String()
}

// quoteArgs quotes each argument for a POSIX shell, keeping "$tmp"
// expandable.
func quoteArgs(args []string) string {
	out := make([]string, len(args))
	for i, a := range args {
		if strings.Contains(a, "$tmp/") {
			before, after, _ := strings.Cut(a, "$tmp/")
			out[i] = shellQuote(before) + `"$tmp"/` + shellQuote(after)
			out[i] = strings.TrimPrefix(strings.TrimSuffix(out[i], "''"), "''")
			continue
		}
		out[i] = shellQuote(a)
	}
	return strings.Join(out, " ")
}

// shellQuote quotes s for a POSIX shell when it needs it.
func shellQuote(s string) string {
	if s == "" {
		return "''"
	}
	safe := true
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("-_./=:@,+%", c)) {
			safe = false
			break
		}
	}
	if safe {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
