package disasm_test

import (
	"bufio"
	"cmp"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/soinspect/soinspect/disasm"
	"github.com/soinspect/soinspect/internal/specimen"
)

// The objdump oracle: for the function symbols of libc, a Go plugin and
// libstdc++, the plain GNU listing must have objdump's instruction
// boundaries (100%) and objdump's mnemonic on at least 99% of the
// instructions, after the normalisations of normMnemonic. objdump runs
// once per file over every executable section, and its output is split by
// address, which gives the same lines as `objdump -d --no-show-raw-insn
// --disassemble=SYM` for each symbol: objdump decodes each symbol from its
// start.
//
// make test checks a deterministic sample of sampleSize functions per
// file; SOINSPECT_TEST_FULL=1 checks every one.

const sampleSize = 300

// objdumpLine is "  addr:\tinsn".
var objdumpLine = regexp.MustCompile(`^\s*([0-9a-f]+):\t(.*)$`)

// elidedMark is the text objdumpInsts gives an address objdump follows
// with "...": a block of zeros it does not print.
const elidedMark = "\x00..."

// objdumpInsts runs tool -d --no-show-raw-insn over path and returns each
// instruction's text by address. An instruction objdump follows with
// "..." (zeros it elides) is stored under its address with elidedMark
// appended.
func objdumpInsts(t *testing.T, tool, path string) map[uint64]string {
	t.Helper()
	cmd := exec.Command(tool, "-d", "--no-show-raw-insn", path)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	insts := map[uint64]string{}
	sc := bufio.NewScanner(out)
	sc.Buffer(nil, 1<<20)
	var last uint64
	for sc.Scan() {
		m := objdumpLine.FindStringSubmatch(sc.Text())
		if m == nil {
			if strings.TrimSpace(sc.Text()) == "..." && insts[last] != "" {
				insts[last] += elidedMark
			}
			continue
		}
		a, err := strconv.ParseUint(m[1], 16, 64)
		if err != nil {
			continue
		}
		insts[a] = m[2]
		last = a
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("%s -d %s: %v", tool, path, err)
	}
	return insts
}

// pcmpAlias is objdump's name for a vpcmp with a known predicate
// (vpcmpnequq): x86asm prints the base instruction and the predicate as
// an immediate.
var pcmpAlias = regexp.MustCompile(`^vpcmp(eq|lt|le|false|neq|nlt|nle|true)(b|w|d|q|ub|uw|ud|uq)$`)

// normMnemonic is the first word of an instruction, after the
// normalisations the oracle allows:
//   - prefixes printed as words of their own (rep, lock, cs, ds, data16,
//     notrack, bnd, rex.*) are dropped from both sides;
//   - objdump's predicate aliases of vpcmp (vpcmpnequq) become the base
//     instruction (vpcmpuq);
//   - an AArch64 ".inst 0x…" (objdump's word for what it cannot decode)
//     equals "(bad)";
//   - zeros objdump does not print (a "..." line after an instruction:
//     the padding of Go functions on arm64) may be instructions of
//     disasm's, counted apart.
func normMnemonic(text string) string {
	fs := strings.Fields(text)
	for len(fs) > 1 && isPrefix(fs[0]) {
		fs = fs[1:]
	}
	if len(fs) == 0 {
		return ""
	}
	mn := strings.ToLower(fs[0])
	if m := pcmpAlias.FindStringSubmatch(mn); m != nil {
		return "vpcmp" + m[2]
	}
	if mn == ".inst" || mn == "udf" && len(fs) > 1 {
		return "(bad)"
	}
	return mn
}

func isPrefix(w string) bool {
	switch w {
	case "rep", "repz", "repnz", "repe", "repne", "lock", "cs", "ds", "es", "ss", "fs", "gs",
		"data16", "data32", "addr32", "notrack", "bnd", "xacquire", "xrelease":
		return true
	}
	return strings.HasPrefix(w, "rex")
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return len(b) > 0
}

// oracleResult counts what the comparison found.
type oracleResult struct {
	funcs, insts, boundary, mnemonic int
	elided                           int            // zero words objdump elides as "...", which disasm shows
	pairs                            map[string]int // "objdump / ours" mnemonic pairs that differ
	examples                         []string
}

func compareWithObjdump(t *testing.T, tool, path string) oracleResult {
	t.Helper()
	d := open(t, path)
	fns, err := d.Funcs()
	if err != nil {
		t.Fatal(err)
	}
	if len(fns) == 0 {
		t.Fatalf("%s: no function symbols", path)
	}
	od := objdumpInsts(t, tool, path)
	r := oracleResult{pairs: map[string]int{}}
	// Functions spread evenly over fns (by address).
	sample, which := specimen.Sample(fns, sampleSize)
	t.Logf("%s: functions checked: %s", path, which)
	for _, fn := range sample {
		l, err := d.Disassemble(fn, disasm.Options{NoNotes: true})
		if err != nil {
			t.Errorf("%s: %v", fn.Name, err)
			continue
		}
		r.funcs++
		ours := make(map[uint64]disasm.Inst, len(l.Insts))
		for _, in := range l.Insts {
			ours[in.Addr] = in
		}
		elided := false // in a block of zeros objdump elides ("...")
		for a := fn.Addr; a < fn.Addr+fn.Size; a++ {
			o, inO := od[a]
			ui, inU := ours[a]
			u := ui.Text
			if inO {
				o, elided = strings.CutSuffix(o, elidedMark)
			}
			switch {
			case !inO && inU && elided && allZero(ui.Bytes):
				r.elided++
			case inO != inU:
				r.boundary++
				if len(r.examples) < 10 {
					r.examples = append(r.examples, fmt.Sprintf("%s %#x: objdump %q, disasm %q", fn.Name, a, o, u))
				}
			case inO:
				r.insts++
				if mo, mu := normMnemonic(o), normMnemonic(u); mo != mu {
					r.mnemonic++
					r.pairs[mo+" / "+mu]++
				}
			}
		}
	}
	return r
}

func (r oracleResult) check(t *testing.T, path string) {
	t.Helper()
	pct := 100 * float64(r.insts-r.mnemonic) / float64(max(r.insts, 1))
	t.Logf("%s: %d functions, %d instructions; %d boundary differences; mnemonics agree on %.3f%%; %d zero words objdump elides", path, r.funcs, r.insts, r.boundary, pct, r.elided)
	if r.boundary != 0 {
		t.Errorf("%s: %d instruction boundaries differ from objdump's:\n%s", path, r.boundary, strings.Join(r.examples, "\n"))
	}
	type kv struct {
		k string
		v int
	}
	var kvs []kv
	for k, v := range r.pairs {
		kvs = append(kvs, kv{k, v})
	}
	slices.SortFunc(kvs, func(a, b kv) int { return cmp.Compare(b.v, a.v) })
	if len(kvs) > 0 {
		t.Logf("%s: mnemonics that differ (objdump / disasm): %v", path, kvs[:min(len(kvs), 10)])
	}
	if pct < 99 || r.insts == 0 {
		t.Errorf("%s: mnemonics agree on %.3f%% of instructions, want ≥ 99%%; most frequent (objdump / disasm): %v", path, pct, kvs[:min(len(kvs), 10)])
	}
}

func TestObjdumpOracle(t *testing.T) {
	specimen.NeedTool(t, "objdump")
	files := map[string]func(t *testing.T) string{
		"libc":      func(t *testing.T) string { return specimen.SysLib(t, "libc.so.6") },
		"libstdc++": func(t *testing.T) string { return specimen.SysLib(t, "libstdc++.so.6") },
		"plugin1":   func(t *testing.T) string { return specimen.Path(t, "plugin1.so") },
	}
	for _, name := range []string{"libc", "plugin1", "libstdc++"} {
		t.Run(name, func(t *testing.T) {
			path := files[name](t)
			compareWithObjdump(t, "objdump", path).check(t, path)
		})
	}
}

// TestObjdumpPerSymbol holds the split of the whole-file objdump run to
// what `objdump --disassemble=SYM` prints for a few symbols of libc.
func TestObjdumpPerSymbol(t *testing.T) {
	specimen.NeedTool(t, "objdump")
	path := specimen.SysLib(t, "libc.so.6")
	whole := objdumpInsts(t, "objdump", path)
	for _, sym := range []string{"memcpy", "qsort", "_IO_puts"} {
		out, err := exec.Command("objdump", "-d", "--no-show-raw-insn", "--disassemble="+sym, path).Output()
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, line := range strings.Split(string(out), "\n") {
			m := objdumpLine.FindStringSubmatch(line)
			if m == nil {
				continue
			}
			a, _ := strconv.ParseUint(m[1], 16, 64)
			if whole[a] != m[2] {
				t.Errorf("%s %#x: --disassemble=%s %q, whole file %q", sym, a, sym, m[2], whole[a])
			}
			n++
		}
		if n == 0 {
			t.Errorf("objdump --disassemble=%s printed no instruction", sym)
		}
	}
}

// needArm64Objdump skips unless aarch64-linux-gnu-objdump is installed
// (Debian's binutils-aarch64-linux-gnu, which gcc-aarch64-linux-gnu
// brings; .ci/install-deps installs it).
func needArm64Objdump(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("aarch64-linux-gnu-objdump"); err != nil {
		t.Skip("aarch64-linux-gnu-objdump not installed: the Debian package gcc-aarch64-linux-gnu (binutils-aarch64-linux-gnu) is missing; .ci/install-deps installs it")
	}
}

// arm64Lib returns an arm64 system library of the cross toolchain, or skips.
func arm64Lib(t *testing.T, name string) string {
	t.Helper()
	p := "/usr/aarch64-linux-gnu/lib/" + name
	if _, err := os.Stat(p); err != nil {
		t.Skipf("%s not installed: the Debian package gcc-aarch64-linux-gnu (libc6-dev-arm64-cross, libstdc++6-arm64-cross) is missing; .ci/install-deps installs it", p)
	}
	return p
}

// TestObjdumpOracleArm64 is the oracle on arm64 specimens: the cross
// toolchain's libc and libstdc++, and plugin1 cross-built for arm64,
// against aarch64-linux-gnu-objdump.
func TestObjdumpOracleArm64(t *testing.T) {
	needArm64Objdump(t)
	files := map[string]func(t *testing.T) string{
		"libc":      func(t *testing.T) string { return arm64Lib(t, "libc.so.6") },
		"libstdc++": func(t *testing.T) string { return arm64Lib(t, "libstdc++.so.6") },
		"plugin1": func(t *testing.T) string {
			if _, err := exec.LookPath("aarch64-linux-gnu-gcc"); err != nil {
				t.Skip("aarch64-linux-gnu-gcc not installed: the Debian package gcc-aarch64-linux-gnu is missing; .ci/install-deps installs it")
			}
			return specimen.Path(t, "plugin1-arm64.so")
		},
	}
	for _, name := range []string{"libc", "plugin1", "libstdc++"} {
		t.Run(name, func(t *testing.T) {
			path := files[name](t)
			compareWithObjdump(t, "aarch64-linux-gnu-objdump", path).check(t, path)
		})
	}
}
