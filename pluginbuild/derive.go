package pluginbuild

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/soinspect/soinspect/elfinspect"
	"github.com/soinspect/soinspect/goplugin"
)

// Options says what to build and how to run the go command.
type Options struct {
	// Dir is the directory Package is resolved in, as go build's working
	// directory; "" is the current directory.
	Dir string
	// Package is the plugin package: a directory ("." by default, "./p",
	// an absolute path) or an import path of Dir's module.
	Package string
	// Output is the plugin file to write; "" is the package directory's
	// last element with ".so", in Dir, as go build names it.
	Output string
	// ExtraArgs are appended to go build's flags, before the package.
	ExtraArgs []string
	// Go is the go command; "" is "go" from PATH.
	Go string
	// Env is the environment to start from; nil is os.Environ().
	Env []string
	// NoFetch keeps Derive from downloading a toolchain (for a dry run):
	// a toolchain not yet downloaded is then a note, not a problem.
	NoFetch bool
}

// hashFlags are the go build flags, as build info records them, that
// change what the compiler produces and so a package's link hash.
var hashFlags = []string{"-asmflags", "-gcflags", "-tags", "-trimpath", "-race", "-msan", "-asan", "-cover", "-pgo"}

// archVars are the GOARCH-specific variables build info records
// (cmd/go's cfg.GetArchEnv).
var archVars = []string{"GOAMD64", "GOARM64", "GO386", "GOARM", "GOMIPS", "GOMIPS64", "GOPPC64", "GORISCV64", "GOWASM", "GOLOONG64"}

// Derive reads host and the plugin's module and returns the recipe of a
// plugin that host's plugin.Open accepts. It runs the go command (go env,
// go mod edit, go mod graph, and with NoFetch unset, the download of the
// host's toolchain) but builds nothing; call Build for that, and Close to
// remove the recipe's temporary files. An error means no recipe could be
// made at all (the host is not a Go program, the package is in no module);
// anything that cannot be matched is a Problem of the recipe.
func Derive(ctx context.Context, host *elfinspect.File, opts Options) (r *Recipe, err error) {
	if host == nil {
		return nil, errors.New("no host file")
	}
	bi, err := host.BuildInfo()
	if err != nil {
		// The error names the file (elfinspect.Error) when it has a name.
		return nil, fmt.Errorf("the host is not a Go program: %w", err)
	}
	r, base := startRecipe(bi, opts)
	r.Host, r.extra = host.Path, opts.ExtraArgs
	if err := r.resolvePackage(opts); err != nil {
		return nil, err
	}
	pre := r.startEarly(ctx, host, bi, base)
	defer pre.wait()
	local, err := r.readLocalGo(ctx, base)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			r.Close()
		}
	}()
	r.hostCanLoad(host, bi)
	r.chooseToolchain(ctx, local, base, opts.NoFetch)
	r.settings(bi, local, base)
	// The environment of every go command from here on.
	r.env = withEnv(base, "GOWORK=off", "GOTOOLCHAIN="+r.runToolchain(local))
	for _, e := range r.Env {
		r.env = withEnv(r.env, e.Name+"="+e.Value)
	}
	if err := r.modules(ctx, bi, local, pre); err != nil {
		return nil, err
	}
	r.buildLine()
	return r, nil
}

// startRecipe starts the recipe of a build like the one bi records, as
// Derive and DeriveProgram both do: with opts's go command ("go" by
// default) and bi's Go release. It also returns the environment the go
// commands start from, opts.Env or else os.Environ().
func startRecipe(bi *elfinspect.BuildInfo, opts Options) (*Recipe, []string) {
	r := &Recipe{goCmd: opts.Go}
	if r.goCmd == "" {
		r.goCmd = "go"
	}
	// "go1.26.8 X:nodwarf5": the experiments are in GOEXPERIMENT.
	r.HostGoVersion, _, _ = strings.Cut(bi.GoVersion, " ")
	base := opts.Env
	if base == nil {
		base = os.Environ()
	}
	return r, base
}

// readLocalGo reads the go env of the local toolchain, asked where no
// go.mod can switch it, and records its version.
func (r *Recipe) readLocalGo(ctx context.Context, base []string) (*goEnv, error) {
	local, err := readGoEnv(ctx, r.goCmd, os.TempDir(), withEnv(base, "GOTOOLCHAIN=local", "GOWORK=off"))
	if err != nil {
		return nil, fmt.Errorf("the go command: %w", err)
	}
	r.LocalGoVersion = local.GOVERSION
	return local, nil
}

// resolvePackage finds the plugin's module and output, as go build would.
func (r *Recipe) resolvePackage(opts Options) error {
	dir := opts.Dir
	if dir == "" {
		dir = "."
	}
	dir, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	pkg := opts.Package
	if pkg == "" {
		pkg = "."
	}
	r.Package = pkg
	pkgDir := dir
	if filepath.IsAbs(pkg) || pkg == "." || pkg == ".." || strings.HasPrefix(pkg, "./") || strings.HasPrefix(pkg, "../") {
		pkgDir = filepath.Join(dir, pkg)
		if filepath.IsAbs(pkg) {
			pkgDir = filepath.Clean(pkg)
		}
		st, err := os.Stat(pkgDir)
		if err != nil {
			return fmt.Errorf("package %s: %w", pkg, err)
		}
		if !st.IsDir() {
			return fmt.Errorf("package %s: not a directory", pkg)
		}
		r.pkgArg = pkgDir
	} else {
		r.pkgArg = pkg
	}
	gomod, ok := findGoMod(pkgDir)
	if !ok {
		return fmt.Errorf("package %s: no go.mod in %s or any parent: a plugin for a host is built in module mode", pkg, pkgDir)
	}
	r.GoMod, r.ModuleDir = gomod, filepath.Dir(gomod)
	if rel, err := filepath.Rel(r.ModuleDir, pkgDir); err == nil && r.pkgArg == pkgDir {
		r.pkgArg = "./" + filepath.ToSlash(rel)
		if rel == "." {
			r.pkgArg = "."
		}
	}
	r.Output = opts.Output
	if r.Output == "" {
		base := filepath.Base(pkgDir)
		if r.pkgArg != "." && !strings.HasPrefix(r.pkgArg, "./") {
			base = filepath.Base(r.pkgArg)
		}
		r.Output = filepath.Join(dir, base+".so")
	} else if !filepath.IsAbs(r.Output) {
		r.Output = filepath.Join(dir, r.Output)
	}
	return nil
}

// hostCanLoad records why host cannot open plugins at all, if it cannot.
func (r *Recipe) hostCanLoad(host *elfinspect.File, bi *elfinspect.BuildInfo) {
	if mode, _ := bi.Setting("-buildmode"); mode != "" && mode != "exe" && mode != "pie" {
		r.problem(ProblemHostCannotLoad, true, "give the program that loads plugins as --for",
			"%s is a -buildmode=%s library, not a program that calls plugin.Open", host.Path, mode)
		return
	}
	if cgo, _ := bi.Setting("CGO_ENABLED"); cgo == "0" {
		r.problem(ProblemHostCannotLoad, true, "rebuild the host with CGO_ENABLED=1",
			"%s was built with CGO_ENABLED=0: its plugin.Open always fails with \"plugin: not implemented\"", host.Path)
		return
	}
	// The linker exports the package hashes plugin.Open compares only
	// from a program that links package plugin (with cgo).
	hs, _ := goplugin.PackageHashes(host)
	for _, h := range hs {
		if h.Package == "plugin" {
			return
		}
	}
	r.problem(ProblemHostCannotLoad, true, `import "plugin" in the host and call plugin.Open`,
		"%s does not link package plugin: it can load no plugin", host.Path)
}

// chooseToolchain picks the host's toolchain and says where it is.
func (r *Recipe) chooseToolchain(ctx context.Context, local *goEnv, base []string, noFetch bool) {
	v := r.HostGoVersion
	r.Toolchain = v
	if v == local.GOVERSION {
		r.ToolchainGOROOT, r.ToolchainCached = local.GOROOT, true
		return
	}
	if !isRelease(v) {
		r.problem(ProblemToolchain, true,
			fmt.Sprintf("build with the same development toolchain (put its bin/go first on PATH), or rebuild the host with a release such as %s", local.GOVERSION),
			"the host was built by %q, a development toolchain the go command cannot fetch", v)
		r.Toolchain = "local"
		return
	}
	dir := filepath.Join(local.GOMODCACHE, "golang.org", "toolchain@v0.0.1-"+v+"."+local.GOOS+"-"+local.GOARCH)
	r.ToolchainGOROOT = dir
	if st, err := os.Stat(filepath.Join(dir, "bin", "go")); err == nil && st.Mode().IsRegular() {
		r.ToolchainCached = true
		return
	}
	if noFetch {
		r.Notes = append(r.Notes, fmt.Sprintf("%s is not downloaded yet: the go command fetches it (GOTOOLCHAIN=%s) when the build runs", v, v))
		return
	}
	if _, err := goCommand(ctx, r.goCmd, os.TempDir(), withEnv(base, "GOTOOLCHAIN="+v, "GOWORK=off"), "version"); err != nil {
		r.problem(ProblemToolchain, true,
			fmt.Sprintf("make %s reachable (GOPROXY, network) or install it from https://go.dev/dl/ and put its bin/go first on PATH; or rebuild the host with %s", v, local.GOVERSION),
			"the host was built by %s, which cannot be fetched here: %s", v, oneLine(err.Error()))
		r.Toolchain = "local"
		return
	}
	r.ToolchainCached = true
}

// runToolchain is the GOTOOLCHAIN of the go commands Derive runs: the
// host's when it is here, else the local one (a dry run must not
// download a toolchain).
func (r *Recipe) runToolchain(local *goEnv) string {
	if r.ToolchainCached && r.Toolchain != "local" {
		return r.Toolchain
	}
	return "local"
}

func isRelease(v string) bool {
	s, ok := strings.CutPrefix(v, "go")
	if !ok || s == "" || s[0] < '0' || s[0] > '9' {
		return false
	}
	for _, c := range s {
		if !(c >= '0' && c <= '9' || c == '.' || c >= 'a' && c <= 'z') {
			return false
		}
	}
	return true
}

func oneLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i] + " …"
	}
	return s
}

// settings turns the host's build settings into go build flags and
// environment variables.
func (r *Recipe) settings(bi *elfinspect.BuildInfo, local *goEnv, base []string) {
	if c, _ := bi.Setting("-compiler"); c != "" && c != "gc" {
		r.problem(ProblemSetting, true, "build the host with the gc toolchain", "the host was built by -compiler=%s: Go plugins need gc", c)
	}
	for _, k := range hashFlags {
		v, ok := bi.Setting(k)
		if !ok {
			continue
		}
		switch k {
		case "-trimpath", "-race", "-msan", "-asan", "-cover":
			if v == "true" {
				r.Flags = append(r.Flags, Setting{Name: k, Why: "the host was built with " + k})
			}
			if k == "-cover" {
				r.Notes = append(r.Notes, "the host was built with -cover; the packages it instrumented (-coverpkg) are not recorded: the same default is assumed")
			}
		case "-pgo":
			p := v
			if !filepath.IsAbs(p) {
				r.problem(ProblemSetting, true, "pass the same profile: -- -pgo=/path/to/"+filepath.Base(v),
					"the host was built with the profile %s (-pgo), whose path is not recorded", v)
				continue
			}
			if _, err := os.Stat(p); err != nil {
				r.problem(ProblemSetting, true, "make the profile available at "+p+", or pass it: -- -pgo=FILE",
					"the host was built with the profile %s (-pgo), which is not here", p)
				continue
			}
			r.Flags = append(r.Flags, Setting{Name: k, Value: v, Why: "the host was built with this profile"})
		default:
			r.Flags = append(r.Flags, Setting{Name: k, Value: v, Why: "the host was built with " + k + "=" + v})
		}
	}
	// A plugin needs cgo, and so does a host that loads one.
	r.Env = append(r.Env, Setting{Name: "CGO_ENABLED", Value: "1", Why: "plugins are built with cgo, as the host was"})
	for _, k := range []string{"GOOS", "GOARCH"} {
		v, _ := bi.Setting(k)
		lv := local.GOOS
		if k == "GOARCH" {
			lv = local.GOARCH
		}
		if v != "" && v != lv {
			r.Env = append(r.Env, Setting{Name: k, Value: v, Why: "the host's " + k})
			r.Notes = append(r.Notes, fmt.Sprintf("the host is for %s=%s and this machine builds for %s: a cgo cross build needs CC for that target (CC=... in the environment)", k, v, lv))
		}
	}
	for _, k := range archVars {
		if v, ok := bi.Setting(k); ok {
			r.Env = append(r.Env, Setting{Name: k, Value: v, Why: "the host's " + k})
		}
	}
	cgoFlags := false
	for _, k := range []string{"CGO_CFLAGS", "CGO_CPPFLAGS", "CGO_CXXFLAGS", "CGO_LDFLAGS"} {
		if v, ok := bi.Setting(k); ok {
			cgoFlags = true
			// "" is what the host records when the variable was unset:
			// the go command's default, which it uses here too.
			if cur, set := lookupEnv(base, k); v == "" && set && cur != "" {
				r.Notes = append(r.Notes, fmt.Sprintf("the host was built with %s unset (the default); yours is %q: unset it for the build", k, cur))
			} else if v != "" && v != local.cgoFlag(k) {
				r.Env = append(r.Env, Setting{Name: k, Value: v, Why: "the host's " + k})
			}
		}
	}
	if !cgoFlags {
		r.Notes = append(r.Notes, "the host does not record its CGO_*FLAGS (a -trimpath build never does): the defaults are assumed")
	}
	exp, _ := bi.Setting("GOEXPERIMENT")
	if cur, _ := lookupEnv(base, "GOEXPERIMENT"); exp != "" || cur != "" {
		r.Env = append(r.Env, Setting{Name: "GOEXPERIMENT", Value: exp, Why: "the host's GOEXPERIMENT"})
	}
	fips, _ := bi.Setting("GOFIPS140")
	if cur, _ := lookupEnv(base, "GOFIPS140"); fips != "" || cur != "" && cur != "off" {
		if fips == "" {
			fips = "off"
		}
		r.Env = append(r.Env, Setting{Name: "GOFIPS140", Value: fips, Why: "the host's GOFIPS140"})
	}
	// The user's GOFLAGS must not add flags of their own.
	if local.GOFLAGS != "" {
		var keep, dropped []string
		for _, f := range strings.Fields(local.GOFLAGS) {
			name, _, _ := strings.Cut(f, "=")
			if isHashFlag(name) || name == "-mod" || name == "-modfile" || name == "-buildmode" {
				dropped = append(dropped, f)
				continue
			}
			keep = append(keep, f)
		}
		if len(dropped) > 0 {
			r.Env = append(r.Env, Setting{Name: "GOFLAGS", Value: strings.Join(keep, " "),
				Why: "your GOFLAGS without " + strings.Join(dropped, " ") + ", which would change the build"})
		}
	}
}

func isHashFlag(name string) bool {
	for _, k := range hashFlags {
		if k == name {
			return true
		}
	}
	return name == "-coverpkg" || name == "-covermode"
}

// buildLine writes the one go build command.
func (r *Recipe) buildLine() {
	args := []string{"build", "-modfile=$tmp/go.mod", "-mod=mod", "-buildmode=plugin"}
	for _, f := range r.Flags {
		args = append(args, f.Arg())
	}
	args = append(args, "-o", r.Output)
	args = append(args, r.extra...)
	r.BuildArgs = append(args, r.pkgArg)
	envs := make([]Setting, 0, len(r.Env)+2)
	envs = append(envs, Setting{Name: "GOTOOLCHAIN", Value: r.Toolchain, Why: "the host was built by " + r.HostGoVersion})
	if r.Toolchain == "local" {
		envs[0].Why = "the host's toolchain is not available; the local one is used"
	}
	envs = append(envs, Setting{Name: "GOWORK", Value: "off", Why: "-modfile works on one module, not a workspace"})
	r.Env = append(envs, r.Env...)
}
