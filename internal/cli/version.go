package cli

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"

	"github.com/spf13/cobra"
)

// versionSettings are the build settings --version shows, in this order:
// the ones that change a package's link hash or the runtime's layout, and
// so decide which plugins soinspect's own Go way (call, compare) can load,
// then the source revision.
var versionSettings = []string{
	"-buildmode", "-compiler", "-trimpath", "-race", "-msan", "-asan", "-tags",
	"-gcflags", "-asmflags", "-ldflags", "CGO_ENABLED", "GOOS", "GOARCH",
	"GOAMD64", "GOARM64", "GOARM", "GO386", "GOPPC64", "GORISCV64", "GOMIPS", "GOMIPS64", "GOWASM",
	"GOEXPERIMENT", "DefaultGODEBUG", "vcs", "vcs.revision", "vcs.time", "vcs.modified",
}

// versionTemplateFunc is the name of versionText in cobra's templates:
// the root command's version template calls it, so that the build info is
// read and formatted only for --version, not at every start. (cobra needs
// a Version that is not empty to handle --version at all.)
const versionTemplateFunc = "soinspectVersion"

// addVersionTemplateFunc adds versionText to cobra's template functions,
// which are global, once: when the first root command is made.
var addVersionTemplateFunc sync.Once

// setVersionTemplate makes root's --version print versionText.
func setVersionTemplate(root *cobra.Command) {
	addVersionTemplateFunc.Do(func() { cobra.AddTemplateFunc(versionTemplateFunc, versionText) })
	root.SetVersionTemplate("{{" + versionTemplateFunc + "}}")
}

// versionText is what `soinspect --version` prints: soinspect's version,
// the toolchain and build settings it was built with, and the modules it
// links — a plugin must match all of them to load in soinspect's own
// process the Go way.
func versionText() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return fmt.Sprintf("soinspect (no build info) built with %s\n", runtime.Version())
	}
	return formatVersion(bi)
}

// formatVersion is versionText for the build info bi.
func formatVersion(bi *debug.BuildInfo) string {
	var b strings.Builder
	version := bi.Main.Version
	if version == "" {
		version = "(devel)"
	}
	fmt.Fprintf(&b, "soinspect %s built with %s\n", version, bi.GoVersion)
	settings := map[string]string{}
	for _, s := range bi.Settings {
		settings[s.Key] = s.Value
	}
	for _, k := range versionSettings {
		v, ok := settings[k]
		switch {
		case !ok && (k == "-trimpath" || k == "-race"):
			v = "false"
		case !ok:
			continue
		}
		fmt.Fprintf(&b, "  %-14s %s\n", k, v)
	}
	if len(bi.Deps) > 0 {
		fmt.Fprintf(&b, "modules:\n")
		for _, d := range bi.Deps {
			line := strings.TrimSpace(d.Path + " " + d.Version)
			if r := d.Replace; r != nil {
				line += " => " + strings.TrimSpace(r.Path+" "+r.Version)
			}
			fmt.Fprintf(&b, "  %s\n", line)
		}
	}
	b.WriteString("A Go plugin loads in call and compare's Go way only if it was built with this\n" +
		"toolchain, these settings and these module versions for every package both link.\n")
	return b.String()
}
