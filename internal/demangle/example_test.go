package demangle_test

import (
	"fmt"

	"github.com/soinspect/soinspect/internal/demangle"
)

// ExampleName demangles a C++ name and a legacy Rust name as c++filt does.
func ExampleName() {
	for _, n := range []string{"_ZN4llvm5Value4dumpEv", "_ZN4core3fmt5write17h0123456789abcdefE", "puts"} {
		fmt.Println(demangle.Name(n))
	}
	// Output:
	// llvm::Value::dump() true
	// core::fmt::write::h0123456789abcdef true
	// puts false
}
