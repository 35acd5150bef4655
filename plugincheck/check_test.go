package plugincheck_test

import (
	"strings"
	"testing"

	"github.com/soinspect/soinspect/elfinspect"
	"github.com/soinspect/soinspect/internal/specimen"
	"github.com/soinspect/soinspect/internal/testutil"
	"github.com/soinspect/soinspect/plugincheck"
)

func TestParseRequirement(t *testing.T) {
	tests := []struct {
		name, in string
		want     plugincheck.Requirement
		wantErr  bool
	}{
		{name: "func", in: "Run:func() string", want: plugincheck.Requirement{Name: "Run", Type: "func() string"}},
		{name: "var", in: " Count : *int ", want: plugincheck.Requirement{Name: "Count", Type: "*int"}},
		{name: "colon in type", in: "M:map[string]func(a, b int) (x, y string)", want: plugincheck.Requirement{Name: "M", Type: "map[string]func(a, b int) (x, y string)"}},
		{name: "no colon", in: "Run", wantErr: true},
		{name: "no type", in: "Run:", wantErr: true},
		{name: "no name", in: ":int", wantErr: true},
		{name: "bad name", in: "a.b:int", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := plugincheck.ParseRequirement(tt.in)
			if (err != nil) != tt.wantErr {
				t.Fatalf("ParseRequirement(%q) error %v, wantErr %v", tt.in, err, tt.wantErr)
			}
			if err == nil && got != tt.want {
				t.Errorf("ParseRequirement(%q) = %+v, want %+v", tt.in, got, tt.want)
			}
			if err == nil {
				if back, err := plugincheck.ParseRequirement(got.String()); err != nil || back != got {
					t.Errorf("round trip of %q: %+v, %v", got, back, err)
				}
			}
		})
	}
}

func TestOpenError(t *testing.T) {
	tests := []struct {
		name string
		v    plugincheck.Verdict
		want string
	}{
		{"ok", plugincheck.Verdict{Outcome: plugincheck.OutcomeOK}, ""},
		{"error", plugincheck.Verdict{Outcome: plugincheck.OutcomeError, Error: "plugin already loaded"}, `plugin.Open("dir/p"): plugin already loaded`},
		{"previous failure keeps .so", plugincheck.Verdict{Outcome: plugincheck.OutcomeError, Error: "x (previous failure)",
			Reasons: []plugincheck.Reason{{Code: plugincheck.ReasonPreviousFail}}}, `plugin.Open("dir/p.so"): x (previous failure)`},
		{"stub", plugincheck.Verdict{Outcome: plugincheck.OutcomeError, Error: "plugin: not implemented",
			Reasons: []plugincheck.Reason{{Code: plugincheck.ReasonHostNoCgo}}}, "plugin: not implemented"},
		{"crash", plugincheck.Verdict{Outcome: plugincheck.OutcomeCrash, Error: "fatal error: runtime: no plugin module data"}, "fatal error: runtime: no plugin module data"},
	}
	for _, tt := range tests {
		if got := tt.v.OpenError("dir/p.so"); got != tt.want {
			t.Errorf("%s: OpenError = %q, want %q", tt.name, got, tt.want)
		}
	}
}

// TestCheckOddInputs needs no build: the test binary is a Go program that
// does not link package plugin, and an executable as a plugin.
func TestCheckOddInputs(t *testing.T) {
	exe := specimen.Self(t)
	f, err := elfinspect.Open(exe)
	if err != nil {
		t.Skip(err)
	}
	defer f.Close()
	vs := plugincheck.NewChecker(f).CheckTogether([]*elfinspect.File{f, nil}, []plugincheck.Requirement{{Name: "Run", Type: "func()"}}).Verdicts
	if len(vs) != 2 {
		t.Fatalf("%d verdicts, want 2", len(vs))
	}
	for i, v := range vs {
		if v.Loadable || v.OK || len(v.Reasons) == 0 {
			t.Errorf("verdict %d = %+v, want a failure with reasons", i, v)
		}
	}
	if vs[0].Outcome != plugincheck.OutcomeCannotOpen || vs[0].Reasons[0].Code != plugincheck.ReasonHostNoPlugin {
		t.Errorf("host without plugin: %s %+v", vs[0].Outcome, vs[0].Reasons)
	}
	if vs[0].MeetsRequirements {
		t.Errorf("an executable meets a --require")
	}
	if got := plugincheck.NewChecker(nil).CheckTogether(nil, nil).Verdicts; len(got) != 0 {
		t.Errorf("no plugins: %d verdicts", len(got))
	}
}

// TestHostIsLibrary: a Go c-shared library is no program that calls
// plugin.Open; every verdict says to check the program that loads it.
func TestHostIsLibrary(t *testing.T) {
	f := testutil.OpenELF(t, specimen.Path(t, "kitchensink-cshared.so"))
	v := plugincheck.NewChecker(f).Check(f, nil)
	if v.Outcome != plugincheck.OutcomeCannotOpen || len(v.Reasons) == 0 {
		t.Fatalf("c-shared host: %+v", v)
	}
	found := false
	for _, r := range v.Reasons {
		found = found || r.Code == plugincheck.ReasonHostNotGo && strings.Contains(r.Message, "-buildmode=c-shared library")
	}
	if !found {
		t.Errorf("c-shared host: no host-is-a-library reason in %+v", v.Reasons)
	}
}
