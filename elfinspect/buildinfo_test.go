package elfinspect_test

import (
	"testing"

	"github.com/soinspect/soinspect/elfinspect"
)

func TestModuleVersionID(t *testing.T) {
	for _, c := range []struct {
		m    elfinspect.Module
		want string
	}{
		{elfinspect.Module{Path: "ex.com/dep", Version: "v1.2.0"}, "v1.2.0"},
		{elfinspect.Module{Path: "ex.com/dep"}, "(devel)"},
		{elfinspect.Module{Path: "ex.com/dep", Version: "v1.2.0", Replace: &elfinspect.Module{Path: "../dep"}}, "v1.2.0 => ../dep"},
		{elfinspect.Module{Path: "ex.com/dep", Version: "v1.2.0", Replace: &elfinspect.Module{Path: "../dep", Version: "(devel)"}}, "v1.2.0 => ../dep"},
		{elfinspect.Module{Path: "ex.com/dep", Version: "v1.2.0", Replace: &elfinspect.Module{Path: "ex.com/fork", Version: "v1.3.0"}}, "v1.2.0 => ex.com/fork v1.3.0"},
	} {
		if got := c.m.VersionID(); got != c.want {
			t.Errorf("%+v: VersionID() = %q, want %q", c.m, got, c.want)
		}
	}
}
