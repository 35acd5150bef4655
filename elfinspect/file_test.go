package elfinspect_test

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/soinspect/soinspect/elfinspect"
	"github.com/soinspect/soinspect/internal/specimen"
	"github.com/soinspect/soinspect/internal/testutil"
)

// patchSectionSize returns a copy of the ELF64 file data with the size of
// the named section set to size.
func patchSectionSize(t *testing.T, data []byte, name string, size uint64) []byte {
	t.Helper()
	ef, err := elf.NewFile(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	var shoff uint64
	var shentsize uint16
	binary.Read(bytes.NewReader(data[0x28:]), binary.LittleEndian, &shoff)
	binary.Read(bytes.NewReader(data[0x3a:]), binary.LittleEndian, &shentsize)
	for i, s := range ef.Sections {
		if s.Name == name {
			out := bytes.Clone(data)
			binary.LittleEndian.PutUint64(out[shoff+uint64(i)*uint64(shentsize)+32:], size)
			return out
		}
	}
	t.Fatalf("no section %s", name)
	return nil
}

func TestHostileInput(t *testing.T) {
	dir := t.TempDir()
	lib, err := os.ReadFile(fixturePath(t, "clib"))
	if err != nil {
		t.Fatal(err)
	}
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		specimen.WriteFile(t, p, data, 0o644)
		return p
	}
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	huge := uint64(1) << 40
	tests := []struct {
		name    string
		path    string
		openErr string // substring of Open's error, "" if Open succeeds
		symErr  string // substring of DynamicSymbols' error
	}{
		{"text", write("text", []byte("#!/bin/sh\necho hello\n")), "not an ELF file", ""},
		{"empty", write("empty", nil), "not an ELF file (empty)", ""},
		{"short header", write("short", lib[:20]), "truncated ELF file", ""},
		{"truncated", write("truncated", lib[:200]), "ELF file", ""},
		{"directory", dir, "not a regular file (a directory)", ""},
		{"dev zero", "/dev/zero", "not a regular file (a character device)", ""},
		{"fifo", fifo, "not a regular file (a FIFO)", ""},
		{"missing", filepath.Join(dir, "missing"), "no such file", ""},
		{"huge dynsym", write("hugedynsym", patchSectionSize(t, lib, ".dynsym", huge)), "", "extends past the end of the file"},
		{"huge dynstr", write("hugedynstr", patchSectionSize(t, lib, ".dynstr", huge)), "", "extends past the end of the file"},
		{"odd dynsym", write("odddynsym", patchSectionSize(t, lib, ".dynsym", 25)), "", "not a multiple of the symbol size"},
		{"huge shnum", write("hugeshnum", func() []byte {
			b := bytes.Clone(lib)
			binary.LittleEndian.PutUint16(b[0x3c:], 0xfeff)
			return b
		}()), "ELF file", ""},
		{"huge shoff", write("hugeshoff", func() []byte {
			b := bytes.Clone(lib)
			binary.LittleEndian.PutUint64(b[0x28:], huge)
			return b
		}()), "ELF file", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			start := time.Now()
			done := make(chan error, 1)
			go func() {
				f, err := elfinspect.Open(tt.path)
				if err == nil {
					_, err = f.DynamicSymbols()
					f.Kind()
					f.Close()
				}
				done <- err
			}()
			var err error
			select {
			case err = <-done:
			case <-time.After(10 * time.Second):
				t.Fatal("hangs")
			}
			runtime.ReadMemStats(&after)
			want := tt.openErr + tt.symErr
			switch {
			case err == nil:
				t.Fatalf("no error, want %q", want)
			case !strings.Contains(err.Error(), want):
				t.Errorf("error %q, want it to contain %q", err, want)
			case !strings.Contains(err.Error(), tt.path):
				t.Errorf("error %q does not name the file", err)
			case strings.Contains(err.Error(), "\n"):
				t.Errorf("error %q is not one line", err)
			}
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("took %v", d)
			}
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 16<<20 {
				t.Errorf("allocated %d bytes", alloc)
			}
			if tt.symErr != "" && !errors.As(err, new(*elfinspect.FormatError)) {
				t.Errorf("error %v is not a *FormatError", err)
			}
		})
	}
}

func TestNoSymbols(t *testing.T) {
	f := testutil.OpenELF(t, fixturePath(t, "core"))
	if _, err := f.DynamicSymbols(); !errors.Is(err, elfinspect.ErrNoSymbols) {
		t.Errorf("DynamicSymbols of a core file: %v, want ErrNoSymbols", err)
	}
	if _, err := f.StaticSymbols(); !errors.Is(err, elfinspect.ErrNoSymbols) {
		t.Errorf("StaticSymbols of a core file: %v, want ErrNoSymbols", err)
	}
}

// TestNewFile checks that a File read from memory lists the same symbols,
// and covers a 32-bit and a big-endian table.
func TestNewFile(t *testing.T) {
	for _, name := range []string{"go386", "gomips", "clib"} {
		p := fixturePath(t, name)
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		a, err := elfinspect.NewFile(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			t.Fatal(err)
		}
		b := testutil.OpenELF(t, p)
		sa, errA := a.StaticSymbols()
		sb, errB := b.StaticSymbols()
		if errA != nil || errB != nil || len(sa) == 0 || len(sa) != len(sb) {
			t.Errorf("%s: %d symbols (%v) from memory, %d (%v) from the file", name, len(sa), errA, len(sb), errB)
		}
		if name == "gomips" {
			if s := find(sa, "main.main"); s == nil || s.Letter != 'T' || s.Go == nil || s.Go.Name != "main" {
				t.Errorf("gomips: main.main = %+v", s)
			}
		}
	}
}
