package elfinspect_test

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/soinspect/soinspect/elfinspect"
	"github.com/soinspect/soinspect/internal/specimen"
	"github.com/soinspect/soinspect/internal/testutil"
)

// pluginNames returns the symbol names nm finds in the plugin fixture.
func pluginNames(t *testing.T) map[string]bool {
	t.Helper()
	specimen.NeedTool(t, "nm")
	out, err := exec.Command("nm", fixturePath(t, "goplugin")).Output()
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, line := range strings.Split(string(out), "\n") {
		if f := strings.Fields(line); len(f) >= 2 {
			names[f[len(f)-1]] = true
		}
	}
	return names
}

func TestParseGoName(t *testing.T) {
	names := pluginNames(t)
	const kit, gen = "example.com/kit%2ev2", "example.com/kit.v2/gen"
	tests := []struct {
		sym  string
		want elfinspect.GoName
	}{
		{kit + ".Adder", elfinspect.GoName{Package: "example.com/kit.v2", Name: "Adder", Kind: elfinspect.GoFunc}},
		{kit + ".Adder.func1", elfinspect.GoName{Package: "example.com/kit.v2", Name: "Adder.func1", Kind: elfinspect.GoClosure}},
		{kit + ".(*Counter).Inc", elfinspect.GoName{Package: "example.com/kit.v2", Receiver: "*Counter", Name: "Inc", Kind: elfinspect.GoMethod}},
		{kit + ".Counter.Get", elfinspect.GoName{Package: "example.com/kit.v2", Receiver: "Counter", Name: "Get", Kind: elfinspect.GoMethod}},
		{kit + ".init", elfinspect.GoName{Package: "example.com/kit.v2", Name: "init", Kind: elfinspect.GoInit}},
		{kit + ".init.0", elfinspect.GoName{Package: "example.com/kit.v2", Name: "init.0", Kind: elfinspect.GoInit}},
		{kit + ".init.1", elfinspect.GoName{Package: "example.com/kit.v2", Name: "init.1", Kind: elfinspect.GoInit}},
		{kit + "..inittask", elfinspect.GoName{Package: "example.com/kit.v2", Name: "inittask", Kind: elfinspect.GoInitTask}},
		{kit + ".Describe.func1·f", elfinspect.GoName{Package: "example.com/kit.v2", Name: "Describe.func1", Kind: elfinspect.GoFuncVal}},
		{kit + ".Hook", elfinspect.GoName{Package: "example.com/kit.v2", Name: "Hook", Kind: elfinspect.GoFunc}},
		{"local." + kit + ".(*Counter).Inc", elfinspect.GoName{Package: "example.com/kit.v2", Receiver: "*Counter", Name: "Inc", Kind: elfinspect.GoMethod}},
		{"local.go:(**_func).runtime.funcInfo", elfinspect.GoName{Name: "(**_func).runtime.funcInfo", Kind: elfinspect.GoLinker}},
		{gen + ".(*List[*strings.Builder]).Push", elfinspect.GoName{Package: gen, Receiver: "*List", Name: "Push", Kind: elfinspect.GoMethod, Generic: "[*strings.Builder]"}},
		{gen + ".(*List[go.shape.*uint8]).Len", elfinspect.GoName{Package: gen, Receiver: "*List", Name: "Len", Kind: elfinspect.GoMethod, Generic: "[go.shape.*uint8]"}},
		{gen + ".Pair[go.shape.string,go.shape.map[string][]int].Key", elfinspect.GoName{Package: gen, Receiver: "Pair", Name: "Key", Kind: elfinspect.GoMethod, Generic: "[go.shape.string,go.shape.map[string][]int]"}},
		{gen + ".Map[go.shape.int,go.shape.string]", elfinspect.GoName{Package: gen, Name: "Map", Kind: elfinspect.GoFunc, Generic: "[go.shape.int,go.shape.string]"}},
		{gen + "..dict.Map[int,string]", elfinspect.GoName{Package: gen, Name: "Map", Kind: elfinspect.GoDict, Generic: "[int,string]"}},
		{"internal/bytealg.IndexByte.abi0", elfinspect.GoName{Package: "internal/bytealg", Name: "IndexByte", Kind: elfinspect.GoFunc, ABI: "abi0"}},
		{"go:itab.*errors.errorString,error", elfinspect.GoName{Name: "*errors.errorString,error", Kind: elfinspect.GoItab}},
		{"type:*[]uint8", elfinspect.GoName{Name: "*[]uint8", Kind: elfinspect.GoType}},
		{"go:plugin.tabs", elfinspect.GoName{Name: "plugin.tabs", Kind: elfinspect.GoLinker}},
		{"go:link.pkghash.example.com/kit.v2", elfinspect.GoName{Name: "link.pkghash.example.com/kit.v2", Kind: elfinspect.GoLinker}},
		{"runtime.text", elfinspect.GoName{Package: "runtime", Name: "text", Kind: elfinspect.GoFunc}},
	}
	for _, tt := range tests {
		if !names[tt.sym] {
			t.Errorf("%q is not a symbol of the built plugin", tt.sym)
			continue
		}
		got, ok := elfinspect.ParseGoName(tt.sym)
		if !ok || got != tt.want {
			t.Errorf("ParseGoName(%q) =\n %+v, %v\nwant\n %+v", tt.sym, got, ok, tt.want)
		}
	}
}

func TestParseGoNameRejects(t *testing.T) {
	for _, sym := range []string{"", "main", "local.crosscall2", "completed.0", "crtstuff.c", "foo.cold", "memcpy.part.0",
		"__cxa_finalize@GLIBC_2.2.5", "pkg.", ".x", "pkg.(T", "_ZN3foo3barEv"} {
		if g, ok := elfinspect.ParseGoName(sym); ok {
			t.Errorf("ParseGoName(%q) = %+v, want failure", sym, g)
		}
	}
}

// TestGoSymbolsOfPlugin checks that every symbol of the plugin that is
// judged Go parses, that the plugin's own C and C++ symbols are not, and
// that the JSON "go" object is filled.
func TestGoSymbolsOfPlugin(t *testing.T) {
	f := testutil.OpenELF(t, fixturePath(t, "goplugin"))
	syms, err := f.StaticSymbols()
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[elfinspect.GoKind]int{}
	langs := map[elfinspect.Lang]int{}
	for _, s := range syms {
		langs[s.Lang]++
		if s.Lang == elfinspect.LangGo {
			if s.Go == nil {
				t.Errorf("%s: Lang go without Go", s.Name)
				continue
			}
			kinds[s.Go.Kind]++
		}
		if s.Lang != elfinspect.LangGo && s.Go != nil {
			t.Errorf("%s: Go set for lang %s", s.Name, s.Lang)
		}
	}
	for _, name := range []string{"crosscall2", "local.crosscall2", "_cgo_topofstack", "x_cgo_init", "__cxa_finalize@GLIBC_2.2.5"} {
		if s := find(syms, name); s != nil && s.Lang != elfinspect.LangC {
			t.Errorf("%s: lang %s, want c", name, s.Lang)
		}
	}
	if s := find(syms, "example.com/kit%2ev2.table"); s == nil || s.Go == nil || s.Go.Kind != elfinspect.GoVar {
		t.Errorf("example.com/kit%%2ev2.table: %+v, want a Go var", s)
	}
	for _, k := range []elfinspect.GoKind{elfinspect.GoFunc, elfinspect.GoVar, elfinspect.GoMethod, elfinspect.GoClosure,
		elfinspect.GoInit, elfinspect.GoInitTask, elfinspect.GoFuncVal, elfinspect.GoItab, elfinspect.GoType, elfinspect.GoDict, elfinspect.GoLinker} {
		if kinds[k] == 0 {
			t.Errorf("no Go symbol of kind %s in the plugin", k)
		}
	}
	t.Logf("langs %v, Go kinds %v", langs, kinds)
}
