package ldso

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/soinspect/soinspect/internal/specimen"
)

// craft builds a minimal x86-64 shared object: one PT_LOAD mapping the
// whole file at address 0, a PT_DYNAMIC with the given DT_NEEDED names,
// DT_SONAME and DT_RPATH (when not empty). ld.so loads such a file.
func craft(soname string, needed []string, rpath string) []byte {
	var strs bytes.Buffer
	strs.WriteByte(0)
	add := func(s string) uint64 {
		off := uint64(strs.Len())
		strs.WriteString(s)
		strs.WriteByte(0)
		return off
	}
	type dyn struct{ tag, val uint64 }
	var dyns []dyn
	for _, n := range needed {
		dyns = append(dyns, dyn{uint64(elf.DT_NEEDED), add(n)})
	}
	if soname != "" {
		dyns = append(dyns, dyn{uint64(elf.DT_SONAME), add(soname)})
	}
	if rpath != "" {
		dyns = append(dyns, dyn{uint64(elf.DT_RPATH), add(rpath)})
	}
	const hdr = 64 + 2*56
	strOff := uint64(hdr)
	dynOff := (strOff + uint64(strs.Len()) + 7) &^ 7
	dyns = append(dyns, dyn{uint64(elf.DT_STRTAB), strOff}, dyn{uint64(elf.DT_STRSZ), uint64(strs.Len())}, dyn{})
	size := dynOff + uint64(16*len(dyns))
	b := make([]byte, size)
	le := binary.LittleEndian
	copy(b, elf.ELFMAG)
	b[elf.EI_CLASS], b[elf.EI_DATA], b[elf.EI_VERSION] = byte(elf.ELFCLASS64), byte(elf.ELFDATA2LSB), byte(elf.EV_CURRENT)
	le.PutUint16(b[16:], uint16(elf.ET_DYN))
	le.PutUint16(b[18:], uint16(elf.EM_X86_64))
	le.PutUint32(b[20:], uint32(elf.EV_CURRENT))
	le.PutUint64(b[32:], 64) // e_phoff
	le.PutUint16(b[52:], 64) // e_ehsize
	le.PutUint16(b[54:], 56) // e_phentsize
	le.PutUint16(b[56:], 2)  // e_phnum
	ph := func(i int, typ elf.ProgType, flags elf.ProgFlag, off, filesz, align uint64) {
		p := b[64+56*i:]
		le.PutUint32(p, uint32(typ))
		le.PutUint32(p[4:], uint32(flags))
		le.PutUint64(p[8:], off)
		le.PutUint64(p[16:], off)
		le.PutUint64(p[24:], off)
		le.PutUint64(p[32:], filesz)
		le.PutUint64(p[40:], filesz)
		le.PutUint64(p[48:], align)
	}
	ph(0, elf.PT_LOAD, elf.PF_R|elf.PF_W, 0, size, 0x1000)
	ph(1, elf.PT_DYNAMIC, elf.PF_R|elf.PF_W, dynOff, uint64(16*len(dyns)), 8)
	copy(b[strOff:], strs.Bytes())
	for i, d := range dyns {
		le.PutUint64(b[dynOff+uint64(16*i):], d.tag)
		le.PutUint64(b[dynOff+uint64(16*i)+8:], d.val)
	}
	return b
}

func writeFile(t testing.TB, path string, b []byte) string {
	specimen.WriteFile(t, path, b, 0o755)
	return path
}

// A cycle of DT_NEEDED entries loads each object once, as ld.so does.
func TestNeededCycle(t *testing.T) {
	needTools(t)
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "libcyc-a.so"), craft("libcyc-a.so", []string{"libcyc-b.so"}, "$ORIGIN"))
	writeFile(t, filepath.Join(dir, "libcyc-b.so"), craft("libcyc-b.so", []string{"libcyc-c.so"}, "$ORIGIN"))
	writeFile(t, filepath.Join(dir, "libcyc-c.so"), craft("libcyc-c.so", []string{"libcyc-a.so", "libcyc-b.so"}, "$ORIGIN"))
	res := sameAsLdd(t, filepath.Join(dir, "libcyc-a.so"), Config{})
	if len(res.Objects) != 3 {
		t.Errorf("%d objects, want 3: %v", len(res.Objects), ourPairs(t, res))
	}
	if _, err := Bind(res, BindOptions{Shadowed: true}); err != nil {
		t.Error(err)
	}
	if n := len(res.InitOrder()); n != 3 {
		t.Errorf("init order has %d objects, want 3", n)
	}
}

// Ten thousand DT_NEEDED entries and a 1 MB DT_RPATH: a bounded result,
// the same as ldd's for the first entries. The bound is shown by the work
// done, counted, not by the clock: the RPATH keeps maxSearchDirs
// directories and is probed once (none exists, so the path is dropped),
// then each name costs one probe per default directory and capability
// subdirectory; only the file and its interpreter are ever opened.
func TestTenThousandNeededAndHugeRPath(t *testing.T) {
	needTools(t)
	dir := t.TempDir()
	needed := make([]string, 10000)
	for i := range needed {
		needed[i] = fmt.Sprintf("libhostile%05d.so", i)
	}
	var rp strings.Builder
	for i := 0; rp.Len() < 1<<20; i++ {
		fmt.Fprintf(&rp, "/nonexistent/%07d:", i)
	}
	file := writeFile(t, filepath.Join(dir, "libmany.so"), craft("libmany.so", needed, rp.String()))
	res := load(t, file, Config{})
	caps := len(res.ld.caps)
	if limit := (maxSearchDirs + len(needed)*len(systemDirs)) * caps; res.ld.probes > limit {
		t.Errorf("%d directory probes, want at most %d", res.ld.probes, limit)
	}
	if limit := (maxSearchDirs + len(systemDirs)) * caps; len(res.ld.dirs) > limit {
		t.Errorf("%d directories looked up, want at most %d", len(res.ld.dirs), limit)
	}
	if res.ld.opened > 2 {
		t.Errorf("%d files opened, want 2 (the file and its interpreter)", res.ld.opened)
	}
	if got := len(res.Missing()); got != 10000 {
		t.Errorf("%d missing, want 10000", got)
	}
	for _, l := range res.Missing() {
		if len(l.Tried) > maxTried {
			t.Fatalf("%d paths recorded for %s", len(l.Tried), l.Name)
		}
	}
	// ldd agrees, on a smaller file of the same shape (ld.so itself takes
	// minutes over these: its name and directory lookups are quadratic).
	small := writeFile(t, filepath.Join(dir, "libsome.so"), craft("libsome.so", append(needed[:300:300], "libc.so.6", needed[7]), rp.String()[:20000]+"/usr/lib"))
	sameAsLdd(t, small, Config{})
}

// DT_NEEDED strings that are not terminated, offsets out of the string
// table, and a dynamic segment outside the file are errors, not panics:
// one line that names the file once and says what is wrong.
func TestMalformedDynamic(t *testing.T) {
	dir := t.TempDir()
	good := craft("", []string{"libc.so.6"}, "")
	// setDyn sets the value of the dynamic entry tag.
	setDyn := func(b []byte, tag elf.DynTag, v uint64) []byte {
		le := binary.LittleEndian
		for off := le.Uint64(b[64+56+8:]); off+16 <= uint64(len(b)); off += 16 {
			if elf.DynTag(le.Uint64(b[off:])) == tag {
				le.PutUint64(b[off+8:], v)
				return b
			}
		}
		t.Fatalf("no %v in the crafted file", tag)
		return nil
	}
	for _, c := range []struct {
		name   string
		mutate func([]byte) []byte
		want   string
	}{
		{"truncated", func(b []byte) []byte { return b[:len(b)-20] }, "dynamic segment: 64 bytes at offset 0xc0 lie past the end of the file"},
		{"unterminated", func(b []byte) []byte { return setDyn(b, elf.DT_STRSZ, uint64(len("\x00libc.so.6"))) }, "DT_NEEDED string at 0x1 is not terminated"},
		{"offset-outside", func(b []byte) []byte { return setDyn(b, elf.DT_NEEDED, 0x10000) }, "DT_NEEDED string offset 0x10000 is outside the string table"},
		{"phoff-beyond", func(b []byte) []byte { binary.LittleEndian.PutUint64(b[32:], 1<<40); return b }, "cannot read file data"},
		{"phnum-huge", func(b []byte) []byte { binary.LittleEndian.PutUint16(b[56:], 0xffff); return b }, "cannot read file data"},
	} {
		p := writeFile(t, filepath.Join(dir, c.name+".so"), c.mutate(append([]byte(nil), good...)))
		res, err := Load(p, Config{})
		if err == nil {
			res.Close()
			t.Errorf("%s: loaded, want an error saying %q", c.name, c.want)
			continue
		}
		if msg := err.Error(); msg != p+": "+c.want {
			t.Errorf("%s: error %q, want %q", c.name, msg, p+": "+c.want)
		}
	}
}

// FuzzLoad reads arbitrary bytes as the main object and as an
// ld.so.cache: errors, never a panic or a hang.
func FuzzLoad(f *testing.F) {
	f.Add(craft("libf.so", []string{"libc.so.6", "libf.so"}, "$ORIGIN:$LIB/x:/tmp"))
	f.Add(craft("", []string{"/nonexistent/lib.so", "lib${ORIGIN}.so"}, "::"))
	if b, err := os.ReadFile("/etc/ld.so.cache"); err == nil && len(b) < 1<<20 {
		f.Add(b)
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, b []byte) {
		if c, err := ParseCache(b); err == nil {
			c.Lookup("libc.so.6", 3)
			c.Entries()
		}
		p := filepath.Join(dir, "f.so")
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Skip(err)
		}
		// Inside an empty root: only the input is read, and it may need
		// itself, not the system's libraries.
		res, err := Load("/f.so", Config{Root: dir, NoPreloadFile: true})
		if err != nil {
			return
		}
		defer res.Close()
		CheckVersions(res)
		Bind(res, BindOptions{Shadowed: true})
		Bind(res, BindOptions{Shadowed: true, InPlace: true})
	})
}
