package plugincheck

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"

	"github.com/soinspect/soinspect/elfinspect"
	"github.com/soinspect/soinspect/goplugin"
)

// Set is the prediction for plugins one host process opens in turn, the
// way a host that loads a directory of plugins does: each plugin.Open
// sees what the earlier ones left in the process.
//
//   - The link hashes of the packages an earlier plugin brought (ones the
//     host does not link) join the process: ld.so binds a later plugin's
//     go:link.pkghash references to the first module that exports them
//     (plugin.Open dlopens with RTLD_GLOBAL), and runtime.lastmoduleinit
//     compares them with the later plugin's own. A plugin plugin.Open
//     rejected stays mapped, so its hashes count too.
//   - A pluginpath that an earlier plugin loaded under is "plugin already
//     loaded" (runtime.lastmoduleinit walks the active modules).
//   - plugin.Open caches each plugin by the realpath of its name: the same
//     file again returns the plugin it loaded then, with no error, or its
//     first error with " (previous failure)" appended. A failure of dlopen
//     is not cached. The same file under another realpath (a hard link)
//     registers no new module: "plugin already loaded".
//
// JSON: {"verdicts": [Verdict], "loaded", "failed", "crashed_at"?}.
type Set struct {
	// Verdicts are in the order the plugins are opened.
	Verdicts []Verdict `json:"verdicts"`
	// Loaded counts the opens plugin.Open returns a plugin for; Failed
	// the others (errors, a crash, plugins not reached).
	Loaded int `json:"loaded"`
	Failed int `json:"failed"`
	// CrashedAt is the plugin at which the host process dies, or "".
	CrashedAt string `json:"crashed_at,omitempty"`
}

// CheckTogether predicts what the host gets when one process opens each
// of plugins in turn (see Set). A nil plugin gets a verdict with
// ReasonUnreadable and leaves no trace in the process.
func (c *Checker) CheckTogether(plugins []*elfinspect.File, reqs []Requirement) Set {
	p := &checker{host: c.host, loader: c.loader, load: c.load, together: true}
	defer func() {
		if p.proc != nil {
			p.proc.Close()
		}
	}()
	s := Set{Verdicts: make([]Verdict, 0, len(plugins))}
	for _, f := range plugins {
		v := p.check(f, reqs)
		if v.Loadable {
			s.Loaded++
		} else {
			s.Failed++
		}
		if v.Outcome == OutcomeCrash && s.CrashedAt == "" {
			s.CrashedAt = v.Plugin
		}
		s.Verdicts = append(s.Verdicts, v)
	}
	return s
}

// repeated handles a plugin whose realpath an earlier plugin.Open in the
// process was given: plugin.Open answers from its cache without calling
// dlopen. It fills v and reports true in that case; otherwise it arranges
// for v to be cached once check returns.
func (c *checker) repeated(v *Verdict, a *analysis, real string, reqs []Requirement) bool {
	prev, ok := c.byPath[real]
	if !ok {
		return false
	}
	if prev.Outcome == OutcomeOK {
		v.Outcome, v.Exact, v.Reasons = OutcomeOK, true, nil
		v.Notes = append(v.Notes, "the same file as "+prev.Plugin+": plugin.Open returns the plugin it loaded then")
		c.checkRequirements(v, a, reqs)
		return true
	}
	// plugin.Open repeats the error it cached, not a crash.
	v.Outcome, v.Error, v.Exact = prev.Outcome, prev.Error+" (previous failure)", prev.Exact
	v.Reasons = append([]Reason{{Code: ReasonPreviousFail, Fatal: true,
		Message: fmt.Sprintf("the same file as %s, which failed: plugin.Open repeats that error", prev.Plugin)}}, prev.Reasons...)
	v.Notes = prev.Notes
	return true
}

// pluginpathTaken adds the reason a plugin whose pluginpath an earlier
// plugin loaded under fails, and reports whether it does.
func (c *checker) pluginpathTaken(v *Verdict, a *analysis) bool {
	prev, ok := c.active[a.pluginpath]
	if !ok || a.pluginpath == "" {
		return false
	}
	v.Reasons = append([]Reason{{Code: ReasonPluginPath, Fatal: true,
		Message: fmt.Sprintf("pluginpath %q is already loaded from %s: the runtime identifies plugins by pluginpath, not file name", a.pluginpath, prev)}}, v.Reasons...)
	return true
}

// runtimeHash returns the hash the process has for pkg and the module it
// comes from ("host" or an earlier plugin's file), or "" when the plugin's
// own copy will be used.
func (c *checker) runtimeHash(pkg string) (hash, from string) {
	if h, ok := c.host.hashes[pkg]; ok {
		return h, "host"
	}
	// The plugin itself is the last mapped object; earlier ones come first.
	for _, m := range c.mapped[:max(len(c.mapped)-1, 0)] {
		if m.hashes == nil {
			m.hashes = map[string]string{}
			if hs, err := goplugin.PackageHashes(m.file); err == nil {
				for _, x := range hs {
					m.hashes[x.Package] = x.Hash
				}
			}
		}
		if h, ok := m.hashes[pkg]; ok {
			return h, m.name
		}
	}
	return "", ""
}

// sharedNote says which packages the host does not link a plugin takes,
// with the same link hash, from the copies earlier plugins brought.
func sharedNote(shared map[string][]string) []string {
	var notes []string
	for _, from := range slices.Sorted(maps.Keys(shared)) {
		pkgs := shared[from]
		what := fmt.Sprintf("%d packages the host does not link are", len(pkgs))
		if len(pkgs) == 1 {
			what = "1 package the host does not link is"
		}
		notes = append(notes, fmt.Sprintf("%s already in the process from %s, with the same link hash: %s", what, from, summarize(pkgs, 6)))
	}
	return notes
}

// fileIdentity returns the realpath and device/inode of path.
func fileIdentity(path string) (string, [2]uint64, bool) {
	if path == "" {
		return "", [2]uint64{}, false
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", [2]uint64{}, false
	}
	real, err := filepath.EvalSymlinks(abs)
	if err != nil {
		return "", [2]uint64{}, false
	}
	st, err := os.Stat(real)
	if err != nil {
		return "", [2]uint64{}, false
	}
	sys, ok := st.Sys().(*syscall.Stat_t)
	if !ok {
		return real, [2]uint64{}, false
	}
	return real, [2]uint64{uint64(sys.Dev), uint64(sys.Ino)}, true
}

// earlierCause fills r's Cause, Evidence and Remedy for a package whose
// hash in the process comes from an earlier plugin (r.HashFrom), not from
// the host: the two plugins' build infos and function tables are
// compared, since the host's say nothing of that copy. The plugin's
// function table is the one causes reads, once per plugin.
func (c *checker) earlierCause(r *Reason, causes *causer, a *analysis) {
	var m *loaded
	for _, x := range c.mapped {
		if x.name == r.HashFrom {
			m = x
			break
		}
	}
	pkg, from := r.Package, r.HashFrom
	var eb *elfinspect.BuildInfo
	if m != nil && m.file != nil {
		eb, _ = m.file.BuildInfo()
	}
	if eb == nil || a.bi == nil {
		r.Cause = fmt.Sprintf("the copy %s brought (the host does not link %s); unknown why it differs: a build info is missing", from, pkg)
		return
	}
	var parts []string
	em, eok := moduleOf(eb, pkg)
	pm, pok := moduleOf(a.bi, pkg)
	if eok && pok && em.Path == pm.Path && em.VersionID() != pm.VersionID() {
		parts = append(parts, fmt.Sprintf("module %s: %s was built with %s, this plugin with %s", em.Path, from, em.VersionID(), pm.VersionID()))
		r.Remedy = fmt.Sprintf("build every plugin of the set with one version of %s (go mod edit -require=%s@%s in this plugin's module, or the other way round)", em.Path, em.Path, em.Version)
	}
	if eb.GoVersion != a.bi.GoVersion {
		parts = append(parts, fmt.Sprintf("toolchain %s vs %s", eb.GoVersion, a.bi.GoVersion))
	}
	if ds := settingsDiffList(eb, a.bi, from, "this plugin"); len(ds) > 0 {
		parts = append(parts, fmt.Sprintf("build settings differ from %s's: %s", from, strings.Join(ds, "; ")))
	}
	if len(parts) == 0 {
		parts = append(parts, fmt.Sprintf("unknown: the same module versions and build settings as %s", from))
	}
	if r.Remedy == "" {
		r.Remedy = fmt.Sprintf("build this plugin the way %s was built, or open it in a process of its own", from)
	}
	r.Cause = fmt.Sprintf("the copy %s brought (the host does not link %s): ", from, pkg) + strings.Join(parts, "; ")
	if m.sources == nil {
		m.sources = &sourceCache{}
	}
	es, eok := m.sources.get(m.file).Package(pkg, eb)
	ps, pok := causes.pluginSources().Package(pkg, a.bi)
	if eok && pok {
		r.HostSource, r.PluginSource = es.File, ps.File
		r.Evidence = fmt.Sprintf("%s compiled %s from %s, this plugin from %s", from, pkg, es.File, ps.File)
	}
}
