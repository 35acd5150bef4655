package goplugin_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/soinspect/soinspect/elfinspect"
	"github.com/soinspect/soinspect/goplugin"
	"github.com/soinspect/soinspect/internal/testutil"
)

// checkRuntimeTables holds the init tasks and package hashes the static
// reader gives against what the process holds after the real plugin.Open
// (testdata/pluginoracle): the same tasks with the same functions, all
// done; plugin.Open ran exactly the ones the static model says (those the
// host does not define: a task the plugin reaches through a global symbol
// the host defines is the host's, run before main); the same packages, each
// link-time hash equal to the runtime hash plugin.Open compared it with,
// read through the symbol the reader names. It returns how many tasks,
// tasks run by plugin.Open and hashes agreed.
func checkRuntimeTables(t *testing.T, pi *goplugin.Plugin, want *oracleReport, host string) (tasks, ran, hashes int) {
	t.Helper()
	hf := testutil.OpenELF(t, host)
	hostDefs := map[string]bool{}
	syms, err := hf.Symbols(elfinspect.TableDynsym)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range syms {
		if s.Defined {
			hostDefs[s.Name] = true
		}
	}

	bySym, byAddr := map[string]oracleTask{}, map[uint64]oracleTask{}
	for _, o := range want.InitTasks {
		bySym[o.Symbol] = o
		if o.InPlugin {
			byAddr[o.Addr] = o
		}
	}
	for _, it := range pi.InitTasks {
		o, ok := bySym[it.Symbol]
		if it.Symbol == "" {
			o, ok = byAddr[it.Addr]
		}
		if !ok {
			t.Errorf("init task of %s (%q at %#x): the process has no such task", it.Package, it.Symbol, it.Addr)
			continue
		}
		delete(bySym, o.Symbol)
		if o.State != 2 {
			t.Errorf("init task %s: state %d after plugin.Open, want 2 (done)", o.Symbol, o.State)
		}
		if want := strings.ReplaceAll(it.Package, ".", "%2e"); !strings.HasSuffix(o.Symbol, "..inittask") ||
			o.Symbol != want+"..inittask" && o.Symbol != it.Package+"..inittask" && !strings.HasSuffix(o.Symbol, "/"+lastElem(want)+"..inittask") {
			t.Errorf("init task of package %s is %s in the process", it.Package, o.Symbol)
		}
		var names []string
		for _, fn := range it.Funcs {
			names = append(names, fn.Name)
		}
		if !slices.Contains(names, "") && !slices.Equal(names, o.Funcs) {
			t.Errorf("init task %s: functions %q, the process's record holds %q", o.Symbol, names, o.Funcs)
		}
		hostRan := it.Interposable && hostDefs[it.Symbol]
		if hostRan == o.InPlugin {
			t.Errorf("init task %s: soinspect says run by the host %v (interposable %v), but the plugin's reference binds to its own record %v",
				o.Symbol, hostRan, it.Interposable, o.InPlugin)
		}
		tasks++
		if o.InPlugin {
			ran++
		}
	}
	for sym := range bySym {
		t.Errorf("the process holds init task %s, which soinspect does not list", sym)
	}

	pkgs := map[string]oracleHash{}
	for _, o := range want.PkgHashes {
		pkgs[o.Package] = o
	}
	for _, h := range pi.PackageHashes {
		o, ok := pkgs[h.Package]
		if !ok {
			t.Errorf("package hash of %s: the process has no go:link.pkghash.%s", h.Package, h.Package)
			continue
		}
		delete(pkgs, h.Package)
		if h.Hash != o.Hash {
			t.Errorf("package %s: hash %s, plugin.Open compared with %s", h.Package, h.Hash, o.Hash)
		}
		if h.RuntimeSymbol != "go:link.pkghash."+h.Package {
			t.Errorf("package %s: runtime symbol %q", h.Package, h.RuntimeSymbol)
		}
		if hostDefs[h.RuntimeSymbol] == o.InPlugin {
			t.Errorf("package %s: the host defines %s: %v, but the runtime hash is the plugin's own: %v", h.Package, h.RuntimeSymbol, hostDefs[h.RuntimeSymbol], o.InPlugin)
		}
		hashes++
	}
	for p := range pkgs {
		t.Errorf("the process holds a runtime hash of package %s, which soinspect does not list", p)
	}
	return tasks, ran, hashes
}

func lastElem(p string) string { return p[strings.LastIndexByte(p, '/')+1:] }
