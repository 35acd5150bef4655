package pluginbuild

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/soinspect/soinspect/elfinspect"
	"github.com/soinspect/soinspect/plugincheck"
)

// Result is what Build did: the go build's outcome, and the verdict of the
// host's plugin.Open on the plugin it wrote, as `soinspect check` gives it.
//
// JSON: {"recipe": Recipe, "built", "seconds", "go_output", "verdict":
// plugincheck.Verdict, "loadable"}.
type Result struct {
	Recipe *Recipe `json:"recipe"`
	// Built is true when go build wrote Output.
	Built bool `json:"built"`
	// Seconds is how long go build took.
	Seconds float64 `json:"seconds"`
	// GoOutput is what go build printed, when it failed.
	GoOutput string `json:"go_output,omitempty"`
	// Verdict is the check of the plugin against the host.
	Verdict *plugincheck.Verdict `json:"verdict,omitempty"`
	// Loadable is true when the host's plugin.Open accepts the plugin.
	Loadable bool `json:"loadable"`
}

// Build runs the recipe's go build with the host's toolchain, then checks
// the plugin it wrote against host (the file the recipe was derived from).
// Problems found on the way (a module version the plugin needs that the
// host lacks, a version that could not be pinned) are added to the
// recipe. An error means the go command or a file could not be used at
// all; a failed build is a Result with Built false.
func (r *Recipe) Build(ctx context.Context, host *elfinspect.File) (*Result, error) {
	res := &Result{Recipe: r}
	if r.tmpDir == "" {
		return nil, errors.New("the recipe has no temporary go.mod (closed?)")
	}
	for _, p := range r.Problems {
		if p.Code == ProblemBuild {
			return res, nil // the module graph failed: go build would too
		}
	}
	args := make([]string, len(r.BuildArgs))
	for i, a := range r.BuildArgs {
		args[i] = strings.ReplaceAll(a, "$tmp/", r.tmpDir+"/")
	}
	env := withEnv(r.env, "GOTOOLCHAIN="+r.Toolchain)
	if err := os.MkdirAll(filepath.Dir(r.Output), 0o755); err != nil {
		return nil, err
	}
	start := time.Now()
	_, err := goCommand(ctx, r.goCmd, r.ModuleDir, env, args...)
	res.Seconds = time.Since(start).Seconds()
	if err != nil {
		var ge *goError
		if !errors.As(err, &ge) {
			return nil, err
		}
		res.GoOutput = ge.stderr
		r.explainFailure(ge.stderr)
		return res, nil
	}
	res.Built = true
	f, err := elfinspect.Open(r.Output)
	if err != nil {
		return nil, fmt.Errorf("the plugin just built: %w", err)
	}
	defer f.Close()
	v := plugincheck.NewChecker(host).Check(f, nil)
	res.Verdict, res.Loadable = &v, v.Loadable
	r.checkPins(f)
	if !v.Loadable {
		msg := v.OpenError(r.Output)
		if msg == "" {
			msg = v.Error
		}
		remedy := "see the reasons of the check below"
		if len(r.Problems) > 0 {
			remedy = "see the problems above"
		}
		r.problem(ProblemNotLoadable, true, remedy, "the host would still refuse the plugin: %s", msg)
	}
	return res, nil
}

// explainFailure turns a failed go build into problems: a pinned-down
// module the plugin needs the newer version of, or the build's own error.
func (r *Recipe) explainFailure(stderr string) {
	said := false
	for _, p := range r.Pins {
		if !p.Downgrade() {
			continue
		}
		by := "the plugin's go.mod"
		if p.RequiredBy != "" {
			by = p.RequiredBy
		}
		r.problem(ProblemNewerModule, true,
			fmt.Sprintf("rebuild the host with %s %s (go get %s@%s), or make the plugin build against %s", p.Module, p.PluginVersion, p.Module, p.PluginVersion, p.Version),
			"the plugin needs %s %s (required by %s), and the host links %s: built against %s, it does not compile: %s",
			p.Module, p.PluginVersion, by, p.Version, p.Version, oneLine(compileError(stderr)))
		said = true
	}
	if !said {
		r.problem(ProblemBuild, true, "fix the build error; `soinspect build --dry-run` shows the command",
			"go build failed: %s", oneLine(compileError(stderr)))
	}
}

// compileError is the first line of go build's output that is an error,
// not the "# package" header.
func compileError(stderr string) string {
	for _, l := range strings.Split(stderr, "\n") {
		l = strings.TrimSpace(l)
		if l != "" && !strings.HasPrefix(l, "#") {
			return l
		}
	}
	return strings.TrimSpace(stderr)
}

// checkPins compares the module versions the plugin was built with to the
// pins: minimal version selection may still have lifted one.
func (r *Recipe) checkPins(f *elfinspect.File) {
	bi, err := f.BuildInfo()
	if err != nil {
		return
	}
	got := map[string]string{}
	for _, d := range bi.Deps {
		got[d.Path] = d.Version
	}
	for _, p := range r.Pins {
		if v, ok := got[p.Module]; ok && p.Version != "" && p.Version != "(devel)" && v != p.Version {
			r.problem(ProblemVersionLifted, true,
				fmt.Sprintf("add to the plugin's go.mod: exclude %s %s", p.Module, v),
				"%s was built at %s although the host links %s", p.Module, v, p.Version)
		}
	}
}
