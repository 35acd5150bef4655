package pluginbuild

import (
	"context"
	"encoding/json"
	"fmt"
	"go/version"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/soinspect/soinspect/elfinspect"
	"github.com/soinspect/soinspect/internal/modcache"
)

// modFile is what `go mod edit -json` prints of a go.mod.
type modFile struct {
	Module    struct{ Path string }
	Go        string
	Toolchain string
	Require   []struct {
		Path, Version string
		Indirect      bool
	}
	Replace []struct {
		Old, New struct{ Path, Version string }
	}
	Exclude []struct{ Path, Version string }
}

// modGraph is the plugin's module requirement graph (go mod graph).
type modGraph struct {
	versions   map[string][]string // module path -> versions required anywhere
	requiredBy map[string]string   // "path@version" -> one module requiring it
}

func parseGraph(out []byte) *modGraph {
	g := &modGraph{versions: map[string][]string{}, requiredBy: map[string]string{}}
	for _, line := range strings.Split(string(out), "\n") {
		from, to, ok := strings.Cut(strings.TrimSpace(line), " ")
		if !ok {
			continue
		}
		p, v, ok := strings.Cut(to, "@")
		if !ok {
			continue
		}
		if !slices.Contains(g.versions[p], v) {
			g.versions[p] = append(g.versions[p], v)
		}
		if _, seen := g.requiredBy[to]; !seen || !strings.Contains(from, "@") {
			g.requiredBy[to] = from
		}
	}
	return g
}

// selected is the version minimal version selection picks: the highest.
func (g *modGraph) selected(p string) string {
	best := ""
	for _, v := range g.versions[p] {
		if best == "" || compareVersions(v, best) > 0 {
			best = v
		}
	}
	return best
}

// modules pins the host's modules in a temporary copy of the plugin's
// go.mod and checks the paths the host was compiled from.
func (r *Recipe) modules(ctx context.Context, bi *elfinspect.BuildInfo, local *goEnv, early *early) error {
	mf, err := early.modFile()
	if err != nil {
		return err
	}
	r.Module = mf.Module.Path
	if mf.Go != "" && isRelease(r.HostGoVersion) && compareGo("go"+mf.Go, r.HostGoVersion) > 0 {
		r.problem(ProblemGoLine, true,
			fmt.Sprintf("lower the go line of %s to at most %s if the code allows it, or rebuild the host with go%s or later", r.GoMod, langVersion(r.HostGoVersion), mf.Go),
			"the plugin's go.mod says go %s, and %s, which built the host, refuses to build it", mf.Go, r.HostGoVersion)
	}
	r.tmpDir, err = os.MkdirTemp("", "soinspect-build-")
	if err != nil {
		return err
	}
	if err := copyFile(r.GoMod, filepath.Join(r.tmpDir, "go.mod")); err != nil {
		return err
	}
	sum := filepath.Join(r.ModuleDir, "go.sum")
	if _, err := os.Stat(sum); err == nil {
		r.hasSum = true
		if err := copyFile(sum, filepath.Join(r.tmpDir, "go.sum")); err != nil {
			return err
		}
	}
	tmpMod := filepath.Join(r.tmpDir, "go.mod")
	graph := func() (*modGraph, error) {
		out, err := goCommand(ctx, r.goCmd, r.ModuleDir, withEnv(r.env, "GOFLAGS="+r.goflags()+" -mod=mod"), "mod", "graph", "-modfile="+tmpMod)
		if err != nil {
			return nil, err
		}
		return parseGraph(out), nil
	}
	g, err := graph()
	if err != nil {
		r.problem(ProblemBuild, true, "fix the plugin's go.mod so that `go mod graph` succeeds", "the plugin's module graph cannot be read: %s", oneLine(err.Error()))
		return nil
	}
	r.graph = g
	r.selects = map[string]string{}
	for p := range g.versions {
		r.selects[p] = g.selected(p)
	}
	sources := early.sources()
	if sources != nil {
		r.checkGOROOT(sources)
	}
	pins, excluded := r.pins(bi, g, sources, local, mf)
	if len(pins) == 0 {
		return nil
	}
	// Pin, then look again: an older version of one module can require
	// modules of its own; a version still above the host's is excluded.
	for round := 0; round < 4; round++ {
		args := r.editArgs(pins, mf)
		if _, err := goCommand(ctx, r.goCmd, r.ModuleDir, withEnv(r.env, "GOTOOLCHAIN=local"), append([]string{"mod", "edit", "-modfile=" + tmpMod}, args...)...); err != nil {
			return fmt.Errorf("pinning the host's modules: %w", err)
		}
		r.EditArgs = args
		g2, err := graph()
		if err != nil {
			r.problem(ProblemBuild, true, "see the go command's error; the pins are in the recipe (--dry-run)", "the module graph with the host's versions cannot be read: %s", oneLine(err.Error()))
			return nil
		}
		more := false
		for i := range pins {
			p := &pins[i]
			for _, v := range g2.versions[p.Module] {
				if compareVersions(v, p.Version) > 0 && !excluded[p.Module+"@"+v] {
					excluded[p.Module+"@"+v] = true
					p.Exclude = append(p.Exclude, v)
					more = true
				}
			}
		}
		// Modules of the host that the pinned graph newly reaches.
		for _, d := range bi.Deps {
			if _, ok := g2.versions[d.Path]; ok && !slices.ContainsFunc(pins, func(p Pin) bool { return p.Module == d.Path }) {
				if _, was := g.versions[d.Path]; !was {
					np, _ := r.pins(&elfinspect.BuildInfo{Deps: []elfinspect.Module{d}, Main: bi.Main, Path: bi.Path, Settings: bi.Settings}, g2, sources, local, mf)
					pins = append(pins, np...)
					more = more || len(np) > 0
				}
			}
		}
		if !more {
			break
		}
	}
	r.Pins = pins
	r.permanent(pins, mf)
	return nil
}

// early is the work Derive starts at once, side by side: reading the
// plugin's go.mod and the host's function table.
type early struct {
	mf     chan modFileResult
	src    chan *elfinspect.Sources
	srcGot *elfinspect.Sources
	srcOK  bool
}

type modFileResult struct {
	mf  modFile
	err error
}

// startEarly starts reading r.GoMod (go mod edit -json) and, for a host
// built without -trimpath, its function table.
func (r *Recipe) startEarly(ctx context.Context, host *elfinspect.File, bi *elfinspect.BuildInfo, base []string) *early {
	e := &early{mf: make(chan modFileResult, 1), src: make(chan *elfinspect.Sources, 1)}
	gomod, goCmd := r.GoMod, r.goCmd
	go func() {
		var res modFileResult
		out, err := goCommand(ctx, goCmd, os.TempDir(), withEnv(base, "GOTOOLCHAIN=local", "GOWORK=off"), "mod", "edit", "-json", gomod)
		if err != nil {
			res.err = fmt.Errorf("%s: %w", gomod, err)
		} else if err := json.Unmarshal(out, &res.mf); err != nil {
			res.err = fmt.Errorf("%s: go mod edit -json: %w", gomod, err)
		}
		e.mf <- res
	}()
	go func() {
		if ts, _ := bi.Setting("-trimpath"); ts == "true" {
			e.src <- nil
			return
		}
		s, _ := host.Sources()
		e.src <- s
	}()
	return e
}

func (e *early) modFile() (modFile, error) {
	res := <-e.mf
	return res.mf, res.err
}

func (e *early) sources() *elfinspect.Sources {
	if !e.srcOK {
		e.srcGot, e.srcOK = <-e.src, true
	}
	return e.srcGot
}

// wait lets the read of the host finish, so that the caller may close it;
// go mod edit ends on its own (its channel is buffered).
func (e *early) wait() { e.sources() }

// goflags is the GOFLAGS of the recipe's go commands, before -mod.
func (r *Recipe) goflags() string {
	if v, ok := lookupEnv(r.env, "GOFLAGS"); ok {
		return v
	}
	return ""
}

// pins returns a Pin for every module of the host that the plugin's
// graph g uses, with the versions above the host's excluded.
func (r *Recipe) pins(bi *elfinspect.BuildInfo, g *modGraph, sources *elfinspect.Sources, local *goEnv, mf modFile) ([]Pin, map[string]bool) {
	excluded := map[string]bool{}
	for _, e := range mf.Exclude {
		excluded[e.Path+"@"+e.Version] = true
	}
	var pins []Pin
	if bi.Main.Path != "" && bi.Main.Path != r.Module {
		if _, ok := g.versions[bi.Main.Path]; ok {
			pins = append(pins, r.mainPin(bi, g, sources))
		}
	}
	for _, d := range bi.Deps {
		if d.Path == r.Module {
			r.problem(ProblemPluginModuleInHost, false,
				fmt.Sprintf("build the plugin from %s %s, the version the host links (a checkout of that tag, unmodified)", d.Path, d.VersionID()),
				"the host links the plugin's own module %s at %s; the plugin builds it from %s, so any package of it the host links must have identical source", d.Path, d.VersionID(), r.ModuleDir)
			continue
		}
		if _, ok := g.versions[d.Path]; !ok {
			continue // the plugin's build does not use this module
		}
		p := Pin{Module: d.Path, Version: d.Version, PluginVersion: g.selected(d.Path)}
		p.RequiredBy = g.requiredBy[d.Path+"@"+p.PluginVersion]
		if p.RequiredBy == r.Module {
			p.RequiredBy = ""
		}
		switch {
		case d.Replace != nil && !isDirVersion(d.Replace.Version):
			p.Replace = d.Replace.Path + "@" + d.Replace.Version
		case d.Replace != nil:
			p.Replace = r.replaceDir(d, sources)
		default:
			r.checkModCache(d, sources, local)
		}
		for _, v := range g.versions[d.Path] {
			if compareVersions(v, d.Version) > 0 && !excluded[d.Path+"@"+v] {
				excluded[d.Path+"@"+v] = true
				p.Exclude = append(p.Exclude, v)
			}
		}
		switch {
		case p.Downgrade():
			p.Why = fmt.Sprintf("the host links %s; the plugin's build selects %s", d.Version, p.PluginVersion)
			if p.RequiredBy != "" {
				p.Why += " (required by " + p.RequiredBy + ")"
			}
		case p.PluginVersion != d.Version:
			p.Why = fmt.Sprintf("the host links %s; the plugin's build selects %s", d.Version, p.PluginVersion)
		default:
			p.Why = "the same version as the host's"
		}
		if p.Replace != "" {
			p.Why += "; the host replaces it with " + p.Replace
		}
		pins = append(pins, p)
	}
	return pins, excluded
}

// mainPin pins the host's main module, which the plugin's graph requires:
// the plugin must build it from the host's own source directory.
func (r *Recipe) mainPin(bi *elfinspect.BuildInfo, g *modGraph, sources *elfinspect.Sources) Pin {
	p := Pin{Module: bi.Main.Path, Version: bi.Main.Version, PluginVersion: g.selected(bi.Main.Path),
		Why: "the plugin imports the host's own module: it must be built from the host's source"}
	var src elfinspect.PackageSource
	ok := false
	if sources != nil {
		src, ok = sources.Packages["main"]
	}
	rel := strings.TrimPrefix(strings.TrimPrefix(bi.Path, bi.Main.Path), "/")
	if !ok || src.Trimmed() {
		r.problem(ProblemLocalPath, true,
			"add to the plugin's go.mod: replace "+bi.Main.Path+" => /path/to/the/host/source (the tree the host was built from)",
			"the plugin requires the host's main module %s, and the host (built with -trimpath) does not record where its source was", bi.Main.Path)
		return p
	}
	dir := src.Dir
	if rel != "" {
		dir = strings.TrimSuffix(dir, "/"+rel)
	}
	if !isModuleDir(dir) {
		r.problem(ProblemLocalPath, true, "build on the machine with the host's source at "+dir,
			"the host's main module %s was compiled from %s, which is not here", bi.Main.Path, dir)
		return p
	}
	p.Replace = dir
	return p
}

// replaceDir resolves a directory replacement of the host: as recorded
// when absolute, else from the function table's paths.
func (r *Recipe) replaceDir(d elfinspect.Module, sources *elfinspect.Sources) string {
	dir := d.Replace.Path
	if !filepath.IsAbs(dir) {
		if found := moduleDirFromSources(d, sources); found != "" {
			dir = found
		} else {
			r.problem(ProblemReplaceMissing, true,
				fmt.Sprintf("pass the directory yourself: -- and add to the plugin's go.mod: replace %s => /path/to/%s", d.Path, path.Base(d.Replace.Path)),
				"the host replaces %s with the relative directory %s, whose absolute place is not recorded (a -trimpath host)", d.Path, d.Replace.Path)
			return d.Replace.Path
		}
	}
	if !isModuleDir(dir) {
		r.problem(ProblemReplaceMissing, true,
			fmt.Sprintf("put the same source of %s at %s (the host's replace), then run again", d.Path, dir),
			"the host replaces %s with the directory %s, which does not exist here (or has no go.mod)", d.Path, dir)
		return dir
	}
	if src := moduleDirFromSources(d, sources); src != "" && src != dir {
		r.problem(ProblemLocalPath, true,
			fmt.Sprintf("build with the source at %s, or rebuild the host and the plugin with -trimpath", src),
			"the host compiled %s from %s, not from its replace directory %s as found here", d.Path, src, dir)
	}
	return dir
}

// moduleDirFromSources finds the directory module m was compiled from
// in a host's function-table paths, or "": from its packages' functions,
// else (every function inlined) from the file table.
func moduleDirFromSources(m elfinspect.Module, sources *elfinspect.Sources) string {
	if sources == nil {
		return ""
	}
	for pkg, s := range sources.Packages {
		if s.Trimmed() || !(pkg == m.Path || strings.HasPrefix(pkg, m.Path+"/")) {
			continue
		}
		rel := strings.TrimPrefix(pkg, m.Path)
		if strings.HasSuffix(s.Dir, rel) {
			return strings.TrimSuffix(s.Dir, rel)
		}
	}
	if m.Replace != nil && isDirVersion(m.Replace.Version) {
		if dir := m.Replace.Path; filepath.IsAbs(dir) {
			for _, f := range sources.Files {
				if strings.HasPrefix(f, dir+"/") {
					return dir
				}
			}
		}
		return ""
	}
	if m.Version == "" || m.Version == "(devel)" {
		return ""
	}
	seg := "/" + modcache.EscapePath(m.Path) + "@" + m.Version
	for _, f := range sources.Files {
		if i := strings.Index(f, seg+"/"); i >= 0 && strings.HasPrefix(f, "/") {
			return f[:i] + seg
		}
	}
	return ""
}

// isDirVersion reports whether a replacement's version is that of a
// directory: none, or "(devel)" as build info records it.
func isDirVersion(v string) bool { return v == "" || v == "(devel)" }

func isModuleDir(dir string) bool {
	st, err := os.Stat(filepath.Join(dir, "go.mod"))
	return err == nil && st.Mode().IsRegular()
}

// checkGOROOT compares the GOROOT the host's standard library was compiled
// from with the toolchain's here. The compiler records GOROOT's files as
// "$GOROOT/...", so the place alone changes no link hash; another place
// often means another installation, which may differ.
func (r *Recipe) checkGOROOT(sources *elfinspect.Sources) {
	if sources == nil {
		return
	}
	rt, ok := sources.Packages["runtime"]
	if !ok || rt.Trimmed() || r.ToolchainGOROOT == "" {
		return
	}
	hostRoot := strings.TrimSuffix(rt.Dir, "/src/runtime")
	if hostRoot == rt.Dir || filepath.Clean(hostRoot) == filepath.Clean(r.ToolchainGOROOT) {
		return
	}
	r.Notes = append(r.Notes, fmt.Sprintf("the host's standard library was compiled from GOROOT %s; %s is at %s here. The place alone changes no package hash, but another installation of the same version (a distribution's patched Go) does: the check after the build tells", hostRoot, r.Toolchain, r.ToolchainGOROOT))
}

// checkModCache compares the module cache the host compiled d from with
// the local one: without -trimpath, the absolute source paths are part
// of every package's link hash.
func (r *Recipe) checkModCache(d elfinspect.Module, sources *elfinspect.Sources, local *goEnv) {
	dir := moduleDirFromSources(d, sources)
	if dir == "" {
		return
	}
	suffix := "/" + modcache.EscapePath(d.Path) + "@" + d.Version
	hostCache, ok := strings.CutSuffix(dir, suffix)
	if !ok {
		r.problem(ProblemLocalPath, true,
			fmt.Sprintf("build on the machine where %s is, or rebuild the host and the plugin with -trimpath", dir),
			"the host compiled %s %s from %s, not from a module cache", d.Path, d.Version, dir)
		return
	}
	localCache := ""
	if v, ok := lookupEnv(r.env, "GOMODCACHE"); ok && v != "" {
		localCache = v
	} else {
		localCache = local.GOMODCACHE
	}
	if filepath.Clean(hostCache) == filepath.Clean(localCache) {
		return
	}
	for _, p := range r.Problems {
		if p.Code == ProblemModCachePath {
			return // said once for all modules
		}
	}
	r.problem(ProblemModCachePath, true,
		fmt.Sprintf("run with GOMODCACHE=%s (the host's path, if you can create it here), or rebuild the host and the plugin with -trimpath, the durable fix", hostCache),
		"the host was built without -trimpath from the module cache %s; here it is %s, and the source paths are part of every module package's link hash", hostCache, localCache)
}

// editArgs are the go mod edit arguments writing pins.
func (r *Recipe) editArgs(pins []Pin, mf modFile) []string {
	var args []string
	for _, p := range pins {
		if p.Version != "" && p.Version != "(devel)" {
			args = append(args, "-require="+p.Module+"@"+p.Version)
		}
		for _, rp := range mf.Replace {
			if rp.Old.Path == p.Module {
				old := rp.Old.Path
				if rp.Old.Version != "" {
					old += "@" + rp.Old.Version
				}
				args = append(args, "-dropreplace="+old)
			}
		}
		if p.Replace != "" {
			args = append(args, "-replace="+p.Module+"="+p.Replace)
		}
		for _, v := range p.Exclude {
			args = append(args, "-exclude="+p.Module+"@"+v)
		}
	}
	return args
}

// permanent lists the go.mod lines that would make the plugin's module
// build like this without -modfile.
func (r *Recipe) permanent(pins []Pin, mf modFile) {
	req := map[string]string{}
	for _, q := range mf.Require {
		req[q.Path] = q.Version
	}
	rep := map[string]string{}
	for _, rp := range mf.Replace {
		n := rp.New.Path
		if rp.New.Version != "" {
			n += " " + rp.New.Version
		}
		rep[rp.Old.Path] = n
	}
	for _, p := range pins {
		if p.Version != "" && p.Version != "(devel)" && req[p.Module] != p.Version {
			r.Permanent = append(r.Permanent, "require "+p.Module+" "+p.Version)
		}
		if p.Replace != "" {
			want := strings.Replace(p.Replace, "@", " ", 1)
			if rep[p.Module] != want {
				r.Permanent = append(r.Permanent, "replace "+p.Module+" => "+want)
			}
		}
		for _, v := range p.Exclude {
			r.Permanent = append(r.Permanent, "exclude "+p.Module+" "+v)
		}
	}
}

// compareGo compares two Go toolchain versions ("go1.26", "go1.26.8",
// "go1.27rc1") as go/version does: the language version "go1.26" sorts
// before go1.26's release candidates, and those before go1.26.0.
func compareGo(a, b string) int { return version.Compare(a, b) }

// langVersion is "1.26" of "go1.26.8".
func langVersion(v string) string { return strings.TrimPrefix(version.Lang(v), "go") }

func copyFile(src, dst string) error {
	b, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	return os.WriteFile(dst, b, 0o644)
}
