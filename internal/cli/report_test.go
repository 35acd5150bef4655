package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestReport: the page is written whole to -o (or FILE's name with .html
// here), nothing else is left in the directory, the path is printed, and
// errors are one line that names the file, leaving an earlier page as it
// was.
func TestReport(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "exe.html")
	var stdout, stderr bytes.Buffer
	if code := Run([]string{"report", "-o", out, "/proc/self/exe"}, nil, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	page, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(page, []byte("<!DOCTYPE html>")) || !bytes.HasSuffix(page, []byte("</html>\n")) {
		t.Errorf("not a whole page: %.60q … %q", page, page[max(0, len(page)-20):])
	}
	if stdout.String() != out+"\n" {
		t.Errorf("stdout %q, want the page's path", stdout.String())
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("the directory holds %v, want the page alone", entries)
	}

	// An error leaves the earlier page alone and no temporary file.
	notELF := filepath.Join(dir, "notelf")
	os.WriteFile(notELF, []byte("hello\n"), 0o644)
	for _, c := range []struct {
		args   []string
		code   int
		stderr string
	}{
		{[]string{"report", "-o", out, notELF}, 1, "soinspect report: " + notELF + ": not an ELF file (bad magic number)\n"},
		{[]string{"report", "-o", out, "--host", notELF, "/proc/self/exe"}, 1, "soinspect report: --host: " + notELF + ": not an ELF file"},
		{[]string{"report", "-o", out, "/proc/self/exe", "/proc/self/exe"}, 2, "one FILE at a time"},
		{[]string{"report", "-o", out}, 2, "FILE is required"},
		{[]string{"report", "--load", "-o", out, "-"}, 2, "--load needs a file, not standard input"},
		{[]string{"report", "-o", filepath.Join(dir, "no", "such", "dir.html"), "/proc/self/exe"}, 1, "writing " + filepath.Join(dir, "no", "such", "dir.html")},
	} {
		stdout.Reset()
		stderr.Reset()
		code := Run(c.args, nil, &stdout, &stderr)
		if code != c.code || !strings.Contains(stderr.String(), c.stderr) || strings.Count(stderr.String(), "\n") > 1 {
			t.Errorf("%v: exit %d, stderr %q; want exit %d, %q", c.args, code, stderr.String(), c.code, c.stderr)
		}
	}
	if again, _ := os.ReadFile(out); !bytes.Equal(again, page) {
		t.Errorf("a failed report changed the earlier page")
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 2 {
		t.Errorf("the directory holds %v, want the page and the input", entries)
	}

	// Standard input is named as such, not by its temporary file.
	stdout.Reset()
	exe, _ := os.ReadFile("/proc/self/exe")
	if code := Run([]string{"report", "-o", out, "-"}, bytes.NewReader(exe), &stdout, &stderr); code != 0 {
		t.Fatalf("report -: exit %d: %s", code, stderr.String())
	}
	if page, _ := os.ReadFile(out); !bytes.Contains(page, []byte("<td>(stdin)</td>")) || bytes.Contains(page, []byte("soinspect-stdin-")) {
		t.Errorf("the page of standard input does not name it (stdin)")
	}

	// Without -o, FILE's name with .html in the current directory.
	t.Chdir(dir)
	stdout.Reset()
	if code := Run([]string{"report", "/proc/self/exe"}, nil, &stdout, &stderr); code != 0 || stdout.String() != "exe.html\n" {
		t.Errorf("exit %d, stdout %q; want exe.html", code, stdout.String())
	}
}
