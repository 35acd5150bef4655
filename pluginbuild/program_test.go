package pluginbuild

import (
	"context"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/soinspect/soinspect/elfinspect"
	"github.com/soinspect/soinspect/internal/specimen"
	"github.com/soinspect/soinspect/internal/testutil"
)

// The program that loads plugin1 built with -race and with -trimpath is
// built with the same flag, by the same toolchain.
func TestDeriveProgram(t *testing.T) {
	for _, c := range []struct{ specimen, flag string }{{"plugin1-race.so", "-race"}, {"plugin1-trimpath.so", "-trimpath"}} {
		bi, err := testutil.OpenELF(t, specimen.Path(t, c.specimen)).BuildInfo()
		if err != nil {
			t.Fatal(err)
		}
		if s := HashSettings(bi); !slices.Contains(s, c.flag+"=true") || !strings.HasPrefix(s[0], "go=go1.") {
			t.Errorf("%s: HashSettings = %q", c.specimen, s)
		}
		p, err := DeriveProgram(context.Background(), bi, Options{NoFetch: true})
		if err != nil {
			t.Fatal(err)
		}
		if args := p.BuildArgs("out"); !slices.Contains(args, c.flag) || p.Fatal() {
			t.Errorf("%s: go %q, problems %+v", c.specimen, args, p.Problems)
		}
	}
}

// A toolchain the go command cannot fetch is a fatal problem that names it.
func TestDeriveProgramToolchainUnavailable(t *testing.T) {
	bi := &elfinspect.BuildInfo{GoVersion: "go1.99.1", Settings: []elfinspect.BuildSetting{{Key: "CGO_ENABLED", Value: "1"}}}
	env := append(os.Environ(), "GOPROXY=off", "GOTOOLCHAIN=local")
	p, err := DeriveProgram(context.Background(), bi, Options{Env: env})
	if err != nil {
		t.Fatal(err)
	}
	if !p.Fatal() || len(p.Problems) == 0 || p.Problems[0].Code != ProblemToolchain ||
		!strings.Contains(p.Problems[0].Message, "the file was built by go1.99.1, which cannot be fetched here") {
		t.Errorf("problems: %+v", p.Problems)
	}
}
