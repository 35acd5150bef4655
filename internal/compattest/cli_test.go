package compattest

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/soinspect/soinspect/internal/scan"
)

func TestCheckCLI(t *testing.T) {
	setup(t)
	tests := []struct {
		name   string
		args   []string
		code   int
		stdout []string // substrings
		stderr string
	}{
		{"loadable", []string{"check", "host", "plugin.so"}, 0, []string{"loadable", "example.com/compat/plugin"}, ""},
		{"dependency", []string{"check", "host", "plugin-dep13.so"}, 1,
			[]string{"WILL FAIL", `plugin.Open("plugin-dep13")`, "different version of package", "example.com/dep", "v1.2.0", "v1.3.0"}, ""},
		{"trimpath, every package", []string{"check", "host", "plugin-trimpath.so"}, 1, []string{"internal/abi", "runtime", "trimmed in the plugin only (-trimpath)", "evidence: the host compiled example.com/dep"}, ""},
		{"mixed causes", []string{"check", "host-race", "plugin-dep13.so"}, 1,
			[]string{"the common cause of", "the common cause (below)", "-race: host true, plugin unset", "testdata/dep/v1.3.0/dep.go"}, ""},
		{"require met", []string{"check", "--require", "Run:func() string", "--require", "Count:*int", "host", "plugin.so"}, 0, []string{"loadable"}, ""},
		{"require type", []string{"check", "--require", "Count:int", "host", "plugin.so"}, 1, []string{"fails --require", "require 'Count:*int'"}, ""},
		{"require missing", []string{"check", "--require", "Nope:func()", "host", "plugin.so"}, 1, []string{"exports no Nope"}, ""},
		{"bad require", []string{"check", "--require", "Run", "host", "plugin.so"}, 2, nil, "NAME:TYPE"},
		{"no plugin", []string{"check", "host"}, 2, nil, "at least one PLUGIN"},
		{"missing file", []string{"check", "host", "nosuch.so", "plugin.so"}, 1, []string{"loadable"}, "nosuch.so"},
		{"host without plugin", []string{"check", "host-noplugin", "plugin.so"}, 1, []string{"host-no-plugin"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, errOut, code := runSoinspect(t, tt.args...)
			if code != tt.code {
				t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.code, out, errOut)
			}
			for _, s := range tt.stdout {
				if !strings.Contains(out, s) {
					t.Errorf("stdout lacks %q:\n%s", s, out)
				}
			}
			if tt.stderr != "" && !strings.Contains(errOut, tt.stderr) {
				t.Errorf("stderr lacks %q: %s", tt.stderr, errOut)
			}
		})
	}
}

func TestScanCLI(t *testing.T) {
	setup(t)
	dir := t.TempDir()
	place := map[string]string{
		"a/plugin.so":      "plugin.so",       // example.com/compat/plugin
		"b/plugin.so":      "plugin-dep13.so", // example.com/compat13/plugin: same name, other pluginpath
		"c/renamed.so":     "plugin.so",       // same pluginpath, other name
		"c/myplugin-c.so":  "cshared.so",      // a "plugin" that is c-shared
		"c/host.so":        "host",            // an executable named .so
		"c/noext":          "extra12.so",      // a plugin not named .so
		"c/libfake.so":     "",                // not ELF
		"c/truncated.so.1": "-",               // bad ELF
	}
	for dst, src := range place {
		p := filepath.Join(dir, dst)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		var err error
		switch src {
		case "":
			err = os.WriteFile(p, []byte("hello\n"), 0o644)
		case "-":
			err = os.WriteFile(p, []byte("\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x03\x00>\x00"), 0o644)
		default:
			err = copyFile(filepath.Join(work, src), p)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	out, errOut, code := runSoinspect(t, "scan", "--json", "--host", filepath.Join(work, "host"), dir)
	if code != 1 {
		t.Errorf("exit %d, want 1 (findings)", code)
	}
	if strings.Contains(errOut, "\r") || strings.Contains(errOut, "scanning:") {
		t.Errorf("progress drawn on a pipe: %q", errOut)
	}
	if !strings.Contains(errOut, "truncated.so.1") {
		t.Errorf("the bad ELF is not reported on stderr: %q", errOut)
	}
	var res scan.Result
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("scan --json: %v\n%s", err, out)
	}
	byFile := map[string]scan.Entry{}
	for _, e := range res.Entries {
		rel, _ := filepath.Rel(dir, e.Path)
		byFile[rel] = e
	}
	wantClass := map[string]scan.Class{
		"a/plugin.so": scan.ClassGoPlugin, "b/plugin.so": scan.ClassGoPlugin, "c/renamed.so": scan.ClassGoPlugin,
		"c/myplugin-c.so": scan.ClassGoCShared, "c/host.so": scan.ClassExecutable, "c/noext": scan.ClassGoPlugin,
		"c/libfake.so": scan.ClassNotELF,
	}
	for f, c := range wantClass {
		if byFile[f].Class != c {
			t.Errorf("%s: class %q, want %q", f, byFile[f].Class, c)
		}
	}
	wantFlags := map[string][]string{
		"a/plugin.so":     {scan.FindingSharedPluginPath, scan.FindingSharedName},
		"b/plugin.so":     {scan.FindingSharedName},
		"c/renamed.so":    {scan.FindingSharedPluginPath},
		"c/myplugin-c.so": {scan.FindingMisnamed},
		"c/host.so":       {scan.FindingMisnamed},
		"c/noext":         {scan.FindingMisnamed},
		"c/libfake.so":    {scan.FindingMisnamed},
	}
	for f, flags := range wantFlags {
		for _, fl := range flags {
			if !slices.Contains(byFile[f].Flags, fl) {
				t.Errorf("%s: flags %v lack %s", f, byFile[f].Flags, fl)
			}
		}
	}
	if c := byFile["a/plugin.so"].Check; c == nil || !c.Loadable {
		t.Errorf("a/plugin.so against the host: %+v, want loadable", c)
	}
	if c := byFile["b/plugin.so"].Check; c == nil || c.Loadable || c.FirstPackage() != "example.com/dep" {
		t.Errorf("b/plugin.so against the host: %+v, want a failure on example.com/dep", c)
	}
	if len(res.Errors) != 1 {
		t.Errorf("errors %+v, want the truncated ELF only", res.Errors)
	}
	// The table form says the same in words.
	table, _, _ := runSoinspect(t, "scan", dir)
	for _, s := range []string{"same-pluginpath", "same-name", "myplugin-c.so", "example.com/compat13/plugin"} {
		if !strings.Contains(table, s) {
			t.Errorf("scan table lacks %q:\n%s", s, table)
		}
	}
}
