package report_test

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/soinspect/soinspect/elfinspect"
	"github.com/soinspect/soinspect/internal/guard"
	"github.com/soinspect/soinspect/internal/report"
	"github.com/soinspect/soinspect/internal/specimen"
	"github.com/soinspect/soinspect/internal/testutil"
)

// build reads path into a Report, failing the test on an error.
func build(t testing.TB, path string, opts report.Options) *report.Report {
	t.Helper()
	f := testutil.OpenELF(t, path)
	r, err := report.Build(f, opts)
	if err != nil {
		t.Fatalf("Build(%s): %v", path, err)
	}
	return r
}

// buildWithHost reads the specimen plugin into a Report with the specimen
// pluginhost as its host.
func buildWithHost(t *testing.T, plugin string) *report.Report {
	t.Helper()
	path := specimen.Path(t, plugin, "pluginhost")
	host, _ := specimen.Build("pluginhost")
	h := testutil.OpenELF(t, host)
	return build(t, path, report.Options{Host: h})
}

// cExecutable builds a small C program with debug info, once.
var cExecutable = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "soinspect-report-c-")
	if err != nil {
		return "", err
	}
	src := filepath.Join(dir, "hello.c")
	os.WriteFile(src, []byte(`#include <stdio.h>
static int counter;
static void bump(void) { counter++; }
int table[64] = {1};
int main(int argc, char **argv) { bump(); printf("hello %d %s\n", counter + table[0], argv[argc-1]); return 0; }
`), 0o644)
	exe := filepath.Join(dir, "hello")
	out, err := exec.Command(cc(), "-g", "-O0", "-o", exe, src).CombinedOutput()
	if err != nil {
		return "", &buildError{string(out), err}
	}
	return exe, nil
})

type buildError struct {
	out string
	err error
}

func (e *buildError) Error() string { return e.err.Error() + ": " + e.out }

func cc() string {
	if c, err := specimen.CC(); err == nil {
		return c
	}
	return "gcc"
}

func needC(t testing.TB) string {
	t.Helper()
	if _, err := exec.LookPath(cc()); err != nil {
		t.Skipf("no C compiler: %v", err)
	}
	exe, err := cExecutable()
	if err != nil {
		t.Fatal(err)
	}
	return exe
}

// readelfSections is the oracle: `readelf -SW`'s name, offset and size of
// every section but the null one.
func readelfSections(t *testing.T, path string) [][3]string {
	t.Helper()
	specimen.NeedTool(t, "readelf")
	out, err := exec.Command("readelf", "-SW", path).Output()
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`^\s*\[\s*(\d+)\]\s+(\S+)\s+\S+\s+[0-9a-f]+\s+([0-9a-f]+)\s+([0-9a-f]+)`)
	var secs [][3]string
	for _, line := range strings.Split(string(out), "\n") {
		m := re.FindStringSubmatch(line)
		if m == nil || m[1] == "0" {
			continue
		}
		secs = append(secs, [3]string{m[2], trimZeros(m[3]), trimZeros(m[4])})
	}
	return secs
}

func trimZeros(h string) string {
	v, _ := strconv.ParseUint(h, 16, 64)
	return strconv.FormatUint(v, 16)
}

// TestLayoutAndBytes: the sections are readelf's (name, offset, size: the
// compressed size of a compressed debug section), and the treemap's groups
// add up to the file size exactly, split into symbol bytes, unattributed
// section bytes and headers.
func TestLayoutAndBytes(t *testing.T) {
	files := map[string]string{
		"plugin1.so":     specimen.Path(t, "plugin1.so"),
		"libstdc++.so.6": specimen.SysLib(t, "libstdc++.so.6"),
		"C executable":   needC(t),
	}
	schemes := map[string]string{"plugin1.so": "Go package", "libstdc++.so.6": "C++ namespace", "C executable": "C source file"}
	for name, path := range files {
		t.Run(name, func(t *testing.T) {
			r := build(t, path, report.Options{})
			want := readelfSections(t, path)
			if len(want) != len(r.Layout.Sections) {
				t.Fatalf("%d sections, readelf lists %d", len(r.Layout.Sections), len(want))
			}
			for i, s := range r.Layout.Sections {
				got := [3]string{s.Name, strconv.FormatUint(s.Off, 16), strconv.FormatUint(s.Size, 16)}
				if got != want[i] {
					t.Errorf("section %d: %v, readelf says %v", i+1, got, want[i])
				}
			}
			b := r.Bytes
			if b.Scheme != schemes[name] {
				t.Errorf("grouped by %q, want %q", b.Scheme, schemes[name])
			}
			if b.InSymbols+b.Unattributed+b.Overhead != b.FileSize || b.FileSize != uint64(r.Identity.Size) {
				t.Errorf("in symbols %d + unattributed %d + overhead %d != file size %d (%d)", b.InSymbols, b.Unattributed, b.Overhead, b.FileSize, r.Identity.Size)
			}
			var sum, sec uint64
			for _, g := range b.Groups {
				sum += g.Size
				var leaves uint64
				for _, l := range g.Children {
					leaves += l.Size
				}
				if leaves != g.Size {
					t.Errorf("group %q: leaves add up to %d, the group is %d", g.Name, leaves, g.Size)
				}
			}
			for _, s := range r.Layout.Sections {
				sec += s.FileBytes()
			}
			if sum != b.FileSize {
				t.Errorf("groups add up to %d, the file is %d bytes", sum, b.FileSize)
			}
			if b.InSymbols+b.Unattributed != sec {
				t.Errorf("symbol bytes %d + unattributed %d != section bytes %d", b.InSymbols, b.Unattributed, sec)
			}
			if b.Symbols == 0 || len(b.Top) == 0 {
				t.Errorf("no symbol attributed")
			}
		})
	}
}

// TestGoGroups: a Go plugin's bytes go to its packages, the runtime the
// largest, the plugin's own package among them.
func TestGoGroups(t *testing.T) {
	r := build(t, specimen.Path(t, "plugin1.so"), report.Options{TopGroups: 1000})
	var runtime, own bool
	for _, g := range r.Bytes.Groups {
		runtime = runtime || g.Name == "runtime"
		own = own || g.Name == "github.com/soinspect/soinspect/plugins/plugin1"
	}
	if !runtime || !own {
		t.Errorf("groups lack runtime (%v) or the plugin's own package (%v)", runtime, own)
	}
	if r.Anatomy == nil || len(r.Anatomy.Exports) == 0 || len(r.Anatomy.Inits) == 0 {
		t.Fatalf("no plugin anatomy: %+v", r.Anatomy)
	}
	names := map[string]bool{}
	for _, m := range r.Anatomy.Places {
		names[m.Name] = true
		if strings.HasPrefix(m.Name, ".init_array[") {
			names[".init_array[i]"] = true
		}
		if m.Section < 0 {
			t.Errorf("%s at %#x is in no section", m.Name, m.Addr)
		}
	}
	for _, n := range []string{"moduledata", "ptab", "inittasks", "pkghashes", ".init_array[i]", "go:link.addmoduledata"} {
		if !names[n] {
			t.Errorf("no place for %s: %v", n, names)
		}
	}
}

// TestHostAgainstItself: with the host given, every package the two share
// has the same hash (same toolchain, same flags) and the verdict is that
// the plugin loads.
func TestHostAgainstItself(t *testing.T) {
	r := buildWithHost(t, "kitchensink.so")
	if v := r.Identity.Verdict; v == nil || !v.Loadable {
		t.Fatalf("verdict: %+v", v)
	}
	var same, ran int
	for _, row := range r.Anatomy.Hashes {
		if row.Status == "differs" {
			t.Errorf("%s differs from the host's: %+v", row.Package, row)
		}
		if row.Status == "same" {
			same++
		}
	}
	for _, s := range r.Anatomy.Inits {
		if s.HostRan {
			ran++
		}
	}
	if same == 0 || ran == 0 {
		t.Errorf("against the host: %d hashes the same, %d inits already run; want some of each", same, ran)
	}
	var buf bytes.Buffer
	if err := r.WriteHTML(&buf); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`id="identity"`, `id="layout"`, `id="bytes"`, `id="anatomy"`, "loads", "already run by the host"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("page lacks %q", want)
		}
	}
}

// TestDamagedFiles: a damaged plugin (cut short, or with bytes flipped in
// its headers and tables) gives an error or a page, never a panic.
func TestDamagedFiles(t *testing.T) {
	data, err := os.ReadFile(specimen.Path(t, "plugin1.so"))
	if err != nil {
		t.Fatal(err)
	}
	try := func(name string, b []byte) {
		f, err := elfinspect.NewFile(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			return
		}
		r, err := report.Build(f, report.Options{})
		if err != nil {
			return
		}
		var out bytes.Buffer
		if err := r.WriteHTML(&out); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	for _, n := range []int{64, 1000, len(data) / 3, len(data) / 2, len(data) - 100} {
		try("cut at "+strconv.Itoa(n), data[:n])
	}
	for seed := 1; seed <= 40; seed++ {
		b := bytes.Clone(data)
		// Flip bytes in the ELF header, the program headers and spread
		// through the file, deterministically.
		for k := 0; k < 24; k++ {
			i := (seed*7919 + k*104729*seed) % len(b)
			if k < 6 {
				i = 16 + (seed*31+k*17)%48
			}
			b[i] ^= byte(0x55 + seed + k)
		}
		try("flipped "+strconv.Itoa(seed), b)
	}
}

// TestManySections: a file with thousands of sections gives a page of
// bounded size: the largest sections are labelled, the first 2000 drawn
// and listed, and the rest counted.
func TestManySections(t *testing.T) {
	needC(t)
	dir := t.TempDir()
	var b strings.Builder
	for i := 0; i < 3000; i++ {
		fmt.Fprintf(&b, ".section .s%d,\"a\",@progbits\n.quad %d\n", i, i)
	}
	src := filepath.Join(dir, "many.s")
	os.WriteFile(src, []byte(b.String()), 0o644)
	so := filepath.Join(dir, "libmany.so")
	if out, err := exec.Command(cc(), "-shared", "-nostdlib", "-o", so, src).CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	r := build(t, so, report.Options{})
	var out bytes.Buffer
	if err := r.WriteHTML(&out); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(out.String(), `class="leader"`); n > 2*120+200 {
		t.Errorf("%d callouts", n)
	}
	if !strings.Contains(out.String(), "more sections not drawn or listed") {
		t.Errorf("the sections beyond the bound are not counted")
	}
	if out.Len() > 3<<20 {
		t.Errorf("a %d-byte page", out.Len())
	}
}

// TestLoadBareName: `report --load NAME` with NAME a file in the current
// directory finds the object in each child's maps (they name it by its
// absolute real path), in both columns.
func TestLoadBareName(t *testing.T) {
	specimen.Path(t, "plugin1.so", "soinspect")
	plugin1, _ := specimen.Build("plugin1.so")
	bin, _ := specimen.Build("soinspect")
	dir := t.TempDir()
	data, err := os.ReadFile(plugin1)
	if err != nil {
		t.Fatal(err)
	}
	specimen.WriteFile(t, filepath.Join(dir, "p.so"), data, 0o755)
	cmd := exec.Command(bin, "report", "--load", "-o", "out.html", "p.so")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	page, err := os.ReadFile(filepath.Join(dir, "out.html"))
	if err != nil {
		t.Fatal(err)
	}
	// The region's tooltip, once a column.
	if n := strings.Count(string(page), "p.so (the object)  0x"); n != 2 {
		t.Errorf("the object is named in %d columns, want 2", n)
	}
}

// TestHostDiffers: a plugin built with -trimpath, against a host built
// without, differs in its package hashes: the verdict says it fails as
// plugin.Open would, and the page highlights the differing rows.
func TestHostDiffers(t *testing.T) {
	r := buildWithHost(t, "kitchensink-trimpath.so")
	v := r.Identity.Verdict
	if v == nil || v.Loadable || v.FirstPackage() == "" {
		t.Fatalf("verdict: %+v", v)
	}
	differs := 0
	for _, row := range r.Anatomy.Hashes {
		if row.Status == "differs" {
			differs++
			if row.HostHash == "" || row.HostHash == row.Hash {
				t.Errorf("%s: %+v", row.Package, row)
			}
		}
	}
	if differs == 0 {
		t.Fatal("no package hash differs")
	}
	var buf bytes.Buffer
	if err := r.WriteHTML(&buf); err != nil {
		t.Fatal(err)
	}
	page := buf.String()
	if got := strings.Count(page, `<tr class="differs">`); got != differs {
		t.Errorf("%d rows highlighted, %d differ", got, differs)
	}
	if !strings.Contains(page, "would not load") || !strings.Contains(page, "plugin was built with a different version of package "+v.FirstPackage()) {
		t.Errorf("the verdict is not on the page")
	}
}

// TestGuard: a panic while reading the file reaches the caller in tests
// (the guard is off, so fuzzers and tests see it) and, with the guard on
// as in soinspect, becomes an error naming the file.
func TestGuard(t *testing.T) {
	path := specimen.Path(t, "plugin1.so")
	f := testutil.OpenELF(t, path)
	defer guard.Inject("goplugin.readPlugin")()
	func() {
		defer func() {
			if recover() == nil {
				t.Errorf("with the guard off, the panic did not reach the caller")
			}
		}()
		report.Build(f, report.Options{})
	}()
	defer guard.SetOn(true)()
	r, err := report.Build(f, report.Options{})
	if r != nil || err == nil || !strings.HasPrefix(err.Error(), path+": ") {
		t.Errorf("with the guard on: %v, %v", r, err)
	}
}
