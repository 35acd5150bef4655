package elfinspect_test

import (
	"bytes"
	"os"
	"testing"

	"github.com/soinspect/soinspect/elfinspect"
	"github.com/soinspect/soinspect/internal/specimen"
	"github.com/soinspect/soinspect/internal/testutil"
)

func TestKind(t *testing.T) {
	tests := []struct {
		name                        string
		class, endian, machine, typ string
	}{
		{"goplugin", "ELF64", "little", "X86_64", "DYN"},
		{"gocshared", "ELF64", "little", "X86_64", "DYN"},
		{"goexe", "ELF64", "little", "X86_64", "EXEC"},
		{"gopie", "ELF64", "little", "X86_64", "DYN"},
		{"go386", "ELF32", "little", "386", "EXEC"},
		{"gomips", "ELF32", "big", "MIPS", "EXEC"},
		{"clib", "ELF64", "little", "X86_64", "DYN"},
		{"cxxlib", "ELF64", "little", "X86_64", "DYN"},
		{"cexe", "ELF64", "little", "X86_64", "EXEC"},
		{"cpie", "ELF64", "little", "X86_64", "DYN"},
		{"cobj", "ELF64", "little", "X86_64", "REL"},
		{"core", "ELF64", "little", "X86_64", "CORE"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := testutil.OpenELF(t, fixturePath(t, tt.name))
			if got, want := f.Kind(), fixtures[tt.name].kind; got != want {
				t.Errorf("Kind() = %s, want %s", got, want)
			}
			got := [4]string{f.Class(), f.Endian(), f.Machine(), f.Type()}
			if want := [4]string{tt.class, tt.endian, tt.machine, tt.typ}; got != want {
				t.Errorf("Class, Endian, Machine, Type = %q, want %q", got, want)
			}
		})
	}
}

func TestKindSystemLibraries(t *testing.T) {
	for _, name := range []string{"libc.so.6", "libstdc++.so.6"} {
		f := testutil.OpenELF(t, specimen.SysLib(t, name))
		if got := f.Kind(); got != elfinspect.KindSharedLib {
			t.Errorf("%s: Kind() = %s, want %s", name, got, elfinspect.KindSharedLib)
		}
	}
}

// TestKindWithoutBuildSettings hides the -buildmode of the build info and
// checks the heuristics Kind falls back on.
func TestKindWithoutBuildSettings(t *testing.T) {
	for _, name := range []string{"goplugin", "gocshared", "goexe", "gopie"} {
		data, err := os.ReadFile(fixturePath(t, name))
		if err != nil {
			t.Fatal(err)
		}
		hidden := bytes.ReplaceAll(data, []byte("\nbuild\t-buildmode="), []byte("\nbuild\t-xxxxxxxxx="))
		if bytes.Equal(hidden, data) {
			t.Fatalf("%s: no -buildmode in the build info", name)
		}
		f, err := elfinspect.NewFile(bytes.NewReader(hidden), int64(len(hidden)))
		if err != nil {
			t.Fatal(err)
		}
		if got, want := f.Kind(), fixtures[name].kind; got != want {
			t.Errorf("%s without build settings: Kind() = %s, want %s", name, got, want)
		}
	}
}
