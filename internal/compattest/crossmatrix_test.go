package compattest

import (
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/soinspect/soinspect/internal/specimen"
)

// The arm64 matrix: hosts and plugins cross-built for arm64 from the same
// modules, in work/arm64, each host run under qemu-aarch64 as the judge of
// what check says.

// arm64Dir is the directory of work holding the arm64 builds.
const arm64Dir = "arm64"

var arm64Artifacts = []artifact{
	{name: "host", mod: "m12", pkg: "./host"},
	{name: "plugin.so", mod: "m12", pkg: "./plugin", args: []string{"-buildmode=plugin"}},
	{name: "plugin-trimpath.so", mod: "m12", pkg: "./plugin", args: []string{"-buildmode=plugin", "-trimpath"}},
	{name: "plugin-dep13.so", mod: "m13", pkg: "./plugin", args: []string{"-buildmode=plugin"}},
}

func init() {
	for i := range arm64Artifacts {
		arm64Artifacts[i].env = specimen.Arm64Env
	}
}

var arm64Rows = []row{
	{"arm64: identical builds", "arm64/host", []string{"arm64/plugin.so"}},
	{"arm64: plugin -trimpath", "arm64/host", []string{"arm64/plugin-trimpath.so"}},
	{"arm64: dependency v1.3.0 vs v1.2.0", "arm64/host", []string{"arm64/plugin-dep13.so"}},
	{"arm64: identical builds, then -trimpath", "arm64/host", []string{"arm64/plugin.so", "arm64/plugin-trimpath.so"}},
	// Across machines: each loader refuses the other's objects.
	{"amd64 host, arm64 plugin", "host", []string{"arm64/plugin.so"}},
	{"arm64 host, amd64 plugin", "arm64/host", []string{"plugin.so"}},
}

var (
	arm64Once sync.Once
	arm64Err  error
)

// setupArm64 builds the arm64 hosts and plugins once per run (see package
// specimen) and copies them into work/arm64.
func setupArm64(t *testing.T) {
	arm64Once.Do(func() {
		shared, err := specimen.BuildDir("compattest-arm64", func(dir string) error {
			if err := writeModules(dir); err != nil {
				return err
			}
			_, err := buildArtifacts(dir, arm64Artifacts)
			return err
		})
		if err != nil {
			arm64Err = err
			return
		}
		arm64Err = copyTree(shared, filepath.Join(work, arm64Dir))
	})
	if arm64Err != nil {
		t.Fatal(arm64Err)
	}
}

// hostCommand returns the command that runs host (a path under work) with
// args: an arm64 host under qemu-aarch64.
func hostCommand(host string, args []string) *exec.Cmd {
	if strings.HasPrefix(host, arm64Dir+"/") {
		return specimen.Arm64Command("./"+host, args...)
	}
	return exec.Command("./"+host, args...)
}

// TestMatrixArm64 is TestMatrix on arm64: check against the real
// plugin.Open of an arm64 host running under qemu-aarch64, for an
// identical build, a -trimpath plugin and a plugin built against another
// version of a dependency, and across machines.
func TestMatrixArm64(t *testing.T) {
	specimen.NeedArm64Run(t)
	setup(t)
	setupArm64(t)
	runMatrix(t, arm64Rows)
}
