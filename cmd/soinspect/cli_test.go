package main_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/spf13/pflag"

	"github.com/soinspect/soinspect/internal/cli"
	"github.com/soinspect/soinspect/internal/specimen"
)

// runTimed runs soinspect in-process and fails the test if it hangs.
func runTimed(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	type result struct {
		out, errs string
		code      int
	}
	done := make(chan result, 1)
	go func() {
		out, errs, code := run(t, args...)
		done <- result{out, errs, code}
	}()
	select {
	case r := <-done:
		return r.out, r.errs, r.code
	case <-time.After(60 * time.Second):
		t.Fatalf("soinspect %v hung", args)
	}
	return "", "", 0
}

// TestScanRootsCLI: scan /lib — a symbolic link on merged-/usr systems —
// and every other odd root: followed, or one line naming it, never a panic.
func TestScanRootsCLI(t *testing.T) {
	dir := t.TempDir()
	tree := filepath.Join(dir, "tree")
	if err := os.Mkdir(tree, 0o755); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(plugin1)
	if err != nil {
		t.Fatal(err)
	}
	specimen.WriteFile(t, filepath.Join(tree, "p.so"), data, 0o644)
	link := filepath.Join(dir, "link")
	loop := filepath.Join(dir, "loop")
	fifo := filepath.Join(dir, "fifo")
	text := filepath.Join(dir, "text.txt")
	for _, err := range []error{os.Symlink("tree", link), os.Symlink("loop", loop), syscall.Mkfifo(fifo, 0o644),
		os.WriteFile(text, []byte("hello\n"), 0o644)} {
		if err != nil {
			t.Fatal(err)
		}
	}
	out, stderr, code := runTimed(t, "scan", "--json", link)
	var res struct {
		Entries []struct{ Path, Class string }
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil || code != 0 || len(res.Entries) != 1 ||
		res.Entries[0].Path != filepath.Join(link, "p.so") || res.Entries[0].Class != "go-plugin" {
		t.Errorf("scan of a link to a directory: exit %d, %v, stdout %s, stderr %s", code, err, out, stderr)
	}
	for _, root := range []string{loop, fifo, "/dev/zero", text, filepath.Join(dir, "missing")} {
		out, stderr, code := runTimed(t, "scan", root)
		lines := strings.Split(strings.TrimSpace(stderr), "\n")
		if code != 1 || len(lines) != 1 || !strings.HasPrefix(lines[0], "soinspect scan: "+root+": ") {
			t.Errorf("scan %s: exit %d, stderr %q; want 1 and one line naming it", root, code, stderr)
		}
		if out != "" {
			t.Errorf("scan %s: a report of nothing:\n%s", root, out)
		}
		out, _, code = runTimed(t, "scan", "--json", root)
		var res struct {
			Errors []struct{ Path, Error string }
		}
		if err := json.Unmarshal([]byte(out), &res); err != nil || code != 1 || len(res.Errors) != 1 || res.Errors[0].Path != root {
			t.Errorf("scan --json %s: exit %d, %v, %s; want the error in the JSON", root, code, err, out)
		}
	}
	// A good root beside bad ones is scanned; the bad ones are named.
	out, stderr, code = runTimed(t, "scan", tree, fifo)
	if code != 1 || !strings.Contains(out, "1 file in ") || strings.Contains(out, "1 files") || strings.Count(stderr, "\n") != 1 {
		t.Errorf("scan of a good and a bad root: exit %d\nstdout:\n%s\nstderr:\n%s", code, out, stderr)
	}
	// --quiet leaves out the line per unreadable file, not the count or
	// the exit status; --exclude leaves the file out altogether.
	bad := filepath.Join(tree, "bad.so")
	os.WriteFile(bad, []byte("\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x03\x00>\x00"), 0o644)
	out, stderr, code = runTimed(t, "scan", "--quiet", tree)
	if code != 1 || stderr != "" || !strings.Contains(out, "unreadable") {
		t.Errorf("scan --quiet: exit %d\nstdout:\n%s\nstderr:\n%s", code, out, stderr)
	}
	out, stderr, code = runTimed(t, "scan", "--exclude", "bad.*", tree)
	if code != 0 || stderr != "" || !strings.Contains(out, "1 path excluded") {
		t.Errorf("scan --exclude: exit %d\nstdout:\n%s\nstderr:\n%s", code, out, stderr)
	}
	if _, err := os.Stat("/proc/self/exe"); err == nil {
		out, stderr, code = runTimed(t, "scan", "--all", "/proc/self/exe")
		if !strings.Contains(out, "executable") {
			t.Errorf("scan /proc/self/exe: exit %d, stdout:\n%s\nstderr:\n%s", code, out, stderr)
		}
	}
}

// TestScanHostNotGo: a host that cannot open plugins is said once, up
// front, not as a WILL FAIL on every row.
func TestScanHostNotGo(t *testing.T) {
	host := "/bin/sh"
	if _, err := os.Stat(host); err != nil {
		t.Skip(err)
	}
	dir := t.TempDir()
	data, _ := os.ReadFile(plugin1)
	for _, n := range []string{"a.so", "b.so"} {
		specimen.WriteFile(t, filepath.Join(dir, n), data, 0o644)
	}
	out, stderr, code := runTimed(t, "scan", "--host", host, dir)
	if code != 1 || strings.Count(stderr, "not a Go program") != 1 || strings.Contains(out, "WILL FAIL") {
		t.Errorf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, stderr)
	}
}

// TestCheckJSONEveryPlugin: each PLUGIN gets exactly one JSON object with a
// verdict, in order, even one that is not ELF or does not exist.
func TestCheckJSONEveryPlugin(t *testing.T) {
	dir := t.TempDir()
	text := filepath.Join(dir, "notes.txt")
	os.WriteFile(text, []byte("not ELF\n"), 0o644)
	missing := filepath.Join(dir, "missing.so")
	host := specimen.Self(t)
	for _, h := range []string{host, text} {
		out, _, code := runTimed(t, "check", "--json", h, plugin1, text, missing)
		lines := strings.Split(strings.TrimSpace(out), "\n")
		if code != 1 || len(lines) != 3 {
			t.Fatalf("host %s: exit %d, %d JSON lines, want 1 and 3:\n%s", h, code, len(lines), out)
		}
		for i, want := range []string{plugin1, text, missing} {
			var v struct {
				Host, Plugin, Outcome string
				OK                    *bool
				Reasons               []struct{ Code, Message string }
			}
			if err := json.Unmarshal([]byte(lines[i]), &v); err != nil {
				t.Fatal(err)
			}
			if v.Plugin != want || v.Host != h || v.Outcome == "" || v.OK == nil || want != plugin1 && len(v.Reasons) == 0 {
				t.Errorf("host %s, line %d: %s; want a verdict for %s", h, i, lines[i], want)
			}
		}
	}
}

// TestErrorFormat: every error is one line "soinspect CMD: ...", a usage
// error exits 2 and says where the help is.
func TestErrorFormat(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		args []string
		cmd  string
		want string
	}{
		{[]string{"no-such-command"}, "soinspect", `unknown command "no-such-command"`},
		{[]string{"symbl"}, "soinspect", "did you mean symbols?"},
		{[]string{"version"}, "soinspect", "soinspect --version prints the version"},
		{[]string{"completion", "bogus"}, "soinspect completion", "want bash, fish, powershell or zsh"},
		{[]string{"completion", "bash", "extra"}, "soinspect completion bash", "extra"},
		{[]string{"help", "bogus"}, "soinspect help", `unknown command "bogus"`},
		{[]string{"symbols"}, "soinspect symbols", "at least one FILE is required"},
		{[]string{"symbols", "--type", "bogus", "x"}, "soinspect symbols", "want NOTYPE, OBJECT, FUNC, SECTION, FILE, COMMON, TLS or IFUNC"},
		{[]string{"symbols", "--format", "xml", "x"}, "soinspect symbols", "--format"},
		{[]string{"symbols", "--no-such-flag", "x"}, "soinspect symbols", "--no-such-flag"},
		{[]string{"call", "x.so", "Run", "--json"}, "soinspect call", "flags go before FILE"},
		{[]string{"call", "x.so", "Run", "--timeout", "3s", "7"}, "soinspect call", "soinspect call --timeout 3s x.so Run 7"},
		{[]string{"compare", "x.so", "Run", "--json"}, "soinspect compare", "flags go before FILE"},
		{[]string{"check", "host"}, "soinspect check", "at least one PLUGIN"},
		{[]string{"scan", "--exclude", "[", dir}, "soinspect scan", "--exclude"},
		{[]string{"scan"}, "soinspect scan", "at least one DIR"},
	} {
		_, stderr, code := run(t, c.args...)
		if code != 2 {
			t.Errorf("%v: exit %d, want 2 (stderr %q)", c.args, code, stderr)
		}
		prefix := c.cmd + ": "
		help := "(see '" + c.cmd + " --help')\n"
		if strings.Count(stderr, "\n") != 1 || !strings.HasPrefix(stderr, prefix) || !strings.HasSuffix(stderr, help) || !strings.Contains(stderr, c.want) {
			t.Errorf("%v: stderr %q; want one line %q...%q with %q", c.args, stderr, prefix, help, c.want)
		}
	}
	// A failing file is named in the same format.
	_, stderr, code := run(t, "symbols", filepath.Join(dir, "missing"))
	if code != 1 || stderr != "soinspect symbols: "+filepath.Join(dir, "missing")+": no such file or directory\n" {
		t.Errorf("symbols missing: exit %d, stderr %q", code, stderr)
	}
}

// TestPassThroughDash: after FILE, "--" lets an argument that looks like
// a flag through, and is itself removed.
func TestPassThroughDash(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "missing.so")
	_, stderr, code := run(t, "call", missing, "Run", "--", "--json")
	if code != 1 || strings.Contains(stderr, "flags go before FILE") || !strings.Contains(stderr, missing) {
		t.Errorf("-- did not pass --json on: exit %d, %s", code, stderr)
	}
}

// TestUsageLinesListFlags: every command's usage line names each of its
// flags (or says [flags]), and the README's heading for the command is the
// same line and its section names every flag.
func TestUsageLinesListFlags(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	sections := map[string]string{} // command name -> its README section
	heading := map[string]string{}  // command name -> its README heading
	re := regexp.MustCompile("(?m)^### `soinspect ([a-z]+)(.*)`$")
	idx := re.FindAllSubmatchIndex(readme, -1)
	for i, m := range idx {
		end := len(readme)
		if i+1 < len(idx) {
			end = idx[i+1][0]
		}
		name := string(readme[m[2]:m[3]])
		heading[name] = name + string(readme[m[4]:m[5]])
		sections[name] = string(readme[m[0]:end])
	}
	root := cli.NewRootCmd()
	for _, c := range root.Commands() {
		if c.Hidden || c.Name() == "help" || c.Name() == "completion" {
			continue
		}
		t.Run(c.Name(), func(t *testing.T) {
			if heading[c.Name()] != c.Use {
				t.Errorf("README heading %q, --help says %q", heading[c.Name()], c.Use)
			}
			c.Flags().VisitAll(func(f *pflag.Flag) {
				if f.Name == "help" {
					return
				}
				if !strings.Contains(c.Use, "[flags]") && !strings.Contains(c.Use, "--"+f.Name) {
					t.Errorf("usage line %q lacks --%s", c.Use, f.Name)
				}
				if !strings.Contains(sections[c.Name()], "--"+f.Name) {
					t.Errorf("README section lacks --%s", f.Name)
				}
			})
		})
	}
	if !strings.Contains(string(readme), "--version") {
		t.Error("README does not document --version")
	}
}

// TestCompletion asks cobra's hidden __complete command, as the shells do.
func TestCompletion(t *testing.T) {
	for _, c := range []struct {
		args []string
		want []string
	}{
		{[]string{"__complete", "sym"}, []string{"symbols"}},
		{[]string{"__complete", "symbols", "--format", ""}, []string{"table", "plain", "markdown", "json"}},
		{[]string{"__complete", "symbols", "--sort", ""}, []string{"name", "addr", "size", "none"}},
		{[]string{"__complete", "symbols", "--lang", ""}, []string{"c", "c++", "rust", "go"}},
		{[]string{"__complete", "symbols", "--type", "F"}, []string{"FUNC", "FILE"}},
		{[]string{"__complete", "symbols", "--demangle", ""}, []string{"auto", "none"}},
		{[]string{"__complete", "call", "--flags", "now,g"}, []string{"now,global"}},
		{[]string{"__complete", "completion", ""}, []string{"bash", "zsh", "fish", "powershell"}},
	} {
		out, stderr, code := run(t, c.args...)
		if code != 0 {
			t.Errorf("%v: exit %d: %s", c.args, code, stderr)
		}
		var got []string
		for _, l := range strings.Split(out, "\n") {
			if l != "" && !strings.HasPrefix(l, ":") {
				got = append(got, strings.SplitN(l, "\t", 2)[0])
			}
		}
		for _, w := range c.want {
			if !slices.Contains(got, w) {
				t.Errorf("%v: completions %v lack %q", c.args, got, w)
			}
		}
	}
}

// TestVersion: --version names the toolchain and the settings that decide
// which plugins soinspect's own process can load.
func TestVersion(t *testing.T) {
	out, stderr, code := run(t, "--version")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, w := range []string{"soinspect ", runtime.Version(), "-trimpath", "-race", "CGO_ENABLED", "github.com/spf13/cobra"} {
		if !strings.Contains(out, w) {
			t.Errorf("--version lacks %q:\n%s", w, out)
		}
	}
}
