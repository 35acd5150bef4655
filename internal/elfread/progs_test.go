package elfread_test

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/soinspect/soinspect/internal/elfread"
	"github.com/soinspect/soinspect/internal/specimen"
)

// systemObjects lists the regular ELF files of the system library
// directory and /usr/bin.
func systemObjects(t *testing.T) []string {
	var out []string
	for _, dir := range []string{"/usr/lib/x86_64-linux-gnu", "/usr/bin"} {
		ents, _ := os.ReadDir(dir)
		for _, e := range ents {
			if e.Type().IsRegular() {
				out = append(out, filepath.Join(dir, e.Name()))
			}
		}
	}
	if len(out) == 0 {
		t.Skip("no system library directory or /usr/bin")
	}
	return out
}

// The program headers and the dynamic entries read the loader's way agree
// with debug/elf's reading of the same files: every program header, and
// the DT_NEEDED names (debug/elf reads them from the .dynamic section).
func TestProgHeadersAndDynamicMatchDebugELF(t *testing.T) {
	files, which := specimen.Sample(systemObjects(t), 300)
	t.Logf("checking %s files", which)
	checked := 0
	for _, path := range files {
		ef, err := elf.Open(path)
		if err != nil {
			continue // not ELF
		}
		func() {
			defer ef.Close()
			f, err := os.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			fi, _ := f.Stat()
			var hdr [64]byte
			f.ReadAt(hdr[:], 0)
			is64 := ef.Class == elf.ELFCLASS64
			bo := ef.ByteOrder
			var off uint64
			var ent, n int
			if is64 {
				off, ent, n = bo.Uint64(hdr[32:]), int(bo.Uint16(hdr[54:])), int(bo.Uint16(hdr[56:]))
			} else {
				off, ent, n = uint64(bo.Uint32(hdr[28:])), int(bo.Uint16(hdr[42:])), int(bo.Uint16(hdr[44:]))
			}
			progs, err := elfread.ReadProgHeaders(f, fi.Size(), bo, is64, off, ent, n)
			if err != nil {
				t.Errorf("%s: %v", path, err)
				return
			}
			var want []elf.ProgHeader
			for _, p := range ef.Progs {
				want = append(want, p.ProgHeader)
			}
			if !slices.Equal(progs, want) {
				t.Errorf("%s: program headers\n%v\ndebug/elf reads\n%v", path, progs, want)
				return
			}
			checked++
			var dyn *elf.ProgHeader
			for i := range progs {
				if progs[i].Type == elf.PT_DYNAMIC {
					dyn = &progs[i]
				}
			}
			if dyn == nil || ef.SectionByType(elf.SHT_DYNAMIC) == nil {
				return
			}
			b := make([]byte, dyn.Filesz)
			if _, err := f.ReadAt(b, int64(dyn.Off)); err != nil {
				t.Errorf("%s: %v", path, err)
				return
			}
			wantNeeded, err := ef.ImportedLibraries()
			if err != nil {
				return
			}
			loads := elfread.Loads(progs)
			var strtab, strsz uint64
			var needed []uint64
			for tag, val := range elfread.DynEntries(b, bo, is64) {
				switch tag {
				case elf.DT_STRTAB:
					strtab = val
				case elf.DT_STRSZ:
					strsz = val
				case elf.DT_NEEDED:
					needed = append(needed, val)
				}
			}
			soff, avail, ok := loads.Offset(strtab)
			if !ok || strsz > avail {
				t.Errorf("%s: DT_STRTAB %#x (%d bytes) is in no PT_LOAD segment", path, strtab, strsz)
				return
			}
			strs := make([]byte, strsz)
			f.ReadAt(strs, int64(soff))
			var got []string
			for _, v := range needed {
				s := strs[v:]
				got = append(got, string(s[:bytes.IndexByte(s, 0)]))
			}
			if !slices.Equal(got, wantNeeded) { // nil and empty are equal
				t.Errorf("%s: DT_NEEDED %q, debug/elf reads %q", path, got, wantNeeded)
			}
		}()
	}
	if checked == 0 {
		t.Skip("no ELF file among " + which)
	}
}

// FuzzProgs reads arbitrary bytes as a program header table and as a
// dynamic segment, in both classes and byte orders: errors, never a panic,
// never more allocated than the input holds.
func FuzzProgs(f *testing.F) {
	if b, err := os.ReadFile("/bin/true"); err == nil {
		f.Add(b[:min(len(b), 4096)], uint64(64), uint16(56), uint16(13))
	}
	f.Add(make([]byte, 200), uint64(1<<63), uint16(56), uint16(0xffff))
	f.Fuzz(func(t *testing.T, b []byte, off uint64, ent, n uint16) {
		for _, bo := range []binary.ByteOrder{binary.LittleEndian, binary.BigEndian} {
			for _, is64 := range []bool{true, false} {
				progs, err := elfread.ReadProgHeaders(bytes.NewReader(b), int64(len(b)), bo, is64, off, int(ent), int(n))
				if err == nil && len(progs)*elfread.ProgHeaderSize(is64) > len(b) {
					t.Fatalf("%d program headers from %d bytes", len(progs), len(b))
				}
				loads := elfread.Loads(progs)
				loads.Offset(off)
				for range elfread.DynEntries(b, bo, is64) {
				}
			}
		}
	})
}
