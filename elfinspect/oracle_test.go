package elfinspect_test

import (
	"bufio"
	"bytes"
	"debug/elf"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/soinspect/soinspect/elfinspect"
	"github.com/soinspect/soinspect/internal/specimen"
	"github.com/soinspect/soinspect/internal/testutil"
)

// The oracle tests compare elfinspect symbol for symbol with readelf and nm
// on the fixtures, libc, libm, libstdc++ and the other libraries of the
// system library directory: all of them with SOINSPECT_TEST_FULL=1 (make
// test-full), else a fixed sample of oracleSample.

// oracleSample is how many other system libraries `make test` checks.
const oracleSample = 40

// oracleFiles returns the files the oracle tests check first (always), then
// the rest of the system library directory.
func oracleFiles(t *testing.T) (core, rest []string) {
	for _, name := range fixtureNames {
		if name == "core" {
			continue
		}
		core = append(core, fixturePath(t, name))
	}
	seen := map[string]bool{}
	for _, name := range []string{"libc.so.6", "libm.so.6", "libstdc++.so.6"} {
		p := specimen.SysLib(t, name)
		core = append(core, p)
		if r, err := filepath.EvalSymlinks(p); err == nil {
			seen[r] = true
		}
	}
	ms, _ := filepath.Glob("/usr/lib/x86_64-linux-gnu/*.so*")
	sort.Strings(ms)
	for _, m := range ms {
		r, err := filepath.EvalSymlinks(m)
		if err != nil || seen[r] {
			continue
		}
		seen[r] = true
		if st, err := os.Stat(r); err != nil || !st.Mode().IsRegular() || st.Size() < 64 {
			continue
		}
		if b, err := os.ReadFile(r); err != nil || !bytes.HasPrefix(b, []byte("\x7fELF")) {
			continue
		}
		rest = append(rest, r)
	}
	return core, rest
}

// readelfSym is one line of readelf -s -W.
type readelfSym struct {
	num                               int
	value                             uint64
	size                              uint64
	typ, bind, vis, ndx, name, rawTab string
}

var readelfLine = regexp.MustCompile(`^\s*(\d+): ([0-9a-f]+)\s+(0x[0-9a-f]+|\d+)\s+(<OS specific>: \d+|\S+)\s+(<OS specific>: \d+|\S+)\s+(\S+)\s+(?:\[[^\]]*\]\s+)?(UND|ABS|COM|\d+|[A-Z_]+(?:\[0x[0-9a-f]+\])?|OS \[0x[0-9a-f]+\]) ?(.*)$`)

// runReadelf returns readelf -s -W's symbols by table ("dynsym", "symtab").
// tool is readelf, or a cross binutils' (aarch64-linux-gnu-readelf).
func runReadelf(t *testing.T, tool, path string) map[string][]readelfSym {
	// -U escape: readelf mangles non-ASCII names (Go's "·") in a C locale.
	out, err := exec.Command(tool, "-s", "-W", "-U", "escape", path).Output()
	if err != nil {
		t.Fatalf("%s -s -W %s: %v", tool, path, err)
	}
	tabs := map[string][]readelfSym{}
	var tab string
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if rest, ok := strings.CutPrefix(line, "Symbol table '."); ok {
			tab = rest[:strings.IndexByte(rest, '\'')]
			continue
		}
		m := readelfLine.FindStringSubmatch(line)
		if m == nil || tab == "" {
			continue
		}
		num, _ := strconv.Atoi(m[1])
		value, _ := strconv.ParseUint(m[2], 16, 64)
		size, _ := strconv.ParseUint(m[3], 0, 64)
		// readelf names IFUNC and UNIQUE only for some OS ABIs.
		typ, bind := strings.Replace(m[4], "<OS specific>: 10", "IFUNC", 1), strings.Replace(m[5], "<OS specific>: 10", "UNIQUE", 1)
		tabs[tab] = append(tabs[tab], readelfSym{num: num, value: value, size: size, typ: typ, bind: bind, vis: m[6], ndx: m[7], name: m[8]})
	}
	return tabs
}

// checkReadelf compares one file with readelf and returns the number of
// symbols checked.
func checkReadelf(t *testing.T, path string) int { return checkReadelfWith(t, "readelf", path) }

// checkReadelfWith is checkReadelf with the readelf named by tool.
func checkReadelfWith(t *testing.T, tool, path string) int {
	f, err := elfinspect.Open(path)
	if err != nil {
		t.Errorf("%v", err)
		return 0
	}
	defer f.Close()
	want := runReadelf(t, tool, path)
	secs := f.ELF().Sections
	checked := 0
	for _, tab := range []elfinspect.Table{elfinspect.TableDynsym, elfinspect.TableSymtab} {
		got, err := f.Symbols(tab)
		w := want[tab.String()]
		if err != nil {
			if len(w) > 0 {
				t.Errorf("%s: %s: %v, readelf lists %d", path, tab, err, len(w))
			}
			continue
		}
		if len(w) > 0 && w[0].num == 0 {
			w = w[1:]
		}
		checked += compareRows(t, fmt.Sprintf("%s: .%s", path, tab), "readelf", len(got), len(w), func(i int) string {
			g, r := &got[i], w[i]
			name := g.Name
			if tab == elfinspect.TableDynsym {
				name = g.ReadelfName()
			}
			name = readelfEscape(name)
			sec := r.ndx
			if n, err := strconv.Atoi(r.ndx); err == nil && n < len(secs) {
				sec = secs[n].Name
			}
			if name != r.name && g.Type == elfinspect.TypeSection && g.Name == "" && r.name == g.Section {
				name = r.name // readelf names section symbols after their section
			}
			if name != r.name || g.Value != r.value || g.Size != r.size || g.Type.String() != r.typ ||
				g.Bind.String() != r.bind || g.Visibility.String() != r.vis || g.Section != sec {
				return fmt.Sprintf("[%d]:\n got %q %#x %d %s %s %s %s\nwant %q %#x %d %s %s %s %s",
					i+1, name, g.Value, g.Size, g.Type, g.Bind, g.Visibility, g.Section,
					r.name, r.value, r.size, r.typ, r.bind, r.vis, sec)
			}
			return ""
		})
	}
	return checked
}

// compareRows compares n symbols with the oracle's wantN, row by row:
// diff(i) describes how row i differs, "" when it agrees. It reports a
// count that differs once, else the first five rows that differ and how
// many did, and returns how many rows it compared.
func compareRows(t *testing.T, what, oracle string, n, wantN int, diff func(i int) string) int {
	t.Helper()
	if n != wantN {
		t.Errorf("%s: %d symbols, %s lists %d", what, n, oracle, wantN)
		return 0
	}
	bad := 0
	for i := range n {
		if d := diff(i); d != "" {
			if bad < 5 {
				t.Errorf("%s%s", what, d)
			}
			bad++
		}
	}
	if bad > 5 {
		t.Errorf("%s: %d symbols differ from %s", what, bad, oracle)
	}
	return n
}

// readelfEscape writes a name as readelf -U escape prints it.
func readelfEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r < 0x20:
			b.WriteByte('^')
			b.WriteRune(r + 0x40)
		case r == 0x7f:
			b.WriteString("^?")
		case r >= 0x80:
			fmt.Fprintf(&b, "\\u%04x", r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// nmSym is one line of nm -p.
type nmSym struct {
	value  uint64
	undef  bool
	letter byte
	name   string
}

// runNM runs nm (nm, or a cross binutils' nm, with its extra arguments:
// the first word of nm) with -p, and -D for the dynamic symbols.
func runNM(nm []string, path string, dynamic bool) ([]nmSym, error) {
	args := []string{"-p", path}
	if dynamic {
		args = []string{"-D", "-p", path}
	}
	out, err := exec.Command(nm[0], append(nm[1:len(nm):len(nm)], args...)...).Output()
	if err != nil {
		return nil, err
	}
	var syms []nmSym
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		var s nmSym
		rest := strings.TrimLeft(line, " ")
		if len(rest) < 2 {
			continue
		}
		if len(rest) == len(line) { // a value first
			v, r, ok := strings.Cut(rest, " ")
			if !ok {
				continue
			}
			s.value, _ = strconv.ParseUint(v, 16, 64)
			rest = r
		} else {
			s.undef = true
		}
		if len(rest) < 2 || rest[1] != ' ' {
			continue
		}
		s.letter, s.name = rest[0], rest[2:]
		syms = append(syms, s)
	}
	return syms, nil
}

// checkNM compares the nm letters of one file and returns the number of
// symbols checked. nm skips section and file symbols (BSF_DEBUGGING).
func checkNM(t *testing.T, path string) int { return checkNMWith(t, []string{"nm"}, path) }

// checkNMWith is checkNM with another nm command: a cross binutils' nm and
// its extra arguments.
func checkNMWith(t *testing.T, nm []string, path string) int {
	f, err := elfinspect.Open(path)
	if err != nil {
		t.Errorf("%v", err)
		return 0
	}
	defer f.Close()
	checked := 0
	for _, tab := range []elfinspect.Table{elfinspect.TableDynsym, elfinspect.TableSymtab} {
		got, err := f.Symbols(tab)
		if err != nil {
			continue
		}
		want, err := runNM(nm, path, tab == elfinspect.TableDynsym)
		if err != nil {
			t.Logf("%s: nm: %v (skipped)", path, err)
			continue
		}
		var shown []elfinspect.Symbol
		for _, s := range got {
			if s.Type != elfinspect.TypeSection && s.Type != elfinspect.TypeFile {
				shown = append(shown, s)
			}
		}
		checked += compareRows(t, fmt.Sprintf("%s: nm %s", path, tab), "nm", len(shown), len(want), func(i int) string {
			g, w := &shown[i], want[i]
			name := g.Name
			if tab == elfinspect.TableDynsym {
				name = g.NMName()
			}
			if name != w.name || byte(g.Letter) != w.letter || !w.undef && g.Value != w.value {
				return fmt.Sprintf("[%d]: got %c %#x %q (%s %s %s), nm says %c %#x %q",
					i, g.Letter, g.Value, name, g.Type, g.Bind, g.Section, w.letter, w.value, w.name)
			}
			return ""
		})
	}
	return checked
}

func TestReadelfOracle(t *testing.T) {
	specimen.NeedTool(t, "readelf")
	checkAgainstTool(t, "readelf", checkReadelf)
}

func TestNMOracle(t *testing.T) {
	specimen.NeedTool(t, "nm")
	checkAgainstTool(t, "nm", checkNM)
}

// checkAgainstTool runs check on every core file, then on the sample of
// the other system libraries (specimen.Sample), and logs how many files
// and symbols the oracle agreed on.
func checkAgainstTool(t *testing.T, oracle string, check func(*testing.T, string) int) {
	core, rest := oracleFiles(t)
	files, syms := 0, 0
	for _, p := range core {
		syms += check(t, p)
		files++
	}
	sample, which := specimen.Sample(rest, oracleSample)
	for _, p := range sample {
		syms += check(t, p)
		files++
	}
	t.Logf("%s agrees on %d files (system libraries: %s), %d symbols", oracle, files, which, syms)
}

// TestReadelfDynSyms checks the version strings of libc with readelf
// --dyn-syms, the listing the issue names, and the library of an undefined
// versioned symbol with readelf -V's needs.
func TestReadelfDynSyms(t *testing.T) {
	specimen.NeedTool(t, "readelf")
	p := specimen.SysLib(t, "libstdc++.so.6")
	out, err := exec.Command("readelf", "--dyn-syms", "-W", p).Output()
	if err != nil {
		t.Fatal(err)
	}
	f := testutil.OpenELF(t, p)
	syms, err := f.DynamicSymbols()
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, l := range strings.Split(string(out), "\n") {
		if m := readelfLine.FindStringSubmatch(l); m != nil && m[1] != "0" {
			lines = append(lines, m[8])
		}
	}
	if len(lines) != len(syms) {
		t.Fatalf("%d symbols, readelf --dyn-syms lists %d", len(syms), len(lines))
	}
	hidden, def, need := 0, 0, 0
	for i, s := range syms {
		if s.ReadelfName() != lines[i] {
			t.Errorf("[%d] %q, readelf says %q", i+1, s.ReadelfName(), lines[i])
		}
		switch {
		case s.Library != "":
			need++
			if s.Defined {
				t.Errorf("%s: defined symbol with a needed version", s.Name)
			}
		case s.Hidden:
			hidden++
		case s.Version != "":
			def++
		}
	}
	if need == 0 || def == 0 {
		t.Errorf("libstdc++: %d needed, %d default versions; want some of each", need, def)
	}
	libs := map[string]bool{}
	for _, s := range syms {
		if s.Library != "" {
			libs[s.Library] = true
		}
	}
	if !libs["libc.so.6"] {
		t.Errorf("no undefined symbol of libstdc++ needs a version from libc.so.6: %v", libs)
	}
	t.Logf("libstdc++: %d default, %d hidden, %d needed versions from %v", def, hidden, need, keys(libs))
}

func keys(m map[string]bool) string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return fmt.Sprint(ks)
}

// TestFixtureSymbols checks what the fixtures were built to contain.
func TestFixtureSymbols(t *testing.T) {
	f := testutil.OpenELF(t, fixturePath(t, "clib"))
	syms, err := f.DynamicSymbols()
	if err != nil {
		t.Fatal(err)
	}
	type want struct {
		letter  elfinspect.Letter
		version string
		hidden  bool
	}
	wants := map[string]want{
		"data_var":       {'D', "V1", false},
		"bss_var":        {'B', "", false},
		"rodata_var":     {'R', "", false},
		"tls_var":        {'D', "", false},
		"tls_bss":        {'B', "", false},
		"weak_var":       {'V', "", false},
		"weak_fn":        {'W', "", false},
		"weak_undef_fn":  {'w', "", false},
		"weak_undef_var": {'w', "", false}, // NOTYPE once linked
		"protected_fn":   {'T', "", false},
		"ifn":            {'i', "V2", false},
		"global_fn":      {'T', "V2", false},
	}
	found := map[string]bool{}
	vers := map[string]bool{}
	for _, s := range syms {
		if s.Name == "ver" {
			vers[s.NMName()] = true
			continue
		}
		w, ok := wants[s.Name]
		if !ok {
			continue
		}
		found[s.Name] = true
		if s.Letter != w.letter || s.Version != w.version && w.version != "" || s.Hidden != w.hidden {
			t.Errorf("%s: letter %c version %q hidden %v, want %c %q %v", s.Name, s.Letter, s.Version, s.Hidden, w.letter, w.version, w.hidden)
		}
	}
	for name := range wants {
		if !found[name] {
			t.Errorf("%s not in .dynsym", name)
		}
	}
	if !vers["ver@V1"] || !vers["ver@@V2"] {
		t.Errorf("versions of ver: %v, want ver@V1 and ver@@V2", keys(vers))
	}

	// A COMMON symbol in an object file, and the C++ unique symbol.
	o := testutil.OpenELF(t, fixturePath(t, "cobj"))
	osyms, err := o.StaticSymbols()
	if err != nil {
		t.Fatal(err)
	}
	if s := find(osyms, "common_var"); s == nil || s.Letter != 'C' || s.Section != "COM" || s.Type != elfinspect.TypeObject {
		t.Errorf("common_var in main.o: %+v, want letter C in COM", s)
	}
	x := testutil.OpenELF(t, fixturePath(t, "cxxlib"))
	xsyms, err := x.DynamicSymbols()
	if err != nil {
		t.Fatal(err)
	}
	if s := find(xsyms, "_ZZN2ns7counterEvE1n"); s == nil || s.Letter != 'u' || s.Bind != elfinspect.BindUnique || s.Lang != elfinspect.LangCXX {
		t.Errorf("ns::counter()::n: %+v, want a UNIQUE symbol with letter u", s)
	}
	elfinspect.Demangle(xsyms)
	if s := find(xsyms, "_ZN2ns3useERKNSt7__cxx1112basic_stringIcSt11char_traitsIcESaIcEEESt6vectorIiSaIiEE"); s == nil ||
		s.Demangled != "ns::use(std::__cxx11::basic_string<char, std::char_traits<char>, std::allocator<char> > const&, std::vector<int, std::allocator<int> >)" {
		t.Errorf("ns::use: %+v", s)
	}
	_ = elf.STT_FUNC
}

func find(syms []elfinspect.Symbol, name string) *elfinspect.Symbol {
	for i := range syms {
		if syms[i].Name == name {
			return &syms[i]
		}
	}
	return nil
}
