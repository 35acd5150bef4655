package main_test

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/soinspect/soinspect/internal/cli"
	"github.com/soinspect/soinspect/internal/probe"
	"github.com/soinspect/soinspect/internal/specimen"
)

// plugin1 is plugins/plugin1 built as a plugin, once for the whole test
// run (see package specimen).
var plugin1 string

func TestMain(m *testing.M) {
	// The Go way's probe hosts, built once per source tree.
	if dir, err := specimen.ProbeCache(); err == nil {
		os.Setenv(probe.EnvCacheDir, dir)
	}
	p, err := specimen.Build("plugin1.so")
	if err != nil {
		fmt.Fprintln(os.Stderr, "building plugin1:", err)
		os.Exit(1)
	}
	plugin1 = p
	os.Exit(m.Run())
}

// run runs soinspect in-process and returns its stdout, stderr and status.
func run(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	code := cli.Main(args, &out, &errb)
	return out.String(), errb.String(), code
}

func nm(t *testing.T, args ...string) string {
	t.Helper()
	out, err := exec.Command("nm", args...).Output()
	if err != nil {
		t.Skipf("nm %v: %v", args, err)
	}
	return string(out)
}

// TestPlainIsNM holds the plain format to its promise: byte for byte what
// nm prints, so that scripts written for nm work unchanged.
func TestPlainIsNM(t *testing.T) {
	cases := []struct {
		file string
		ours []string
		nm   []string
	}{
		{specimen.SysLib(t, "libc.so.6"), []string{"-D"}, []string{"-D"}},
		{specimen.SysLib(t, "libm.so.6"), []string{"-D", "--defined-only"}, []string{"-D", "--defined-only"}},
		{specimen.SysLib(t, "libstdc++.so.6"), []string{"-D", "--undefined-only"}, []string{"-D", "--undefined-only"}},
		{specimen.SysLib(t, "libstdc++.so.6"), []string{"-D"}, []string{"-D"}},
		{plugin1, []string{"-D"}, []string{"-D"}},
		{plugin1, []string{"--static"}, nil},
	}
	for _, c := range cases {
		args := append([]string{"symbols", "--all", "--demangle=none", "--format=plain"}, c.ours...)
		out, stderr, code := run(t, append(args, c.file)...)
		if code != 0 {
			t.Fatalf("soinspect %v: exit %d: %s", args, code, stderr)
		}
		want := nm(t, append(c.nm, c.file)...)
		if out != want {
			t.Errorf("soinspect %v %s differs from nm %v:\n%s", args, c.file, c.nm, firstDiff(out, want))
		}
	}
}

// TestDemangledPlainIsCXXFilt compares the demangled listing with nm's,
// demangled by c++filt (nm -C itself is not the oracle: it abbreviates the
// standard substitutions, std::string for std::basic_string<char, ...>,
// where c++filt does not). At least 99.5% of lines must agree.
func TestDemangledPlainIsCXXFilt(t *testing.T) {
	lib := specimen.SysLib(t, "libstdc++.so.6")
	out, stderr, code := run(t, "symbols", "-D", "--all", "--format=plain", lib)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	filt := exec.Command("c++filt")
	filt.Stdin = strings.NewReader(nm(t, "-D", lib))
	demangled, err := filt.Output()
	if err != nil {
		t.Skipf("c++filt: %v", err)
	}
	want := strings.Split(string(demangled), "\n")
	got := strings.Split(out, "\n")
	if len(got) != len(want) {
		t.Fatalf("%d lines, nm -D | c++filt has %d", len(got), len(want))
	}
	same := 0
	for i := range got {
		if got[i] == want[i] {
			same++
		}
	}
	if pct := 100 * float64(same) / float64(len(got)); pct < 99.5 {
		t.Errorf("only %.2f%% of lines agree with nm -D | c++filt", pct)
	} else {
		t.Logf("%d of %d lines agree with nm -D | c++filt (%.3f%%)", same, len(got), pct)
	}
}

// TestPlainIsNMWithSeveralFiles: with several files nm heads each listing
// with "\nFILE:", and so must the plain format, byte for byte.
func TestPlainIsNMWithSeveralFiles(t *testing.T) {
	files := []string{specimen.SysLib(t, "libm.so.6"), plugin1, specimen.SysLib(t, "libc.so.6")}
	for _, flags := range [][]string{{"-D"}, {"-D", "--defined-only"}} {
		args := append(append([]string{"symbols", "--all", "--demangle=none", "--format=plain"}, flags...), files...)
		out, stderr, code := run(t, args...)
		if code != 0 {
			t.Fatalf("soinspect %v: exit %d: %s", args, code, stderr)
		}
		want := nm(t, append(flags, files...)...)
		if out != want {
			t.Errorf("soinspect %v differs from nm %v:\n%s", args, flags, firstDiff(out, want))
		}
	}
}

func firstDiff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := 0; i < len(al) && i < len(bl); i++ {
		if al[i] != bl[i] {
			return fmt.Sprintf("line %d:\n  ours: %s\n  nm:   %s", i+1, al[i], bl[i])
		}
	}
	return fmt.Sprintf("lengths differ: %d vs %d lines", len(al), len(bl))
}

// TestSymbolsJSON checks the schema promised in the README on a real plugin.
func TestSymbolsJSON(t *testing.T) {
	out, stderr, code := run(t, "symbols", "--json", plugin1)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if strings.Count(out, "\n") != 1 {
		t.Fatalf("want one JSON line per file, got:\n%.300s", out)
	}
	var rep struct {
		File, Kind, Class, Endian, Machine, Type, Pluginpath string
		Symbols                                              []map[string]any
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Kind != "go-plugin" || rep.Pluginpath != "github.com/soinspect/soinspect/plugins/plugin1" || rep.Class != "ELF64" || rep.Endian != "little" {
		t.Errorf("header = %+v", rep)
	}
	var run map[string]any
	for _, s := range rep.Symbols {
		for _, k := range []string{"name", "lang", "table", "value", "size", "type", "bind", "visibility", "section", "defined", "letter"} {
			if _, ok := s[k]; !ok {
				t.Fatalf("symbol %v lacks %q", s["name"], k)
			}
		}
		if s["name"] == rep.Pluginpath+".Run" {
			run = s
		}
	}
	if run == nil {
		t.Fatal("no <pluginpath>.Run symbol")
	}
	g, _ := run["go"].(map[string]any)
	if run["letter"] != "T" || run["type"] != "FUNC" || run["table"] != "dynsym" || g["package"] != rep.Pluginpath || g["name"] != "Run" || g["kind"] != "func" {
		t.Errorf("Run = %v", run)
	}
	if _, ok := run["value"].(float64); !ok {
		t.Errorf("value must be a JSON number, got %T", run["value"])
	}
}

// TestPluginSummary checks the slide view of a Go plugin.
func TestPluginSummary(t *testing.T) {
	out, _, code := run(t, "symbols", plugin1)
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	for _, want := range []string{
		"go-plugin", "pluginpath: github.com/soinspect/soinspect/plugins/plugin1",
		".Run", ".Answer", ".Greeting", "Other packages", "│ runtime ",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("summary lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "runtime.mallocgc") {
		t.Error("the summary lists runtime's symbols; only --all should")
	}
	for _, line := range strings.Split(out, "\n") {
		if n := len([]rune(line)); n > 100 {
			t.Errorf("line of %d columns (want ≤ 100): %s", n, line)
		}
	}
}

// TestLongNamesFit checks that C++ names are elided to a 100-column table.
func TestLongNamesFit(t *testing.T) {
	t.Setenv("COLUMNS", "100")
	out, _, code := run(t, "symbols", "-D", "--match", "basic_string", specimen.SysLib(t, "libstdc++.so.6"))
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	for _, line := range strings.Split(out, "\n") {
		if n := len([]rune(line)); n > 100 {
			t.Fatalf("line of %d columns: %s", n, line)
		}
	}
	if !strings.Contains(out, "std::basic_string<…>::append(char const*)") {
		t.Errorf("template arguments should collapse before the name is elided:\n%.2000s", out)
	}
}

func TestFilters(t *testing.T) {
	lib := specimen.SysLib(t, "libstdc++.so.6")
	for _, c := range []struct {
		args []string
		want func(map[string]any) bool
	}{
		{[]string{"--defined-only"}, func(s map[string]any) bool { return s["defined"] == true }},
		{[]string{"--undefined-only"}, func(s map[string]any) bool { return s["defined"] == false }},
		{[]string{"--lang", "c++"}, func(s map[string]any) bool { return s["lang"] == "c++" }},
		{[]string{"--type", "object"}, func(s map[string]any) bool { return s["type"] == "OBJECT" }},
		{[]string{"--match", "^_ZNSs6append"}, func(s map[string]any) bool { return strings.HasPrefix(s["name"].(string), "_ZNSs6append") }},
		{[]string{"--match", `::append\(char const\*\)`}, func(s map[string]any) bool { return strings.Contains(s["demangled"].(string), "::append(char const*)") }},
	} {
		out, stderr, code := run(t, append(append([]string{"symbols", "--json"}, c.args...), lib)...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", c.args, code, stderr)
		}
		var rep struct{ Symbols []map[string]any }
		if err := json.Unmarshal([]byte(out), &rep); err != nil {
			t.Fatal(err)
		}
		if len(rep.Symbols) == 0 {
			t.Errorf("%v: no symbols", c.args)
		}
		for _, s := range rep.Symbols {
			if !c.want(s) {
				t.Errorf("%v let through %v", c.args, s["name"])
				break
			}
		}
	}
	out, _, _ := run(t, "symbols", "--json", "--package", "runtime", plugin1)
	var rep struct{ Symbols []map[string]any }
	json.Unmarshal([]byte(out), &rep)
	if len(rep.Symbols) < 100 {
		t.Errorf("--package runtime: %d symbols", len(rep.Symbols))
	}
	for _, s := range rep.Symbols {
		if g, _ := s["go"].(map[string]any); g["package"] != "runtime" {
			t.Errorf("--package runtime let through %v", s["name"])
			break
		}
	}
}

func TestSortAddr(t *testing.T) {
	out, stderr, code := run(t, "symbols", "--json", "--sort", "addr", "--defined-only", specimen.SysLib(t, "libm.so.6"))
	var rep struct{ Symbols []struct{ Value uint64 } }
	if err := json.Unmarshal([]byte(out), &rep); err != nil || code != 0 || len(rep.Symbols) < 2 {
		t.Fatalf("exit %d, %d symbols, %v: %s", code, len(rep.Symbols), err, stderr)
	}
	for i := 1; i < len(rep.Symbols); i++ {
		if rep.Symbols[i].Value < rep.Symbols[i-1].Value {
			t.Fatalf("not sorted by address at %d", i)
		}
	}
}

// TestBadFiles: every failing file gets one line on stderr naming it, the
// good ones are still listed, and the exit status is 1 at the end.
func TestBadFiles(t *testing.T) {
	dir := t.TempDir()
	text := filepath.Join(dir, "notes.txt")
	os.WriteFile(text, []byte("hello, not an ELF file\n"), 0o644)
	trunc := filepath.Join(dir, "trunc.so")
	data, _ := os.ReadFile(specimen.SysLib(t, "libm.so.6"))
	os.WriteFile(trunc, data[:100], 0o644)
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	bad := []string{text, trunc, fifo, dir, "/dev/zero", filepath.Join(dir, "missing.so")}
	args := append([]string{"symbols", "--format=plain"}, bad...)
	args = append(args, specimen.SysLib(t, "libm.so.6"))

	done := make(chan struct{})
	var out, stderr string
	var code int
	go func() { out, stderr, code = run(t, args...); close(done) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("soinspect hung on a bad file")
	}
	if code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	lines := strings.Split(strings.TrimSpace(stderr), "\n")
	if len(lines) != len(bad) {
		t.Errorf("want one stderr line per bad file (%d), got:\n%s", len(bad), stderr)
	}
	for i, b := range bad {
		if i < len(lines) && !strings.Contains(lines[i], b) {
			t.Errorf("stderr line %q does not name %s", lines[i], b)
		}
	}
	if !strings.Contains(out, " cos@@GLIBC_2.2.5\n") {
		t.Error("the good file after the bad ones was not listed")
	}
}

func TestUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"symbols"},
		{"symbols", "--sort", "bogus", "x"},
		{"symbols", "--format", "xml", "x"},
		{"symbols", "--match", "(", "x"},
		{"symbols", "--lang", "cobol", "x"},
		{"symbols", "-D", "--static", "x"},
		{"symbols", "--no-such-flag", "x"},
		{"no-such-command"},
		// --json beside another --format is a contradiction, for every command.
		{"symbols", "--json", "--format", "markdown", "x"},
		{"plugin", "--json", "--format", "table", "x"},
		{"check", "--format", "plain", "--json", "h", "p"},
		{"scan", "--json", "--format", "markdown", "d"},
		{"call", "--json", "--format", "markdown", "f", "s"},
		{"compare", "--format", "table", "--json", "f"},
		{"plugin", "--format", "xml", "x"},
	} {
		_, stderr, code := run(t, args...)
		if code != 2 {
			t.Errorf("%v: exit %d, want 2 (stderr %q)", args, code, stderr)
		}
		if strings.Count(strings.TrimSpace(stderr), "\n") != 0 {
			t.Errorf("%v: want a one-line error, got %q", args, stderr)
		}
	}
}

// TestPluginCommand checks `soinspect plugin` on plugin1 (the full static
// versus plugin.Open oracle lives in goplugin's tests).
func TestPluginCommand(t *testing.T) {
	out, stderr, code := run(t, "plugin", plugin1)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"Identity", "github.com/soinspect/soinspect/plugins/plugin1", "Exports",
		"func() string", "*string", "Init tasks", "init.0, init.1", "Build", "Package hashes", "go:link.addmoduledata"} {
		if !strings.Contains(out, want) {
			t.Errorf("plugin output lacks %q", want)
		}
	}
	out, _, code = run(t, "plugin", "--json", plugin1)
	var d struct {
		Kind   string
		Plugin struct {
			Pluginpath string
			Exports    []struct{ Name, Kind, Type string }
		}
	}
	if err := json.Unmarshal([]byte(out), &d); err != nil || code != 0 {
		t.Fatalf("plugin --json: %v (exit %d)", err, code)
	}
	got := map[string]string{}
	for _, e := range d.Plugin.Exports {
		got[e.Name] = e.Kind + " " + e.Type
	}
	want := map[string]string{"Run": "func func() string", "Answer": "func func() int", "Greeting": "var *string", "Calls": "var *int"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("export %s = %q, want %q", k, got[k], v)
		}
	}
	out, _, code = run(t, "plugin", specimen.SysLib(t, "libm.so.6"))
	if code != 0 || !strings.Contains(out, "not a plugin") {
		t.Errorf("plugin on libm: exit %d, output:\n%s", code, out)
	}
}

// TestPlainIsNMDebugSyms: with -a, nm names a section symbol after its
// section (as readelf -s does), and sorts it by that name.
func TestPlainIsNMDebugSyms(t *testing.T) {
	cc, err := specimen.CC()
	if err != nil {
		t.Skip(err)
	}
	dir := t.TempDir()
	src, obj := filepath.Join(dir, "b.c"), filepath.Join(dir, "b.o")
	specimen.WriteFile(t, src, []byte("int a(void) { return 1; }\nint b;\n"), 0o644)
	if out, err := exec.Command(cc, "-g", "-c", "-o", obj, src).CombinedOutput(); err != nil {
		t.Skipf("cc: %v\n%s", err, out)
	}
	for _, file := range []string{obj, plugin1} {
		args := []string{"symbols", "--all", "--static", "--demangle=none", "--format=plain", "-a", file}
		out, stderr, code := run(t, args...)
		if code != 0 {
			t.Fatalf("soinspect %v: exit %d: %s", args, code, stderr)
		}
		if want := nm(t, "-a", file); out != want {
			t.Errorf("soinspect %v differs from nm -a:\n%s", args, firstDiff(out, want))
		}
	}
}

// TestDamagedFile lists the dynamic symbols of a library whose e_shstrndx is
// out of range from its dynamic segment, with one warning naming the damage,
// and names the file once when the asked-for table cannot be had.
func TestDamagedFile(t *testing.T) {
	data, err := os.ReadFile(specimen.SysLib(t, "libm.so.6"))
	if err != nil {
		t.Fatal(err)
	}
	if len(data) < 64 || data[4] != 2 || data[5] != 1 {
		t.Skip("libm.so.6 is not ELF64 little-endian")
	}
	binary.LittleEndian.PutUint16(data[62:], 0xfff0) // e_shstrndx
	p := filepath.Join(t.TempDir(), "damaged.so")
	specimen.WriteFile(t, p, data, 0o644)
	out, stderr, code := run(t, "symbols", "--format=plain", p)
	want := "soinspect symbols: " + p + ": warning: unusable section headers: e_shstrndx 65520 is out of range"
	if code != 0 || !strings.HasPrefix(stderr, want) || strings.Count(stderr, "\n") != 1 {
		t.Errorf("exit %d, stderr:\n%s\nwant one line starting %q", code, stderr, want)
	}
	if !strings.Contains(out, " cos@@GLIBC_2.2.5\n") {
		t.Errorf("cos@@GLIBC_2.2.5 not listed:\n%.300s", out)
	}
	_, stderr, code = run(t, "symbols", "--static", p)
	if code != 1 || strings.Count(stderr, p) != 2 || !strings.Contains(stderr, "no .symtab") {
		t.Errorf("--static on a damaged file: exit %d, stderr:\n%s", code, stderr)
	}
}
