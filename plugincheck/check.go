package plugincheck

import (
	"bytes"
	"debug/elf"
	"fmt"
	"strings"

	"github.com/soinspect/soinspect/elfinspect"
	"github.com/soinspect/soinspect/goplugin"
	"github.com/soinspect/soinspect/internal/elfread"
	"github.com/soinspect/soinspect/internal/guard"
	"github.com/soinspect/soinspect/ldso"
)

// Checker predicts, without loading anything, what one host process gets
// when it calls plugin.Open. NewChecker reads the host's facts once (its
// build info, the package hashes it exports, whether it can open plugins
// at all); Check and CheckTogether (set.go) then read only the plugins.
// It models what runtime/plugin.go and plugin/plugin_dlopen.go do:
//
//   - the host must be a Go program that links package plugin with cgo;
//   - dlopen must accept the file (ELF class and machine of the host, not
//     an executable);
//   - ld.so must then find the plugin's libraries, the symbol versions it
//     needs and, under RTLD_NOW, every symbol it references, inside the
//     host's load set (loader.go, with package ldso);
//   - a shared object that registers no Go module (a C library, a Go
//     c-shared library) makes the runtime throw "no plugin module data",
//     or fail with "plugin already loaded" once a plugin has loaded;
//   - a pluginpath already loaded, or the same file under another name,
//     fails with "plugin already loaded"; the same path again repeats its
//     first result, marked "(previous failure)";
//   - every package the plugin links must have the link hash of the copy
//     the process already has: ld.so binds the plugin's reference to the
//     first module exporting go:link.pkghash.<pkg> — the host, else an
//     earlier plugin (even one plugin.Open rejected: it stays mapped), else
//     the plugin itself, which is fine. plugin.Open names only the first
//     difference, in the linker's order; a Verdict lists every one, with
//     both hashes and the likely cause from the two build infos;
//   - a plugin built by another Go release registers a moduledata of
//     another layout, which the host's runtime misreads (go1.27 under a
//     go1.26 host: "no plugin module data").
//
// A nil plugin gets a verdict with ReasonUnreadable. A Checker reads file
// metadata (realpath, inode) to tell repeated files apart; it never prints
// and never panics. It is safe for concurrent use.
type Checker struct {
	host   *hostFacts
	loader *ldso.Config // the dlopen model's environment; nil: this machine
	load   *hostLoad    // the host's load set, made once, on first need
}

// NewChecker reads what the checks need to know of host. A host that is
// nil, unreadable or cannot open plugins gives a Checker whose every
// verdict says so.
func NewChecker(host *elfinspect.File) *Checker {
	return &Checker{host: readHostFacts(host), load: &hostLoad{}}
}

// Check predicts plugin.Open(plugin) as the first plugin the host opens,
// and checks plugin against reqs.
func (c *Checker) Check(plugin *elfinspect.File, reqs []Requirement) Verdict {
	p := &checker{host: c.host, loader: c.loader, load: c.load}
	return p.check(plugin, reqs)
}

// hostFacts is what a Checker needs to know of the host.
type hostFacts struct {
	f       *elfinspect.File
	bi      *elfinspect.BuildInfo
	hashes  map[string]string // package -> hash, from .dynsym
	problem *Reason           // why the host cannot open plugins at all
	outcome Outcome
	errText string
	exact   bool
	sources sourceCache // the host's package source paths, read when needed
}

func readHostFacts(host *elfinspect.File) (h *hostFacts) {
	h = &hostFacts{f: host}
	defer guard.Recover(func(p any) {
		h = &hostFacts{f: host, outcome: OutcomeCannotOpen, errText: "host unreadable",
			problem: &Reason{Code: ReasonHostNotGo, Fatal: true, Message: fmt.Sprint("the host is malformed: ", p)}}
	})
	if host == nil {
		h.problem = &Reason{Code: ReasonHostNotGo, Message: "no host file", Fatal: true}
		h.outcome, h.errText = OutcomeCannotOpen, "no host"
		return h
	}
	bi, err := host.BuildInfo()
	if err != nil || !host.IsGo() {
		h.problem = &Reason{Code: ReasonHostNotGo, Fatal: true,
			Message: fmt.Sprintf("the host %s is not a Go program (%s): plugin.Open is a Go API", host.Path, host.Kind())}
		h.outcome, h.errText = OutcomeCannotOpen, "host is not a Go program"
		return h
	}
	h.bi = bi
	if mode, _ := bi.Setting("-buildmode"); mode != "" && mode != "exe" && mode != "pie" {
		h.problem = &Reason{Code: ReasonHostNotGo, Fatal: true,
			Message: fmt.Sprintf("the host %s is not a Go program but a -buildmode=%s library: check the program that loads it", host.Path, mode)}
		h.outcome, h.errText = OutcomeCannotOpen, "host is a -buildmode="+mode+" library"
		return h
	}
	hs, err := goplugin.PackageHashes(host)
	if err == nil {
		h.hashes = make(map[string]string, len(hs))
		for _, x := range hs {
			h.hashes[x.Package] = x.Hash
		}
	}
	if _, ok := h.hashes["plugin"]; ok {
		return h
	}
	// The linker exports the package hashes only when the program links
	// package plugin and runtime/cgo (cmd/link: ctxt.canUsePlugins).
	if !linksPlugin(host) {
		h.problem = &Reason{Code: ReasonHostNoPlugin, Fatal: true,
			Message: "the host does not link package plugin: it has no plugin.Open to call, and exports no runtime symbols for plugins (import \"plugin\")"}
		h.outcome, h.errText = OutcomeCannotOpen, "host does not link the plugin package"
		return h
	}
	cgo, _ := bi.Setting("CGO_ENABLED")
	h.problem = &Reason{Code: ReasonHostNoCgo, Fatal: true,
		Message: fmt.Sprintf("the host links package plugin but was built with CGO_ENABLED=%s: its plugin.Open is the stub that always fails (build it with CGO_ENABLED=1)", orDash(cgo))}
	h.outcome, h.errText, h.exact = OutcomeError, msgNotImplemented, true
	return h
}

// linksPlugin reports whether the Go program f links package plugin: its
// function name table (.gopclntab, which survives stripping) names
// plugin.Open.
func linksPlugin(f *elfinspect.File) bool {
	s := f.ELF().Section(".gopclntab")
	if s == nil || s.Type == elf.SHT_NOBITS || s.Size > uint64(f.Size) {
		return false
	}
	b, err := elfread.Of(f).Section(s)
	if err != nil {
		return false
	}
	return bytes.Contains(b, []byte("\x00plugin.Open\x00")) || bytes.Contains(b, []byte("\x00plugin.lastmoduleinit\x00"))
}

// loaded is a shared object the modelled process has mapped.
type loaded struct {
	file   *elfinspect.File
	name   string
	hashes map[string]string // nil until needed
	// sources is the file's package source paths, read when an earlier
	// plugin's copy of a package is the evidence (set.go).
	sources *sourceCache
}

// checker is the modelled process: it carries what the host has loaded
// from one plugin to the next.
type checker struct {
	host     *hostFacts
	loader   *ldso.Config
	load     *hostLoad
	proc     *ldso.Result       // a set's process, as the loader has it; nil: each plugin alone
	together bool               // the plugins are opened in turn in one process (set.go)
	mapped   []*loaded          // dlopen'ed objects, in order
	active   map[string]string  // pluginpath -> file, of plugins that loaded
	byPath   map[string]Verdict // realpath -> first verdict
	byInode  map[[2]uint64]bool // dev/inode of mapped objects
	lastGood bool               // the runtime's last module is a loaded plugin
	lastBad  bool               // the runtime's last module failed
	crashed  string             // the file that crashed the host
}

func (c *checker) check(p *elfinspect.File, reqs []Requirement) (v Verdict) {
	if p == nil {
		return Verdict{Outcome: OutcomeError, Error: ErrNilFile.Error(),
			Reasons: []Reason{{Code: ReasonUnreadable, Message: "no file", Fatal: true}}}
	}
	v = Verdict{Plugin: p.Path, Kind: p.Kind(), MeetsRequirements: true}
	defer func() {
		v.Loadable = v.Outcome == OutcomeOK
		v.OK = v.Loadable && v.MeetsRequirements
	}()
	defer guard.Recover(func(r any) {
		v.Outcome, v.Error, v.Exact = OutcomeError, fmt.Sprint("malformed file: ", r), false
		v.Reasons = append(v.Reasons, Reason{Code: ReasonUnreadable, Message: fmt.Sprint("malformed file: ", r), Fatal: true})
	})
	a := c.analyse(p, &v, reqs)
	c.host.addProblem(&v)
	if c.host.problem != nil {
		return v
	}
	if c.crashed != "" {
		v.Outcome, v.Error = OutcomeNotReached, "the host crashed at "+c.crashed
		v.Reasons = append([]Reason{{Code: ReasonHostCrashed, Fatal: true,
			Message: fmt.Sprintf("the host process would already have died opening %s", c.crashed)}}, v.Reasons...)
		return v
	}
	real, ino, haveID := fileIdentity(p.Path)
	// dlopen. plugin.Open caches nothing when dlopen fails, so a second
	// attempt fails the same way, not as a "(previous failure)".
	if r, dlerr := c.dlopenProblem(p, real); r != nil {
		v.Outcome, v.Error, v.Exact, v.DlopenFailed = OutcomeError, dlerr, haveID, true
		v.Reasons = append([]Reason{*r}, v.Reasons...)
		return v
	}
	// ld.so: the plugin's libraries, versions and symbols (loader.go).
	if r, dlerr := c.loaderProblem(p, real); r != nil {
		v.Outcome, v.Error, v.Exact, v.DlopenFailed = OutcomeError, dlerr, true, true
		v.Reasons = append([]Reason{*r}, v.Reasons...)
		return v
	}
	if c.byPath == nil {
		c.byPath, c.byInode, c.active = map[string]Verdict{}, map[[2]uint64]bool{}, map[string]string{}
	}
	if haveID {
		// plugin.Open keys its cache on the realpath.
		if c.repeated(&v, a, real, reqs) {
			return v
		}
		defer func() { c.byPath[real] = v }()
	}
	sameInode := haveID && c.byInode[ino]
	registers := a.isPlugin && !sameInode
	if !sameInode {
		c.mapped = append(c.mapped, &loaded{file: p, name: p.Path})
		if haveID {
			c.byInode[ino] = true
		}
	}
	// lastmoduleinit.
	if !registers {
		if !c.lastGood {
			v.Outcome, v.Error, v.Exact = OutcomeCrash, msgNoModuleData, true
			c.crashed = p.Path
		} else {
			v.Outcome, v.Error, v.Exact = OutcomeError, msgAlreadyLoaded, true
		}
		if sameInode {
			v.Reasons = append([]Reason{{Code: ReasonAlreadyLoaded, Fatal: true,
				Message: "the same file (inode) as a shared object loaded before: dlopen returns that one and no new Go module appears"}}, v.Reasons...)
		}
		return v
	}
	c.lastGood, c.lastBad = false, false
	if a.layoutMismatch != "" {
		// The host's runtime reads the plugin's moduledata with its own
		// layout: observed with go1.27 under go1.26, it takes the module
		// for a bad one.
		v.Outcome, v.Error, v.Exact = OutcomeCrash, msgNoModuleData, false
		c.crashed = p.Path
		return v
	}
	fail := func(msg string) {
		if v.Outcome == "" {
			v.Outcome, v.Error, v.Exact = OutcomeError, msg, true
		}
	}
	if c.pluginpathTaken(&v, a) {
		fail(msgAlreadyLoaded)
	}
	c.compareHashes(p, &v, a)
	if first := v.FirstPackage(); first != "" {
		fail(msgDifferentPkg + first)
		if !a.ordered {
			v.Exact = false
		}
	}
	for _, e := range a.missingSyms {
		v.Reasons = append(v.Reasons, Reason{Code: ReasonMissingSymbol, Fatal: true,
			Message: fmt.Sprintf("export %s has no .dynsym symbol %q: plugin.Open fails to find it", e.Name, e.Symbol)})
		if v.Outcome == "" {
			v.Outcome, v.Error, v.Exact = OutcomeError, "could not find symbol "+e.Name+": ", false
		}
	}
	if v.Outcome != "" {
		c.lastBad = true
		return v
	}
	v.Outcome, v.Exact = OutcomeOK, true
	c.lastGood = true
	c.active[a.pluginpath] = p.Path
	c.checkRequirements(&v, a, reqs)
	return v
}

func (h *hostFacts) addProblem(v *Verdict) {
	if h.problem == nil {
		return
	}
	v.Reasons = append([]Reason{*h.problem}, v.Reasons...)
	v.Outcome, v.Error, v.Exact = h.outcome, h.errText, h.exact
}

// analysis is what is known of a plugin on its own.
type analysis struct {
	isPlugin       bool
	pluginpath     string
	bi             *elfinspect.BuildInfo
	info           *goplugin.Plugin
	hashes         []goplugin.PackageHash // in the linker's order when ordered
	ordered        bool
	layoutMismatch string
	missingSyms    []goplugin.Export
}

// analyse reads the plugin and records the reasons that do not depend on
// the order of loading: not a plugin, Go version, requirements are checked
// later.
func (c *checker) analyse(p *elfinspect.File, v *Verdict, reqs []Requirement) *analysis {
	a := &analysis{}
	guard.Point("plugincheck.analyse")
	if v.Kind != elfinspect.KindGoPlugin {
		v.Reasons = append(v.Reasons, Reason{Code: ReasonNotPlugin, Fatal: true, Message: notPluginMessage(p, v.Kind)})
		for _, r := range reqs {
			v.MeetsRequirements = false
			v.Reasons = append(v.Reasons, Reason{Code: ReasonMissingExport,
				Message: fmt.Sprintf("required %s: not a Go plugin, so no exports", r)})
		}
		return a
	}
	a.isPlugin = true
	pi, err := goplugin.Read(p)
	if err != nil {
		a.isPlugin = false
		v.Reasons = append(v.Reasons, Reason{Code: ReasonUnreadable, Fatal: true, Message: "plugin anatomy unreadable: " + err.Error()})
		return a
	}
	a.info, a.bi = pi, pi.Build
	a.pluginpath = pi.PluginPath
	v.PluginPath, v.GoVersion = pi.PluginPath, pi.GoVersion
	for _, e := range pi.Exports {
		if e.Addr == 0 && pi.Layout != "" {
			a.missingSyms = append(a.missingSyms, e)
		}
	}
	if len(pi.PackageHashes) > 0 {
		a.hashes, a.ordered = pi.PackageHashes, true
	} else if hs, err := goplugin.PackageHashes(p); err == nil {
		// An unknown moduledata layout: the hashes the plugin exports,
		// in name order, not the order plugin.Open checks them.
		for _, h := range hs {
			a.hashes = append(a.hashes, goplugin.PackageHash{Package: h.Package, Hash: h.Hash, RuntimeSymbol: h.Symbol})
		}
	}
	hb := c.host.bi
	if hb != nil && a.bi != nil && hb.GoVersion != a.bi.GoVersion {
		r := Reason{Code: ReasonGoVersion, Fatal: true,
			Message: fmt.Sprintf("Go toolchain differs: host %s, plugin %s (build both with the same toolchain)", hb.GoVersion, a.bi.GoVersion)}
		hr, pr := goplugin.GoRelease(hb.GoVersion), goplugin.GoRelease(a.bi.GoVersion)
		if hr != pr {
			a.layoutMismatch = fmt.Sprintf("%s vs %s", hr, pr)
			r.Message += fmt.Sprintf("; the runtime's module layout differs between %s and %s, so the host's runtime misreads the plugin's module (expect a crash)", orDash(hr), orDash(pr))
		}
		v.Reasons = append(v.Reasons, r)
	}
	if hf := c.host.f; hf != nil && hf.ELF().Machine == p.ELF().Machine && hf.ELF().Class == p.ELF().Class {
		if hg, _ := hb.Setting("GOOS"); hb != nil && a.bi != nil {
			if pg, _ := a.bi.Setting("GOOS"); hg != "" && pg != "" && hg != pg {
				v.Reasons = append(v.Reasons, Reason{Code: ReasonWrongArch, Fatal: true,
					Message: fmt.Sprintf("GOOS differs: host %s, plugin %s", hg, pg)})
			}
		}
	}
	if len(pi.Notes) > 0 && pi.Layout == "" {
		v.Notes = append(v.Notes, pi.Notes...)
	}
	return a
}

func notPluginMessage(p *elfinspect.File, k elfinspect.Kind) string {
	switch k {
	case elfinspect.KindGoCShared:
		return "not a Go plugin but a Go c-shared library (-buildmode=c-shared): it registers no module with the host's runtime; load it with dlopen, not plugin.Open"
	case elfinspect.KindGoExecutable:
		return "not a Go plugin but a Go executable: rebuild with -buildmode=plugin"
	case elfinspect.KindGoShared:
		return "not a Go plugin but a Go shared library (-buildmode=shared)"
	case elfinspect.KindSharedLib:
		return "not a Go plugin but a C/C++ shared library: it registers no Go module; load it with dlopen or cgo"
	case elfinspect.KindExecutable, elfinspect.KindPIE:
		return "not a Go plugin but an executable"
	}
	return fmt.Sprintf("not a Go plugin (%s)", k)
}

// dlopenProblem returns why dlopen would refuse p, or nil, and the text
// dlerror gives then: plugin.Open dlopens the realpath real, and glibc
// names that path, then the problem. A file for another machine is
// reported as if it were missing ("cannot open shared object file: No such
// file or directory", glibc 2.36's open_verify), one of the other ELF
// class as "wrong ELF class: ELFCLASS32".
func (c *checker) dlopenProblem(p *elfinspect.File, real string) (*Reason, string) {
	hf := c.host.f
	pe := p.ELF()
	if real == "" {
		real = p.Path
	}
	switch {
	case hf != nil && pe.Class != hf.ELF().Class:
		return &Reason{Code: ReasonWrongArch, Fatal: true, Message: fmt.Sprintf("%s: wrong ELF class: %s (the host is %s)", p.Path, pe.Class, hf.ELF().Class)},
			real + ": wrong ELF class: " + pe.Class.String()
	case hf != nil && pe.Machine != hf.ELF().Machine:
		return &Reason{Code: ReasonWrongArch, Fatal: true, Message: fmt.Sprintf("%s: wrong machine: %s (the host is %s); dlopen reports such a file as missing", p.Path, p.Arch(), hf.Arch())},
			real + ": cannot open shared object file: No such file or directory"
	}
	if why := p.DlopenProblem(); why != "" {
		return &Reason{Code: ReasonNotPlugin, Fatal: true, Message: fmt.Sprintf("%s: %s", p.Path, why)},
			real + ": " + why
	}
	return nil, ""
}

// compareHashes adds a package-hash reason for every package whose hash
// in the process differs from the plugin's, in the linker's order.
func (c *checker) compareHashes(p *elfinspect.File, v *Verdict, a *analysis) {
	var brings []string
	shared := map[string][]string{} // earlier plugin -> packages taken from it
	causes := newCauser(c.host.bi, a.bi).withFiles(&c.host.sources, c.host.f, p)
	for _, h := range a.hashes {
		have, from := c.runtimeHash(h.Package)
		if from == "" {
			brings = append(brings, h.Package)
			continue
		}
		if have == h.Hash {
			if from != "host" {
				shared[from] = append(shared[from], h.Package)
			}
			continue
		}
		r := Reason{Code: ReasonPackageHash, Fatal: true,
			Message: fmt.Sprintf("package %s differs: %s has %s, the plugin %s", h.Package, from, have, h.Hash),
			Package: h.Package, HostHash: have, PluginHash: h.Hash, HashFrom: from}
		if from == "host" {
			causes.explain(&r)
		} else {
			c.earlierCause(&r, causes, a)
		}
		v.Reasons = append(v.Reasons, r)
	}
	v.Notes = append(v.Notes, sharedNote(shared)...)
	if !a.ordered && v.FirstPackage() != "" {
		v.Reasons = append(v.Reasons, Reason{Code: ReasonUnorderedHashes,
			Message: "the plugin's moduledata layout is not known: packages are listed by name, and plugin.Open may name another of them first"})
	}
	if len(brings) > 0 {
		what := fmt.Sprintf("%d packages the host does not link come", len(brings))
		if len(brings) == 1 {
			what = "1 package the host does not link comes"
		}
		v.Notes = append(v.Notes, what+" with the plugin, which is fine: "+summarize(brings, 6))
	}
}

func (c *checker) checkRequirements(v *Verdict, a *analysis, reqs []Requirement) {
	for _, r := range reqs {
		var found *goplugin.Export
		if a.info != nil {
			for i := range a.info.Exports {
				if a.info.Exports[i].Name == r.Name {
					found = &a.info.Exports[i]
				}
			}
		}
		switch {
		case found == nil:
			v.MeetsRequirements = false
			v.Reasons = append(v.Reasons, Reason{Code: ReasonMissingExport,
				Message: fmt.Sprintf("required %s: the plugin exports no %s", r, r.Name)})
		case found.Type == "":
			v.MeetsRequirements = false
			v.Reasons = append(v.Reasons, Reason{Code: ReasonExportType,
				Message: fmt.Sprintf("required %s: the type of %s cannot be read from this plugin", r, r.Name)})
		case normType(found.Type) != normType(r.Type):
			v.MeetsRequirements = false
			v.Reasons = append(v.Reasons, Reason{Code: ReasonExportType,
				Message: fmt.Sprintf("required %s: %s is %s %s%s", r, r.Name, found.Kind, found.Type, varHint(r, found))})
		}
	}
}

// normType drops the blanks that do not matter in a type string, so that
// "func()string" matches "func() string".
func normType(s string) string {
	var b strings.Builder
	prev := byte(0)
	for i := 0; i < len(s); i++ {
		ch := s[i]
		if ch == ' ' || ch == '\t' {
			if j := i + 1; j < len(s) && isIdentByte(prev) && isIdentByte(s[j]) {
				b.WriteByte(' ')
			}
			continue
		}
		b.WriteByte(ch)
		prev = ch
	}
	return b.String()
}

func isIdentByte(c byte) bool {
	return c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80
}

func summarize(xs []string, n int) string {
	if len(xs) <= n {
		return strings.Join(xs, ", ")
	}
	return strings.Join(xs[:n], ", ") + fmt.Sprintf(", … (%d more)", len(xs)-n)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// varHint helps with the commonest slip: a variable looked up is a pointer.
func varHint(r Requirement, e *goplugin.Export) string {
	if e.Kind == "var" && normType(e.Type) == "*"+normType(r.Type) {
		return fmt.Sprintf(" (Lookup gives a pointer to a variable: require '%s:%s')", r.Name, e.Type)
	}
	return ""
}
