package demangle

import (
	"debug/elf"
	"math/rand"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/soinspect/soinspect/internal/specimen"
)

// fastSeeds are names of the shapes the fast path takes, and of shapes
// next to them that it must decline or get right.
var fastSeeds = []string{
	"_ZN4llvm5Value4dumpEv",
	"_ZNK4llvm5Value7getNameEv",
	"_ZN4llvm11raw_ostreamlsEPKc",
	"_ZN4llvm11raw_ostreamlsERKNSt7__cxx1112basic_stringIcSt11char_traitsIcESaIcEEE",
	"_ZN4llvm15SmallVectorBaseIjE8grow_podEPvmm",
	"_ZN4llvm12DenseMapBaseINS_8DenseMapIPKvjNS_12DenseMapInfoIS3_vEENS_6detail12DenseMapPairIS3_jEEEES3_jS5_S8_E4growEj",
	"_ZNSsC1EPKcRKSaIcE",
	"_ZNSs4_Rep10_M_destroyERKSaIcE",
	"_ZNSt6vectorIiSaIiEE9push_backERKi",
	"_ZSt4swapIiEvRT_S1_",
	"_ZN4llvm3fooILb1ELi3ELj4ELl5ELm6ELin7EEEvT_",
	"_ZN4llvm3fooIiEET_S1_",
	"_ZNKR4llvm3Foo3barEv",
	"_ZNO4llvm3Foo3barEv",
	"_ZN12_GLOBAL__N_13FooC2Ev",
	"_ZN4llvm3FooD0Ev",
	"_ZTVN4llvm3FooE",
	"_ZTIN4llvm3FooE",
	"_ZTSN4llvm3FooE",
	"_ZThn8_N4llvm3FooD1Ev",
	"_ZTv0_n24_N4llvm3FooD1Ev",
	"_ZGVN4llvm3FooIiE1xE",
	"_ZN4llvm3fooEv.cold",
	"_ZN4llvm3fooEi.constprop.0.isra.0",
	"_Znwm",
	"_ZdlPvm",
	"_ZN4llvm3FoolsIiEEvT_",
	"_ZN4llvm3FooltIiEEvT_",
	"_ZSt4cout",
	"_ZNSt8ios_base4InitC1Ev",
	"_ZN4llvm3fooEPFvvE",
	"_ZN4llvm3fooIJEEEvv",
	"_ZN4llvm3fooIiJEEEvv",
	"_ZN4llvm3fooIRiEEvOT_",
	"_ZN4llvm3fooIKiEEvKT_",
	"_ZN4llvm3fooEPKDnDsDiDu",
	"_ZN4llvm3fooEz",
	"_ZN4llvm3fooEvi",
	"_ZN4llvm3fooE",
	"_ZN4llvm3fooEE",
	"_ZN4llvm3fooIiEE",
	"_ZN4llvm3FooIiEC2IcEET_",
	"_ZNSaIcEC1ERKS_",
	"_ZNSoD0Ev",
	"_ZNSdC2EPSt15basic_streambufIcSt11char_traitsIcEE",
	"_ZN3FooIXadL_Z3barvEEE3bazEv",
	"_ZN3foo3barB5cxx11Ev",
	"_ZN3sr13barIiE1xE",
	"_ZN4llvm3fooEv@plt",
	"_ZZN4llvm3fooEvE1x",
	"_ZN3fooIiEEvN3BarILT_5EEE",
	"_ZN3fooIiEEvT_N3BarILS0_5EEE",
	"_ZN3fooIcEEvT_N3BarILS0_65EEE",
	"_ZN3BarILNS_1EE3EE3bazEv",
	"_ZN4llvm3fooIJiRcEEEvDpOT_",
	"_ZN4llvm3fooIJEEEvDpRKT_",
	"_ZN4llvm3fooIJiEJEEEvDpT_",
	"_ZN4llvm3BarINS0_IiEEJEE3bazEv",
	"_ZN4llvm12function_refIFbPKNS_5ValueEEE11callback_fnIS0_EEblS4_",
	"_ZNSsEa",
	"_ZN8A0000000D0IEC1E",
	"_ZNSt6vectorIiSaIiEEaSERKS1_",
	"_ZN3fooltIiEEvv",
	"_ZN3fooIiEEvOT_RS0_",
}

// safeSlow is demangleSlow behind Name's guard against panics.
func safeSlow(name string) (d string, ok bool) {
	defer func() {
		if recover() != nil {
			d, ok = name, false
		}
	}()
	return demangleSlow(name)
}

// fastSample is how many of the other libraries `make test` reads.
const fastSample = 40

// TestDemangleFastAgrees runs the fast path over every C++ name of the
// system's shared libraries (libstdc++ and LLVM, then the others: all of
// them with SOINSPECT_TEST_FULL=1, else a fixed sample of fastSample) and
// requires that, whenever it accepts a name, it prints exactly what the
// demangle package (with Name's fixes) prints.
func TestDemangleFastAgrees(t *testing.T) {
	for _, n := range fastSeeds {
		checkFast(t, n)
	}
	dir := "/usr/lib/x86_64-linux-gnu"
	files, _ := filepath.Glob(filepath.Join(dir, "*.so*"))
	if len(files) == 0 {
		t.Skip("no shared libraries in " + dir)
	}
	first := func(f string) int {
		b := filepath.Base(f)
		switch {
		case strings.HasPrefix(b, "libstdc++.so"):
			return 0
		case strings.HasPrefix(b, "libLLVM"):
			return 1
		}
		return 2
	}
	sort.SliceStable(files, func(i, j int) bool { return first(files[i]) < first(files[j]) })
	// The others are sampled once each, not once per name.
	var firsts, others []string
	seenFile := map[string]bool{}
	for _, f := range files {
		real, err := filepath.EvalSymlinks(f)
		if err != nil || seenFile[real] {
			continue
		}
		seenFile[real] = true
		if first(f) < 2 {
			firsts = append(firsts, real)
		} else {
			others = append(others, real)
		}
	}
	others, which := specimen.Sample(others, fastSample)
	t.Logf("libstdc++ and LLVM, then of the other libraries %s", which)
	files = append(firsts, others...)
	seenFile = map[string]bool{}
	var bad atomic.Int64
	total, accepted := 0, 0
	for _, path := range files {
		real, err := filepath.EvalSymlinks(path)
		if err != nil || seenFile[real] {
			continue
		}
		seenFile[real] = true
		names := cxxNames(real)
		if len(names) == 0 {
			continue
		}
		var acc atomic.Int64
		var wg sync.WaitGroup
		workers := runtime.GOMAXPROCS(0)
		for w := 0; w < workers; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := w; i < len(names); i += workers {
					fast, ok := demangleFast(names[i])
					if !ok {
						continue
					}
					acc.Add(1)
					slow, sok := safeSlow(names[i])
					if !sok || slow != fast {
						if bad.Add(1) <= 30 {
							t.Errorf("%s: %s\n fast: %q\n slow: %q (%v)", filepath.Base(real), names[i], fast, slow, sok)
						}
					}
				}
			}()
		}
		wg.Wait()
		total += len(names)
		accepted += int(acc.Load())
		if len(names) >= 200 || first(path) < 2 {
			t.Logf("%s: %d of %d C++ names (%.1f%%) take the fast path",
				filepath.Base(real), acc.Load(), len(names), 100*float64(acc.Load())/float64(len(names)))
		}
	}
	t.Logf("all: %d of %d C++ names (%.1f%%) take the fast path; %d disagreements",
		accepted, total, 100*float64(accepted)/float64(max(total, 1)), bad.Load())
}

// cxxNames returns the distinct _Z names of the dynamic and static
// symbol tables of the ELF file at path.
func cxxNames(path string) []string {
	st, err := os.Stat(path)
	if err != nil || !st.Mode().IsRegular() {
		return nil
	}
	f, err := elf.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	seen := map[string]bool{}
	var names []string
	for _, get := range []func() ([]elf.Symbol, error){f.DynamicSymbols, f.Symbols} {
		syms, _ := get()
		for _, s := range syms {
			if strings.HasPrefix(s.Name, "_Z") && !seen[s.Name] {
				seen[s.Name] = true
				names = append(names, s.Name)
			}
		}
	}
	return names
}

func checkFast(t testing.TB, name string) {
	fast, ok := demangleFast(name)
	if !ok {
		return
	}
	slow, sok := safeSlow(name)
	if !sok || slow != fast {
		t.Errorf("%s\n fast: %q\n slow: %q (%v)", name, fast, slow, sok)
	}
}

// TestDemangleFastGenerated holds the fast path to the slow one on
// random names built from the constructs it takes.
func TestDemangleFastGenerated(t *testing.T) {
	g := fastGen{rand.New(rand.NewSource(1))}
	// 400000 with SOINSPECT_TEST_FULL=1 (make test-full).
	iters := specimen.Count(40000, 400000)
	if testing.Short() {
		iters = 40000
	}
	acc, bad := 0, 0
	for i := 0; i < iters; i++ {
		n := g.encoding()
		fast, ok := demangleFast(n)
		if !ok {
			continue
		}
		acc++
		slow, sok := safeSlow(n)
		if !sok || slow != fast {
			if bad++; bad <= 30 {
				t.Errorf("%s\n fast: %q\n slow: %q (%v)", n, fast, slow, sok)
			}
		}
	}
	t.Logf("%d of %d generated names take the fast path", acc, iters)
}

// fastGen makes random names from pieces of the grammar the fast path
// knows, mixing substitutions, template parameters, packs and literals
// in ways real names rarely do.
type fastGen struct{ r *rand.Rand }

func (g fastGen) pick(xs ...string) string { return xs[g.r.Intn(len(xs))] }

func (g fastGen) sub() string {
	n := g.r.Intn(8)
	if n == 0 {
		return "S_"
	}
	return "S" + string("0123456789A"[n-1]) + "_"
}

func (g fastGen) tparam() string {
	n := g.r.Intn(3)
	if n == 0 {
		return "T_"
	}
	return "T" + string("0123"[n-1]) + "_"
}

func (g fastGen) src() string {
	return g.pick("3foo", "3Bar", "1A", "1B", "12_GLOBAL__N_1", "6vector", "4llvm")
}

func (g fastGen) targs(d int) string {
	var b strings.Builder
	b.WriteString("I")
	n := g.r.Intn(4)
	for i := 0; i < n; i++ {
		b.WriteString(g.targ(d + 1))
	}
	b.WriteString("E")
	return b.String()
}

func (g fastGen) targ(d int) string {
	switch g.r.Intn(6) {
	case 0:
		return "L" + g.pick("i", "j", "b", "m", "c", "l") + g.pick("", "n") + g.pick("0", "1", "5", "65") + "E"
	case 1:
		var b strings.Builder
		b.WriteString("J")
		for i := g.r.Intn(3); i > 0; i-- {
			b.WriteString(g.typ(d + 1))
		}
		b.WriteString("E")
		return b.String()
	case 2:
		return "L" + g.typ(d+1) + "3E"
	}
	return g.typ(d)
}

func (g fastGen) nested(d int) string {
	var b strings.Builder
	b.WriteString("N")
	b.WriteString(g.pick("", "", "K", "R", "O"))
	n := 1 + g.r.Intn(3)
	for i := 0; i < n; i++ {
		switch g.r.Intn(7) {
		case 0:
			if i == 0 {
				b.WriteString(g.pick(g.sub(), "St", "Sa", "Ss", "So"))
				continue
			}
			b.WriteString(g.src())
		case 1:
			if i > 0 && d < 4 {
				b.WriteString(g.targs(d))
				continue
			}
			b.WriteString(g.src())
		default:
			b.WriteString(g.src())
		}
	}
	switch g.r.Intn(6) {
	case 0:
		b.WriteString(g.pick("C1", "C2", "D0", "D1", "D2"))
	case 1:
		b.WriteString(g.pick("ls", "lt", "aS", "eq", "cl", "nw"))
	}
	if g.r.Intn(3) == 0 && d < 4 {
		b.WriteString(g.targs(d))
	}
	b.WriteString("E")
	return b.String()
}

func (g fastGen) typ(d int) string {
	if d > 4 {
		return g.pick("i", "c", "v", "b")
	}
	switch g.r.Intn(14) {
	case 0, 1:
		return g.pick("i", "c", "v", "b", "m", "z", "Dn", "Ds", "a")
	case 2:
		return g.pick("K", "P", "R", "O", "PK", "RK") + g.typ(d+1)
	case 3:
		return g.nested(d + 1)
	case 4:
		return g.sub()
	case 5:
		return g.sub() + g.targs(d)
	case 6:
		return g.tparam()
	case 7:
		return "F" + g.typ(d+1) + g.typ(d+1) + "E"
	case 8:
		return "St" + g.src() + g.pick("", g.targs(d))
	case 9:
		return g.src() + g.pick("", g.targs(d))
	case 10:
		return "Dp" + g.pick("", "O", "RK", "P") + g.tparam()
	case 11:
		return g.pick("Sa", "Ss", "Sb") + g.pick("", g.targs(d))
	}
	return g.nested(d + 1)
}

func (g fastGen) encoding() string {
	var b strings.Builder
	b.WriteString("_Z")
	switch g.r.Intn(10) {
	case 0:
		b.WriteString(g.pick("TV", "TI", "TS", "Th8_", "Tv0_n24_") + g.nested(0))
		return b.String()
	case 1:
		b.WriteString(g.src() + g.targs(0))
	case 2:
		b.WriteString("St" + g.src() + g.pick("", g.targs(0)))
	default:
		b.WriteString(g.nested(0))
	}
	n := g.r.Intn(4)
	for i := 0; i < n; i++ {
		b.WriteString(g.typ(0))
	}
	b.WriteString(g.pick("", "", "", ".cold", ".part.0"))
	return b.String()
}

// FuzzDemangleFast requires the fast path never to panic, and to print
// what the slow path prints whenever it accepts a name.
func FuzzDemangleFast(f *testing.F) {
	for _, n := range fastSeeds {
		f.Add(n)
	}
	for _, lib := range []string{"libstdc++.so.6", "libLLVM-15.so.1"} {
		names := cxxNames(filepath.Join("/usr/lib/x86_64-linux-gnu", lib))
		for i := 0; i < len(names); i += max(1, len(names)/300) {
			f.Add(names[i])
		}
	}
	f.Fuzz(func(t *testing.T, name string) {
		checkFast(t, name)
	})
}
