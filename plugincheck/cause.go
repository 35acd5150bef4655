package plugincheck

import (
	"fmt"
	"strings"
	"sync"

	"github.com/soinspect/soinspect/elfinspect"
	"github.com/soinspect/soinspect/internal/guard"
)

// hashSettings are the build settings that change the code the compiler
// produces, and so a package's link hash.
var hashSettings = []string{
	"-compiler", "-trimpath", "-gcflags", "-asmflags", "-race", "-msan", "-asan", "-tags", "-cover", "-mod",
	"CGO_ENABLED", "CGO_CFLAGS", "CGO_CPPFLAGS", "CGO_CXXFLAGS", "CGO_LDFLAGS",
	"GOARCH", "GOOS", "GOAMD64", "GOARM64", "GO386", "GOARM", "GOEXPERIMENT", "GOFIPS140",
}

// causer explains package-hash differences from the host's and the
// plugin's build infos.
type causer struct {
	host, plugin *elfinspect.BuildInfo
	settings     []string // the differing hash-changing build settings
	// The function tables, for evidence (withFiles).
	hostSrc, pluginSrc   *sourceCache
	hostFile, pluginFile *elfinspect.File
}

func newCauser(host, plugin *elfinspect.BuildInfo) *causer {
	c := &causer{host: host, plugin: plugin}
	if host != nil && plugin != nil {
		c.settings = settingsDiffList(host, plugin, "host", "plugin")
	}
	return c
}

// cause returns the likely cause of pkg's hash differing, in one line.
func (c *causer) cause(pkg string) string {
	if c.host == nil || c.plugin == nil {
		return "unknown: a build info is missing"
	}
	var parts []string
	hm, hok := moduleOf(c.host, pkg)
	pm, pok := moduleOf(c.plugin, pkg)
	switch {
	case hok && pok && hm.Path == pm.Path && hm.VersionID() != pm.VersionID():
		parts = append(parts, fmt.Sprintf("module %s: host %s, plugin %s", hm.Path, hm.VersionID(), pm.VersionID()))
	case hok && pok && hm.Path != pm.Path:
		parts = append(parts, fmt.Sprintf("the package comes from module %s %s in the host but %s %s in the plugin", hm.Path, hm.VersionID(), pm.Path, pm.VersionID()))
	case hok != pok:
		in, m := "host", hm
		if pok {
			in, m = "plugin", pm
		}
		parts = append(parts, fmt.Sprintf("only the %s names its module (%s %s): vendored or from GOPATH on the other side?", in, m.Path, m.VersionID()))
	}
	if c.host.GoVersion != c.plugin.GoVersion {
		parts = append(parts, fmt.Sprintf("toolchain %s vs %s", c.host.GoVersion, c.plugin.GoVersion))
	}
	if len(c.settings) > 0 {
		parts = append(parts, strings.Join(c.settings, "; "))
	}
	if len(parts) == 0 {
		if hok && (hm.Version == "(devel)" || hm.Version == "" || hm.Replace != nil && (hm.Replace.Version == "" || hm.Replace.Version == "(devel)")) {
			return fmt.Sprintf("same build settings; %s is built from local source (%s), which must differ", hm.Path, hm.VersionID())
		}
		return "unknown: same module versions and build settings (edited GOROOT or module cache, or -mod=vendor with other vendored source?)"
	}
	return strings.Join(parts, "; ")
}

// settingsDiffList lists the hash-changing build settings that differ,
// one entry a setting: "-trimpath: host unset, plugin true", where hName
// and pName ("host", "plugin") name the sides h and p.
func settingsDiffList(h, p *elfinspect.BuildInfo, hName, pName string) []string {
	var ds []string
	for _, k := range hashSettings {
		hv, _ := h.Setting(k)
		pv, _ := p.Setting(k)
		if hv == pv {
			continue
		}
		ds = append(ds, fmt.Sprintf("%s: %s %s, %s %s", k, hName, quoteSetting(hv), pName, quoteSetting(pv)))
	}
	return ds
}

func quoteSetting(v string) string {
	if v == "" {
		return "unset"
	}
	if strings.ContainsAny(v, " \t") {
		return fmt.Sprintf("%q", v)
	}
	return v
}

// moduleOf returns the module of bi that provides pkg: the one with the
// longest path that is pkg or a prefix of it at a slash.
func moduleOf(bi *elfinspect.BuildInfo, pkg string) (elfinspect.Module, bool) {
	var best elfinspect.Module
	found := false
	try := func(m elfinspect.Module) {
		if m.Path == "" || !(pkg == m.Path || strings.HasPrefix(pkg, m.Path+"/")) {
			return
		}
		if !found || len(m.Path) > len(best.Path) {
			best, found = m, true
		}
	}
	try(bi.Main)
	for _, d := range bi.Deps {
		try(d)
	}
	return best, found
}

// sourceCache reads a file's package source paths once.
type sourceCache struct {
	once sync.Once
	s    *elfinspect.Sources
}

func (s *sourceCache) get(f *elfinspect.File) *elfinspect.Sources {
	s.once.Do(func() {
		defer guard.Recover(func(any) { s.s = nil }) // a malformed table is no evidence
		if f != nil {
			s.s, _ = f.Sources()
		}
	})
	return s.s
}

// withFiles lets the causer read where each package was compiled from,
// in the function tables of host (whose cache the Checker keeps) and of
// the plugin.
func (c *causer) withFiles(host *sourceCache, hostFile *elfinspect.File, plugin *elfinspect.File) *causer {
	c.hostSrc, c.hostFile, c.pluginFile = host, hostFile, plugin
	return c
}

// pluginSources returns the plugin's package source paths, read once
// for all the packages explained (nil when unreadable).
func (c *causer) pluginSources() *elfinspect.Sources {
	if c.pluginSrc == nil {
		c.pluginSrc = &sourceCache{}
	}
	return c.pluginSrc.get(c.pluginFile)
}

// explain fills r's Cause, Evidence and Remedy for the package
// r.Package. When both function tables name where the package was
// compiled from, the two source files are the evidence and decide the
// cause; the build infos add what the paths leave open (a module version,
// other settings).
func (c *causer) explain(r *Reason) {
	pkg := r.Package
	var class, remedy string
	if r.HashFrom == "host" && c.hostSrc != nil && c.pluginFile != nil {
		hs, hok := c.hostSrc.get(c.hostFile).Package(pkg, c.host)
		ps, pok := c.pluginSources().Package(pkg, c.plugin)
		if hok && pok {
			r.HostSource, r.PluginSource = hs.File, ps.File
			r.Evidence = fmt.Sprintf("the host compiled %s from %s, the plugin from %s", pkg, hs.File, ps.File)
			class, remedy = c.fromPaths(pkg, hs, ps)
		}
	}
	trimmed := false
	if c.host != nil && c.plugin != nil {
		hv, _ := c.host.Setting("-trimpath")
		pv, _ := c.plugin.Setting("-trimpath")
		if hv != pv {
			trimmed = true
			if class == "" {
				// No function of pkg to quote: the settings say it.
				class, remedy = trimmedClass(hv == "true")
			}
		}
	}
	if class == "" {
		r.Cause, r.Remedy = c.cause(pkg), c.remedy(pkg)
		return
	}
	parts := []string{class}
	if m := c.moduleDiff(pkg); m != "" && !strings.HasPrefix(class, "module ") {
		parts = append(parts, m)
	}
	if c.host != nil && c.plugin != nil && c.host.GoVersion != c.plugin.GoVersion {
		parts = append(parts, fmt.Sprintf("toolchain %s vs %s", c.host.GoVersion, c.plugin.GoVersion))
	}
	var others []string
	for _, d := range c.settings {
		if !(trimmed && strings.HasPrefix(d, "-trimpath:") && strings.HasPrefix(class, "trimmed")) {
			others = append(others, d)
		}
	}
	if len(others) > 0 {
		parts = append(parts, "build settings differ too: "+strings.Join(others, "; "))
	}
	if len(parts) > 1 {
		remedy += "; for all of it at once: soinspect build --for HOST"
	}
	r.Cause, r.Remedy = strings.Join(parts, "; "), remedy
}

func trimmedClass(hostTrimmed bool) (cause, remedy string) {
	if hostTrimmed {
		return "trimmed in the host only (-trimpath), not in the plugin", "build the plugin with -trimpath, as the host was"
	}
	return "trimmed in the plugin only (-trimpath), not in the host", "build the plugin without -trimpath, as the host was (or rebuild both with -trimpath)"
}

// fromPaths names the cause from the two source paths of pkg, or "" when
// they do not tell (the same path on both sides). Paths that are the same
// for every package (GOROOT, the module caches) are part of the cause;
// the rest is in the evidence.
func (c *causer) fromPaths(pkg string, h, p elfinspect.PackageSource) (cause, remedy string) {
	hv, pv := strings.Contains(h.Dir, "/vendor/"), strings.Contains(p.Dir, "/vendor/")
	switch {
	case h.Dir == p.Dir:
		if h.Trimmed() || isStd(pkg) || strings.Contains(h.Dir, "@") {
			return "", ""
		}
		if c.settingsSame() {
			return "the same local directory on both sides, with the same build settings: its source changed between the two builds",
				"rebuild the plugin (or the host) from the source the other was built from"
		}
		return "", ""
	case h.Trimmed() != p.Trimmed():
		return trimmedClass(h.Trimmed())
	case hv != pv:
		if pv {
			return "vendored in the plugin, not in the host",
				"build the plugin with -mod=mod, from the module cache as the host was (its vendor/ copy compiles under another path)"
		}
		return "vendored in the host, not in the plugin",
			fmt.Sprintf("build the plugin in the host's module, from the same vendor directory %s, or rebuild both with -trimpath", h.Dir)
	}
	if isStd(pkg) && !h.Trimmed() {
		hr, hok := strings.CutSuffix(h.Dir, "/src/"+pkg)
		pr, pok := strings.CutSuffix(p.Dir, "/src/"+pkg)
		if hok && pok && hr != pr {
			return fmt.Sprintf("different GOROOT paths: the host's Go is at %s, the plugin's at %s, another installation whose source differs", hr, pr),
				fmt.Sprintf("build the plugin with the Go installation at %s (the host's)", hr)
		}
	}
	hm, hver, hroot, hcache := splitModuleDir(h.Dir)
	pm, pver, proot, pcache := splitModuleDir(p.Dir)
	switch {
	case hm != "" && hm == pm && hver != pver:
		return fmt.Sprintf("module %s: the host compiled %s, the plugin %s", hm, hver, pver),
			fmt.Sprintf("build the plugin with %s %s, as the host: go mod edit -require=%s@%s (soinspect build --for HOST pins it)", hm, hver, hm, hver)
	case hm != "" && hm == pm && hcache && pcache && hroot != proot:
		return fmt.Sprintf("different module cache paths: the host's is %s, the plugin's %s", hroot, proot),
			fmt.Sprintf("build the plugin with GOMODCACHE=%s, or rebuild both with -trimpath", hroot)
	case hm != "" && pm == "" && !p.Trimmed():
		return "the host compiled it from the module cache, the plugin from a local directory",
			"drop the plugin's replace of the module, or replace it in the host the same way"
	case pm != "" && hm == "" && !h.Trimmed():
		return "the host compiled it from a local directory, the plugin from the module cache",
			fmt.Sprintf("build the plugin with the host's replace: go mod edit -replace=%s=%s", modulePathOr(c.host, pkg), moduleRootOf(h.Dir, pkg, c.host))
	case hm == "" && pm == "" && !h.Trimmed() && !p.Trimmed():
		return "a local directory that differs",
			fmt.Sprintf("build the plugin against the host's directory %s (replace => that path), or rebuild both with -trimpath", moduleRootOf(h.Dir, pkg, c.host))
	}
	return "", ""
}

// moduleDiff is the build infos' word on pkg's module when the two
// sides name it differently, or "".
func (c *causer) moduleDiff(pkg string) string {
	if c.host == nil || c.plugin == nil {
		return ""
	}
	hm, hok := moduleOf(c.host, pkg)
	pm, pok := moduleOf(c.plugin, pkg)
	if hok && pok && hm.Path == pm.Path && hm.VersionID() != pm.VersionID() {
		return fmt.Sprintf("module %s: host %s, plugin %s", hm.Path, hm.VersionID(), pm.VersionID())
	}
	return ""
}

// settingsSame reports whether the build infos name the same toolchain
// and hash-relevant settings.
func (c *causer) settingsSame() bool {
	if c.host == nil || c.plugin == nil {
		return false
	}
	return len(c.settings) == 0 && c.host.GoVersion == c.plugin.GoVersion
}

// remedy is the way out for a cause read from the build infos alone.
func (c *causer) remedy(pkg string) string {
	if c.host == nil || c.plugin == nil {
		return ""
	}
	if c.host.GoVersion != c.plugin.GoVersion {
		return fmt.Sprintf("build the plugin with GOTOOLCHAIN=%s", strings.Fields(c.host.GoVersion + " ")[0])
	}
	if hm, ok := moduleOf(c.host, pkg); ok {
		if pm, ok := moduleOf(c.plugin, pkg); ok && hm.Path == pm.Path && hm.VersionID() != pm.VersionID() && hm.Version != "" && hm.Version != "(devel)" {
			return fmt.Sprintf("build the plugin with %s %s: go mod edit -require=%s@%s, or soinspect build --for HOST", hm.Path, hm.VersionID(), hm.Path, hm.Version)
		}
	}
	return "build the plugin with the host's settings: soinspect build --for HOST shows them"
}

// isStd reports whether pkg is a standard-library import path: no dot in
// its first element.
func isStd(pkg string) bool {
	first, _, _ := strings.Cut(pkg, "/")
	return pkg != "main" && !strings.Contains(first, ".")
}

// splitModuleDir splits a source directory at its module version: the
// module's (escaped) path, "@version", the directory before the module
// path, and whether that directory looks like a module cache (…/pkg/mod,
// or any GOMODCACHE: the part before it is absolute). A directory with no
// "@" gives "".
func splitModuleDir(dir string) (mod, version, root string, cache bool) {
	at := strings.LastIndex(dir, "@")
	if at < 0 {
		return "", "", "", false
	}
	before, after := dir[:at], dir[at+1:]
	version, _, _ = strings.Cut(after, "/")
	// The module path is the part of before that the cache adds: find it
	// by the first element with a dot, the host name of a module path.
	elems := strings.Split(before, "/")
	start := -1
	for i, e := range elems {
		if strings.Contains(e, ".") {
			start = i
			break
		}
	}
	if start < 0 {
		return "", "", "", false
	}
	mod = strings.Join(elems[start:], "/")
	root = strings.TrimSuffix(strings.Join(elems[:start], "/"), "/")
	return mod, version, root, strings.HasPrefix(dir, "/")
}

func modulePathOr(bi *elfinspect.BuildInfo, pkg string) string {
	if m, ok := moduleOf(bi, pkg); ok {
		return m.Path
	}
	return pkg
}

// moduleRootOf is the directory of pkg's module given pkg's directory.
func moduleRootOf(dir, pkg string, bi *elfinspect.BuildInfo) string {
	if m, ok := moduleOf(bi, pkg); ok {
		if rel := strings.TrimPrefix(pkg, m.Path); rel != pkg {
			return strings.TrimSuffix(dir, rel)
		}
	}
	return dir
}
