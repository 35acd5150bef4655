package scan_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/soinspect/soinspect/internal/scan"
)

// TestScanOddFiles needs no build: the test binary stands for an
// executable misnamed *.so.
func TestScanOddFiles(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Skip(err)
	}
	b, err := os.ReadFile(exe)
	if err != nil {
		t.Skip(err)
	}
	dir := t.TempDir()
	files := map[string][]byte{
		"prog.so":         b,
		"libc.so":         []byte("/* GNU ld script\n   Use the shared library */\nGROUP ( libc.so.6 )\n"),
		"empty.so":        nil,
		"bad.so.2":        []byte("\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x03\x00>\x00"),
		"notes.txt":       []byte("not a library"),
		"sub/deeper/x.so": []byte("junk"),
	}
	for name, data := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink("prog.so", filepath.Join(dir, "link.so")); err != nil {
		t.Fatal(err)
	}
	calls := 0
	res, err := scan.Scan([]string{dir, filepath.Join(dir, "missing")}, scan.Options{Workers: 3, Progress: func(scan.Progress) { calls++ }})
	if err != nil {
		t.Fatal(err)
	}
	classes := map[string]scan.Class{}
	for _, e := range res.Entries {
		rel, _ := filepath.Rel(dir, e.Path)
		classes[rel] = e.Class
	}
	want := map[string]scan.Class{
		"prog.so": scan.ClassExecutable, "libc.so": scan.ClassLdScript,
		"empty.so": scan.ClassNotELF, "sub/deeper/x.so": scan.ClassNotELF,
	}
	for f, c := range want {
		if classes[f] != c {
			t.Errorf("%s: class %q, want %q (all: %v)", f, classes[f], c, classes)
		}
	}
	if _, ok := classes["notes.txt"]; ok {
		t.Errorf("notes.txt reported")
	}
	if res.SymlinksSkipped != 1 {
		t.Errorf("symlinks skipped %d, want 1", res.SymlinksSkipped)
	}
	if res.FilesSeen != len(files) || calls != len(files) {
		t.Errorf("files seen %d, progress calls %d, want %d", res.FilesSeen, calls, len(files))
	}
	// bad.so.2 is a broken ELF file, missing a directory that does not exist.
	if len(res.Errors) != 2 {
		t.Errorf("errors %+v, want bad.so.2 and the missing directory", res.Errors)
	}
	misnamed := 0
	for _, f := range res.Findings {
		if f.Code == scan.FindingMisnamed {
			misnamed++
		}
	}
	if misnamed != 3 { // prog.so, empty.so, x.so; not the ld script
		t.Errorf("%d misnamed findings, want 3: %+v", misnamed, res.Findings)
	}
	if _, err := scan.Scan([]string{filepath.Join(dir, "missing")}, scan.Options{}); err == nil {
		t.Errorf("scanning only a missing directory: no error")
	}
}

func BenchmarkScanSystemLibs(b *testing.B) {
	const dir = "/usr/lib/x86_64-linux-gnu"
	if _, err := os.Stat(dir); err != nil {
		b.Skip(err)
	}
	for b.Loop() {
		if _, err := scan.Scan([]string{dir}, scan.Options{}); err != nil {
			b.Fatal(err)
		}
	}
}
