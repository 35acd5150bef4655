package disasm_test

import (
	"bufio"
	"bytes"
	"debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/soinspect/soinspect/disasm"
	"github.com/soinspect/soinspect/elfinspect"
	"github.com/soinspect/soinspect/internal/specimen"
	"github.com/soinspect/soinspect/internal/testutil"
)

func open(t testing.TB, path string) *disasm.Disassembler {
	t.Helper()
	f := testutil.OpenELF(t, path)
	d, err := disasm.New(f)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func openBytes(t testing.TB, b []byte) (*disasm.Disassembler, error) {
	t.Helper()
	f, err := elfinspect.NewFile(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	return disasm.New(f)
}

func lookupOne(t *testing.T, d *disasm.Disassembler, name string) disasm.Func {
	t.Helper()
	fns, err := d.Lookup(name)
	if err != nil {
		t.Fatal(err)
	}
	if len(fns) != 1 {
		t.Fatalf("Lookup(%q) = %d functions, want 1: %v", name, len(fns), fns)
	}
	return fns[0]
}

// TestGoPrologue reads the prologue of plugin1's first init function from
// the file: the stack-guard compare through R14, the branch to the
// morestack call, the call and the jump back, and the source line of the
// entry from the pclntab.
func TestGoPrologue(t *testing.T) {
	d := open(t, specimen.Path(t, "plugin1.so"))
	for _, name := range []string{"init.0", "plugin1.init.0", "github.com/soinspect/soinspect/plugins/plugin1.init.0"} {
		fn := lookupOne(t, d, name)
		if fn.Name != "github.com/soinspect/soinspect/plugins/plugin1.init.0" {
			t.Errorf("Lookup(%q) = %s", name, fn.Name)
		}
	}
	fns, err := d.Lookup("init")
	if err != nil || len(fns) != 2 || !strings.HasSuffix(fns[0].Name, ".init.0") || !strings.HasSuffix(fns[1].Name, ".init.1") {
		t.Fatalf("Lookup(init) = %v, %v; want plugin1's init.0 and init.1", fns, err)
	}
	l, err := d.Disassemble(fns[0], disasm.Options{Source: true})
	if err != nil {
		t.Fatal(err)
	}
	in := l.Insts
	if in[0].Text != "cmp 0x10(%r14),%rsp" || !strings.Contains(in[0].Prologue, "R14") {
		t.Errorf("first instruction %q labelled %q, want the stack check through R14", in[0].Text, in[0].Prologue)
	}
	if !strings.HasPrefix(in[1].Text, "jbe ") || !strings.Contains(in[1].Prologue, "morestack call at 0x"+strconv.FormatUint(in[len(in)-2].Addr, 16)) {
		t.Errorf("second instruction %q labelled %q, want the branch to the morestack call", in[1].Text, in[1].Prologue)
	}
	last := in[len(in)-1]
	call := in[len(in)-2]
	if !strings.HasPrefix(call.Note, "runtime.morestack_noctxt") || call.Prologue == "" {
		t.Errorf("morestack call %q note %q label %q", call.Text, call.Note, call.Prologue)
	}
	if last.Target != fns[0].Addr || last.Prologue == "" {
		t.Errorf("last instruction %q targets %#x, labelled %q; want the jump back to %#x", last.Text, last.Target, last.Prologue, fns[0].Addr)
	}
	// The entry's line is the line of the first "func init()" in main.go.
	want := ""
	src, _ := os.ReadFile("../plugins/plugin1/main.go")
	for i, line := range strings.Split(string(src), "\n") {
		if strings.HasPrefix(line, "func init()") {
			want = "plugins/plugin1/main.go:" + strconv.Itoa(i+1)
			break
		}
	}
	if want == "" || !strings.HasSuffix(in[0].Source, want) {
		t.Errorf("source of the entry = %q, want …%s", in[0].Source, want)
	}
	// Some GOT load in init.0 names what the loader writes there.
	got := false
	for _, i := range in {
		got = got || strings.HasPrefix(i.Note, "GOT entry of os.Stdout")
	}
	if !got {
		t.Errorf("no instruction of init.0 notes the GOT entry of os.Stdout")
	}
}

var (
	clibOnce sync.Once
	clibPath string
	clibErr  error
)

// clib builds testdata/clib.c once, with -g.
func clib(t *testing.T) string {
	t.Helper()
	specimen.NeedTool(t, "gcc")
	clibOnce.Do(func() {
		dir, err := os.MkdirTemp("", "disasm-clib-")
		if err != nil {
			clibErr = err
			return
		}
		clibPath = filepath.Join(dir, "clib.so")
		out, err := exec.Command("gcc", "-shared", "-fPIC", "-O1", "-g", "-o", clibPath, "testdata/clib.c").CombinedOutput()
		if err != nil {
			clibErr = err
			t.Logf("%s", out)
		}
	})
	if clibErr != nil {
		t.Fatal(clibErr)
	}
	t.Cleanup(func() {}) // the directory is left to the OS's temp cleaning: it is shared by tests
	return clibPath
}

// TestCAnnotations holds the notes of a C function to objdump's: the call
// through puts@plt, the GOT load of ext_counter, the static data by name;
// and its source lines to addr2line's.
func TestCAnnotations(t *testing.T) {
	path := clib(t)
	d := open(t, path)
	fn := lookupOne(t, d, "clib_greet")
	l, err := d.Disassemble(fn, disasm.Options{Source: true})
	if err != nil {
		t.Fatal(err)
	}
	notes := map[string]bool{}
	for _, in := range l.Insts {
		notes[in.Note] = true
	}
	for _, want := range []string{"puts@plt", "GOT entry of ext_counter", "message", "calls"} {
		if !notes[want] {
			t.Errorf("no instruction notes %q; notes: %v", want, notes)
		}
	}
	// The stub itself, by the name objdump gives it: it jumps through
	// puts's GOT slot.
	stub := lookupOne(t, d, "puts@plt")
	sl, err := d.Disassemble(stub, disasm.Options{})
	if err != nil || len(sl.Insts) == 0 || !strings.HasPrefix(sl.Insts[0].Text, "jmp *") || sl.Insts[0].Note != "GOT entry of puts" || sl.End != stub.Addr+stub.Size {
		t.Errorf("puts@plt: %+v, %v", sl, err)
	}

	specimen.NeedTool(t, "addr2line")
	var addrs []string
	for _, in := range l.Insts {
		addrs = append(addrs, strconv.FormatUint(in.Addr, 16))
	}
	out, err := exec.Command("addr2line", append([]string{"-e", path}, addrs...)...).Output()
	if err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for i := 0; sc.Scan(); i++ {
		want := sc.Text()
		if j := strings.Index(want, " ("); j > 0 {
			want = want[:j] // "(discriminator N)"
		}
		if got := l.Insts[i].Source; !strings.HasSuffix(want, got) || got == "" {
			t.Errorf("%#x: source %q, addr2line says %q", l.Insts[i].Addr, got, want)
		}
	}
}

// TestPLTNames names every stub of libc's .plt the way objdump does.
func TestPLTNames(t *testing.T) {
	specimen.NeedTool(t, "objdump")
	path := clib(t)
	d := open(t, path)
	l, err := d.At(lookupOne(t, d, "clib_greet").Addr, disasm.Options{Count: 8})
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range l.Insts {
		if strings.HasPrefix(in.Text, "call ") {
			out, _ := exec.Command("objdump", "-d", "--no-show-raw-insn", "--start-address=0x"+strconv.FormatUint(in.Addr, 16), "--stop-address=0x"+strconv.FormatUint(in.Addr+uint64(in.Len), 16), path).Output()
			if !strings.Contains(string(out), "<"+in.Note+">") {
				t.Errorf("call at %#x: note %q; objdump: %s", in.Addr, in.Note, out)
			}
		}
	}
}

// x86 code of the synthetic files: a 7-byte lea, a ret, padding.
var x86code = []byte{0x48, 0x8d, 0x3d, 0x10, 0x00, 0x00, 0x00, 0xc3, 0xcc, 0xcc}

// TestBadInput: an address outside any executable section, a symbol of
// size 0, a NOBITS code section, each a clear error; code cut short by the
// end of the section or of the file decodes as far as it can and says
// where it stopped.
func TestBadInput(t *testing.T) {
	base := synth{machine: elf.EM_X86_64, code: x86code, codeAddr: 0x1000, data: make([]byte, 16), dataAddr: 0x2000,
		syms: []synthSym{{name: "f", value: 0x1000, size: 8, typ: elf.STT_FUNC}, {name: "zero", value: 0x1007, typ: elf.STT_FUNC},
			{name: "var", value: 0x2000, size: 8, typ: elf.STT_OBJECT, shndx: 2}}}
	d, err := openBytes(t, base.build())
	if err != nil {
		t.Fatal(err)
	}
	l, err := d.Disassemble(lookupOneErr(t, d, "f"), disasm.Options{})
	if err != nil || len(l.Insts) != 2 || l.Insts[0].Text != "lea 0x10(%rip),%rdi" || l.Insts[1].Text != "ret" || l.Stopped != "" {
		t.Fatalf("f: %+v, %v", l, err)
	}
	for _, c := range []struct {
		name string
		run  func() error
		want string
	}{
		{"data address", func() error { _, err := d.At(0x2000, disasm.Options{}); return err }, "address 0x2000 is in section .data, which is not executable"},
		{"no section", func() error { _, err := d.At(0x9000, disasm.Options{}); return err }, "address 0x9000 is in no executable section"},
		{"data symbol", func() error { _, err := d.Disassemble(lookupOneErr(t, d, "var"), disasm.Options{}); return err }, "which is not executable"},
		{"size 0", func() error { _, err := d.Disassemble(lookupOneErr(t, d, "zero"), disasm.Options{}); return err }, "symbol zero has size 0: give --count N"},
		{"no symbol", func() error { _, err := d.Lookup("nosuch"); return err }, "no symbol nosuch"},
	} {
		if err := c.run(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want %q", c.name, err, c.want)
		}
	}
	if l, err := d.Disassemble(lookupOneErr(t, d, "zero"), disasm.Options{Count: 1}); err != nil || len(l.Insts) != 1 || l.Insts[0].Text != "ret" {
		t.Errorf("zero with a count: %+v, %v", l, err)
	}

	nobits := base
	nobits.nobits = true
	dn, _ := openBytes(t, nobits.build())
	if _, err := dn.At(0x1000, disasm.Options{}); err == nil || !strings.Contains(err.Error(), "no contents in the file (NOBITS)") {
		t.Errorf("NOBITS: %v", err)
	}

	// The section ends 3 bytes into the lea.
	cut := base
	cut.codeSize = 3
	dc, _ := openBytes(t, cut.build())
	l, err = dc.Disassemble(lookupOneErr(t, dc, "f"), disasm.Options{})
	if err != nil || len(l.Insts) != 0 || !strings.Contains(l.Stopped, "runs 5 bytes past the end of section .text") {
		t.Errorf("cut section: %+v, %v", l, err)
	}
	l, err = dc.At(0x1000, disasm.Options{Count: 4})
	if err != nil || len(l.Insts) != 0 || !strings.Contains(l.Stopped, "section .text ends at 0x1003: the 3 bytes at 0x1000 do not decode on their own") {
		t.Errorf("cut section, count: %+v, %v", l, err)
	}

	// An invalid byte at the very end of the section is "(bad)", as
	// objdump shows it, not code cut short.
	bad := synth{machine: elf.EM_X86_64, code: []byte{0xc3, 0x06}, codeAddr: 0x1000,
		syms: []synthSym{{name: "g", value: 0x1000, size: 2, typ: elf.STT_FUNC}}}
	db, _ := openBytes(t, bad.build())
	l, err = db.Disassemble(lookupOneErr(t, db, "g"), disasm.Options{})
	if err != nil || len(l.Insts) != 2 || !l.Insts[1].Bad || l.Insts[1].Text != "(bad)" || l.Stopped != "" {
		t.Errorf("bad byte at the end: %+v, %v", l, err)
	}

	// The file ends 9 bytes into the code: the lea and the ret decode.
	trunc := base
	trunc.atEnd = true
	trunc.codeSize = 64
	trunc.code = x86code[:9]
	dt, _ := openBytes(t, trunc.build())
	l, err = dt.At(0x1000, disasm.Options{Count: 8})
	if err != nil || len(l.Insts) != 3 || !strings.Contains(l.Stopped, "the file ends at offset") || !strings.Contains(l.Stopped, "decoding stopped at 0x1009") {
		t.Errorf("truncated file: %+v, %v", l, err)
	}
}

func lookupOneErr(t *testing.T, d *disasm.Disassembler, name string) disasm.Func {
	t.Helper()
	fns, err := d.Lookup(name)
	if err != nil || len(fns) != 1 {
		t.Fatalf("Lookup(%q) = %v, %v", name, fns, err)
	}
	return fns[0]
}

// TestSyntaxes prints one instruction in each syntax.
func TestSyntaxes(t *testing.T) {
	s := synth{machine: elf.EM_X86_64, code: x86code, codeAddr: 0x1000, syms: []synthSym{{name: "f", value: 0x1000, size: 8, typ: elf.STT_FUNC}}}
	d, err := openBytes(t, s.build())
	if err != nil {
		t.Fatal(err)
	}
	for syn, want := range map[disasm.Syntax]string{disasm.SyntaxGNU: "lea 0x10(%rip),%rdi", disasm.SyntaxIntel: "lea rdi, ptr [rip+0x10]", disasm.SyntaxGo: "LEAQ 0x10(IP), DI"} {
		l, err := d.At(0x1000, disasm.Options{Count: 1, Syntax: syn})
		if err != nil || l.Insts[0].Text != want {
			t.Errorf("%s: %+v, %v; want %q", syn, l, err, want)
		}
	}
}

// needCrossGCC skips unless aarch64-linux-gnu-gcc is installed.
func needCrossGCC(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("aarch64-linux-gnu-gcc"); err != nil {
		t.Skip("aarch64-linux-gnu-gcc not installed: the Debian package gcc-aarch64-linux-gnu is missing; .ci/install-deps installs it")
	}
}

// TestGoPrologueArm64: on arm64 the stack check reads g through X28, the
// GOT loads are adrp+ldr pairs, and the morestack call and jump back are
// labelled as on amd64.
func TestGoPrologueArm64(t *testing.T) {
	needCrossGCC(t)
	d := open(t, specimen.Path(t, "plugin1-arm64.so"))
	if d.Arch() != "arm64" {
		t.Fatalf("arch %s", d.Arch())
	}
	fn := lookupOne(t, d, "init.0")
	l, err := d.Disassemble(fn, disasm.Options{Source: true})
	if err != nil {
		t.Fatal(err)
	}
	in := l.Insts
	if in[0].Text != "ldr x16, [x28,#16]" || in[0].GReg != "X28" {
		t.Errorf("first instruction %q (g register %q), want the load of g.stackguard0 through X28", in[0].Text, in[0].GReg)
	}
	if !strings.HasPrefix(in[2].Text, "b.ls ") || !strings.Contains(in[2].Prologue, "morestack call at") {
		t.Errorf("third instruction %q labelled %q", in[2].Text, in[2].Prologue)
	}
	notes := map[string]bool{}
	back := false
	for _, i := range in {
		notes[i.Note] = true
		back = back || i.Target == fn.Addr && i.Prologue != ""
	}
	if !notes["GOT entry of os.Stdout"] || !notes["runtime.morestack_noctxt.abi0"] || !back {
		t.Errorf("notes %v, jump back labelled %v", notes, back)
	}
	if !strings.Contains(in[0].Source, "plugins/plugin1/main.go:") {
		t.Errorf("source %q", in[0].Source)
	}
}

// TestCAnnotationsArm64: the C specimen cross-built for arm64 names its
// call through puts@plt, its GOT load and its static data.
func TestCAnnotationsArm64(t *testing.T) {
	needCrossGCC(t)
	lib := filepath.Join(t.TempDir(), "clib-arm64.so")
	if out, err := exec.Command("aarch64-linux-gnu-gcc", "-shared", "-fPIC", "-O1", "-g", "-o", lib, "testdata/clib.c").CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	d := open(t, lib)
	l, err := d.Disassemble(lookupOne(t, d, "clib_greet"), disasm.Options{Source: true})
	if err != nil {
		t.Fatal(err)
	}
	notes := map[string]bool{}
	sources := map[string]bool{}
	for _, in := range l.Insts {
		notes[in.Note] = true
		sources[in.Source] = true
	}
	for _, want := range []string{"puts@plt", "GOT entry of ext_counter", "message"} {
		if !notes[want] {
			t.Errorf("no instruction notes %q; notes: %v", want, notes)
		}
	}
	if !sources["testdata/clib.c:13"] {
		t.Errorf("no instruction from clib.c:13 (calls++): %v", sources)
	}
}

// TestNamesAreQuoted: a name read from the file that holds control
// characters is quoted wherever a listing or an error shows it.
func TestNamesAreQuoted(t *testing.T) {
	evil := "evil\x1b[2J"
	s := synth{machine: elf.EM_X86_64, code: []byte{0xe8, 0xfb, 0xff, 0xff, 0xff, 0xc3}, codeAddr: 0x1000,
		syms: []synthSym{{name: evil, value: 0x1000, size: 6, typ: elf.STT_FUNC}, {name: "zero\x07", value: 0x1005, typ: elf.STT_FUNC}}}
	d, err := openBytes(t, s.build())
	if err != nil {
		t.Fatal(err)
	}
	l, err := d.Disassemble(lookupOne(t, d, evil), disasm.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if want := strconv.Quote(evil); l.Insts[0].Note != want {
		t.Errorf("note %q, want %q", l.Insts[0].Note, want)
	}
	_, err = d.Disassemble(lookupOne(t, d, "zero\x07"), disasm.Options{})
	if err == nil || strings.ContainsRune(err.Error(), 0x07) {
		t.Errorf("error %v holds the raw name", err)
	}
}

// TestConcurrentListings decodes plugin1's functions from several
// goroutines through one Disassembler, as the CLI does (run with -race).
func TestConcurrentListings(t *testing.T) {
	d := open(t, specimen.Path(t, "plugin1.so"))
	fns, err := d.Funcs()
	if err != nil {
		t.Fatal(err)
	}
	fns = fns[:min(len(fns), 200)]
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := g; i < len(fns); i += 4 {
				if _, err := d.Disassemble(fns[i], disasm.Options{Source: i%2 == 0}); err != nil {
					t.Error(err)
				}
				if _, err := d.Lookup("init"); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
}

// TestLookupNames: a symbol is found by its demangled C++ name, with or
// without parameters, and by its name with a version.
func TestLookupNames(t *testing.T) {
	d := open(t, specimen.SysLib(t, "libstdc++.so.6"))
	if fn := lookupOne(t, d, "std::terminate()"); fn.Name != "_ZSt9terminatev" {
		t.Errorf("std::terminate() is %s", fn.Name)
	}
	if fn := lookupOne(t, d, "std::uncaught_exceptions"); !strings.HasPrefix(fn.Name, "_ZSt19uncaught_exceptionsv") {
		t.Errorf("std::uncaught_exceptions is %s", fn.Name)
	}
	libc := open(t, specimen.SysLib(t, "libc.so.6"))
	a, b := lookupOne(t, libc, "puts"), lookupOne(t, libc, "puts@@GLIBC_2.2.5")
	if a.Addr != b.Addr || a.Addr == 0 {
		t.Errorf("puts at %#x, puts@@GLIBC_2.2.5 at %#x", a.Addr, b.Addr)
	}
}
