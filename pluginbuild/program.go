package pluginbuild

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/soinspect/soinspect/elfinspect"
)

// The counterpart the other way round: a program that loads plugins built
// like a given file (a plugin, or another program whose plugins it should
// accept). Its own packages are the standard library only, so no module is
// pinned: the toolchain and the hash-relevant settings are all there is.

// HashSettings returns the settings bi records that change a standard
// library package's link hash, as "name=value" in a fixed order, with the
// toolchain first. Two files with the same HashSettings compile the
// standard library alike, so a program built like one loads plugins built
// like the other. It runs nothing: a key for a cache of such programs.
func HashSettings(bi *elfinspect.BuildInfo) []string {
	if bi == nil {
		return nil
	}
	v, _, _ := strings.Cut(bi.GoVersion, " ")
	out := []string{"go=" + v}
	keys := append(append([]string{"-compiler", "CGO_ENABLED", "GOOS", "GOARCH", "GOEXPERIMENT", "GOFIPS140",
		"CGO_CFLAGS", "CGO_CPPFLAGS", "CGO_CXXFLAGS", "CGO_LDFLAGS"}, hashFlags...), archVars...)
	for _, k := range keys {
		if val, ok := bi.Setting(k); ok {
			out = append(out, k+"="+val)
		}
	}
	return out
}

// Program is the build of a program of the standard library alone that
// loads plugins built like a given file: its toolchain, environment and
// go build flags, derived as for Recipe from the file's build info.
//
// JSON: {"go_version", "toolchain", "env": [Setting], "flags": [Setting],
// "problems": [Problem], "notes": [line]}.
type Program struct {
	// GoVersion is the toolchain that built the file ("go1.27.3").
	GoVersion string `json:"go_version"`
	// Toolchain is the GOTOOLCHAIN value the build runs with.
	Toolchain string `json:"toolchain"`
	// Env is the environment the build adds; Flags the go build flags.
	Env   []Setting `json:"env"`
	Flags []Setting `json:"flags"`
	// Problems are what cannot be matched here, each with its way out.
	Problems []Problem `json:"problems,omitempty"`
	Notes    []string  `json:"notes,omitempty"`

	env   []string
	goCmd string
}

// DeriveProgram derives the build of a program that loads plugins built
// like the file bi was read from. It runs the go command (go env, and
// unless opts.NoFetch the download of the toolchain); opts.Dir, Package,
// Output and ExtraArgs are not used. An error means the go command could
// not run at all; what cannot be matched is a Problem.
func DeriveProgram(ctx context.Context, bi *elfinspect.BuildInfo, opts Options) (*Program, error) {
	if bi == nil {
		return nil, errors.New("no build info")
	}
	r, base := startRecipe(bi, opts)
	local, err := r.readLocalGo(ctx, base)
	if err != nil {
		return nil, err
	}
	r.chooseToolchain(ctx, local, base, opts.NoFetch)
	r.settings(bi, local, base)
	p := &Program{GoVersion: r.HostGoVersion, Toolchain: r.Toolchain, Env: r.Env, Flags: r.Flags,
		Notes: r.Notes, goCmd: r.goCmd}
	// The recipe's words are about a host; here the file is the model.
	for _, pr := range r.Problems {
		pr.Message = strings.ReplaceAll(pr.Message, "the host was built", "the file was built")
		pr.Remedy = strings.ReplaceAll(pr.Remedy, "rebuild the host", "rebuild the file")
		p.Problems = append(p.Problems, pr)
	}
	p.env = withEnv(base, "GOWORK=off", "GOFLAGS=", "GOTOOLCHAIN="+r.Toolchain)
	for _, e := range r.Env {
		p.env = withEnv(p.env, e.Name+"="+e.Value)
	}
	return p, nil
}

// Fatal reports whether a fatal problem stands.
func (p *Program) Fatal() bool {
	for _, pr := range p.Problems {
		if pr.Fatal {
			return true
		}
	}
	return false
}

// BuildArgs returns the arguments of the go build that writes out from
// the main package in the current directory.
func (p *Program) BuildArgs(out string) []string {
	args := []string{"build", "-o", out}
	for _, f := range p.Flags {
		args = append(args, f.Arg())
	}
	return append(args, ".")
}

// Build runs go build in dir, which holds the program's go.mod and main
// package, writing out. A failed build is an error quoting the go
// command's first lines.
func (p *Program) Build(ctx context.Context, dir, out string) (time.Duration, error) {
	start := time.Now()
	_, err := goCommand(ctx, p.goCmd, dir, p.env, p.BuildArgs(out)...)
	return time.Since(start), err
}
