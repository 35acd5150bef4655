package probe_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/soinspect/soinspect/cdl"
	"github.com/soinspect/soinspect/internal/probe"
	"github.com/soinspect/soinspect/internal/specimen"
)

// The fixtures, built by TestMain with plain `go build`, once for the whole
// test run (see package specimen): soinspect and the plugins it opens must
// agree on every flag (a -race test binary could not open a non-race
// plugin), so the tests run the built soinspect as the child, and as a
// command.
var (
	bin         string // the built soinspect
	plugin1     string
	trimPlugin1 string // plugin1 built with -trimpath: plugin.Open refuses it
	sleepInit   string
	panicInit   string
	argsPlugin  string
	ctorLib     string
	buildErr    error
)

func TestMain(m *testing.M) {
	// The Go way's probe hosts, built once per source tree.
	if dir, err := specimen.ProbeCache(); err == nil {
		os.Setenv(probe.EnvCacheDir, dir)
	}
	var ps []string
	ps, buildErr = specimen.BuildAll("soinspect", "plugin1.so", "plugin1-trimpath.so",
		"sleepinit.so", "panicinit.so", "argsplugin.so", "libctor.so")
	if buildErr == nil {
		bin, plugin1, trimPlugin1, sleepInit, panicInit, argsPlugin, ctorLib = ps[0], ps[1], ps[2], ps[3], ps[4], ps[5], ps[6]
	}
	os.Exit(m.Run())
}

func needFixtures(t *testing.T) {
	t.Helper()
	if buildErr != nil {
		t.Fatalf("building the fixtures: %v", buildErr)
	}
}

// soinspect runs the built binary and returns its stdout, stderr and exit status.
func soinspect(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	return soinspectIn(t, "", args...)
}

// wantTimedOut runs soinspect with args, which must time out: exit 1,
// every one of wants in stdout, and no crash reported.
func wantTimedOut(t *testing.T, what string, wants []string, args ...string) {
	t.Helper()
	out, _, code := soinspect(t, args...)
	if code != 1 {
		t.Errorf("%s: exit %d, want 1", what, code)
	}
	wantContains(t, what, out, wants...)
	if strings.Contains(out, "CRASHED") {
		t.Errorf("%s: a timeout reported as a crash:\n%s", what, out)
	}
}

func wantContains(t *testing.T, what, got string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(got, w) {
			t.Errorf("%s does not contain %q:\n%s", what, w, got)
		}
	}
}

func opts() probe.Options { return probe.Options{Exe: bin, Timeout: 20 * time.Second} }

func static(t *testing.T, path string) *probe.Static {
	t.Helper()
	st, err := probe.ReadStatic(path)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

const pp1 = "github.com/soinspect/soinspect/plugins/plugin1"

// The crash path: plugin1's init called with the C calling convention.
func TestRawInitCrashes(t *testing.T) {
	out, stderr, code := soinspect(t, "call", "--raw", "--trace", plugin1, "init")
	if code != 1 {
		t.Errorf("exit status %d, want 1; stderr:\n%s", code, stderr)
	}
	wantContains(t, "call --raw output", out,
		fmt.Sprintf("dlopen(%q, RTLD_LAZY) = 0x", plugin1),
		fmt.Sprintf(", %q) = 0x7f", pp1+".init.0"),
		"(.text+0x",
		"CRASHED: ",
		"no Go init has run",
		"R14", "plugin.Open", "-buildmode=c-shared")

	st := static(t, plugin1)
	syms, err := st.Resolve("init")
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{pp1 + ".init.0", pp1 + ".init.1"}; strings.Join(syms, ",") != strings.Join(want, ",") {
		t.Errorf("Resolve(init) = %v, want %v", syms, want)
	}
	rep, err := probe.Raw(context.Background(), probe.RawRequest{Path: plugin1, Flags: cdl.Lazy, Symbols: syms,
		Call: true, Sig: "void()", InitTask: st.InitTaskSymbol()}, st, opts(), nil)
	if err != nil {
		t.Fatal(err)
	}
	c := rep.Crash
	if c == nil || rep.Returned {
		t.Fatalf("no crash: %+v", rep)
	}
	// What the stack check finds in R14 depends on what cdl's C trampoline
	// left there: a goroutine whose guard is poisoned ("morestack on g0"),
	// or 0 (a fault reading address 0x10 at the function's entry).
	switch {
	case c.Fatal == "morestack on g0":
		if c.CalledFrom != pp1+".init.0" {
			t.Errorf("morestack called from %q", c.CalledFrom)
		}
	case c.Signal == "SIGSEGV" && c.HasFault:
		if c.Addr >= 0x1000 || !strings.HasPrefix(c.PCSymbol, pp1+".init.0") && !strings.HasPrefix(c.PCSymbol, "runtime.morestack") {
			t.Errorf("fault at %#x, pc in %q", c.Addr, c.PCSymbol)
		}
	default:
		t.Errorf("unexpected crash: %+v", c)
	}
	if c.Phase != "call" || c.Symbol != pp1+".init.0" {
		t.Errorf("crash = %+v", c)
	}
	if len(c.Explain) < 3 || !strings.Contains(strings.Join(c.Explain, " "), "R14") {
		t.Errorf("explanation: %q", c.Explain)
	}
	// The explanation quotes the stack check as decoded from the file:
	// at the faulting pc, or at the entry of init.0 for morestack on g0.
	if len(c.Code) == 0 || c.Code[0].Text != "cmp 0x10(%r14),%rsp" || c.Code[0].GReg != "R14" {
		t.Errorf("decoded code %+v (%s), want the stack check through R14 first", c.Code, c.CodeErr)
	} else if !strings.Contains(strings.Join(c.Explain, " "), "`cmp 0x10(%r14),%rsp") {
		t.Errorf("the explanation does not quote the decoded instruction: %q", c.Explain)
	}
	if rep.Exit.Code != 2 {
		t.Errorf("child exit = %v, want status 2 (the runtime's fatal error)", rep.Exit)
	}
	if m, ok := rep.Step("inittask", ""); !ok || m.State != 0 {
		t.Errorf("inittask step = %+v, %v: want state 0 (no Go init ran)", m, ok)
	}
}

// A leaf Go function survives the C calling convention; a C function returns.
func TestRawReturns(t *testing.T) {
	out, _, code := soinspect(t, "call", "--raw", "--sig", "long()", plugin1, "Answer")
	if code != 0 {
		t.Errorf("Answer: exit status %d, want 0\n%s", code, out)
	}
	wantContains(t, "Answer", out, "plugin1.Answer = 42", "outcome", "returned")

	out, _, code = soinspect(t, "call", "--raw", "--trace", "--sig", "double(double)", "libm.so.6", "cos", "0.5")
	if code != 0 {
		t.Errorf("cos: exit status %d\n%s", code, out)
	}
	wantContains(t, "cos", out, `dlopen("libm.so.6", RTLD_LAZY) = 0x`, `"cos") = 0x`, "= 0.8775825618903728")
}

// A C constructor's output lands in the load phase, apart from the call's.
func TestRawConstructorOutput(t *testing.T) {
	needFixtures(t)
	rep, err := probe.Raw(context.Background(), probe.RawRequest{Path: ctorLib, Flags: cdl.Lazy,
		Symbols: []string{"twice"}, Call: true, Sig: "int(int)", Args: []string{"21"}}, nil, opts(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Returned {
		t.Fatalf("twice did not return: %+v", rep)
	}
	if m, _ := rep.Step("return", "twice"); m.Value != "42" {
		t.Errorf("twice(21) = %q", m.Value)
	}
	if rep.Exit.Load.Stdout != "ctorlib: constructor ran\n" || rep.Exit.Load.Stderr != "ctorlib: constructor stderr\n" {
		t.Errorf("load output = %+v", rep.Exit.Load)
	}
	if !rep.Exit.Call.Empty() {
		t.Errorf("call output = %+v, want none", rep.Exit.Call)
	}

	// A C function that faults: SIGSEGV, explained without Go's story.
	out, _, code := soinspect(t, "call", "--raw", "--sig", "int()", ctorLib, "crash")
	if code != 1 {
		t.Errorf("crash: exit %d, want 1", code)
	}
	wantContains(t, "crash", out, "SIGSEGV", "0x10", "printed while loading", "ctorlib: constructor ran")
	if strings.Contains(out, "R14") {
		t.Errorf("a C crash explained as a Go one:\n%s", out)
	}
}

func TestRawMissingSymbolAndBadFiles(t *testing.T) {
	out, stderr, code := soinspect(t, "call", "--raw", plugin1, "NoSuchThing")
	if code != 1 {
		t.Errorf("missing symbol: exit %d, want 1", code)
	}
	wantContains(t, "missing symbol", out+stderr, "undefined symbol: NoSuchThing")

	notELF := filepath.Join(t.TempDir(), "notes.txt")
	os.WriteFile(notELF, []byte("not a shared object\n"), 0o644)
	_, stderr, code = soinspect(t, "call", "--raw", notELF, "f")
	if code != 1 || stderr == "" {
		t.Errorf("non-ELF file: exit %d, stderr %q", code, stderr)
	}

	// A C library is not a Go plugin: the Go way refuses it before loading
	// (TestGoPrecheck has more).
	_, stderr, code = soinspect(t, "call", ctorLib, "twice")
	if code != 1 {
		t.Errorf("plugin.Open of a C library: exit %d, want 1", code)
	}
	wantContains(t, "C library via plugin.Open", stderr, "plugin.Open", "not a Go plugin")
}

func TestUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"call", plugin1},
		{"call", "--raw", "--sig", "struct s(int)", plugin1, "Answer"},
		{"call", "--raw", "--sig", "int(int)", plugin1, "Answer"},
		{"call", "--raw", "--sig", "int(int)", plugin1, "Answer", "x"},
		// The usage error comes before anything about the file.
		{"call", "--raw", "--sig", "int(const char*, ...)", "/nonexistent/lib.so", "printf", "x"},
		{"call", "--raw", "--flags", "lazy,now", plugin1, "Answer"},
		{"call", "--sig", "int()", plugin1, "Run"},
		{"call", plugin1, "Run", "extra"},
		{"call", argsPlugin, "Add", "1", "two"},
		{"call", argsPlugin, "Join", ",", "not-json"},
		{"call", "--timeout", "0s", plugin1, "Run"},
		{"compare"},
	} {
		_, stderr, code := soinspect(t, args...)
		if code != 2 {
			t.Errorf("soinspect %v: exit %d, want 2; stderr %q", args, code, stderr)
		}
	}
}

// The Go way: inits run, results printed, vars shared.
func TestGoCall(t *testing.T) {
	out, _, code := soinspect(t, "call", plugin1, "Run")
	if code != 0 {
		t.Errorf("Run: exit %d\n%s", code, out)
	}
	wantContains(t, "call Run", out, `"Hello from plugin1 (call 1)"`, "plugin1: init.0 ran", "done: the inits ran", "RTLD_NOW|RTLD_GLOBAL")

	out, _, _ = soinspect(t, "call", "--set", `"Hi"`, plugin1, "Greeting")
	wantContains(t, "set Greeting", out, `*Greeting = "Hi" (string)`)

	cases := []struct {
		args []string
		want string
	}{
		{[]string{"Add", "40", "2"}, "42 (int)"},
		{[]string{"Add", "-1", "0x10"}, "15 (int)"},
		{[]string{"Div", "1", "4"}, "0.25 (float64)"},
		{[]string{"Div", "1", "0"}, "error: division by zero"},
		{[]string{"Join", "+", `["a","b"]`}, `"a+b" (string)`},
		{[]string{"Not", "true"}, "false (bool)"},
		{[]string{"Limit"}, `{"N":3}`},
	}
	for _, c := range cases {
		out, stderr, code := soinspect(t, append([]string{"call", argsPlugin}, c.args...)...)
		if code != 0 {
			t.Errorf("call %v: exit %d; %s", c.args, code, stderr)
		}
		wantContains(t, fmt.Sprint(c.args), out, c.want)
	}
}

// A plugin whose init panics, and a function that panics.
func TestGoPanics(t *testing.T) {
	out, _, code := soinspect(t, "call", panicInit, "Run")
	if code != 1 {
		t.Errorf("panicinit: exit %d, want 1", code)
	}
	wantContains(t, "panicinit", out, "CRASHED: panic: panicinit: boom", "panicinit: about to panic", "plugin.Open")

	out, _, code = soinspect(t, "call", argsPlugin, "Boom")
	if code != 1 {
		t.Errorf("Boom: exit %d, want 1", code)
	}
	wantContains(t, "Boom", out, "panic: argsplugin: Boom called")
}

// An init that never returns: the timeout kills the child's whole process
// group, a grandchild included; nothing is left behind.
func TestTimeoutLeavesNothing(t *testing.T) {
	needFixtures(t)
	tmp := t.TempDir()
	o := opts()
	o.Timeout = 1500 * time.Millisecond
	o.Env = append(os.Environ(), "TMPDIR="+tmp)
	start := time.Now()
	rep, err := probe.Go(context.Background(), probe.GoRequest{Path: sleepInit, Symbols: []string{"Run"}, Call: true},
		static(t, sleepInit), o, nil)
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 8*time.Second {
		t.Errorf("the timeout took %v", d)
	}
	if !rep.Exit.TimedOut || rep.Exit.Signal != "SIGKILL" || rep.Crash == nil || !strings.HasPrefix(rep.Crash.How, "timed out") {
		t.Errorf("exit = %+v, crash = %+v", rep.Exit, rep.Crash)
	}
	if rep.Crash != nil && rep.Crash.Phase != "plugin.Open" {
		t.Errorf("phase = %q, want plugin.Open", rep.Crash.Phase)
	}
	if !strings.Contains(rep.Exit.Load.Stdout, "sleepinit: started grandchild") {
		t.Errorf("init output = %q", rep.Exit.Load.Stdout)
	}
	checkNothingLeft(t, rep.Exit.PID, tmp)

	// The CLI reports it and exits 1.
	wantTimedOut(t, "timeout", []string{"TIMED OUT after 1s", "killed its process group"},
		"call", "--timeout", "1s", sleepInit, "Run")
}

// TestCrashLeavesNothing checks a crashed raw child and a Go child: no
// zombie, no process of their groups, no temp file.
func TestCrashLeavesNothing(t *testing.T) {
	needFixtures(t)
	tmp := t.TempDir()
	o := opts()
	o.Env = append(os.Environ(), "TMPDIR="+tmp)
	st := static(t, plugin1)
	rep, err := probe.Raw(context.Background(), probe.RawRequest{Path: plugin1, Flags: cdl.Lazy,
		Symbols: []string{pp1 + ".init.0"}, Call: true, Sig: "void()"}, st, o, nil)
	if err != nil || rep.Crash == nil {
		t.Fatalf("raw: %v, %+v", err, rep)
	}
	checkNothingLeft(t, rep.Exit.PID, tmp)
	grep, err := probe.Go(context.Background(), probe.GoRequest{Path: plugin1, Symbols: []string{"Run"}, Call: true}, st, o, nil)
	if err != nil || !grep.Done {
		t.Fatalf("go: %v, %+v", err, grep)
	}
	checkNothingLeft(t, grep.Exit.PID, tmp)
}

func checkNothingLeft(t *testing.T, pid int, tmp string) {
	t.Helper()
	if pid == 0 {
		t.Fatal("no child pid recorded")
	}
	if err := syscall.Kill(-pid, 0); !errors.Is(err, syscall.ESRCH) {
		t.Errorf("process group %d still has processes (kill: %v)", pid, err)
	}
	if _, err := os.Stat(fmt.Sprintf("/proc/%d", pid)); err == nil {
		t.Errorf("child %d still exists (a zombie?)", pid)
	}
	// No child of ours at all is left, zombie or not.
	tasks, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/children", os.Getpid()))
	for _, f := range tasks {
		if b, _ := os.ReadFile(f); strings.TrimSpace(string(b)) != "" {
			t.Errorf("%s: children left: %s", f, b)
		}
	}
	if ents, _ := os.ReadDir(tmp); len(ents) > 0 {
		t.Errorf("temp files left in %s: %v", tmp, ents)
	}
}

// compare: both ways, the same addresses.
func TestCompare(t *testing.T) {
	needFixtures(t)
	st := static(t, plugin1)
	c, err := probe.Compare(context.Background(), plugin1, st, nil, opts())
	if err != nil {
		t.Fatal(err)
	}
	if c.Mismatches != 0 || len(c.Symbols) != 4 {
		t.Errorf("mismatches %d, symbols %d", c.Mismatches, len(c.Symbols))
	}
	for _, s := range c.Symbols {
		if !s.Match || s.GoAddr != s.GoDlsym || s.RawOff != s.GoOff || s.RawOff == 0 || s.Type == "" {
			t.Errorf("%s: %+v", s.Name, s)
		}
		if s.Type != s.StaticType {
			t.Errorf("%s: Lookup's type %q, static anatomy %q", s.Name, s.Type, s.StaticType)
		}
	}
	if m, _ := c.Raw.Step("inittask", ""); m.State != 0 {
		t.Errorf("raw inittask state %d, want 0", m.State)
	}
	if m, _ := c.Go.Step("inittask", ""); m.State != 2 {
		t.Errorf("go inittask state %d, want 2", m.State)
	}
	if c.Raw.Exit.Load.Stdout != "" || c.Go.Exit.Load.Stdout != "plugin1: init.0 ran\n" {
		t.Errorf("init output raw %q, go %q", c.Raw.Exit.Load.Stdout, c.Go.Exit.Load.Stdout)
	}
	raw, _ := c.Raw.Step("dlopen", "")
	gom, _ := c.Go.Step("open", "")
	if raw.Flags != "RTLD_LAZY" || gom.Flags != "RTLD_NOW|RTLD_GLOBAL" || raw.RealPath != gom.RealPath || raw.Addr == 0 || gom.Handle == 0 {
		t.Errorf("raw %+v\ngo %+v", raw, gom)
	}

	out, _, code := soinspect(t, "compare", plugin1)
	if code != 0 {
		t.Errorf("compare: exit %d\n%s", code, out)
	}
	wantContains(t, "compare", out, "RTLD_LAZY", "RTLD_NOW|RTLD_GLOBAL", "plugin1: init.0 ran", "func() string", "yes")
}

// A plugin built with other flags than soinspect, in soinspect's own
// probe: plugin.Open's exact error beside the raw load, which works. (By
// default a probe host built to match loads it: TestMatchingProbeHosts.)
func TestCompareOtherFlags(t *testing.T) {
	needFixtures(t)
	o := opts()
	o.Host = probe.HostSelf
	c, err := probe.Compare(context.Background(), trimPlugin1, static(t, trimPlugin1), nil, o)
	if err != nil {
		t.Fatal(err)
	}
	goErr := c.Go.OpenErr()
	if !strings.Contains(goErr, "plugin was built with a different version of package") {
		t.Errorf("plugin.Open error = %q", goErr)
	}
	if m, _ := c.Raw.Step("dlopen", ""); m.Err != "" || m.Addr == 0 {
		t.Errorf("raw dlopen = %+v", m)
	}
	for _, s := range c.Symbols {
		if s.RawAddr == 0 || s.RawErr != "" {
			t.Errorf("raw dlsym %s: %+v", s.Name, s)
		}
	}
	// plugin.Open failed: nothing was compared, and the exit status says so.
	out, _, code := soinspect(t, "compare", "--host", "self", "--json", trimPlugin1)
	if code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	wantContains(t, "compare --json", out, "plugin was built with a different version of package")
}
