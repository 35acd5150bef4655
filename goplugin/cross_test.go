package goplugin_test

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/soinspect/soinspect/disasm"
	"github.com/soinspect/soinspect/goplugin"
	"github.com/soinspect/soinspect/internal/specimen"
	"github.com/soinspect/soinspect/internal/testutil"
)

// TestPluginKitchensinkArm64 reads kitchensink cross-built for arm64 (where
// the loader's relocations are R_AARCH64_*): the same exports and types as
// the amd64 build, the init tasks of the plugin's own packages in order,
// the package hashes and the ABI facts, with the .init_array entry that
// registers the module decoded (adrp+add of the moduledata's address).
// TestPluginOracle holds the exports, init tasks and hashes of the same
// file against the real plugin.Open under qemu-aarch64.
func TestPluginKitchensinkArm64(t *testing.T) {
	path := specimen.Path(t, "kitchensink-arm64.so", "kitchensink.so")
	// One open file for the anatomy and for the disassembly below.
	f := testutil.OpenELF(t, path)
	pi, err := goplugin.Read(f)
	if err != nil {
		t.Fatal(err)
	}
	const pp = kitchensinkPath

	if pi.Arch != "aarch64" || pi.Layout != "go1.26" || pi.PluginPathSource != "moduledata" || pi.PluginPath != pp || len(pi.Notes) > 0 {
		t.Errorf("arch %q, layout %q, source %q, pluginpath %q, notes %q", pi.Arch, pi.Layout, pi.PluginPathSource, pi.PluginPath, pi.Notes)
	}
	if v, _ := pi.Build.Setting("GOARCH"); v != "arm64" {
		t.Errorf("GOARCH setting %q", v)
	}
	// The exports do not depend on the machine.
	amd := readPlugin(t, specimen.Path(t, "kitchensink.so"))
	type export struct {
		Name, Kind, Type string
		Methods          []goplugin.Method
	}
	exports := func(p *goplugin.Plugin) (es []export) {
		for _, e := range p.Exports {
			es = append(es, export{e.Name, e.Kind, e.Type, e.Methods})
			if e.Addr == 0 || e.Size == 0 {
				t.Errorf("%s: export %s at %#x, size %d", p.Arch, e.Name, e.Addr, e.Size)
			}
		}
		return es
	}
	if a, b := exports(pi), exports(amd); !reflect.DeepEqual(a, b) {
		t.Errorf("arm64 exports differ from amd64's:\n%v\n%v", a, b)
	}

	checkKitchensinkInitTasks(t, pi)
	for _, h := range pi.PackageHashes {
		if len(h.Hash) != 16 || h.RuntimeSymbol != "go:link.pkghash."+h.Package {
			t.Errorf("package hash %+v", h)
		}
	}
	if len(pi.PackageHashes) == 0 {
		t.Errorf("no package hashes")
	}

	// ABI: one .init_array entry registers the module, and its code hands
	// runtime.addmoduledata the moduledata's address in x0.
	var reg []goplugin.InitArrayEntry
	for _, e := range pi.ABI.InitArray {
		if e.RegistersModule {
			reg = append(reg, e)
		}
	}
	if len(reg) != 1 || reg[0].Symbol != "go:link.addmoduledata" || pi.ABI.ABI0Wrappers == 0 || !slices.Equal(pi.ABI.Needed, []string{"libc.so.6"}) {
		t.Fatalf("ABI facts: %+v", pi.ABI)
	}
	d, err := disasm.New(f)
	if err != nil {
		t.Fatal(err)
	}
	l, err := d.At(reg[0].Addr, disasm.Options{Count: 2})
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Insts) != 2 || !strings.HasPrefix(l.Insts[0].Text, "adrp x0, ") || !strings.HasPrefix(l.Insts[1].Text, "add x0, x0, ") ||
		l.Insts[1].Target != pi.ModuledataAddr || pi.ModuledataAddr == 0 {
		t.Errorf("go:link.addmoduledata at %#x: %+v; want adrp+add of the moduledata at %#x", reg[0].Addr, l.Insts, pi.ModuledataAddr)
	} else {
		t.Logf("init_array registers the module: %s; %s (%s)", l.Insts[0].Text, l.Insts[1].Text, l.Insts[1].Note)
	}
}
