package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"runtime"
	"strings"
	"testing"
)

// TestDepsFormatsAndStatus: every format renders the same load set, and
// the exit status says whether everything resolved.
func TestDepsFormatsAndStatus(t *testing.T) {
	if runtime.GOOS != "linux" || runtime.GOARCH != "amd64" {
		t.Skip("the loader modelled is x86-64 glibc's")
	}
	const ls = "/usr/bin/ls"
	if _, err := os.Stat(ls); err != nil {
		t.Skip(err)
	}
	run := func(args ...string) (string, string, int) {
		var out, errb bytes.Buffer
		code := Main(args, &out, &errb)
		return out.String(), errb.String(), code
	}
	var rep depsReport
	out, stderr, code := run("deps", "--json", ls)
	if code != 0 || json.Unmarshal([]byte(out), &rep) != nil {
		t.Fatalf("deps --json: exit %d, %s %s", code, out, stderr)
	}
	if rep.Interpreter != "/lib64/ld-linux-x86-64.so.2" || len(rep.Objects) == 0 {
		t.Fatalf("report: %+v", rep)
	}
	for _, f := range []string{"tree", "ldd", "dot", "markdown"} {
		out, stderr, code := run("deps", "--format", f, ls)
		if code != 0 {
			t.Errorf("--format %s: exit %d: %s", f, code, stderr)
		}
		for _, o := range rep.Objects {
			if !strings.Contains(out, o.Name) {
				t.Errorf("--format %s does not name %s:\n%s", f, o.Name, out)
			}
		}
	}
	if out, _, _ := run("deps", "--format", "dot", ls); !strings.HasPrefix(out, "digraph ") || !strings.HasSuffix(out, "}\n") {
		t.Errorf("dot output:\n%s", out)
	}
	if _, _, code := run("deps", "--format", "yaml", ls); code != 2 {
		t.Errorf("bad --format: exit %d, want 2", code)
	}
	if _, stderr, code := run("deps", "/nonexistent/file"); code != 1 || !strings.Contains(stderr, "/nonexistent/file") {
		t.Errorf("missing file: exit %d, %q", code, stderr)
	}
	// A file that is no dynamic object: ldd's words in ldd format.
	if _, stderr, code := run("deps", "--format", "ldd", "/usr/lib/x86_64-linux-gnu/crt1.o"); code != 1 || stderr != "\tnot a dynamic executable\n" {
		if _, err := os.Stat("/usr/lib/x86_64-linux-gnu/crt1.o"); err == nil {
			t.Errorf("crt1.o: exit %d, %q", code, stderr)
		}
	}
}

// TestDepsEscapesHiddenCharacters: a library name with a bidirectional
// override must not reach the terminal as it is (it would show the name
// reversed); deps escapes as every other command does.
func TestDepsEscapesHiddenCharacters(t *testing.T) {
	name := "libx\u202eos.evil"
	if got := esc(name); got == name || !strings.Contains(got, `\u202e`) {
		t.Errorf("esc(%q) = %q, want the override escaped as \\u202e", name, got)
	}
}

// TestDepsMarkdownEscapes: a name read from a file prints as itself in
// Markdown: no link, no escape swallowed, no entity decoded.
func TestDepsMarkdownEscapes(t *testing.T) {
	name := `lib[x](y)\_&amp;.so`
	var b strings.Builder
	(&depsReport{File: name}).writeMarkdown(&b)
	if want := `### lib\[x\](y)\\\_&amp;amp;.so`; !strings.Contains(b.String(), want) {
		t.Errorf("markdown:\n%s\nwant the heading %s", b.String(), want)
	}
}
