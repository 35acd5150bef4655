package elfinspect_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/soinspect/soinspect/elfinspect"
	"github.com/soinspect/soinspect/internal/specimen"
	"github.com/soinspect/soinspect/internal/testutil"
)

// TestDemangleInOrder checks that the streaming demangler hands over every
// symbol once, in order, demangled exactly as Demangle does, and stops at
// the first error.
func TestDemangleInOrder(t *testing.T) {
	f := testutil.OpenELF(t, specimen.SysLib(t, "libstdc++.so.6"))
	syms, err := f.DynamicSymbols()
	if err != nil {
		t.Fatal(err)
	}
	want := slices.Clone(syms)
	elfinspect.Demangle(want)

	var got []elfinspect.Symbol
	err = elfinspect.DemangleInOrder(syms, func(part []elfinspect.Symbol) error {
		got = append(got, part...)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("got %d symbols, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i].Name != want[i].Name || got[i].Demangled != want[i].Demangled {
			t.Fatalf("symbol %d: got %q → %q, want %q → %q", i, got[i].Name, got[i].Demangled, want[i].Name, want[i].Demangled)
		}
	}

	stop := errors.New("stop")
	calls := 0
	err = elfinspect.DemangleInOrder(syms, func([]elfinspect.Symbol) error {
		calls++
		return stop
	})
	if !errors.Is(err, stop) || calls != 1 {
		t.Errorf("after an error: err %v, %d calls; want stop after 1", err, calls)
	}
	if err := elfinspect.DemangleInOrder(nil, func([]elfinspect.Symbol) error { t.Error("called on nothing"); return nil }); err != nil {
		t.Error(err)
	}
}

// TestDemangle checks that Demangle fills Demangled for C++ names only.
func TestDemangle(t *testing.T) {
	syms := []elfinspect.Symbol{{Name: "_ZN3foo3barEv", Lang: elfinspect.LangCXX}, {Name: "puts", Lang: elfinspect.LangC}}
	elfinspect.Demangle(syms)
	if syms[0].Demangled != "foo::bar()" || syms[1].Demangled != "" {
		t.Errorf("Demangle: %q, %q", syms[0].Demangled, syms[1].Demangled)
	}
}
