package probe_test

import (
	"bytes"
	"debug/elf"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/soinspect/soinspect/internal/probe"
	"github.com/soinspect/soinspect/internal/specimen"
)

// soinspectIn runs the built binary in dir.
func soinspectIn(t *testing.T, dir string, args ...string) (string, string, int) {
	t.Helper()
	needFixtures(t)
	out, errs, code, err := specimen.Run(dir, append(os.Environ(), "COLUMNS=200"), bin, args...)
	if err != nil {
		t.Fatalf("soinspect %v: %v", args, err)
	}
	return out, errs, code
}

// A bare name that is a file here is loaded as ./NAME, both ways; one that
// is not goes to dlopen's search, and the Go way says it cannot.
func TestBareFileName(t *testing.T) {
	dir := filepath.Dir(plugin1)
	out, stderr, code := soinspectIn(t, dir, "call", "--raw", "--trace", "--sig", "long()", "plugin1.so", "Answer")
	if code != 0 {
		t.Errorf("call --raw plugin1.so Answer in its directory: exit %d\n%s%s", code, out, stderr)
	}
	wantContains(t, "bare name, raw", out, `dlopen("./plugin1.so", RTLD_LAZY) = 0x`, `"plugin1.so" is a file in the current directory`, "= 42", "loaded as")

	out, stderr, code = soinspectIn(t, dir, "call", "plugin1.so", "Run")
	if code != 0 {
		t.Errorf("call plugin1.so Run in its directory: exit %d\n%s%s", code, out, stderr)
	}
	wantContains(t, "bare name, Go", out, `"Hello from plugin1 (call 1)"`)

	out, _, code = soinspect(t, "call", "--raw", "--trace", "--sig", "double(double)", "libm.so.6", "cos", "0")
	if code != 0 {
		t.Errorf("libm.so.6 by search: exit %d\n%s", code, out)
	}
	wantContains(t, "search", out, `"libm.so.6" is not a file in the current directory: dlopen searches`, "found by", "= 1")

	out, stderr, code = soinspect(t, "call", "libm.so.6", "cos")
	if code != 1 || out != "" {
		t.Errorf("Go way, libm.so.6 by search: exit %d, want 1 and no output\n%s", code, out)
	}
	wantContains(t, "Go way by search", stderr, "plugin.Open takes a path", `plugin.Open("libm.so.6"): realpath failed`, "Nothing was loaded")
}

// A FIFO and an empty file get symbols' pre-checks, both ways, as bare names too.
func TestNotRegularOrEmpty(t *testing.T) {
	needFixtures(t)
	dir := t.TempDir()
	if err := syscall.Mkfifo(filepath.Join(dir, "fifo"), 0o644); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "empty.bin"), nil, 0o644)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"call", "--timeout", "5s", "fifo", "Run"}, "fifo: not a regular file"},
		{[]string{"call", "--timeout", "5s", "--raw", "fifo", "Run"}, "fifo: not a regular file"},
		{[]string{"call", "--raw", "empty.bin", "f"}, "empty.bin: not an ELF file (empty)"},
		{[]string{"call", "empty.bin", "f"}, "empty.bin: not an ELF file (empty)"},
		{[]string{"compare", "fifo"}, "fifo: not a regular file"},
	} {
		start := time.Now()
		out, stderr, code := soinspectIn(t, dir, c.args...)
		if code != 1 || out != "" || time.Since(start) > 4*time.Second {
			t.Errorf("%v: exit %d after %v, want 1 at once; stdout %q", c.args, code, time.Since(start).Round(time.Millisecond), out)
		}
		wantContains(t, fmt.Sprint(c.args), stderr, c.want)
	}
}

// archCopy writes a copy of plugin1 whose header says EM_AARCH64.
func archCopy(t *testing.T) string {
	t.Helper()
	needFixtures(t)
	b, err := os.ReadFile(plugin1)
	if err != nil {
		t.Fatal(err)
	}
	b[18], b[19] = byte(elf.EM_AARCH64), 0
	p := filepath.Join(t.TempDir(), "plug.so")
	specimen.WriteFile(t, p, b, 0o755)
	return p
}

// wantRefused runs the subcommands that load plug (call both ways, and
// compare) and wants each to fail with stderr holding every one of want,
// having printed nothing else and not reached dlopen.
func wantRefused(t *testing.T, plug string, want ...string) {
	t.Helper()
	for _, args := range [][]string{
		{"call", "--raw", "--sig", "long()", plug, "Answer"},
		{"call", plug, "Run"},
		{"compare", plug},
	} {
		out, stderr, code := soinspect(t, args...)
		if code != 1 || out != "" {
			t.Errorf("%v: exit %d, want 1 and no output\n%s", args, code, out)
		}
		wantContains(t, strings.Join(args, " "), stderr, want...)
		if strings.Contains(stderr, "No such file or directory\n") {
			t.Errorf("%v: dlopen's misleading error: %s", args, stderr)
		}
	}
}

// An object for another machine is refused before loading, by call (both
// ways) and compare, instead of dlopen's "No such file or directory".
func TestForeignArch(t *testing.T) {
	if runtime.GOARCH != "amd64" {
		t.Skip("the messages name x86-64 as this soinspect's machine")
	}
	plug := archCopy(t)
	wantRefused(t, plug, plug+" is an AArch64 object; this soinspect is x86-64 and cannot load it")
	// The other ELF class: glibc checks it first.
	cc, _ := exec.Command("go", "env", "CC").Output()
	src, lib32 := filepath.Join(t.TempDir(), "f.c"), filepath.Join(t.TempDir(), "lib32.so")
	os.WriteFile(src, []byte("int f(void) { return 1; }\n"), 0o644)
	if out, err := exec.Command(strings.TrimSpace(string(cc)), "-m32", "-shared", "-fPIC", "-nostdlib", "-o", lib32, src).CombinedOutput(); err != nil {
		t.Logf("no 32-bit object (%v: %s): its case is skipped", err, out)
	} else {
		_, stderr, code := soinspect(t, "call", "--raw", "--sig", "int()", lib32, "f")
		if code != 1 {
			t.Errorf("call a 32-bit object: exit %d", code)
		}
		wantContains(t, "32-bit", stderr, lib32+` is a 32-bit i386 object; this soinspect is 64-bit x86-64 and cannot load it: dlopen would say "wrong ELF class: ELFCLASS32"`)
	}
	// What dlopen refuses whatever the machine: soinspect itself, a Go
	// executable (ET_EXEC).
	_, stderr, code := soinspect(t, "call", "--raw", bin, "main")
	if code != 1 {
		t.Errorf("call an executable: exit %d", code)
	}
	wantContains(t, "executable", stderr, bin+` is a Go executable, which dlopen refuses: "cannot dynamically load executable"`, "Nothing was loaded")
	// --force shows what dlopen says.
	out, _, code := soinspect(t, "call", "--force", "--raw", plug, "Answer")
	if code != 1 {
		t.Errorf("--force: exit %d", code)
	}
	wantContains(t, "--force", out, "cannot open shared object file: No such file or directory")
}

// The Go way refuses statically what would run code before failing.
func TestGoPrecheck(t *testing.T) {
	out, stderr, code := soinspect(t, "call", plugin1, "NoSuch")
	if code != 1 || strings.Contains(out+stderr, "init.0 ran") {
		t.Errorf("call plugin1 NoSuch: exit %d; the inits ran?\n%s%s", code, out, stderr)
	}
	wantContains(t, "NoSuch", stderr, "exports no NoSuch", "its exports: Answer, Calls, Greeting, Run", `plugin: symbol NoSuch not found in plugin `+pp1, "--force")

	out, stderr, code = soinspect(t, "call", ctorLib, "twice")
	if code != 1 || strings.Contains(out+stderr, "constructor ran") {
		t.Errorf("call on a C library: exit %d; the constructor ran?\n%s%s", code, out, stderr)
	}
	wantContains(t, "C library", stderr, "C/C++ shared library, not a Go plugin", "no plugin module data", "--raw")

	// --force does it: the constructor runs, then the runtime aborts.
	out, _, code = soinspect(t, "call", "--force", ctorLib, "twice")
	if code != 1 {
		t.Errorf("--force on a C library: exit %d", code)
	}
	wantContains(t, "--force C library", out, "stderr| ctorlib: constructor stderr", "CRASHED: fatal error: runtime: no plugin module data",
		"The file is not a Go plugin: dlopen loaded it (running its constructors)")
	out, _, _ = soinspect(t, "call", "--force", plugin1, "NoSuch")
	wantContains(t, "--force NoSuch", out, "plugin1: init.0 ran", "not found in plugin")
}

// compare states only what it measured, and fails when anything was not.
func TestCompareHonest(t *testing.T) {
	out, _, code := soinspect(t, "compare", plugin1, "Run", "NoSuch")
	if code != 1 {
		t.Errorf("a symbol missing both ways: exit %d, want 1", code)
	}
	wantContains(t, "NoSuch", out, "1 of 2 symbols compared and the same", "1 of 2 symbols could not be compared: dlsym or plugin.Lookup gave no address")

	// The Go child crashes on a C library: exit 1, its report cut to key lines.
	out, _, code = soinspect(t, "compare", ctorLib, "twice")
	if code != 1 {
		t.Errorf("compare on a C library: exit %d, want 1", code)
	}
	wantContains(t, "C library", out, "CRASHED: fatal error: runtime: no plugin module data", "the Go runtime's report:", "--json has all", "The Go child crashed")
	if strings.Contains(out, "compared and the same") || strings.Contains(out, "goroutine 1 [") {
		t.Errorf("compare claims a comparison, or shows the whole dump:\n%s", out)
	}

	// A timeout is a timeout.
	wantTimedOut(t, "compare timeout", []string{"TIMED OUT after 1s", "The Go child timed out"},
		"compare", "--timeout", "1s", sleepInit)
}

// A timeout is reported as one in call's JSON (TestTimeoutLeavesNothing
// checks the table).
func TestCallTimeoutJSON(t *testing.T) {
	out, _, _ := soinspect(t, "call", "--json", "--timeout", "1s", sleepInit, "Run")
	var rep struct{ Outcome string }
	if err := json.Unmarshal([]byte(out), &rep); err != nil || rep.Outcome != "timed-out" {
		t.Errorf("JSON outcome %q (%v)", rep.Outcome, err)
	}
}

// null passes a null pointer; a variadic signature is refused with why.
func TestRawNullAndVariadic(t *testing.T) {
	// system(NULL) asks whether a shell exists: nonzero.
	out, _, code := soinspect(t, "call", "--raw", "--sig", "int(const char*)", "libc.so.6", "system", "null")
	if code != 0 {
		t.Errorf("system(NULL): exit %d\n%s", code, out)
	}
	wantContains(t, "system(NULL)", out, "system = 1 ")
	_, stderr, code := soinspect(t, "call", "--raw", "--sig", "int(const char*, ...)", "libc.so.6", "printf", "x")
	if code != 2 {
		t.Errorf("variadic: exit %d, want 2", code)
	}
	wantContains(t, "variadic", stderr, "variadic functions (...) are not supported", "%al")
}

// Ctrl-C (or SIGTERM, or SIGHUP) kills the child's whole process group, the loaded
// code's own children too, says "interrupted" and exits 128+signal.
func TestInterruptKillsGroup(t *testing.T) {
	needFixtures(t)
	for _, c := range []struct {
		sig  syscall.Signal
		code int
	}{{syscall.SIGINT, 130}, {syscall.SIGTERM, 143}, {syscall.SIGHUP, 129}} {
		marker := strconv.Itoa(4700 + int(c.sig))
		cmd := exec.Command(bin, "call", "--raw", "--sig", "int(char*)", "libc.so.6", "system", "sleep "+marker)
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		pgid := waitForSleep(t, marker)
		if pgid == 0 {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("no sleep %s appeared", marker)
		}
		cmd.Process.Signal(c.sig)
		err := cmd.Wait()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != c.code {
			t.Errorf("%v: soinspect ended with %v, want exit status %d; stderr %q", c.sig, err, c.code, errb.String())
		}
		wantContains(t, "stderr", errb.String(), "interrupted by "+probe.SignalName(c.sig))
		if err := syscall.Kill(-pgid, 0); !errors.Is(err, syscall.ESRCH) {
			t.Errorf("%v: process group %d survives (kill: %v)", c.sig, pgid, err)
			syscall.Kill(-pgid, syscall.SIGKILL)
		}
	}
}

// waitForSleep returns the process group of the process running
// "sleep marker", waiting up to 10 s for it to appear.
func waitForSleep(t *testing.T, marker string) int {
	for i := 0; i < 200; i++ {
		procs, _ := filepath.Glob("/proc/[0-9]*/cmdline")
		for _, f := range procs {
			b, _ := os.ReadFile(f)
			if string(b) != "sleep\x00"+marker+"\x00" {
				continue
			}
			stat, _ := os.ReadFile(filepath.Join(filepath.Dir(f), "stat"))
			// pid (comm) state ppid pgrp ...
			if i := bytes.LastIndexByte(stat, ')'); i > 0 {
				if fs := strings.Fields(string(stat[i+1:])); len(fs) > 2 {
					pg, _ := strconv.Atoi(fs[2])
					return pg
				}
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	return 0
}

// A data symbol is not called the raw way: dlsym would give the address of
// a variable, and the call would jump into data.
func TestRawDataSymbol(t *testing.T) {
	out, stderr, code := soinspect(t, "call", "--raw", "--sig", "long()", plugin1, "Calls")
	if code != 1 || out != "" {
		t.Errorf("exit %d, want 1 and no output\n%s%s", code, out, stderr)
	}
	wantContains(t, "data symbol", stderr, "Calls", "is a data object (OBJECT, 8 bytes in .noptrbss), not a function", "--force")
}

// --set on a func is a usage error, not silently ignored.
func TestSetOnFunc(t *testing.T) {
	out, stderr, code := soinspect(t, "call", "--set", "5", plugin1, "Run")
	if code != 2 || out != "" {
		t.Errorf("exit %d, want 2 and no output\n%s%s", code, out, stderr)
	}
	wantContains(t, "--set on a func", stderr, "--set assigns a variable; Run is a func (func() string)")
}

// A child that the loaded code ends with exit() exited; it did not crash.
func TestExitIsNotACrash(t *testing.T) {
	out, stderr, code := soinspect(t, "call", "--raw", "--sig", "void(int)", "libc.so.6", "exit", "3")
	if code != 1 {
		t.Errorf("exit %d, want 1\n%s%s", code, out, stderr)
	}
	wantContains(t, "exit(3)", out, "EXITED with status 3 before finishing")
	if strings.Contains(out, "CRASHED") {
		t.Errorf("an exit reported as a crash:\n%s", out)
	}
}

// abort raises SIGABRT: there is no fault address to report.
func TestAbortHasNoAddress(t *testing.T) {
	out, stderr, code := soinspect(t, "call", "--raw", "--sig", "void()", "libc.so.6", "abort")
	if code != 1 {
		t.Errorf("exit %d, want 1\n%s%s", code, out, stderr)
	}
	wantContains(t, "abort()", out, "CRASHED: SIGABRT")
	if strings.Contains(out, "address 0x0") {
		t.Errorf("a raised SIGABRT reported with a fault address:\n%s", out)
	}
}
