package main_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/soinspect/soinspect/internal/specimen"
)

// TestErrorsNameFileOnce holds every subcommand to one error format:
// "soinspect CMD: ..." or "soinspect: ..." followed by the library's error,
// which names the file exactly once — never "x.so: x.so: ...".
func TestErrorsNameFileOnce(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing.so")
	text := filepath.Join(dir, "notes.so")
	specimen.WriteFile(t, text, []byte("hello, not an ELF file\n"), 0o644)
	libm := specimen.SysLib(t, "libm.so.6")
	data, err := os.ReadFile(libm)
	if err != nil {
		t.Fatal(err)
	}
	// An ELF header whose section table lies past the end of the file.
	trunc := filepath.Join(dir, "trunc.so")
	specimen.WriteFile(t, trunc, data[:100], 0o644)
	// A copy of libm: a shared library without .symtab (Debian strips it).
	stripped := filepath.Join(dir, "stripped.so")
	specimen.WriteFile(t, stripped, data, 0o644)

	type tc struct {
		args []string
		path string // named once in stderr
		want string // what stderr must also say
	}
	var cases []tc
	for _, bad := range []struct{ path, want string }{
		{missing, "no such file or directory"},
		{text, "not an ELF file"},
		{trunc, "ELF"},
	} {
		cases = append(cases,
			tc{[]string{"symbols", bad.path}, bad.path, bad.want},
			tc{[]string{"plugin", bad.path}, bad.path, bad.want},
			tc{[]string{"check", bad.path, plugin1}, bad.path, bad.want},
			tc{[]string{"check", plugin1, bad.path}, bad.path, bad.want},
			tc{[]string{"scan", "--host", bad.path, dir}, bad.path, bad.want},
			tc{[]string{"call", bad.path, "Run"}, bad.path, bad.want},
			tc{[]string{"call", "--raw", bad.path, "Run"}, bad.path, bad.want},
			tc{[]string{"compare", bad.path}, bad.path, bad.want},
		)
	}
	cases = append(cases,
		tc{[]string{"scan", missing}, missing, "no such file or directory"},
		tc{[]string{"symbols", "--static", stripped}, stripped, "no symbol table (no .symtab section)"},
		tc{[]string{"symbols", "--dynamic", plugin1 + ".missing"}, plugin1 + ".missing", "no such file"},
	)
	for _, c := range cases {
		_, stderr, code := run(t, c.args...)
		if code == 0 {
			t.Errorf("%v: exit 0, want an error", c.args)
		}
		line := strings.TrimSpace(stderr)
		if n := strings.Count(line, c.path); n != 1 || !strings.Contains(line, c.want) ||
			!strings.HasPrefix(line, "soinspect") || strings.Contains(line, "\n") {
			t.Errorf("%v: stderr %q: want one line naming %s once and saying %q", c.args, stderr, c.path, c.want)
		}
	}
}
