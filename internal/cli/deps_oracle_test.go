package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strings"
	"testing"

	"github.com/soinspect/soinspect/internal/specimen"
)

// The system directories the ldd oracle sweeps.
var oracleDirs = []string{"/usr/lib/x86_64-linux-gnu", "/usr/bin"}

// oracleSample is how many files of the sweep `go test` checks; with
// SOINSPECT_TEST_FULL=1 every file is checked.
const oracleSample = 60

// elfFilesIn lists the regular ELF files directly in dirs, sorted.
func elfFilesIn(t testing.TB, dirs []string) []string {
	var out []string
	for _, d := range dirs {
		ents, err := os.ReadDir(d)
		if err != nil {
			continue
		}
		for _, e := range ents {
			if !e.Type().IsRegular() {
				continue
			}
			p := filepath.Join(d, e.Name())
			f, err := os.Open(p)
			if err != nil {
				continue
			}
			var magic [4]byte
			n, _ := f.Read(magic[:])
			f.Close()
			if n == 4 && string(magic[:]) == "\x7fELF" {
				out = append(out, p)
			}
		}
	}
	sort.Strings(out)
	return out
}

// sample returns every len(files)/n'th file, or all of them when
// SOINSPECT_TEST_FULL is set.
func sample(files []string, n int) []string {
	if os.Getenv("SOINSPECT_TEST_FULL") != "" || len(files) <= n {
		return files
	}
	step := len(files) / n
	var out []string
	for i := 0; i < len(files) && len(out) < n; i += step {
		out = append(out, files[i])
	}
	return out
}

var lddAddr = regexp.MustCompile(` \(0x[0-9a-f]+\)$`)

// lddOutput runs the real ldd on file and returns its output (stdout and
// stderr, as ldd itself merges them) without the load addresses and the
// vdso line.
func lddOutput(t testing.TB, file string) string {
	out, _ := exec.Command("ldd", file).CombinedOutput()
	var b strings.Builder
	for _, line := range strings.SplitAfter(string(out), "\n") {
		if line == "" || strings.Contains(line, "linux-vdso.so.1") {
			continue
		}
		nl := strings.HasSuffix(line, "\n")
		line = lddAddr.ReplaceAllString(strings.TrimSuffix(line, "\n"), "")
		b.WriteString(line)
		if nl {
			b.WriteString("\n")
		}
	}
	return b.String()
}

func depsLdd(file string) string {
	var out bytes.Buffer
	Main([]string{"deps", "--format", "ldd", file}, &out, &out)
	return out.String()
}

// TestDepsLddOracle holds `deps --format ldd` to ldd itself over the ELF
// files of the system library directory and /usr/bin: a sample of them in
// `go test`, all with SOINSPECT_TEST_FULL=1.
func TestDepsLddOracle(t *testing.T) {
	if runtime.GOOS != "linux" || runtime.GOARCH != "amd64" {
		t.Skip("the loader modelled is x86-64 glibc's")
	}
	specimen.NeedTool(t, "ldd")
	all := elfFilesIn(t, oracleDirs)
	if len(all) == 0 {
		t.Skip("no ELF files in", oracleDirs)
	}
	files := sample(all, oracleSample)
	bad := 0
	for _, f := range files {
		want, got := lddOutput(t, f), depsLdd(f)
		if got != want {
			bad++
			t.Errorf("%s: deps --format ldd differs from ldd\n--- ldd\n%s--- deps\n%s", f, want, got)
		}
	}
	t.Logf("deps --format ldd equals ldd for %d of %d files (of %d in %v)", len(files)-bad, len(files), len(all), oracleDirs)
}

// TestDepsUnusedOracle holds the unused direct dependencies of deps --json
// to `ldd -u` over the same sample.
func TestDepsUnusedOracle(t *testing.T) {
	if runtime.GOOS != "linux" || runtime.GOARCH != "amd64" {
		t.Skip("the loader modelled is x86-64 glibc's")
	}
	specimen.NeedTool(t, "ldd")
	files := sample(elfFilesIn(t, oracleDirs), oracleSample)
	bad, withUnused := 0, 0
	for _, f := range files {
		out, _ := exec.Command("ldd", "-u", f).CombinedOutput()
		var want []string
		if i := bytes.Index(out, []byte("Unused direct dependencies:\n")); i >= 0 {
			for _, l := range strings.Split(strings.TrimSpace(string(out[i+len("Unused direct dependencies:\n"):])), "\n") {
				want = append(want, strings.TrimSpace(l))
			}
		}
		var buf bytes.Buffer
		Main([]string{"deps", "--json", f}, &buf, &buf)
		var rep depsReport
		if err := json.Unmarshal(buf.Bytes(), &rep); err != nil {
			continue // not a dynamic object: ldd -u says nothing either
		}
		if len(want) > 0 {
			withUnused++
		}
		if strings.Join(rep.Unused, "\n") != strings.Join(want, "\n") {
			bad++
			t.Errorf("%s: unused %q, ldd -u says %q", f, rep.Unused, want)
		}
	}
	t.Logf("unused direct dependencies agree with ldd -u for %d of %d files (%d with some)", len(files)-bad, len(files), withUnused)
}
