package elfinspect_test

import (
	"os"
	"testing"

	"github.com/soinspect/soinspect/internal/specimen"
)

// arm64OracleFiles are the arm64 specimens the readelf and nm oracles
// check: Go plugins and a Go host cross-built for arm64, and the cross C
// and C++ libraries. It skips when the cross toolchain is missing.
func arm64OracleFiles(t *testing.T) []string {
	specimen.NeedArm64Build(t)
	specimen.NeedTool(t, "aarch64-linux-gnu-readelf")
	specimen.NeedTool(t, "aarch64-linux-gnu-nm")
	names := []string{"plugin1-arm64.so", "kitchensink-arm64.so", "pluginhost-arm64"}
	specimen.Path(t, names...)
	var files []string
	for _, n := range names {
		files = append(files, specimen.Path(t, n))
	}
	for _, lib := range []string{"libc.so.6", "libstdc++.so.6"} {
		p := specimen.Arm64Sysroot + "/lib/" + lib
		if _, err := os.Stat(p); err == nil {
			files = append(files, p)
		} else {
			t.Logf("%s: not installed (libc6-arm64-cross, libstdc++6-arm64-cross); not checked", p)
		}
	}
	return files
}

// TestReadelfOracleArm64 is TestReadelfOracle on the arm64 specimens,
// against aarch64-linux-gnu-readelf.
func TestReadelfOracleArm64(t *testing.T) {
	files := arm64OracleFiles(t)
	syms := 0
	for _, p := range files {
		syms += checkReadelfWith(t, "aarch64-linux-gnu-readelf", p)
	}
	t.Logf("aarch64-linux-gnu-readelf agrees on %d arm64 files, %d symbols", len(files), syms)
}

// TestNMOracleArm64 is TestNMOracle on the arm64 specimens, against
// aarch64-linux-gnu-nm --special-syms. Without --special-syms, nm for
// AArch64 hides the ELF mapping symbols ($x: code follows, $d: data
// follows, and $x.NAME, $d.NAME), which the AArch64 ELF ABI defines and
// readelf lists; elfinspect lists them as readelf does, so the oracle is
// asked to show them too (and the letters of every other symbol are the
// same either way).
func TestNMOracleArm64(t *testing.T) {
	files := arm64OracleFiles(t)
	syms := 0
	for _, p := range files {
		syms += checkNMWith(t, []string{"aarch64-linux-gnu-nm", "--special-syms"}, p)
	}
	t.Logf("aarch64-linux-gnu-nm agrees on %d arm64 files, %d symbols", len(files), syms)
}
