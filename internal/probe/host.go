package probe

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/soinspect/soinspect/elfinspect"
	"github.com/soinspect/soinspect/pluginbuild"
	"github.com/soinspect/soinspect/plugincheck"
)

// The Go way runs in a probe host: a small program of soinspect's
// (package main in probehost/, embedded) that calls plugin.Open. soinspect
// itself does not link package plugin. plugin.Open accepts a plugin only
// into a host whose shared packages were built exactly alike (toolchain,
// -trimpath, -race, ...), so the probe host is built to match: like
// soinspect itself (its own probe), or like the plugin when that one cannot
// load it. Each build is cached (see hostcache.go).

// The values of Options.Host that are not a path.
const (
	// HostAuto runs soinspect's own probe when the same analysis as
	// `soinspect check` says it can load the file, else a probe host
	// built to match the file.
	HostAuto = "auto"
	// HostSelf runs soinspect's own probe, built like soinspect.
	HostSelf = "self"
)

// HostKind says which program ran the Go way.
type HostKind string

// The kinds of host.
const (
	// HostKindSelf: soinspect's own probe, built with soinspect's
	// toolchain and settings.
	HostKindSelf HostKind = "self"
	// HostKindMatching: a probe host built with the plugin's toolchain
	// and settings.
	HostKindMatching HostKind = "matching"
	// HostKindPath: the user's own program, given as --host PATH.
	HostKindPath HostKind = "path"
)

// Host is the program the Go way ran in, and how it came to be.
//
// JSON: {"kind", "path", "description", "go_version", "settings",
// "built", "build_ns", "why"}.
type Host struct {
	Kind HostKind `json:"kind"`
	// Path is the program's file.
	Path string `json:"path"`
	// Description says what it is, in words: "soinspect's own probe
	// (go1.26.8)", "probe host built for go1.27.3 with -race".
	Description string `json:"description"`
	// GoVersion and Settings are the toolchain and the hash-relevant
	// settings it was built with (pluginbuild.HashSettings); empty for a
	// user's program.
	GoVersion string   `json:"go_version,omitempty"`
	Settings  []string `json:"settings,omitempty"`
	// Built is true when this run built it, BuildTime how long it took;
	// false when it came from the cache.
	Built     bool          `json:"built"`
	BuildTime time.Duration `json:"build_ns,omitempty"`
	// Why says why HostAuto did not run soinspect's own probe.
	Why string `json:"why,omitempty"`
}

// HostError says why no probe host here can load a file the Go way.
type HostError struct {
	Path string
	// Reason is what stands in the way, in one sentence.
	Reason string
}

func (e *HostError) Error() string {
	return fmt.Sprintf("no probe host can load %s the Go way here: %s; call --raw (dlopen, no Go runtime checks) remains available",
		e.Path, strings.TrimSuffix(e.Reason, "."))
}

// ChooseHost returns the program that runs the Go way for the file at
// path, as opts.Host asks, building a probe host when the cache lacks it
// (opts.OnBuild is told first). A HostError says why none can be had.
//
// HostAuto decides from the files, cheapest first: a file built like
// soinspect (the same pluginbuild.HashSettings) runs in soinspect's own
// probe; one built otherwise runs in the probe host built like it when
// the cache has that one. Otherwise the analysis of `soinspect check`
// decides: soinspect's own probe when it says that one loads the file,
// else a probe host built like the file, checked in turn: when even that
// one would refuse the file for a package's hash (a build that cannot be
// repeated here), it is a HostError unless opts.Force.
//
// A --host PATH that is a Go program without the probe protocol gives a
// *CheckOnlyError (see userHost): the caller says so and shows the
// analysis of `soinspect check` instead.
func ChooseHost(ctx context.Context, path string, opts Options) (*Host, error) {
	h, err := chooseHost(ctx, path, opts)
	var he *HostError
	if err != nil && !errors.As(err, &he) && opts.Host != "" && opts.Host != HostAuto && opts.Host != HostSelf {
		return nil, err // the user's --host PATH, or a CheckOnlyError for it
	}
	if err != nil && !errors.As(err, &he) {
		err = &HostError{Path: path, Reason: err.Error()}
	}
	return h, err
}

func chooseHost(ctx context.Context, path string, opts Options) (*Host, error) {
	if opts.Emulation != nil {
		return emulatedHost(ctx, path, opts)
	}
	switch opts.Host {
	case "", HostAuto, HostSelf:
	default:
		return userHost(opts.Host, path)
	}
	own, err := ownBuild(opts)
	if err != nil {
		return nil, &HostError{Path: path, Reason: err.Error()}
	}
	if opts.Host == HostSelf {
		return selfHost(ctx, own, opts)
	}
	ownSettings := pluginbuild.HashSettings(own)
	pf, err := elfinspect.Open(path)
	if err != nil {
		return selfHost(ctx, own, opts) // plugin.Open will say what is wrong with it
	}
	defer pf.Close()
	bi, err := pf.BuildInfo()
	if err != nil {
		return selfHost(ctx, own, opts) // not a Go file: plugin.Open will say
	}
	settings := pluginbuild.HashSettings(bi)
	if hostKey(settings) == hostKey(ownSettings) {
		return selfHost(ctx, own, opts)
	}
	differ := fmt.Sprintf("%s was built with %s, soinspect with %s", path, describeSettings(settings), describeSettings(ownSettings))
	if h, err := cachedProbe(ctx, settings, opts); err == nil && h != nil {
		h.Why = differ
		return h, nil
	}
	self, err := selfHost(ctx, own, opts)
	if err != nil {
		return nil, &HostError{Path: path, Reason: err.Error()}
	}
	v, err := checkWith(self.Path, pf)
	if err != nil || v.Loadable {
		return self, nil
	}
	why := differ + ", and soinspect's own probe cannot load it: " + verdictText(v, path)
	h, err := matchingHost(ctx, bi, settings, opts)
	if err != nil {
		return nil, &HostError{Path: path, Reason: why + "; and " + err.Error()}
	}
	h.Why = why
	if err := refusedByHash(h, pf, path, opts); err != nil {
		return nil, err
	}
	return h, nil
}

// refusedByHash is a HostError when even h, built like the file, would
// refuse it for a package's link hash (a build that cannot be repeated
// here), unless opts.Force; else nil.
func refusedByHash(h *Host, pf *elfinspect.File, path string, opts Options) error {
	v, err := checkWith(h.Path, pf)
	if err != nil || v.Loadable || opts.Force {
		return nil
	}
	for _, r := range v.Reasons {
		if r.Fatal && r.Code == plugincheck.ReasonPackageHash {
			return &HostError{Path: path, Reason: "even the " + h.Description + " cannot load it: " + verdictText(v, path) +
				" (--force runs that probe host anyway)"}
		}
	}
	return nil
}

// emulatedHost chooses the host of an object of another machine, run
// under opts.Emulation: soinspect's own probe is of this machine, so auto
// builds (or finds cached) a probe host cross-built like the object; a
// user's --host PATH must be a program of the object's machine.
func emulatedHost(ctx context.Context, path string, opts Options) (*Host, error) {
	switch opts.Host {
	case "", HostAuto:
	case HostSelf:
		return nil, &HostError{Path: path, Reason: "--host self: soinspect's own probe runs on this machine, and " + path +
			" is an " + opts.Emulation.Machine + " object; --host auto runs it in a probe host cross-built for it, under " + opts.Emulation.Command[0]}
	default:
		return userHost(opts.Host, path)
	}
	pf, err := elfinspect.Open(path)
	if err != nil {
		return nil, &HostError{Path: path, Reason: err.Error()}
	}
	defer pf.Close()
	bi, err := pf.BuildInfo()
	if err != nil {
		return nil, &HostError{Path: path, Reason: "the Go way needs a Go plugin's build info to build a probe host for an " +
			opts.Emulation.Machine + " object: " + err.Error()}
	}
	settings := pluginbuild.HashSettings(bi)
	h, err := cachedProbe(ctx, settings, opts)
	if err != nil {
		return nil, &HostError{Path: path, Reason: err.Error()}
	}
	if h == nil {
		if h, err = matchingHost(ctx, bi, settings, opts); err != nil {
			return nil, &HostError{Path: path, Reason: err.Error()}
		}
	}
	h.Why = path + " is an " + opts.Emulation.Machine + " object; soinspect's own probe runs on this machine"
	if err := refusedByHash(h, pf, path, opts); err != nil {
		return nil, err
	}
	return h, nil
}

// checkWith runs the analysis of `soinspect check` for plugin against the
// host program at hostPath.
func checkWith(hostPath string, plugin *elfinspect.File) (plugincheck.Verdict, error) {
	hf, err := elfinspect.Open(hostPath)
	if err != nil {
		return plugincheck.Verdict{}, err
	}
	defer hf.Close()
	return plugincheck.NewChecker(hf).Check(plugin, nil), nil
}

// verdictText is a refusal in one line: plugin.Open's predicted error,
// with the first cause and remedy.
func verdictText(v plugincheck.Verdict, path string) string {
	s := v.OpenError(path)
	if s == "" {
		s = v.Error
	}
	for _, r := range v.Reasons {
		if r.Fatal && r.Cause != "" {
			s += " (" + r.Cause
			if r.Remedy != "" {
				s += "; " + r.Remedy
			}
			s += ")"
			break
		}
	}
	return s
}

// ownBuild reads the build info of the soinspect binary (opts.Exe, or
// this process's executable).
func ownBuild(opts Options) (*elfinspect.BuildInfo, error) {
	exe := opts.Exe
	if exe == "" {
		var err error
		if exe, err = os.Executable(); err != nil {
			return nil, fmt.Errorf("finding the soinspect binary: %w", err)
		}
	}
	f, err := elfinspect.Open(exe)
	if err != nil {
		return nil, fmt.Errorf("soinspect's own build: %w", err)
	}
	defer f.Close()
	bi, err := f.BuildInfo()
	if err != nil {
		return nil, fmt.Errorf("soinspect's own build: %w", err)
	}
	return bi, nil
}

// selfHost is soinspect's own probe: the probe host built like the
// soinspect binary, whose build info own is.
func selfHost(ctx context.Context, own *elfinspect.BuildInfo, opts Options) (*Host, error) {
	return ensureProbe(ctx, own, pluginbuild.HashSettings(own), opts, HostKindSelf)
}

// matchingHost is the probe host built like the file bi was read from.
func matchingHost(ctx context.Context, bi *elfinspect.BuildInfo, settings []string, opts Options) (*Host, error) {
	return ensureProbe(ctx, bi, settings, opts, HostKindMatching)
}

// newHost is the Host of kind for the probe host at path built like
// settings.
func newHost(kind HostKind, path string, settings []string) *Host {
	desc := "probe host built for " + describeSettings(settings)
	if kind == HostKindSelf {
		desc = "soinspect's own probe (" + describeSettings(settings) + ")"
	}
	return &Host{Kind: kind, Path: path, Description: desc, GoVersion: goVersionOf(settings), Settings: settings}
}

// cachedProbe returns the probe host built like settings if the cache
// has it, else nil. A use found there is recorded, and may prune the
// cache (see hostprune.go).
func cachedProbe(ctx context.Context, settings []string, opts Options) (*Host, error) {
	root, err := cacheRoot(opts)
	if err != nil {
		return nil, err
	}
	key := hostKey(settings)
	bin := cachedHost(filepath.Join(root, key))
	if bin == "" || !noteUse(ctx, root, key) {
		return nil, nil
	}
	pruneCache(root)
	return newHost(HostKindMatching, bin, settings), nil
}

func cacheRoot(opts Options) (string, error) {
	if opts.CacheDir != "" {
		return opts.CacheDir, nil
	}
	return DefaultCacheDir()
}

// goVersionOf is the toolchain of HashSettings.
func goVersionOf(settings []string) string {
	if len(settings) == 0 {
		return ""
	}
	return strings.TrimPrefix(settings[0], "go=")
}

// ensureProbe returns the probe host for settings from the cache,
// building it (with the toolchain and flags pluginbuild derives from bi)
// if need be, as a Host of kind.
func ensureProbe(ctx context.Context, bi *elfinspect.BuildInfo, settings []string, opts Options, kind HostKind) (*Host, error) {
	root, err := cacheRoot(opts)
	if err != nil {
		return nil, err
	}
	described := describeSettings(settings)
	h := newHost(kind, "", settings)
	h.Path, h.Built, h.BuildTime, err = ensureHost(ctx, root, hostKey(settings), func(ctx context.Context, src, out string) error {
		if opts.OnBuild != nil {
			opts.OnBuild(described)
		}
		var env []string
		if e := opts.Emulation; e != nil && e.CC != "" {
			env = append(os.Environ(), "CC="+e.CC) // GOARCH comes with the file's settings
		}
		prog, err := pluginbuild.DeriveProgram(ctx, bi, pluginbuild.Options{Go: opts.GoCmd, Env: env})
		if err != nil {
			return noBuild(err)
		}
		for _, p := range prog.Problems {
			if p.Fatal {
				return fmt.Errorf("no probe host can be built for %s: %s (%s)", described, p.Message, p.Remedy)
			}
		}
		if _, err := prog.Build(ctx, src, out); err != nil {
			return fmt.Errorf("building a probe host for %s: %w", described, err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return h, nil
}

// noBuild explains a go command that cannot run at all.
func noBuild(err error) error {
	if errors.Is(err, os.ErrNotExist) || strings.Contains(err.Error(), "executable file not found") {
		return fmt.Errorf("a probe host is built with the go command, and there is none on PATH (%v)", err)
	}
	return fmt.Errorf("a probe host is built with the go command: %w", err)
}

// describeSettings says a build of HashSettings in words: "go1.27.3 with
// -race -trimpath"; the defaults are not named.
func describeSettings(settings []string) string {
	goVersion := goVersionOf(settings)
	if len(settings) == 0 {
		return goVersion
	}
	var with []string
	for _, s := range settings[1:] {
		k, v, _ := strings.Cut(s, "=")
		switch {
		case strings.HasPrefix(k, "-") && v == "true":
			with = append(with, k)
		case strings.HasPrefix(k, "-") && v != "false" && k != "-compiler":
			with = append(with, k+"="+v)
		case k == "GOEXPERIMENT" && v != "", k == "GOFIPS140" && v != "" && v != "off",
			strings.HasPrefix(k, "CGO_") && k != "CGO_ENABLED" && v != "":
			with = append(with, s)
		case k == "GOAMD64" && v != "v1", k == "GOARCH" && v != runtime.GOARCH, k == "CGO_ENABLED" && v != "1":
			with = append(with, s)
		}
	}
	if len(with) == 0 {
		return goVersion
	}
	return goVersion + " with " + strings.Join(with, " ")
}
