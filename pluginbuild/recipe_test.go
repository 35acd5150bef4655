package pluginbuild

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/soinspect/soinspect/internal/specimen"
	"github.com/soinspect/soinspect/internal/testutil"
)

func TestCompareVersions(t *testing.T) {
	for _, tt := range []struct {
		a, b string
		want int
	}{
		{"v1.2.0", "v1.3.0", -1},
		{"v1.10.0", "v1.9.0", 1},
		{"v1.2.0", "v1.2.0", 0},
		{"v1.2.0-rc.1", "v1.2.0", -1},
		{"v1.2.0-rc.2", "v1.2.0-rc.10", -1},
		{"v1.2.0-alpha", "v1.2.0-1", 1},
		{"v0.0.0-20260101000000-abcdef123456", "v0.0.1", -1},
		{"v2.0.0+incompatible", "v1.9.9", 1},
		{"bogus", "v0.0.1", -1},
	} {
		if got := compareVersions(tt.a, tt.b); got != tt.want {
			t.Errorf("compareVersions(%s, %s) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
		if got := compareVersions(tt.b, tt.a); got != -tt.want {
			t.Errorf("compareVersions(%s, %s) = %d, want %d", tt.b, tt.a, got, -tt.want)
		}
	}
}

func TestCompareGo(t *testing.T) {
	for _, tt := range []struct {
		a, b string
		want int
	}{
		{"go1.27", "go1.26.8", 1},
		{"go1.26", "go1.26.8", -1},
		{"go1.26.0", "go1.26.8", -1},
		{"go1.27rc1", "go1.27.0", -1},
		{"go1.27.3", "go1.27.3", 0},
		{"go1.26", "go1.26rc1", -1},
	} {
		if got := compareGo(tt.a, tt.b); got != tt.want {
			t.Errorf("compareGo(%s, %s) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
	if got := langVersion("go1.26.8"); got != "1.26" {
		t.Errorf("langVersion = %q", got)
	}
}

func TestParseGraph(t *testing.T) {
	g := parseGraph([]byte("ex.com/p ex.com/dep@v1.2.0\nex.com/p ex.com/lib@v1.0.0\nex.com/lib@v1.0.0 ex.com/dep@v1.3.0\n"))
	if got := g.selected("ex.com/dep"); got != "v1.3.0" {
		t.Errorf("selected = %s", got)
	}
	if got := g.requiredBy["ex.com/dep@v1.3.0"]; got != "ex.com/lib@v1.0.0" {
		t.Errorf("requiredBy = %s", got)
	}
	if got := g.requiredBy["ex.com/dep@v1.2.0"]; got != "ex.com/p" {
		t.Errorf("requiredBy = %s", got)
	}
}

// TestScriptQuoting runs the quoted command line through a real shell and
// compares the arguments it receives.
func TestScriptQuoting(t *testing.T) {
	args := []string{"build", "-modfile=$tmp/go.mod", "-gcflags=all=-N -l", "-tags=a,b", "-o", "/tmp/it's here.so", "."}
	line := quoteArgs(args)
	tmp := t.TempDir()
	out, err := exec.Command("sh", "-c", `tmp=`+shellQuote(tmp)+`; printf '%s\n' `+line).Output()
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
	want := append([]string{}, args...)
	want[1] = "-modfile=" + tmp + "/go.mod"
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("the shell got\n%q\nwant\n%q\n(line %s)", got, want, line)
	}
}

func TestFindGoMod(t *testing.T) {
	dir := t.TempDir()
	sub := filepath.Join(dir, "a", "b")
	if err := os.MkdirAll(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	specimen.WriteFile(t, filepath.Join(dir, "go.mod"), []byte("module x\n"), 0o644)
	if got, ok := findGoMod(sub); !ok || got != filepath.Join(dir, "go.mod") {
		t.Errorf("findGoMod = %q, %v", got, ok)
	}
}

// TestToolchainUnfetchable: a host built by a release the go command
// cannot fetch gives a problem that names it and the way out.
func TestToolchainUnfetchable(t *testing.T) {
	specimen.NeedTool(t, "go")
	r := &Recipe{HostGoVersion: "go1.99.0", goCmd: "go"}
	local := &goEnv{GOVERSION: "go1.26.8", GOMODCACHE: t.TempDir(), GOOS: "linux", GOARCH: "amd64"}
	env := append(os.Environ(), "GOPROXY=off", "GOTOOLCHAIN=local")
	r.chooseToolchain(t.Context(), local, env, false)
	if len(r.Problems) != 1 || r.Problems[0].Code != ProblemToolchain || !r.Problems[0].Fatal {
		t.Fatalf("problems: %+v", r.Problems)
	}
	p := r.Problems[0]
	if !strings.Contains(p.Message, "go1.99.0") || !strings.Contains(p.Remedy, "https://go.dev/dl/") {
		t.Errorf("problem: %+v", p)
	}
	// A dry run does not fetch: a note says the build will.
	r = &Recipe{HostGoVersion: "go1.99.0", goCmd: "go"}
	r.chooseToolchain(t.Context(), local, env, true)
	if len(r.Problems) != 0 || len(r.Notes) != 1 || !strings.Contains(r.Notes[0], "not downloaded yet") {
		t.Errorf("dry run: problems %+v, notes %q", r.Problems, r.Notes)
	}
	// A development toolchain cannot be fetched at all.
	r = &Recipe{HostGoVersion: "devel go1.27-abcdef", goCmd: "go"}
	r.chooseToolchain(t.Context(), local, env, true)
	if len(r.Problems) != 1 || !strings.Contains(r.Problems[0].Message, "development toolchain") {
		t.Errorf("devel: %+v", r.Problems)
	}
}

// TestDeriveGoLineAndNoPlugin derives a recipe for this test binary (a Go
// program without package plugin) and a module whose go line is newer
// than any toolchain: both are problems, with their ways out, and the
// module's go.mod is left as it was.
func TestDeriveGoLineAndNoPlugin(t *testing.T) {
	specimen.NeedTool(t, "go")
	exe := specimen.Self(t)
	host := testutil.OpenELF(t, exe)
	dir := t.TempDir()
	gomod := []byte("module example.com/p\n\ngo 1.99\n")
	specimen.WriteFile(t, filepath.Join(dir, "go.mod"), gomod, 0o644)
	specimen.WriteFile(t, filepath.Join(dir, "main.go"), []byte("package main\n\nfunc main() {}\n"), 0o644)
	r, err := Derive(t.Context(), host, Options{Dir: dir, NoFetch: true, Env: append(os.Environ(), "GOPROXY=off", "GOFLAGS=")})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	codes := map[ProblemCode]Problem{}
	for _, p := range r.Problems {
		codes[p.Code] = p
	}
	if p, ok := codes[ProblemGoLine]; !ok || !strings.Contains(p.Message, "go 1.99") || !strings.Contains(p.Remedy, "lower the go line") {
		t.Errorf("no go-line problem: %+v", r.Problems)
	}
	if p, ok := codes[ProblemHostCannotLoad]; !ok || !strings.Contains(p.Message, "does not link package plugin") {
		t.Errorf("no host-cannot-load problem: %+v", r.Problems)
	}
	if r.Module != "example.com/p" || r.Output != filepath.Join(dir, filepath.Base(dir)+".so") {
		t.Errorf("module %q, output %q", r.Module, r.Output)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "go.mod")); string(b) != string(gomod) {
		t.Errorf("go.mod changed:\n%s", b)
	}
}
