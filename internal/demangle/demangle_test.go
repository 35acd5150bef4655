package demangle_test

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/soinspect/soinspect/elfinspect"
	"github.com/soinspect/soinspect/internal/demangle"
	"github.com/soinspect/soinspect/internal/specimen"
)

func init() {
	// -update rewrites testdata files; another test file may define it too.
	if flag.Lookup("update") == nil {
		flag.Bool("update", false, "rewrite the expected files in testdata")
	}
}

func updating() bool {
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
}

const differencesFile = "testdata/differences.txt"

// demangleClass names the kind of a difference between Name and
// c++filt. Every class seen must be listed in testdata/differences.txt.
func demangleClass(name, want, got string) string {
	unparen := func(s string) string { return strings.NewReplacer("(", "", ")", "").Replace(s) }
	switch {
	case want == name:
		return "c++filt leaves the name mangled, the demangle package demangles it"
	case got == name:
		return "the demangle package fails on a name c++filt demangles"
	case strings.ReplaceAll(want, "> >", ">>") == strings.ReplaceAll(got, "> >", ">>"):
		return "spacing of '>>': c++filt prints '>>' after a trailing pack expansion that is empty"
	case unparen(want) == unparen(got):
		return "parentheses: c++filt parenthesizes a called unresolved name, (std::declval<T>)()"
	case strings.Contains(name, "sr"):
		return "substitutions after a GCC-style unresolved name (sr<type><name>): the demangle package numbers them differently, so a later S<n>_ names another entity"
	}
	return "other"
}

// TestCXXFiltOracle demangles every C++ and Rust symbol of libstdc++ and of
// the largest libLLVM with Name and with one c++filt process,
// requires 99.5% agreement, and requires every difference to belong to a
// class listed in testdata/differences.txt.
const minCXXFiltAgreement = 99.5

func TestCXXFiltOracle(t *testing.T) {
	specimen.NeedTool(t, "c++filt")
	files := []string{specimen.SysLib(t, "libstdc++.so.6")}
	if l := specimen.LargestLLVM(); l != "" {
		files = append(files, l)
	}
	var names []string // one entry per symbol
	unique := map[string]bool{}
	rust := 0
	for _, p := range files {
		f, err := elfinspect.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		for _, tab := range []elfinspect.Table{elfinspect.TableDynsym, elfinspect.TableSymtab} {
			syms, err := f.Symbols(tab)
			if err != nil {
				continue
			}
			for _, s := range syms {
				if s.Lang == elfinspect.LangCXX || s.Lang == elfinspect.LangRust {
					names = append(names, s.Name)
					unique[s.Name] = true
					if s.Lang == elfinspect.LangRust {
						rust++
					}
				}
			}
		}
		f.Close()
	}
	var list []string
	for n := range unique {
		list = append(list, n)
	}
	sort.Strings(list)
	want := cxxfilt(t, list)

	type example struct{ name, want, got string }
	classes := map[string][]example{}
	differ := map[string]bool{}
	for i, n := range list {
		got, _ := demangle.Name(n)
		if got != want[i] {
			c := demangleClass(n, want[i], got)
			classes[c] = append(classes[c], example{n, want[i], got})
			differ[n] = true
		}
	}
	bad := 0
	for _, n := range names {
		if differ[n] {
			bad++
		}
	}
	perSym := 100 * float64(len(names)-bad) / float64(len(names))
	perName := 100 * float64(len(list)-len(differ)) / float64(len(list))
	t.Logf("%v: c++filt agrees on %.3f%% of %d C++/Rust symbols (%d Rust), %.3f%% of %d distinct names",
		files, perSym, len(names), rust, perName, len(list))
	if perSym < minCXXFiltAgreement {
		t.Errorf("agreement %.3f%% < %.1f%%", perSym, minCXXFiltAgreement)
	}

	var titles []string
	for c := range classes {
		titles = append(titles, c)
	}
	sort.Strings(titles)
	if updating() {
		var b strings.Builder
		fmt.Fprintf(&b, "# Differences between demangle.Name (internal/demangle) and c++filt, by class, with one example each.\n")
		fmt.Fprintf(&b, "# Measured on %s: %.3f%% of %d symbols agree (%.3f%% of %d names).\n", baseNames(files), perSym, len(names), perName, len(list))
		fmt.Fprintf(&b, "# Regenerate with: go test ./internal/demangle -run TestCXXFiltOracle -update\n")
		for _, c := range titles {
			ex := classes[c][0]
			fmt.Fprintf(&b, "\nclass: %s\n  names: %d\n  mangled:    %s\n  c++filt:    %s\n  elfinspect: %s\n", c, len(classes[c]), ex.name, ex.want, ex.got)
		}
		// Known from the unit tests, absent from the system's libraries.
		fmt.Fprintf(&b, "\nclass: Rust v0 crate disambiguators: c++filt prints them, the demangle package does not\n  names: (no Rust library measured)\n")
		fmt.Fprintf(&b, "  mangled:    _RNvCs15kBYyAo9fc_7mycrate7example\n  c++filt:    mycrate[ca63f166dbe9294]::example\n  elfinspect: mycrate::example\n")
		specimen.WriteFile(t, differencesFile, []byte(b.String()), 0o644)
		return
	}
	listed, err := os.ReadFile(differencesFile)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range titles {
		if !strings.Contains(string(listed), "class: "+c+"\n") {
			ex := classes[c][0]
			t.Errorf("difference class not listed in %s (run with -update): %s\n  e.g. %s\n  c++filt:    %s\n  elfinspect: %s", differencesFile, c, ex.name, ex.want, ex.got)
		}
	}
}

func baseNames(paths []string) string {
	var b []string
	for _, p := range paths {
		b = append(b, filepath.Base(p))
	}
	return strings.Join(b, " and ")
}

// cxxfilt demangles names with one c++filt process.
func cxxfilt(t *testing.T, names []string) []string {
	cmd := exec.Command("c++filt")
	cmd.Stdin = strings.NewReader(strings.Join(names, "\n") + "\n")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("c++filt: %v", err)
	}
	var res []string
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	sc.Buffer(nil, 1<<24)
	for sc.Scan() {
		res = append(res, sc.Text())
	}
	if len(res) != len(names) {
		t.Fatalf("c++filt returned %d lines for %d names", len(res), len(names))
	}
	return res
}

func TestDemangle(t *testing.T) {
	tests := []struct{ in, want string }{
		{"_ZNSs4_Rep11_S_max_sizeE", "std::basic_string<char, std::char_traits<char>, std::allocator<char> >::_Rep::_S_max_size"},
		{"_ZN4llvm6detail9PassModelINS_8FunctionENS_12VerifierPassENS_17PreservedAnalysesENS_15AnalysisManagerIS2_JEEEJEEE",
			"llvm::detail::PassModel<llvm::Function, llvm::VerifierPass, llvm::PreservedAnalyses, llvm::AnalysisManager<llvm::Function>>"},
		{"_ZN3foo3barEv.cold", "foo::bar() [clone .cold]"},
		{"_ZN4llvm10checkedAddIiEENSt9enable_ifIXsr3std9is_signedIT_EE5valueENS_8OptionalIS2_EEE4typeES2_S2_",
			"std::enable_if<std::is_signed<int>::value, llvm::Optional<int> >::type llvm::checkedAdd<int>(int, int)"},
		{"_RNvCs15kBYyAo9fc_7mycrate7example", "mycrate::example"}, // c++filt: mycrate[ca63f166dbe9294]::example
		{"_ZN4core3fmt5write17h0123456789abcdefE", "core::fmt::write::h0123456789abcdef"},
		{"main", "main"},
		{"_Z", "_Z"},
	}
	for _, tt := range tests {
		got, ok := demangle.Name(tt.in)
		if got != tt.want || ok != (tt.in != tt.want) {
			t.Errorf("Name(%q) = %q, %v; want %q", tt.in, got, ok, tt.want)
		}
	}
}
