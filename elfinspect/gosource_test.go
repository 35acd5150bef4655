package elfinspect_test

import (
	"bytes"
	"debug/elf"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/soinspect/soinspect/elfinspect"
	"github.com/soinspect/soinspect/internal/guard"
	"github.com/soinspect/soinspect/internal/specimen"
	"github.com/soinspect/soinspect/internal/testutil"
)

// TestSources reads this test binary's function table: the standard
// packages come from GOROOT/src (as go env GOROOT says), this package's
// test from its directory, and a package is found in the file table by
// its module when it has no functions of its own.
func TestSources(t *testing.T) {
	exe := specimen.Self(t)
	f := testutil.OpenELF(t, exe)
	src, err := f.Sources()
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("go", "env", "GOROOT").Output()
	if err != nil {
		t.Skip("no go command")
	}
	goroot := strings.TrimSpace(string(out))
	for _, pkg := range []string{"runtime", "fmt", "debug/elf"} {
		ps, ok := src.Package(pkg, nil)
		if !ok {
			t.Errorf("%s: not found", pkg)
			continue
		}
		if want := filepath.Join(goroot, "src", pkg); ps.Dir != want || ps.Trimmed() || !strings.HasPrefix(ps.File, want+"/") {
			t.Errorf("%s: %+v, want the directory %s", pkg, ps, want)
		}
	}
	wd, _ := os.Getwd()
	if ps, ok := src.Packages["github.com/soinspect/soinspect/elfinspect"]; !ok || ps.Dir != wd {
		t.Errorf("elfinspect: %+v, want %s", ps, wd)
	}
	if len(src.Files) == 0 {
		t.Error("no file table")
	}
	// The file table alone, as for a package whose code was all inlined.
	only := &elfinspect.Sources{Files: src.Files}
	if ps, ok := only.Package("fmt", nil); !ok || ps.Dir != filepath.Join(goroot, "src", "fmt") {
		t.Errorf("fmt from the file table: %+v", ps)
	}
	if _, ok := only.Package("example.com/nowhere", nil); ok {
		t.Error("found a package that is not there")
	}
}

// TestSourcesNotGo: a C library has no Go function table.
func TestSourcesNotGo(t *testing.T) {
	f, err := elfinspect.NewFile(bytes.NewReader(fixtureData(t, "clib")), int64(len(fixtureData(t, "clib"))))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Sources(); err != elfinspect.ErrNoPclntab {
		t.Errorf("err = %v, want ErrNoPclntab", err)
	}
}

func fixtureData(t *testing.T, name string) []byte {
	b, err := os.ReadFile(fixturePath(t, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestSourcesDamaged reads the function table of a Go program with bytes
// of its .gopclntab overwritten: each read returns (an error or what it
// found), without a panic or a hang. (A fuzz target would spend its time
// copying megabyte-sized Go programs; these mutations are the same
// every run.)
func TestSourcesDamaged(t *testing.T) {
	data := fixtureData(t, "goexe")
	ef, err := elf.NewFile(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	s := ef.Section(".gopclntab")
	if s == nil {
		t.Fatal("no .gopclntab")
	}
	// What users get: gosym's panics on a damaged table become errors.
	defer guard.SetOn(true)()
	r := rand.New(rand.NewSource(1))
	for i := 0; i < 40; i++ {
		d := append([]byte(nil), data...)
		for j := 0; j < 1+r.Intn(8); j++ {
			// The header and the function table's start, or anywhere.
			off := int(s.Offset) + r.Intn(int(min(s.Size, 4096)))
			if r.Intn(2) == 0 {
				off = int(s.Offset) + r.Intn(int(s.Size))
			}
			d[off] = byte(r.Intn(256))
		}
		f, err := elfinspect.NewFile(bytes.NewReader(d), int64(len(d)))
		if err != nil {
			continue
		}
		if src, err := f.Sources(); err == nil {
			src.Package("runtime", nil)
		}
	}
}
