package scan_test

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/soinspect/soinspect/internal/scan"
	"github.com/soinspect/soinspect/internal/specimen"
)

// TestScanOddFiles needs no build: the test binary stands for an
// executable misnamed *.so.
func TestScanOddFiles(t *testing.T) {
	exe := specimen.Self(t)
	b, err := os.ReadFile(exe)
	if err != nil {
		t.Skip(err)
	}
	dir := t.TempDir()
	files := map[string][]byte{
		"prog.so":          b,
		"libc.so":          []byte("/* GNU ld script\n   Use the shared library */\nGROUP ( libc.so.6 )\n"),
		"empty.so":         nil,
		"bad.so.2":         []byte("\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x03\x00>\x00"),
		"notes.txt":        []byte("not a library"),
		"ld.so.conf":       []byte("include /etc/ld.so.conf.d/*.conf\n"),
		"libc.so.6-gdb.py": []byte("# gdb's pretty printers\n"),
		"libvk.so.1.TOC":   []byte("TOC\n"),
		"sub/deeper/x.so":  []byte("junk"),
	}
	for name, data := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		specimen.WriteFile(t, p, data, 0o644)
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
	// Only *.so and *.so.<version> are named like a shared object.
	for _, f := range []string{"notes.txt", "ld.so.conf", "libc.so.6-gdb.py", "libvk.so.1.TOC"} {
		if _, ok := classes[f]; ok {
			t.Errorf("%s reported as %s", f, classes[f])
		}
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

// TestScanRoots holds each kind of root to its promise: a symbolic link is
// followed as find -H does, anything but a directory or regular file is
// one error naming it, a file named directly that is not ELF is an error,
// and nothing hangs or panics.
func TestScanRoots(t *testing.T) {
	dir := t.TempDir()
	tree := filepath.Join(dir, "tree")
	if err := os.MkdirAll(filepath.Join(tree, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	exe := specimen.Self(t)
	b, err := os.ReadFile(exe)
	if err != nil {
		t.Skip(err)
	}
	must(t, os.WriteFile(filepath.Join(tree, "sub", "prog.so"), b, 0o644))
	must(t, syscall.Mkfifo(filepath.Join(tree, "sub", "pipe.so"), 0o644))
	link := filepath.Join(dir, "link")
	must(t, os.Symlink("tree", link))
	loop := filepath.Join(dir, "loop")
	must(t, os.Symlink("loop", loop))
	fifo := filepath.Join(dir, "fifo")
	must(t, syscall.Mkfifo(fifo, 0o644))
	text := filepath.Join(dir, "text.txt")
	must(t, os.WriteFile(text, []byte("hello\n"), 0o644))
	missing := filepath.Join(dir, "missing")

	type result struct {
		res *scan.Result
		err error
	}
	run := func(roots ...string) (*scan.Result, error) {
		t.Helper()
		done := make(chan result, 1)
		go func() {
			res, err := scan.Scan(roots, scan.Options{})
			done <- result{res, err}
		}()
		select {
		case r := <-done:
			return r.res, r.err
		case <-time.After(30 * time.Second):
			t.Fatalf("scan %v hung", roots)
		}
		return nil, nil
	}

	// The link is followed and the paths keep its name.
	res, err := run(link)
	if err != nil {
		t.Fatalf("scan of a link to a directory: %v", err)
	}
	if len(res.Entries) != 1 || res.Entries[0].Path != filepath.Join(link, "sub", "prog.so") {
		t.Errorf("scan of a link to a directory: entries %+v, want %s", res.Entries, filepath.Join(link, "sub", "prog.so"))
	}
	if res.SpecialSkipped != 1 || len(res.Errors) != 0 {
		t.Errorf("the FIFO in the tree: special %d, errors %+v; want 1 special file skipped, no error", res.SpecialSkipped, res.Errors)
	}

	// Every bad root is one error naming it; alone, none can be scanned.
	for _, c := range []struct{ root, want string }{
		{loop, "too many levels of symbolic links"},
		{fifo, "not a directory or regular file (a FIFO)"},
		{"/dev/zero", "not a directory or regular file (a character device)"},
		{text, "not an ELF file"},
		{missing, "no such file or directory"},
	} {
		res, err := run(c.root)
		if !errors.Is(err, scan.ErrNothingScanned) {
			t.Errorf("scan %s: error %v, want ErrNothingScanned", c.root, err)
		}
		if res == nil || len(res.Errors) != 1 || res.Errors[0].Path != c.root || !strings.Contains(res.Errors[0].Error, c.want) {
			t.Errorf("scan %s: errors %+v, want one naming it: %s", c.root, res.Errors, c.want)
		}
	}

	// A file named directly is classified whatever its name or type.
	if _, err := os.Stat("/proc/self/exe"); err == nil {
		res, err := run("/proc/self/exe")
		if err != nil || len(res.Entries) != 1 || res.Entries[0].Class != scan.ClassExecutable {
			t.Errorf("scan /proc/self/exe: %v, entries %+v, want one executable", err, res.Entries)
		}
	}

	// Bad roots beside a good one: the good one is scanned.
	res, err = run(tree, fifo, text)
	if err != nil || len(res.Entries) != 1 || len(res.Errors) != 2 {
		t.Errorf("scan of a good and two bad roots: %v, entries %+v, errors %+v", err, res.Entries, res.Errors)
	}
}

// TestScanExclude: a base-name pattern prunes a directory anywhere, a
// pattern with a slash matches whole paths, and a bad pattern is an error.
func TestScanExclude(t *testing.T) {
	dir := t.TempDir()
	for _, p := range []string{"a/x.so", "a/skip/y.so", "b/z.so", "b/keep.so"} {
		must(t, os.MkdirAll(filepath.Join(dir, filepath.Dir(p)), 0o755))
		must(t, os.WriteFile(filepath.Join(dir, p), []byte("junk"), 0o644))
	}
	res, err := scan.Scan([]string{dir}, scan.Options{Exclude: []string{"skip", filepath.ToSlash(dir) + "/b/z*"}})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range res.Entries {
		rel, _ := filepath.Rel(dir, e.Path)
		got = append(got, filepath.ToSlash(rel))
	}
	if want := []string{"a/x.so", "b/keep.so"}; !slices.Equal(got, want) || res.Excluded != 2 {
		t.Errorf("entries %v (excluded %d), want %v (excluded 2)", got, res.Excluded, want)
	}
	if _, err := scan.Scan([]string{dir}, scan.Options{Exclude: []string{"["}}); err == nil {
		t.Error("a malformed pattern: no error")
	}
}

// TestScanMounts: below a root, the walk does not enter a pseudo
// filesystem (devpts under /dev), and with OneFileSystem no other
// filesystem at all.
func TestScanMounts(t *testing.T) {
	var dev, pts syscall.Stat_t
	if syscall.Stat("/dev", &dev) != nil || syscall.Stat("/dev/pts", &pts) != nil || dev.Dev == pts.Dev {
		t.Skip("/dev/pts is not a mount point here")
	}
	res, err := scan.Scan([]string{"/dev"}, scan.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(res.NotEntered, scan.NotEntered{Path: "/dev/pts", Reason: "a pseudo filesystem (devpts)"}) {
		t.Errorf("/dev/pts entered: not entered %+v", res.NotEntered)
	}
	if res.SpecialSkipped == 0 {
		t.Error("no special file counted under /dev")
	}
	res, err = scan.Scan([]string{"/dev"}, scan.Options{OneFileSystem: true})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(res.NotEntered, scan.NotEntered{Path: "/dev/pts", Reason: "another filesystem (--one-file-system)"}) {
		t.Errorf("one file system: /dev/pts entered: not entered %+v", res.NotEntered)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
