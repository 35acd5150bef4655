// Package demangle turns mangled C++ (Itanium) and Rust symbol names into
// the names c++filt prints. A fast path prints the common subset of C++
// names in one pass; everything else goes to
// github.com/ianlancetaylor/demangle, with the fixes that make its output
// c++filt's. No panic escapes, and the work on a hostile name is bounded.
package demangle

import (
	"strings"

	"github.com/ianlancetaylor/demangle"

	"github.com/soinspect/soinspect/internal/guard"
)

// Name returns the demangled form of a C++ (Itanium) or Rust
// (legacy or v0) symbol name, in the style of c++filt, and true; or the
// name itself and false if it is not a mangled name. Rust v0 names print
// without the crate disambiguators c++filt shows (mycrate[ca63f166dbe9294]).
func Name(name string) (d string, ok bool) {
	defer guard.Recover(func(any) { d, ok = name, false }) // whatever the demangler does
	if len(name) < 3 || name[0] != '_' || (name[1] != 'Z' && name[1] != 'R') {
		return name, false
	}
	if s, ok := demangleFast(name); ok {
		return s, true
	}
	return demangleSlow(name)
}

// demangleSlow is Name without the fast path: the demangle
// package and the fixes that make its output c++filt's.
func demangleSlow(name string) (string, bool) {
	mangled := name
	if name[1] == 'Z' && strings.Contains(name, "sr") {
		mangled = fixOldStyleSr(name)
	}
	if !strings.Contains(name, "JE") {
		s, err := demangle.ToString(mangled, demangleOptions...)
		if err != nil {
			return name, false
		}
		if IsRustLegacy(name) {
			// c++filt keeps the hash of a legacy Rust name; the
			// demangle package drops it.
			s += "::" + name[len(name)-18:len(name)-1]
		}
		return s, true
	}
	a, err := demangle.ToAST(mangled, demangleOptions...)
	if err != nil {
		return name, false
	}
	// The AST is new for each call, so it can be changed in place; the
	// shared standard-substitution nodes hold no empty packs and are left
	// alone.
	a.Traverse(func(n demangle.AST) bool {
		markTrailingEmptyPacks(n)
		return true
	})
	s := demangle.ASTToString(a, demangleOptions...)
	return strings.ReplaceAll(s, ", "+emptyPackMark, ""), true
}

// demangleOptions make the output c++filt's: std::basic_string<...> rather
// than std::string for the standard substitutions. MaxLength bounds the
// work a hostile name can cause (64 KiB of output).
var demangleOptions = []demangle.Option{demangle.Verbose, demangle.MaxLength(16)}

// emptyPackMark stands for trailing empty template argument packs while a
// name is printed; it is removed with the ", " before it.
const emptyPackMark = "\x01"

// markTrailingEmptyPacks reproduces a quirk of libiberty, and so of
// c++filt: when a template argument list ends with empty packs
// (Foo<A<B>, JE>), libiberty prints ", ", prints nothing, takes the ", "
// back, but still believes the last character is a space, so it closes
// the list with ">" instead of " >": Foo<A<B>>. The demangle package skips
// empty packs and prints Foo<A<B> >. Replacing the trailing empty packs by
// a mark that does not end in '>' and deleting it after printing gives
// c++filt's output.
func markTrailingEmptyPacks(a demangle.AST) {
	t, ok := a.(*demangle.Template)
	if !ok || len(t.Args) < 2 {
		return
	}
	n := len(t.Args)
	for n > 0 && isEmptyPack(t.Args[n-1]) {
		n--
	}
	if n == len(t.Args) || n == 0 {
		return
	}
	t.Args = append(t.Args[:n:n], &demangle.Name{Name: emptyPackMark})
}

// isEmptyPack reports a template argument that prints as nothing: an
// empty pack, or the expansion of one.
func isEmptyPack(a demangle.AST) bool {
	switch a := a.(type) {
	case *demangle.ArgumentPack:
		for _, x := range a.Args {
			if !isEmptyPack(x) {
				return false
			}
		}
		return true
	case *demangle.PackExpansion:
		return a.Pack != nil && isEmptyPack(a.Pack)
	}
	return false
}

// IsRustLegacy reports a legacy Rust name: _ZN...17h<16 hex digits>E. It
// is an Itanium C++ name on the outside.
func IsRustLegacy(name string) bool {
	const hashLen = len("17h0123456789abcdefE")
	if !strings.HasPrefix(name, "_ZN") || len(name) < 3+hashLen || name[len(name)-1] != 'E' {
		return false
	}
	h := name[len(name)-hashLen:]
	if h[:3] != "17h" {
		return false
	}
	for i := 3; i < 19; i++ {
		if c := h[i]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}
