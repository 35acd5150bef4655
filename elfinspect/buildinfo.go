package elfinspect

import (
	"debug/buildinfo"
	"io"
	"runtime/debug"

	"github.com/soinspect/soinspect/internal/elfread"
	"github.com/soinspect/soinspect/internal/guard"
)

// BuildInfo is the Go build information embedded in a Go binary (the
// .go.buildinfo section), as debug/buildinfo reads it.
//
// JSON: {"go_version", "path", "main": Module, "deps": [Module],
// "settings": [{"key","value"}]}.
type BuildInfo struct {
	// GoVersion is the toolchain that built the file ("go1.26.8").
	GoVersion string `json:"go_version"`
	// Path is the main package's import path; "command-line-arguments"
	// when the binary was built from a list of files.
	Path string `json:"path"`
	// Main is the main module.
	Main Module `json:"main"`
	// Deps are the modules the binary depends on.
	Deps []Module `json:"deps,omitempty"`
	// Settings are the build settings in the order the toolchain wrote
	// them: -buildmode, -compiler, -trimpath, -ldflags, CGO_ENABLED,
	// GOARCH, GOOS, GOAMD64, vcs.*, ...
	Settings []BuildSetting `json:"settings,omitempty"`
}

// Module is one module of a Go binary's build information.
type Module struct {
	Path    string  `json:"path"`
	Version string  `json:"version,omitempty"`
	Sum     string  `json:"sum,omitempty"`
	Replace *Module `json:"replace,omitempty"`
}

// VersionID is the module's version with its replacement, what tells two
// builds of the same module path apart: "v1.2.0", "v1.2.0 => ../dep",
// "v1.2.0 => example.com/fork v1.3.0", "(devel)" for no version.
func (m Module) VersionID() string {
	s := m.Version
	if s == "" {
		s = "(devel)"
	}
	if m.Replace != nil {
		s += " => " + m.Replace.Path
		if v := m.Replace.Version; v != "" && v != "(devel)" {
			s += " " + v
		}
	}
	return s
}

// BuildSetting is one key=value build setting.
type BuildSetting struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// Setting returns the value of the build setting key and whether it is set.
func (b *BuildInfo) Setting(key string) (string, bool) {
	if b == nil {
		return "", false
	}
	for _, s := range b.Settings {
		if s.Key == key {
			return s.Value, true
		}
	}
	return "", false
}

// BuildInfo reads the Go build information of f. It returns an error
// wrapping the debug/buildinfo error if f is not a Go binary or carries no
// build information.
func (f *File) BuildInfo() (bi *BuildInfo, err error) {
	defer guard.Recover(func(p any) { bi, err = nil, f.wrap("read Go build info", elfread.PanicError("Go build info", p)) })
	info, err := buildinfo.Read(io.NewSectionReader(f.rd.R, 0, f.Size))
	if err != nil {
		return nil, f.wrap("read Go build info", err)
	}
	return convertBuildInfo(info), nil
}

func convertBuildInfo(info *debug.BuildInfo) *BuildInfo {
	bi := &BuildInfo{
		GoVersion: info.GoVersion,
		Path:      info.Path,
		Main:      convertModule(&info.Main),
	}
	for _, d := range info.Deps {
		bi.Deps = append(bi.Deps, convertModule(d))
	}
	for _, s := range info.Settings {
		bi.Settings = append(bi.Settings, BuildSetting{Key: s.Key, Value: s.Value})
	}
	return bi
}

func convertModule(m *debug.Module) Module {
	out := Module{Path: m.Path, Version: m.Version, Sum: m.Sum}
	if m.Replace != nil {
		r := convertModule(m.Replace)
		out.Replace = &r
	}
	return out
}
