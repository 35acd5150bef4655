package elfinspect_test

import (
	"bufio"
	"bytes"
	"debug/elf"
	"encoding/binary"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/soinspect/soinspect/elfinspect"
	"github.com/soinspect/soinspect/internal/specimen"
)

// damagedSrc is the library the damaged-file tests break: symbols in every
// kind of segment (code, read-only data, data, bss, TLS data and bss),
// versions defined (default and hidden) and needed from libc.
const damagedSrc = `
int printf(const char *, ...);          /* no headers: the ELF32 build has */
char *strcpy(char *, const char *);     /* no 32-bit libc to take them from */
int data_var = 1;
int bss_var;
const int rodata_var = 2;
__thread int tls_data = 3;
__thread int tls_bss;
__attribute__((weak)) int weak_fn(void) { return 4; }
__attribute__((visibility("protected"))) int protected_fn(void) { return 5; }
int v1_fn(void) { return 1; }
int v2_fn(void) { return 2; }
__asm__(".symver v1_fn, vfn@V1");
__asm__(".symver v2_fn, vfn@@V2");
static int (*pick(void))(void) { return v2_fn; }
int ifn(void) __attribute__((ifunc("pick")));
int say(const char *s, char *dst) { strcpy(dst, s); return printf("%s\n", s); }
`

const damagedMap = "V1 { local: v1_fn; v2_fn; }; V2 { global: *; } V1;\n"

// elfLayout is where the section header fields of the ELF header are, for
// the class of the little-endian file d.
func elfLayout(d []byte) (shoff uint64, shoffAt, shentsize, shnumAt, shstrndxAt int) {
	le := binary.LittleEndian
	if d[elf.EI_CLASS] == byte(elf.ELFCLASS32) {
		return uint64(le.Uint32(d[0x20:])), 0x20, 40, 0x30, 0x32
	}
	return le.Uint64(d[0x28:]), 0x28, 64, 0x3c, 0x3e
}

// damages are the ways the tests break a file's section headers; each
// returns a damaged copy of a little-endian ELF file.
var damages = []struct {
	name   string
	damage string // what File.Damage must say
	apply  func(d []byte) []byte
}{
	{"shoff-past-eof", "starts beyond the end of the file", func(d []byte) []byte {
		_, at, _, _, _ := elfLayout(d)
		if at == 0x20 {
			binary.LittleEndian.PutUint32(d[at:], uint32(len(d))+0x1000)
		} else {
			binary.LittleEndian.PutUint64(d[at:], uint64(len(d))+0x1000)
		}
		return d
	}},
	{"bad-shstrndx", "is out of range", func(d []byte) []byte {
		_, _, _, shnum, shstrndx := elfLayout(d)
		binary.LittleEndian.PutUint16(d[shstrndx:], binary.LittleEndian.Uint16(d[shnum:])+10)
		return d
	}},
	{"no-section-headers", "the file has no section header table", func(d []byte) []byte {
		_, at, _, shnum, _ := elfLayout(d)
		n := 8
		if at == 0x20 {
			n = 4
		}
		copy(d[at:at+n], make([]byte, n))         // e_shoff
		copy(d[shnum-2:shnum+4], make([]byte, 6)) // e_shentsize, e_shnum, e_shstrndx
		return d
	}},
	{"shstrtab-progbits", "has type SHT_PROGBITS, not SHT_STRTAB", func(d []byte) []byte {
		shoff, _, size, _, shstrndx := elfLayout(d)
		ndx := uint64(binary.LittleEndian.Uint16(d[shstrndx:]))
		binary.LittleEndian.PutUint32(d[shoff+ndx*uint64(size)+4:], uint32(elf.SHT_PROGBITS))
		return d
	}},
}

// A damagedBuild is one way to build damagedSrc.
type damagedBuild struct {
	name  string
	flags []string
	libc  bool // linked with libc, so it needs versions from it
}

var damagedBuilds = []damagedBuild{
	{"gnu-hash", []string{"-Wl,--hash-style=gnu"}, true},
	{"sysv-hash", []string{"-Wl,--hash-style=sysv"}, true},
	// ELF32 without libc, which may have no 32-bit copy here.
	{"elf32", []string{"-m32", "-nostdlib", "-Wl,--hash-style=gnu"}, false},
}

// buildDamagedSrc compiles damagedSrc into dir, or returns "" if the
// compiler cannot build this variant (no 32-bit support).
func buildDamagedSrc(t testing.TB, dir string, b damagedBuild) string {
	t.Helper()
	cc, err := exec.Command("go", "env", "CC").Output()
	if err != nil || len(bytes.Fields(cc)) == 0 {
		t.Skip("no C compiler")
	}
	src, vmap := filepath.Join(dir, "lib.c"), filepath.Join(dir, "lib.map")
	os.WriteFile(src, []byte(damagedSrc), 0o644)
	os.WriteFile(vmap, []byte(damagedMap), 0o644)
	out := filepath.Join(dir, "lib-"+b.name+".so")
	ccw := strings.Fields(string(cc))
	args := append(append(ccw[1:], "-shared", "-fPIC", "-O1", "-Wl,--version-script="+vmap), b.flags...)
	if out, err := exec.Command(ccw[0], append(args, src, "-o", out)...).CombinedOutput(); err != nil {
		if !b.libc {
			t.Logf("%s: not built: %v\n%s", b.name, err, out)
			return ""
		}
		t.Fatalf("cc: %v\n%s", err, out)
	}
	return out
}

// readelfDynamic returns the symbols `readelf --use-dynamic -s -W` lists
// from the dynamic segment, without the null symbol. (--dyn-syms lists
// nothing when the section header table lies beyond the end of the file.)
func readelfDynamic(t *testing.T, path string) []readelfSym {
	out, _ := exec.Command("readelf", "--use-dynamic", "-s", "-W", "-U", "escape", path).Output()
	var syms []readelfSym
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		m := readelfLine.FindStringSubmatch(sc.Text())
		if m == nil || m[1] == "0" {
			continue
		}
		num, _ := strconv.Atoi(m[1])
		value, _ := strconv.ParseUint(m[2], 16, 64)
		size, _ := strconv.ParseUint(m[3], 0, 64)
		typ, bind := strings.Replace(m[4], "<OS specific>: 10", "IFUNC", 1), strings.Replace(m[5], "<OS specific>: 10", "UNIQUE", 1)
		syms = append(syms, readelfSym{num: num, value: value, size: size, typ: typ, bind: bind, vis: m[6], ndx: m[7], name: m[8]})
	}
	return syms
}

func TestDamagedSections(t *testing.T) {
	specimen.NeedTool(t, "readelf")
	dir := t.TempDir()
	for _, b := range damagedBuilds {
		lib := buildDamagedSrc(t, dir, b)
		if lib == "" {
			continue
		}
		good, err := elfinspect.OpenUsingDynamic(lib)
		if err != nil {
			t.Fatal(err)
		}
		defer good.Close()
		if good.Damage != "" {
			t.Errorf("%s: Damage %q on a sound file", lib, good.Damage)
		}
		want, err := good.DynamicSymbols()
		if err != nil {
			t.Fatal(err)
		}
		data, err := os.ReadFile(lib)
		if err != nil {
			t.Fatal(err)
		}
		for _, dm := range damages {
			t.Run(b.name+"/"+dm.name, func(t *testing.T) {
				p := filepath.Join(dir, b.name+"-"+dm.name+".so")
				specimen.WriteFile(t, p, dm.apply(bytes.Clone(data)), 0o644)
				if f, err := elfinspect.Open(p); err == nil {
					if _, err := f.DynamicSymbols(); err == nil {
						t.Error("Open lists the damaged file's symbols; only OpenUsingDynamic should")
					}
					f.Close()
				}
				f, err := elfinspect.OpenUsingDynamic(p)
				if err != nil {
					t.Fatalf("OpenUsingDynamic: %v", err)
				}
				defer f.Close()
				if !strings.Contains(f.Damage, dm.damage) || !strings.Contains(f.Damage, "dynamic segment") {
					t.Errorf("Damage = %q, want it to say %q", f.Damage, dm.damage)
				}
				if f.Class() != good.Class() || f.Machine() != good.Machine() || f.Type() != "DYN" {
					t.Errorf("header: %s %s %s", f.Class(), f.Machine(), f.Type())
				}
				if _, err := f.StaticSymbols(); !errors.Is(err, elfinspect.ErrNoSymbols) {
					t.Errorf("StaticSymbols: %v, want ErrNoSymbols", err)
				}
				got, err := f.DynamicSymbols()
				if err != nil {
					t.Fatalf("DynamicSymbols: %v", err)
				}
				checkDamaged(t, good, want, got, readelfDynamic(t, p), b.libc)
			})
		}
	}
}

// checkDamaged compares the listing of a damaged file with readelf's and
// with the sound file's.
func checkDamaged(t *testing.T, good *elfinspect.File, want, got []elfinspect.Symbol, oracle []readelfSym, libc bool) {
	t.Helper()
	if len(got) != len(want) || len(got) != len(oracle) {
		t.Fatalf("%d symbols; the sound file has %d, readelf --use-dynamic lists %d", len(got), len(want), len(oracle))
	}
	versions, needed, letters := 0, 0, map[elfinspect.Letter]bool{}
	for i := range got {
		g, w, r := &got[i], &want[i], oracle[i]
		if g.ReadelfName() != r.name || g.Value != r.value || g.Size != r.size || g.Type.String() != r.typ ||
			g.Bind.String() != r.bind || g.Visibility.String() != r.vis || g.Section != r.ndx {
			t.Errorf("[%d] got %s %#x %d %s %s %s %s; readelf %s %#x %d %s %s %s %s", i+1,
				g.ReadelfName(), g.Value, g.Size, g.Type, g.Bind, g.Visibility, g.Section,
				r.name, r.value, r.size, r.typ, r.bind, r.vis, r.ndx)
		}
		sec := w.Section
		if n, err := strconv.Atoi(g.Section); err == nil && n < len(good.ELF().Sections) {
			sec = good.ELF().Sections[n].Name
		}
		if g.ReadelfName() != w.ReadelfName() || g.Library != w.Library || g.Letter != w.Letter ||
			g.Defined != w.Defined || g.Lang != w.Lang || sec != w.Section {
			t.Errorf("[%d] got %s (%s) %c in %s (%s); sound file %s (%s) %c in %s", i+1,
				g.ReadelfName(), g.Library, g.Letter, g.Section, sec, w.ReadelfName(), w.Library, w.Letter, w.Section)
		}
		if g.Version != "" {
			versions++
		}
		if g.Library != "" {
			needed++
		}
		letters[g.Letter] = true
	}
	if versions == 0 || libc && needed == 0 {
		t.Errorf("%d versions, %d of them needed from another library: want some of each", versions, needed)
	}
	for _, l := range "TRDBi" {
		if !letters[elfinspect.Letter(l)] {
			t.Errorf("no symbol of nm letter %c: the test library no longer covers every segment", l)
		}
	}
}
