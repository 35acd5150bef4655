package specimen

import (
	"debug/elf"
	"strings"
	"testing"
)

// TestArm64Specimens builds the arm64 specimens, checks that they are
// AArch64 objects, and has the arm64 host load plugin1 and call its Run
// under qemu-aarch64.
func TestArm64Specimens(t *testing.T) {
	NeedArm64Build(t)
	names := []string{"plugin1-arm64.so", "kitchensink-arm64.so", "pluginhost-arm64", "oracle-arm64"}
	paths, err := BuildAll(names...)
	if err != nil {
		t.Fatal(err)
	}
	for i, p := range paths {
		f, err := elf.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		if f.Machine != elf.EM_AARCH64 {
			t.Errorf("%s: machine %v, want EM_AARCH64", names[i], f.Machine)
		}
		f.Close()
	}
	NeedArm64Run(t)
	out, err := Arm64Command(paths[2], paths[0]).CombinedOutput()
	if err != nil {
		t.Fatalf("qemu-aarch64 pluginhost-arm64 plugin1-arm64.so: %v\n%s", err, out)
	}
	if want := "plugin1: init.0 ran\nHello from plugin1 (call 1)\n"; string(out) != want {
		t.Errorf("pluginhost-arm64 printed %q, want %q", out, want)
	}
	t.Logf("qemu-aarch64 -L %s pluginhost-arm64 plugin1-arm64.so: %s", Arm64Sysroot, strings.TrimSpace(string(out)))
}

// TestArm64Missing: without the cross compiler and qemu on PATH, the
// reasons name the Debian packages that provide them.
func TestArm64Missing(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	if why := Arm64BuildMissing(); !strings.Contains(why, "gcc-aarch64-linux-gnu (aarch64-linux-gnu-gcc)") || !strings.Contains(why, ".ci/install-deps") {
		t.Errorf("Arm64BuildMissing() = %q", why)
	}
	if why := Arm64RunMissing(); !strings.Contains(why, "qemu-user (qemu-aarch64)") {
		t.Errorf("Arm64RunMissing() = %q", why)
	}
}
