package probe_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/soinspect/soinspect/internal/probe"
	"github.com/soinspect/soinspect/internal/specimen"
)

// callJSON runs the built soinspect's call --json with env added and
// decodes the report.
func callJSON(t *testing.T, env []string, args ...string) (probe.GoReport, string, int) {
	t.Helper()
	needFixtures(t)
	out, stderr, code, err := specimen.Run("", append(os.Environ(), env...), bin, append([]string{"call", "--json"}, args...)...)
	if err != nil {
		t.Fatalf("soinspect call %v: %v", args, err)
	}
	var rep probe.GoReport
	if out != "" {
		if err := json.Unmarshal([]byte(out), &rep); err != nil {
			t.Fatalf("call --json %v: %v\n%s\nstderr:\n%s", args, err, out, stderr)
		}
	}
	return rep, stderr, code
}

// plugin1 built three ways soinspect's own probe cannot load: call and
// compare run each in a probe host built to match, with the real
// plugin.Open; --host self shows that soinspect's own probe refuses it.
func TestMatchingProbeHosts(t *testing.T) {
	cases := []struct {
		specimen string
		want     string // in the host's description
	}{
		{"plugin1-trimpath.so", "with -trimpath"},
		{"plugin1-race.so", "with -race"},
		{"plugin1-go127.so", "probe host built for " + specimen.Go127},
	}
	for _, c := range cases {
		t.Run(c.specimen, func(t *testing.T) {
			if strings.Contains(c.specimen, "go127") {
				if ok, why := specimen.HaveGo127(); !ok {
					t.Skip(why)
				}
			}
			p := specimen.Path(t, c.specimen)
			rep, stderr, code := callJSON(t, nil, p, "Run")
			if code != 0 {
				t.Fatalf("call %s Run: exit %d\nstderr:\n%s", c.specimen, code, stderr)
			}
			if rep.Host == nil || rep.Host.Kind != probe.HostKindMatching || !strings.Contains(rep.Host.Description, c.want) {
				t.Errorf("call %s: host %+v, want a matching probe host %q", c.specimen, rep.Host, c.want)
			}
			// Why: the builds differ (and on the first use, the check's
			// prediction: plugin.Open's error, or the runtime's abort for
			// another release's plugin).
			if rep.Host != nil && !strings.Contains(rep.Host.Why, "soinspect with") {
				t.Errorf("call %s: why not soinspect's own probe: %q, want how the builds differ", c.specimen, rep.Host.Why)
			}
			if m, ok := rep.Step("open", ""); !ok || m.Err != "" {
				t.Errorf("call %s: plugin.Open: %+v", c.specimen, m)
			}
			if m, ok := rep.Step("result", "Run"); !ok || len(m.Values) != 1 || !strings.Contains(m.Values[0].Value, "Hello from plugin1") {
				t.Errorf("call %s: result %+v", c.specimen, m)
			}

			// The table says which host ran.
			out, _, code := soinspect(t, "call", p, "Run")
			wantContains(t, "call "+c.specimen, out, "probe host", c.want, "Hello from plugin1")
			if code != 0 {
				t.Errorf("call %s (table): exit %d", c.specimen, code)
			}

			out, stderr, code = soinspect(t, "compare", "--json", p)
			var cmp probe.Comparison
			if err := json.Unmarshal([]byte(out), &cmp); err != nil {
				t.Fatalf("compare --json %s: %v\n%s\nstderr:\n%s", c.specimen, err, out, stderr)
			}
			if code != 0 || !cmp.OK() || cmp.Go.Host == nil || cmp.Go.Host.Kind != probe.HostKindMatching {
				t.Errorf("compare %s: exit %d, ok %v, host %+v\nstderr:\n%s", c.specimen, code, cmp.OK(), cmp.Go.Host, stderr)
			}

			// The oracle: soinspect's own probe, the real plugin.Open,
			// refuses it (or dies of it).
			self, _, code := callJSON(t, nil, "--host", "self", p, "Run")
			if code != 1 || self.Host == nil || self.Host.Kind != probe.HostKindSelf {
				t.Errorf("call --host self %s: exit %d, host %+v; want exit 1 in soinspect's own probe", c.specimen, code, self.Host)
			}
			if e := self.OpenErr(); self.Outcome == probe.OutcomeFailed && !strings.Contains(e, "plugin was built with a different version of package") {
				t.Errorf("call --host self %s: plugin.Open error %q", c.specimen, e)
			}
		})
	}
}

// A plugin built like soinspect runs in soinspect's own probe.
func TestSelfProbeHost(t *testing.T) {
	rep, stderr, code := callJSON(t, nil, plugin1, "Run")
	if code != 0 || rep.Host == nil || rep.Host.Kind != probe.HostKindSelf || !strings.HasPrefix(rep.Host.Description, "soinspect's own probe") {
		t.Fatalf("call plugin1 Run: exit %d, host %+v\nstderr:\n%s", code, rep.Host, stderr)
	}
	// --host PATH: the probe host itself, as a user's program.
	user, stderr, code := callJSON(t, nil, "--host", rep.Host.Path, plugin1, "Run")
	if code != 0 || user.Host == nil || user.Host.Kind != probe.HostKindPath {
		t.Fatalf("call --host %s: exit %d, host %+v\nstderr:\n%s", rep.Host.Path, code, user.Host, stderr)
	}
}

// entries lists a probe host cache: its complete entries and what else
// is there (temporary directories, locks).
func entries(t *testing.T, dir string) (complete, tmp []string) {
	t.Helper()
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		switch {
		case strings.HasPrefix(e.Name(), "."):
			tmp = append(tmp, e.Name())
		case e.IsDir():
			complete = append(complete, e.Name())
		}
	}
	return complete, tmp
}

// A build killed midway leaves no entry; the next call builds it whole.
// A damaged entry is rebuilt, never run.
func TestProbeCacheKilledBuild(t *testing.T) {
	needFixtures(t)
	cache := t.TempDir()
	env := append(os.Environ(), probe.EnvCacheDir+"="+cache)
	cmd := exec.Command(bin, "call", plugin1, "Run")
	cmd.Env = env
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Wait until the build is under way (its source written), then kill
	// soinspect and the go command it started.
	building := false
	for i := 0; i < 2000 && !building; i++ {
		ms, _ := filepath.Glob(filepath.Join(cache, ".*.tmp-*", "src", "go.mod"))
		building = len(ms) > 0
		time.Sleep(5 * time.Millisecond)
	}
	syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	cmd.Wait()
	if !building {
		t.Fatal("the build never started")
	}
	complete, tmp := entries(t, cache)
	if len(complete) != 0 {
		t.Logf("the build finished before the kill: %v", complete)
	} else if len(tmp) == 0 {
		t.Errorf("after the kill: no temporary directory left: was the build under way?")
	}

	out, stderr, code, err := specimen.Run("", env, bin, "call", plugin1, "Run")
	if err != nil || code != 0 || !strings.Contains(out, "Hello from plugin1") {
		t.Fatalf("call after the killed build: exit %d, %v\n%s\nstderr:\n%s", code, err, out, stderr)
	}
	if len(complete) == 0 && !strings.Contains(stderr, "building a probe host for") {
		t.Errorf("call after the killed build did not say it builds:\n%s", stderr)
	}
	complete, tmp = entries(t, cache)
	if len(complete) != 1 {
		t.Fatalf("entries after the build: %v", complete)
	}
	for _, n := range tmp {
		if !strings.HasSuffix(n, ".lock") {
			t.Errorf("left behind: %s", n)
		}
	}

	// Damage the binary two ways: each time the next call rebuilds it.
	binPath := filepath.Join(cache, complete[0], "probehost")
	for _, damage := range []string{"truncated", "altered"} {
		data, err := os.ReadFile(binPath)
		if err != nil {
			t.Fatal(err)
		}
		if damage == "truncated" {
			data = data[:len(data)/2]
		} else {
			data[len(data)/2] ^= 0xff
		}
		if err := os.WriteFile(binPath, data, 0o755); err != nil {
			t.Fatal(err)
		}
		out, stderr, code, err := specimen.Run("", env, bin, "call", plugin1, "Run")
		if err != nil || code != 0 || !strings.Contains(out, "Hello from plugin1") {
			t.Fatalf("call with a %s probe host: exit %d, %v\n%s\nstderr:\n%s", damage, code, err, out, stderr)
		}
		if !strings.Contains(stderr, "building a probe host for") {
			t.Errorf("a %s probe host was not rebuilt:\n%s", damage, stderr)
		}
	}
}

// Concurrent soinspect processes share the cache: one builds, the others
// wait for it and use its result.
func TestProbeCacheConcurrent(t *testing.T) {
	needFixtures(t)
	cache := t.TempDir()
	env := append(os.Environ(), probe.EnvCacheDir+"="+cache)
	const n = 3
	var wg sync.WaitGroup
	var mu sync.Mutex
	builds := 0
	for i := 0; i < n; i++ {
		wg.Go(func() {
			out, stderr, code, err := specimen.Run("", env, bin, "call", plugin1, "Run")
			if err != nil || code != 0 || !strings.Contains(out, "Hello from plugin1") {
				t.Errorf("concurrent call: exit %d, %v\n%s\nstderr:\n%s", code, err, out, stderr)
			}
			mu.Lock()
			builds += strings.Count(stderr, "building a probe host for")
			mu.Unlock()
		})
	}
	wg.Wait()
	if builds != 1 {
		t.Errorf("%d processes built the probe host, want 1", builds)
	}
	if complete, _ := entries(t, cache); len(complete) != 1 {
		t.Errorf("entries: %v", complete)
	}
}

// Without the go command no probe host can be built: the error says so,
// and that --raw remains.
func TestProbeHostNoGo(t *testing.T) {
	needFixtures(t)
	env := append(os.Environ(), probe.EnvCacheDir+"="+t.TempDir(), "PATH="+t.TempDir())
	_, stderr, code, err := specimen.Run("", env, bin, "call", plugin1, "Run")
	if err != nil {
		t.Fatal(err)
	}
	if code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	wantContains(t, "call without go", stderr, "no probe host can load", "go command", "--raw")
	// The raw way needs no probe host.
	out, _, code, _ := specimen.Run("", env, bin, "call", "--raw", "--sig", "long()", plugin1, "Answer")
	if code != 0 {
		t.Errorf("call --raw without go: exit %d\n%s", code, out)
	}
}
