package specimen

import (
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// The arm64 specimens are cross-built with Debian's cross toolchain and
// run, where a test needs them run, under qemu-user. `.ci/install-deps`
// installs the three packages; a test that lacks one skips, naming it.

// Arm64Sysroot is the directory of Debian's arm64 C library: the sysroot
// qemu-aarch64 is given (-L) to find the dynamic loader and libc.
const Arm64Sysroot = "/usr/aarch64-linux-gnu"

// Arm64Env is the environment that makes the go command cross-build for
// arm64 with cgo, as plugins need.
var Arm64Env = []string{"CC=aarch64-linux-gnu-gcc", "GOARCH=arm64", "CGO_ENABLED=1"}

func arm64Go(args ...string) Recipe {
	return Recipe{Tool: "go", Args: args, Env: Arm64Env}
}

// arm64Recipes are the arm64 specimens: plugins and the hosts that load
// them, each the cross-built twin of an amd64 specimen of the same name
// less "-arm64".
var arm64Recipes = map[string]Recipe{
	"plugin1-arm64.so":     arm64Go("-buildmode=plugin", "./plugins/plugin1"),
	"kitchensink-arm64.so": arm64Go("-buildmode=plugin", "./plugins/kitchensink"),
	"pluginhost-arm64":     arm64Go("./cmd/pluginhost"),
	"oracle-arm64":         arm64Go("./goplugin/testdata/pluginoracle"),
	// The child call and compare run an arm64 object in, under qemu.
	"soinspect-linux-arm64": arm64Go("./cmd/soinspect"),
}

func init() {
	for name, r := range arm64Recipes {
		recipes[name] = r
	}
}

// isArm64 reports whether the named specimen is cross-built for arm64.
func isArm64(name string) bool {
	r, ok := recipes[name]
	return ok && slices.Contains(r.Env, "GOARCH=arm64")
}

// Arm64BuildMissing returns why arm64 specimens cannot be built here,
// naming the missing Debian packages, or "" when they can.
func Arm64BuildMissing() string {
	return missingPackages(
		need{pkg: "gcc-aarch64-linux-gnu", command: "aarch64-linux-gnu-gcc"},
		need{pkg: "libc6-dev-arm64-cross", file: Arm64Sysroot + "/include/stdio.h"},
	)
}

// Arm64RunMissing returns why arm64 programs cannot be run here (they run
// under qemu-aarch64, with the cross C library as sysroot), naming the
// missing Debian packages, or "" when they can.
func Arm64RunMissing() string {
	return missingPackages(
		need{pkg: "qemu-user", command: "qemu-aarch64"},
		need{pkg: "libc6-dev-arm64-cross", file: Arm64Sysroot + "/lib/ld-linux-aarch64.so.1"},
	)
}

// need is what a Debian package installs that a test needs: a command on
// PATH or a file.
type need struct {
	pkg, command, file string
}

// missingPackages names the packages of the needs that are not met, each
// with what is missing, or "" when all are.
func missingPackages(needs ...need) string {
	var pkgs []string
	for _, n := range needs {
		if n.command != "" {
			if _, err := exec.LookPath(n.command); err != nil {
				pkgs = append(pkgs, n.pkg+" ("+n.command+")")
			}
		} else if _, err := os.Stat(n.file); err != nil {
			pkgs = append(pkgs, n.pkg+" ("+n.file+")")
		}
	}
	if len(pkgs) == 0 {
		return ""
	}
	return "missing the Debian package(s) " + strings.Join(pkgs, ", ") + "; .ci/install-deps installs them"
}

// NeedArm64Build skips the test unless arm64 specimens can be built.
func NeedArm64Build(tb testing.TB) {
	tb.Helper()
	if why := Arm64BuildMissing(); why != "" {
		tb.Skip("cannot cross-build for arm64: " + why)
	}
}

// NeedArm64Run skips the test unless arm64 specimens can be built and run.
func NeedArm64Run(tb testing.TB) {
	tb.Helper()
	NeedArm64Build(tb)
	if why := Arm64RunMissing(); why != "" {
		tb.Skip("cannot run arm64 programs: " + why)
	}
}

// Arm64Command returns the command that runs the arm64 program bin with
// args under qemu-aarch64: qemu-aarch64 -L /usr/aarch64-linux-gnu bin args...
func Arm64Command(bin string, args ...string) *exec.Cmd {
	return exec.Command("qemu-aarch64", append([]string{"-L", Arm64Sysroot, bin}, args...)...)
}
