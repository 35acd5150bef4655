package cli

import (
	"runtime/debug"
	"strings"
	"testing"
)

// TestFormatVersion: the settings that decide a package's link hash are
// shown, unset booleans as false, and the VCS revision when there is one.
func TestFormatVersion(t *testing.T) {
	bi := &debug.BuildInfo{
		GoVersion: "go1.26.8",
		Main:      debug.Module{Path: "github.com/soinspect/soinspect", Version: "v1.2.3"},
		Deps:      []*debug.Module{{Path: "example.com/a", Version: "v1.0.0", Replace: &debug.Module{Path: "../a", Version: ""}}, {Path: "example.com/b", Version: "v0.1.0"}},
		Settings: []debug.BuildSetting{
			{Key: "-tags", Value: "netgo"}, {Key: "CGO_ENABLED", Value: "1"}, {Key: "GOAMD64", Value: "v3"},
			{Key: "vcs.revision", Value: "0123abcd"}, {Key: "vcs.modified", Value: "true"}, {Key: "unrelated", Value: "x"},
		},
	}
	got := formatVersion(bi)
	for _, want := range []string{
		"soinspect v1.2.3 built with go1.26.8\n", "  -trimpath      false\n", "  -race          false\n",
		"  -tags          netgo\n", "  GOAMD64        v3\n", "  vcs.revision   0123abcd\n", "  vcs.modified   true\n",
		"  example.com/a v1.0.0 => ../a\n", "  example.com/b v0.1.0\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("version text lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "unrelated") {
		t.Errorf("version text shows a setting that decides nothing:\n%s", got)
	}
}
