package cli

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"github.com/soinspect/soinspect/internal/probe"
	"github.com/soinspect/soinspect/internal/render"
	"github.com/soinspect/soinspect/internal/specimen"
)

// TestMain lets call and compare re-execute this test binary as their
// child, as they re-execute soinspect: the child mode is a subcommand.
func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == probe.ChildCommand {
		os.Exit(Main(os.Args[1:], os.Stdout, os.Stderr))
	}
	// The Go way's probe hosts, built once per source tree.
	if dir, err := specimen.ProbeCache(); err == nil {
		os.Setenv(probe.EnvCacheDir, dir)
	}
	code := m.Run()
	if fx.dir != "" {
		os.RemoveAll(fx.dir)
	}
	os.Exit(code)
}

// hostileNames are symbol names a file may hold that must not reach a
// terminal or a Markdown page as they are.
var hostileNames = []string{
	"evil\x1b[2J\x1b]0;pwned\x07name", // clears the screen, sets the title, rings
	"<img src=x onerror=alert(1)>",    // live HTML in Markdown
	"rtl\u202egnp.exe",                // a right-to-left override
	"bad\xffutf8|pipe`tick",           // not UTF-8, a cell separator, a backtick
	"operator|=",
	"日本語の名前_wide", // double-width
}

type fixtures struct {
	dir      string
	plugin1  string // plugins/plugin1
	host     string // cmd/pluginhost built with -trimpath: every hash differs
	evil     string // a C library whose symbols and soname are hostile
	scanDir  string // plugins under several names and a hostile file name
	err      error
	buildOne sync.Once
}

var fx fixtures

// setup builds the fixtures once for the package's tests.
func setup(t *testing.T) *fixtures {
	t.Helper()
	fx.buildOne.Do(func() { fx.err = fx.build() })
	if fx.err != nil {
		t.Fatal(fx.err)
	}
	return &fx
}

func (f *fixtures) build() error {
	dir, err := os.MkdirTemp("", "soinspect-cli-output-")
	if err != nil {
		return err
	}
	f.dir = dir
	f.evil = filepath.Join(dir, "libevil.so")
	var asm bytes.Buffer
	asm.WriteString("\t.text\n")
	for _, n := range hostileNames {
		q := `"` + n + `"`
		fmt.Fprintf(&asm, "\t.globl %s\n\t.type %s, @function\n%s:\n\tret\n", q, q, q)
	}
	src := filepath.Join(dir, "evil.s")
	if err := os.WriteFile(src, asm.Bytes(), 0o644); err != nil {
		return err
	}
	cc, err := specimen.CC()
	if err != nil {
		return err
	}
	builds := [][]string{
		{cc, "-shared", "-nostdlib", "-Wl,-soname,lib\x1b[31mred\u202e.so", "-o", f.evil, src},
	}
	// plugin1 and the host come from the test harness, built once per run.
	errs := make([]error, len(builds)+2)
	var wg sync.WaitGroup
	wg.Go(func() { f.plugin1, errs[len(builds)] = specimen.Build("plugin1.so") })
	wg.Go(func() { f.host, errs[len(builds)+1] = specimen.Build("pluginhost-trimpath") })
	for i, b := range builds {
		wg.Go(func() {
			if out, err := exec.Command(b[0], b[1:]...).CombinedOutput(); err != nil {
				errs[i] = fmt.Errorf("%s: %v\n%s", strings.Join(b, " "), err, out)
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	// A tree for scan: one pluginpath under two names in two directories,
	// and a library whose file name is hostile.
	f.scanDir = filepath.Join(dir, "tree")
	for dst, src := range map[string]string{
		"a/plugin1.so":                            f.plugin1,
		"b/deeper/renamed-plugin.so":              f.plugin1,
		"b/" + hostileFile:                        f.evil,
		"b/" + strings.Repeat("long", 12) + ".so": f.evil,
	} {
		p := filepath.Join(f.scanDir, dst)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		data, err := os.ReadFile(src)
		if err != nil {
			return err
		}
		if err := os.WriteFile(p, data, 0o755); err != nil {
			return err
		}
	}
	return nil
}

// run runs soinspect in-process with $COLUMNS set to width.
func runAt(t *testing.T, width int, args ...string) (string, string, int) {
	t.Helper()
	t.Setenv("COLUMNS", fmt.Sprint(width))
	var out, errb bytes.Buffer
	code := Main(args, &out, &errb)
	return out.String(), errb.String(), code
}

// hostileFile is the name of a copy of libevil.so in the scan tree.
const hostileFile = "lib\x1b[2Jevil\u202e\xff.so"

// measured is a run of a command, and what its table output must show
// (the visible form of a hostile string), if anything.
type measured struct {
	args []string
	want string
}

// commandsToMeasure are runs of every command, on files that stretch
// their tables (long pluginpaths, long C++ names) or hold hostile names.
func commandsToMeasure(f *fixtures) []measured {
	libstdcxx := "/usr/lib/x86_64-linux-gnu/libstdc++.so.6"
	evilSym := hostileNames[0]
	evilVisible := "evil^[[2J^[]0;pwned^Gname"
	hostilePath := filepath.Join(f.scanDir, "b", hostileFile)
	cmds := []measured{
		{[]string{"symbols", f.plugin1}, ""},
		{[]string{"symbols", f.evil}, evilVisible},
		{[]string{"symbols", "--all", "--package", "runtime", "--match", "^runtime\\.[a-z]+$", f.plugin1}, ""},
		{[]string{"plugin", f.plugin1}, ""},
		{[]string{"plugin", "--hashes", "--deps", f.plugin1}, ""},
		{[]string{"plugin", f.evil}, `lib^[[31mred\u202e.so`},
		{[]string{"check", f.host, f.plugin1, hostilePath}, `lib^[[2Jevil\u202e\xff.so`},
		{[]string{"check", "--together", f.host, f.plugin1, hostilePath, f.plugin1}, `lib^[[2Jevil\u202e\xff.so`},
		{[]string{"scan", f.scanDir}, ""},
		{[]string{"scan", "--all", "--host", f.host, f.scanDir}, `lib^[[2Jevil\u202e\xff.so`},
		{[]string{"scan", "--all", "--host", f.host, "--together", f.scanDir}, `lib^[[2Jevil\u202e\xff.so`},
		{[]string{"call", "--raw", "--trace", f.plugin1, "init"}, ""},
		{[]string{"call", f.plugin1, "Run"}, ""},
		{[]string{"call", "--raw", "--trace", f.evil, evilSym}, evilVisible},
		{[]string{"compare", f.plugin1}, ""},
		{[]string{"compare", f.evil, evilSym}, evilVisible},
	}
	if _, err := os.Stat(libstdcxx); err == nil {
		cmds = append(cmds, measured{[]string{"symbols", "-D", "--match", "basic_string<.*append", libstdcxx}, ""})
	}
	return cmds
}

// TestOutputFitsWidth renders every command at 60, 100 and 200 columns,
// as table and as Markdown, and holds every line of the table output to
// the width, counted in display columns. Both forms must show no byte of
// a hostile name as it is, and Markdown no live HTML.
func TestOutputFitsWidth(t *testing.T) {
	if testing.Short() {
		t.Skip("builds plugins and loads them in child processes")
	}
	f := setup(t)
	for _, m := range commandsToMeasure(f) {
		args := m.args
		name := strings.Join(args[:len(args)-1], " ")
		t.Run(name, func(t *testing.T) {
			for _, width := range []int{60, 100, 200} {
				out, stderr, code := runAt(t, width, args...)
				if code == exitUsage || out == "" {
					t.Fatalf("%v: exit %d, stderr:\n%s", args, code, stderr)
				}
				for i, line := range strings.Split(out, "\n") {
					if w := render.DisplayWidth(line); w > width {
						t.Errorf("at %d columns, line %d is %d columns wide:\n%s", width, i+1, w, line)
					}
				}
				checkVisible(t, "table", out)
				checkVisible(t, "stderr", stderr)
				if width == 200 && m.want != "" && !strings.Contains(out, m.want) {
					t.Errorf("output lacks %q:\n%s", m.want, out)
				}
				if os.Getenv("SOINSPECT_SHOW") != "" {
					t.Logf("%d columns:\n%s%s", width, out, stderr)
				}
			}
			out, stderr, code := runAt(t, 100, append([]string{args[0], "--format", "markdown"}, args[1:]...)...)
			if code == exitUsage || out == "" {
				t.Fatalf("%v --format markdown: exit %d, stderr:\n%s", args, code, stderr)
			}
			checkVisible(t, "markdown", out)
			// Outside code spans and fenced blocks, only <br> may be a tag.
			rest := codeSpans.ReplaceAllString(fences.ReplaceAllString(out, ""), "")
			if strings.Contains(strings.ReplaceAll(rest, "<br>", ""), "<") || strings.Contains(out, "\n## \n") {
				t.Errorf("markdown holds live HTML or an empty heading:\n%s", out)
			}
			// The plain format exists for every command.
			out, stderr, code = runAt(t, 100, append([]string{args[0], "--format", "plain"}, args[1:]...)...)
			if code == exitUsage || out == "" {
				t.Fatalf("%v --format plain: exit %d, stderr:\n%s", args, code, stderr)
			}
		})
	}
}

// TestPlainSymbolsOnTerminal: symbols --format plain is nm's bytes when
// piped, and visible on a terminal.
func TestPlainSymbolsOnTerminal(t *testing.T) {
	f := setup(t)
	want, err := exec.Command("nm", "-D", f.evil).Output()
	if err != nil {
		t.Skipf("nm: %v", err)
	}
	for _, tty := range []bool{false, true} {
		o := &symbolsOptions{demangle: "auto", sort: "name", files: 1, out: outputFlags{opts: render.Options{Format: render.FormatPlain}}}
		o.out.opts = render.Options{Format: render.FormatPlain, Terminal: tty}
		var buf bytes.Buffer
		if err := o.run(&cobra.Command{}, &buf, f.evil); err != nil {
			t.Fatal(err)
		}
		if !tty && buf.String() != string(want) {
			t.Errorf("piped plain output differs from nm -D:\n%q\n%q", buf.String(), want)
		}
		if tty {
			checkVisible(t, "plain on a terminal", buf.String())
		}
	}
}

var (
	fences    = regexp.MustCompile("(?ms)^```+\n.*?^```+\n")
	codeSpans = regexp.MustCompile("``[^`].*?``|`[^`]+`")
)

// checkVisible fails when out holds a control character other than a
// newline, a bidirectional override or isolate, or bytes that are not
// UTF-8.
func checkVisible(t *testing.T, format, out string) {
	t.Helper()
	if !utf8.ValidString(out) {
		t.Errorf("%s output is not valid UTF-8", format)
	}
	for i, r := range out {
		if r < 0x20 && r != '\n' || r == 0x7f || r >= 0x80 && r < 0xa0 ||
			r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069 {
			t.Errorf("%s output holds %U at byte %d: %q", format, r, i, out[max(0, i-40):min(len(out), i+40)])
			return
		}
	}
}

// TestScanSummaryWraps: the labels of scan's summary are soinspect's own
// words, which wrap on a narrow terminal and are never cut.
func TestScanSummaryWraps(t *testing.T) {
	f := setup(t)
	out, stderr, code := runAt(t, 40, "scan", f.scanDir, f.evil)
	if code == exitUsage || out == "" {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr)
	}
	summary, _, _ := strings.Cut(out, "\n\n")
	var labels []string // the words of the label column, in order
	for _, line := range strings.Split(summary, "\n") {
		if cells := strings.Split(line, "│"); len(cells) > 2 {
			labels = append(labels, strings.Fields(cells[1])...)
		}
	}
	for _, label := range []string{"scanned", "Go plugins", "C/C++ shared libraries"} {
		if !strings.Contains(strings.Join(labels, " "), label) {
			t.Errorf("the summary lacks %q:\n%s", label, summary)
		}
	}
}

// TestNewlineInFileName: a file name holding a newline shows as ^J in
// titles and key: value blocks, as it does in table cells, instead of
// starting a line of its own.
func TestNewlineInFileName(t *testing.T) {
	f := setup(t)
	p := filepath.Join(t.TempDir(), "new\nline.so")
	data, err := os.ReadFile(f.evil)
	if err != nil {
		t.Fatal(err)
	}
	specimen.WriteFile(t, p, data, 0o755)
	for _, args := range [][]string{
		{"symbols", p},
		{"plugin", p},
		{"call", "--raw", p, "operator|="},
		{"compare", p, "operator|="},
		{"check", f.host, p},
		{"scan", "--all", p},
	} {
		for _, format := range []string{"table", "markdown"} {
			out, stderr, code := runAt(t, 200, append([]string{args[0], "--format", format}, args[1:]...)...)
			if code == exitUsage || out == "" {
				t.Fatalf("%v: exit %d, stderr:\n%s", args, code, stderr)
			}
			if !strings.Contains(out, "new^Jline.so") {
				t.Errorf("%v --format %s: no new^Jline.so:\n%s", args, format, out)
			}
			for _, l := range strings.Split(out, "\n") {
				if strings.HasPrefix(strings.TrimLeft(l, "│| "), "line.so") {
					t.Errorf("%v --format %s: the name's newline starts a line:\n%s", args, format, out)
					break
				}
			}
		}
	}
}
