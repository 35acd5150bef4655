package probe_test

import (
	"encoding/json"
	"runtime"
	"strings"
	"testing"

	"github.com/soinspect/soinspect/internal/probe"
	"github.com/soinspect/soinspect/internal/specimen"
)

// Without its arm64 child, call and compare on an AArch64 object say
// plainly what it is, what is missing and the commands that run it under
// qemu-aarch64, and load nothing.
func TestEmulationMissing(t *testing.T) {
	if runtime.GOARCH != "amd64" {
		t.Skip("the messages name x86-64 as this soinspect's machine")
	}
	plug := archCopy(t)
	t.Setenv(probe.EnvChildPrefix+"ARM64", "/nonexistent/soinspect-linux-arm64")
	wantRefused(t, plug,
		plug+" is an AArch64 object; this soinspect is x86-64 and cannot load it",
		"It can run under qemu-aarch64, but ",
		"SOINSPECT_CHILD_ARM64=/nonexistent/soinspect-linux-arm64 is no file",
		"install qemu-user, gcc-aarch64-linux-gnu and libc6-dev-arm64-cross",
		"`CC=aarch64-linux-gnu-gcc GOARCH=arm64 CGO_ENABLED=1 go build -o ",
		"`qemu-aarch64 -L /usr/aarch64-linux-gnu soinspect-linux-arm64 __probe-child ...`",
		"Nothing was loaded")
}

// call and compare on plugin1 cross-built for arm64 run their children
// under qemu-aarch64: the raw call returns, the raw call of init crashes
// with an explanation quoting the decoded arm64 prologue (the stack check
// through X28), the Go way runs the inits and calls Run, and compare finds
// both ways agree.
func TestEmulatedArm64(t *testing.T) {
	if runtime.GOARCH != "amd64" {
		t.Skip("emulates arm64 on amd64")
	}
	specimen.NeedArm64Run(t)
	needFixtures(t)
	plug := specimen.Path(t, "plugin1-arm64.so", "soinspect-linux-arm64")
	t.Setenv(probe.EnvChildPrefix+"ARM64", specimen.Path(t, "soinspect-linux-arm64"))
	under := "qemu-aarch64 -L /usr/aarch64-linux-gnu"

	out, stderr, code := soinspect(t, "call", "--raw", "--trace", "--sig", "long()", plug, "Answer")
	if code != 0 {
		t.Errorf("call --raw Answer: exit %d\n%s%s", code, out, stderr)
	}
	wantContains(t, "call --raw Answer", out, "runs under", under, "= 42", "returned")

	out, stderr, code = soinspect(t, "call", "--raw", plug, "init")
	if code != 1 {
		t.Errorf("call --raw init: exit %d, want 1\n%s%s", code, out, stderr)
	}
	wantContains(t, "call --raw init", out, "CRASHED", "ldr x16, [x28,#16]", "cmp sp, x16",
		"g is in X28", "Go code expects its goroutine (g) in register X28", "`ldr x16, [x28,#16]; cmp sp, x16`")
	if strings.Contains(out, "R14") {
		t.Errorf("the arm64 explanation names R14:\n%s", out)
	}

	out, stderr, code = soinspect(t, "call", plug, "Run")
	if code != 0 {
		t.Errorf("call Run: exit %d\n%s%s", code, out, stderr)
	}
	wantContains(t, "call Run", out, "runs under", `"Hello from plugin1 (call 1)"`, "plugin1: init.0 ran")

	out, stderr, code = soinspect(t, "call", "--json", plug, "Run")
	if code != 0 {
		t.Errorf("call --json Run: exit %d\n%s%s", code, out, stderr)
	}
	var rep probe.GoReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("call --json: %v\n%s", err, out)
	}
	if e := rep.Exit.Emulation; e == nil || e.Machine != "AArch64" || len(e.Command) != 3 || e.Command[1] != "-L" || e.Exe == "" {
		t.Errorf("call --json: exit.emulation = %+v, want qemu-aarch64 -L SYSROOT and the arm64 child", e)
	}

	out, stderr, code = soinspect(t, "compare", plug)
	if code != 0 {
		t.Errorf("compare: exit %d\n%s%s", code, out, stderr)
	}
	wantContains(t, "compare", out, "runs under", "4 of 4 symbols compared and the same", "plugin1: init.0 ran")
}
