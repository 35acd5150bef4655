package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"runtime"
	"sort"
	"strings"
	"testing"
)

// bindingsSample is how many executables and how many libraries `go test`
// holds to ld.so's own binding trace; SOINSPECT_TEST_FULL=1 takes all.
const bindingsSample = 12

type triple struct{ from, sym, to string }

var traceBinding = regexp.MustCompile("binding file (.+) \\[\\d+\\] to (.+) \\[\\d+\\]: \\w+ symbol `([^']+)'")

// ldsoBindings runs the real loader in trace mode with every relocation
// processed and returns its bindings as (from, symbol, to), leaving out
// the vdso's.
func ldsoBindings(t testing.TB, file string, library bool) (map[triple]bool, error) {
	var cmd *exec.Cmd
	if fi, err := os.Stat(file); err == nil && fi.Mode()&(os.ModeSetuid|os.ModeSetgid) != 0 {
		// A setuid or setgid program ignores LD_DEBUG: run it through the
		// loader, which then traces it as an ordinary file.
		library = true
	}
	if library {
		cmd = exec.Command("/lib64/ld-linux-x86-64.so.2", file)
	} else {
		cmd = exec.Command(file)
	}
	cmd.Env = []string{"LD_TRACE_LOADED_OBJECTS=1", "LD_WARN=yes", "LD_BIND_NOW=yes", "LD_DEBUG=bindings"}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.Run()
	out := map[triple]bool{}
	for _, line := range strings.Split(stderr.String(), "\n") {
		m := traceBinding.FindStringSubmatch(line)
		if m == nil || strings.Contains(m[1], "linux-vdso") || strings.Contains(m[2], "linux-vdso") {
			continue
		}
		out[triple{m[1], m[3], m[2]}] = true
	}
	if len(out) == 0 && !strings.Contains(stdout.String(), "=>") && !strings.Contains(stdout.String(), "ld-linux") {
		return nil, fmt.Errorf("nothing traced: %s", strings.TrimSpace(stderr.String()))
	}
	return out, nil
}

// depsBindings returns soinspect's bindings of file as (from, symbol, to).
func depsBindings(t testing.TB, file string) map[triple]bool {
	var out, errb bytes.Buffer
	Main([]string{"deps", "--bindings", "--json", file}, &out, &errb)
	var rep depsReport
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatalf("%s: deps --bindings --json: %v (stderr %s)", file, err, errb.String())
	}
	set := map[triple]bool{}
	for _, b := range rep.Bindings {
		if b.To != nil {
			set[triple{b.From, b.Symbol, *b.To}] = true
		}
	}
	return set
}

// TestDepsBindingsOracle holds deps --bindings to ld.so's binding trace
// (LD_TRACE_LOADED_OBJECTS=1 LD_WARN=yes LD_BIND_NOW=yes
// LD_DEBUG=bindings), as sets of (from, symbol, to), for a sample of
// /usr/bin's executables and the system library directory's libraries.
func TestDepsBindingsOracle(t *testing.T) {
	if runtime.GOOS != "linux" || runtime.GOARCH != "amd64" {
		t.Skip("the loader modelled is x86-64 glibc's")
	}
	if _, err := os.Stat("/lib64/ld-linux-x86-64.so.2"); err != nil {
		t.Skip("no x86-64 glibc loader")
	}
	exes := sample(elfFilesIn(t, []string{"/usr/bin"}), bindingsSample)
	var libs []string
	for _, f := range elfFilesIn(t, []string{"/usr/lib/x86_64-linux-gnu"}) {
		if strings.Contains(f, ".so") {
			libs = append(libs, f)
		}
	}
	libs = sample(libs, bindingsSample)
	var total, matched, files, exact int
	check := func(f string, library bool) {
		want, err := ldsoBindings(t, f, library)
		if err != nil {
			t.Logf("%s: skipped: %v", f, err)
			return
		}
		got := depsBindings(t, f)
		files++
		var missing, extra []string
		for k := range want {
			total++
			if got[k] {
				matched++
			} else {
				missing = append(missing, fmt.Sprintf("%s: %s -> %s", k.from, k.sym, k.to))
			}
		}
		for k := range got {
			if !want[k] {
				extra = append(extra, fmt.Sprintf("%s: %s -> %s", k.from, k.sym, k.to))
			}
		}
		if len(missing)+len(extra) == 0 {
			exact++
			return
		}
		sort.Strings(missing)
		sort.Strings(extra)
		t.Errorf("%s: %d bindings of ld.so missing, %d extra\nmissing: %s\nextra: %s", f, len(missing), len(extra),
			strings.Join(head(missing, 10), "\n  "), strings.Join(head(extra, 10), "\n  "))
	}
	for _, f := range exes {
		check(f, false)
	}
	for _, f := range libs {
		check(f, true)
	}
	if total > 0 {
		t.Logf("bindings: %d files exact of %d; %d of %d traced bindings matched (%.3f%%)", exact, files, matched, total, 100*float64(matched)/float64(total))
	}
}

func head(s []string, n int) []string {
	if len(s) > n {
		return append(s[:n:n], fmt.Sprintf("... and %d more", len(s)-n))
	}
	return s
}
