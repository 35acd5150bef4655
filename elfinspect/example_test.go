package elfinspect_test

import (
	"fmt"
	"os"

	"github.com/soinspect/soinspect/elfinspect"
)

// Example opens the running program and says what kind of file it is and
// how the Go toolchain built it.
func Example() {
	exe, err := os.Executable()
	if err != nil {
		fmt.Println(err)
		return
	}
	f, err := elfinspect.Open(exe)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer f.Close()
	bi, err := f.BuildInfo()
	if err != nil {
		fmt.Println(err)
		return
	}
	mode, _ := bi.Setting("-buildmode")
	fmt.Println(f.Kind(), f.IsGo(), mode)
	// Output: go-executable true exe
}

// ExampleFile_DynamicSymbols lists the functions a shared library defines,
// as nm -D --defined-only prints them, with C++ names demangled.
func ExampleFile_DynamicSymbols() {
	f, err := elfinspect.Open("/usr/lib/x86_64-linux-gnu/libstdc++.so.6")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer f.Close()
	syms, err := f.DynamicSymbols()
	if err != nil {
		fmt.Println(err)
		return
	}
	elfinspect.SortSymbols(syms, elfinspect.SortName)
	elfinspect.Demangle(syms)
	for _, s := range syms {
		if s.Defined && s.Type == elfinspect.TypeFunc {
			fmt.Printf("%016x %s %s\n", s.Value, s.Letter, s.DisplayName())
		}
	}
}

// ExampleDemangleName demangles a C++ name as c++filt does.
func ExampleDemangleName() {
	d, ok := elfinspect.DemangleName("_ZNSt6vectorIiSaIiEE9push_backERKi")
	fmt.Println(d, ok)
	// Output: std::vector<int, std::allocator<int> >::push_back(int const&) true
}
