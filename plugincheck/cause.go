package plugincheck

import (
	"fmt"
	"strings"

	"github.com/soinspect/soinspect/elfinspect"
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
	settings     string // the differing build settings, computed once
	done         bool
}

func newCauser(host, plugin *elfinspect.BuildInfo) *causer {
	return &causer{host: host, plugin: plugin}
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
	case hok && pok && hm.Path == pm.Path && moduleID(hm) != moduleID(pm):
		parts = append(parts, fmt.Sprintf("module %s: host %s, plugin %s", hm.Path, moduleID(hm), moduleID(pm)))
	case hok && pok && hm.Path != pm.Path:
		parts = append(parts, fmt.Sprintf("the package comes from module %s %s in the host but %s %s in the plugin", hm.Path, moduleID(hm), pm.Path, moduleID(pm)))
	case hok != pok:
		in, m := "host", hm
		if pok {
			in, m = "plugin", pm
		}
		parts = append(parts, fmt.Sprintf("only the %s names its module (%s %s): vendored or from GOPATH on the other side?", in, m.Path, moduleID(m)))
	}
	if c.host.GoVersion != c.plugin.GoVersion {
		parts = append(parts, fmt.Sprintf("toolchain %s vs %s", c.host.GoVersion, c.plugin.GoVersion))
	}
	if !c.done {
		c.settings, c.done = settingsDiff(c.host, c.plugin), true
	}
	if c.settings != "" {
		parts = append(parts, c.settings)
	}
	if len(parts) == 0 {
		if hok && (hm.Version == "(devel)" || hm.Version == "" || hm.Replace != nil && hm.Replace.Version == "") {
			return fmt.Sprintf("same build settings; %s is built from local source (%s), which must differ", hm.Path, moduleID(hm))
		}
		return "unknown: same module versions and build settings (edited GOROOT or module cache, or -mod=vendor with other vendored source?)"
	}
	return strings.Join(parts, "; ")
}

// settingsDiff lists the hash-changing build settings that differ.
func settingsDiff(h, p *elfinspect.BuildInfo) string {
	var ds []string
	for _, k := range hashSettings {
		hv, _ := h.Setting(k)
		pv, _ := p.Setting(k)
		if hv == pv {
			continue
		}
		ds = append(ds, fmt.Sprintf("%s: host %s, plugin %s", k, quoteSetting(hv), quoteSetting(pv)))
	}
	return strings.Join(ds, "; ")
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

// moduleID is a module's version with its replacement: "v1.2.0",
// "v1.2.0 => ../dep", "(devel)".
func moduleID(m elfinspect.Module) string {
	s := m.Version
	if s == "" {
		s = "(devel)"
	}
	if m.Replace != nil {
		r := m.Replace.Path
		if v := m.Replace.Version; v != "" && v != "(devel)" {
			r += " " + m.Replace.Version
		}
		s += " => " + r
	}
	return s
}
