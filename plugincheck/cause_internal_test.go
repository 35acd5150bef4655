package plugincheck

import (
	"strings"
	"testing"

	"github.com/soinspect/soinspect/elfinspect"
)

func TestSplitModuleDir(t *testing.T) {
	for _, tt := range []struct {
		dir, mod, version, root string
		cache                   bool
	}{
		{"/root/go/pkg/mod/example.com/dep@v1.2.0/sub", "example.com/dep", "v1.2.0", "/root/go/pkg/mod", true},
		{"/root/go/pkg/mod/github.com/!azure/x@v0.1.0", "github.com/!azure/x", "v0.1.0", "/root/go/pkg/mod", true},
		{"example.com/dep@v1.2.0", "example.com/dep", "v1.2.0", "", false},
		{"/src/app/dep", "", "", "", false},
	} {
		mod, v, root, cache := splitModuleDir(tt.dir)
		if mod != tt.mod || v != tt.version || root != tt.root || cache != tt.cache {
			t.Errorf("splitModuleDir(%s) = %q %q %q %v", tt.dir, mod, v, root, cache)
		}
	}
}

// TestFromPaths names each cause from a pair of recorded paths; the real
// plugin.Open verdicts of these cases are in internal/compattest.
func TestFromPaths(t *testing.T) {
	bi := &elfinspect.BuildInfo{GoVersion: "go1.26.8", Main: elfinspect.Module{Path: "example.com/app"},
		Deps: []elfinspect.Module{{Path: "example.com/dep", Version: "v1.2.0"}}}
	src := func(dir, file string) elfinspect.PackageSource {
		return elfinspect.PackageSource{Dir: dir, File: dir + "/" + file}
	}
	for _, tt := range []struct {
		name, pkg    string
		host, plugin elfinspect.PackageSource
		cause        string
		remedy       string
	}{
		{"trimmed", "example.com/dep", src("/m/example.com/dep@v1.2.0", "d.go"), src("example.com/dep@v1.2.0", "d.go"), "trimmed in the plugin only", "without -trimpath"},
		{"trimmed host", "fmt", src("fmt", "print.go"), src("/usr/local/go/src/fmt", "print.go"), "trimmed in the host only", "with -trimpath"},
		{"vendored", "example.com/dep", src("/m/example.com/dep@v1.2.0", "d.go"), src("/p/vendor/example.com/dep", "d.go"), "vendored in the plugin", "-mod=mod"},
		{"vendored host", "example.com/dep", src("/h/vendor/example.com/dep", "d.go"), src("/m/example.com/dep@v1.2.0", "d.go"), "vendored in the host", "/h/vendor/example.com/dep"},
		{"goroot", "fmt", src("/usr/local/go/src/fmt", "print.go"), src("/opt/go/src/fmt", "print.go"), "different GOROOT paths: the host's Go is at /usr/local/go, the plugin's at /opt/go", "/usr/local/go"},
		{"module cache", "example.com/dep", src("/a/pkg/mod/example.com/dep@v1.2.0", "d.go"), src("/b/pkg/mod/example.com/dep@v1.2.0", "d.go"), "different module cache paths: the host's is /a/pkg/mod, the plugin's /b/pkg/mod", "GOMODCACHE=/a/pkg/mod"},
		{"version", "example.com/dep", src("/a/pkg/mod/example.com/dep@v1.2.0", "d.go"), src("/a/pkg/mod/example.com/dep@v1.3.0", "d.go"), "module example.com/dep: the host compiled v1.2.0, the plugin v1.3.0", "-require=example.com/dep@v1.2.0"},
		{"local dirs", "example.com/dep", src("/src/dep", "d.go"), src("/other/dep", "d.go"), "a local directory that differs", "/src/dep"},
		{"local vs cache", "example.com/dep", src("/src/dep", "d.go"), src("/a/pkg/mod/example.com/dep@v1.2.0", "d.go"), "the host compiled it from a local directory, the plugin from the module cache", "-replace=example.com/dep=/src/dep"},
		{"same local dir", "example.com/dep", src("/src/dep", "d.go"), src("/src/dep", "d.go"), "source changed between the two builds", "rebuild"},
		{"same cache path", "example.com/dep", src("/a/pkg/mod/example.com/dep@v1.2.0", "d.go"), src("/a/pkg/mod/example.com/dep@v1.2.0", "d.go"), "", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := newCauser(bi, bi)
			cause, remedy := c.fromPaths(tt.pkg, tt.host, tt.plugin)
			if tt.cause == "" {
				if cause != "" {
					t.Errorf("cause %q, want none", cause)
				}
				return
			}
			if !strings.Contains(cause, tt.cause) {
				t.Errorf("cause %q lacks %q", cause, tt.cause)
			}
			if !strings.Contains(remedy, tt.remedy) {
				t.Errorf("remedy %q lacks %q", remedy, tt.remedy)
			}
		})
	}
}

// TestCauseLocalSource: a directory replacement, as build info records it
// ("(devel)"), with nothing else differing, is named as local source.
func TestCauseLocalSource(t *testing.T) {
	bi := &elfinspect.BuildInfo{GoVersion: "go1.26.8", Main: elfinspect.Module{Path: "example.com/app"},
		Deps: []elfinspect.Module{{Path: "example.com/dep", Version: "v1.2.0", Replace: &elfinspect.Module{Path: "../dep", Version: "(devel)"}}}}
	if got := newCauser(bi, bi).cause("example.com/dep"); !strings.Contains(got, "built from local source") {
		t.Errorf("cause = %q", got)
	}
}

// TestSettingsDiffListNamesItsSides: a difference from an earlier plugin
// of a set names that plugin, not the host.
func TestSettingsDiffListNamesItsSides(t *testing.T) {
	trimmed := &elfinspect.BuildInfo{Settings: []elfinspect.BuildSetting{{Key: "-trimpath", Value: "true"}}}
	plain := &elfinspect.BuildInfo{}
	if got, want := settingsDiffList(trimmed, plain, "./p1.so's build", "this plugin"), "-trimpath: ./p1.so's build true, this plugin unset"; len(got) != 1 || got[0] != want {
		t.Errorf("settingsDiffList = %q, want [%q]", got, want)
	}
	if got, want := settingsDiffList(plain, trimmed, "host", "plugin"), "-trimpath: host unset, plugin true"; len(got) != 1 || got[0] != want {
		t.Errorf("settingsDiffList = %q, want [%q]", got, want)
	}
}
