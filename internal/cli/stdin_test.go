package cli

import (
	"bytes"
	"os"
	"strings"
	"testing"
)

// TestStdin: "-" reads the ELF file from standard input through a
// temporary file that is gone afterwards, on success and on every error,
// and a stream longer than the bound is refused, saying so.
func TestStdin(t *testing.T) {
	lib, err := os.ReadFile("/proc/self/exe")
	if err != nil {
		t.Skip(err)
	}
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	defer func(n int64) { stdinLimit = n }(stdinLimit)
	stdinLimit = int64(len(lib))
	var want bytes.Buffer
	if Run([]string{"symbols", "--format=plain", "-D", "--defined-only", "/proc/self/exe"}, nil, &want, &want) != 0 {
		t.Fatal(want.String())
	}
	for _, c := range []struct {
		name   string
		args   []string
		in     []byte
		code   int
		stdout string
		stderr string
	}{
		{"symbols", []string{"symbols", "--format=plain", "-D", "--defined-only", "-"}, lib, 0, want.String(), ""},
		{"plugin", []string{"plugin", "-"}, lib, 0, "(stdin)", ""},
		{"not ELF", []string{"symbols", "-"}, []byte("hello\n"), 1, "", "soinspect symbols: (stdin): not an ELF file (bad magic number)\n"},
		{"empty", []string{"plugin", "-"}, nil, 1, "", "soinspect plugin: (stdin): empty\n"},
		{"too long", []string{"symbols", "-"}, append(lib, 0), 1, "", "the most soinspect reads from standard input"},
		{"twice", []string{"symbols", "-", "-"}, lib, 2, "", "more than once"},
	} {
		var out, errb bytes.Buffer
		code := Run(c.args, bytes.NewReader(c.in), &out, &errb)
		if code != c.code || !strings.Contains(out.String(), c.stdout) || !strings.Contains(errb.String(), c.stderr) {
			t.Errorf("%s: exit %d, want %d; stdout %.200q; stderr %q, want %q", c.name, code, c.code, out.String(), errb.String(), c.stderr)
		}
		if left, _ := os.ReadDir(tmp); len(left) != 0 {
			t.Errorf("%s: temporary files left: %v", c.name, left)
		}
	}
}
