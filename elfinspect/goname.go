package elfinspect

import (
	"strings"

	"github.com/soinspect/soinspect/internal/ascii"
	"github.com/soinspect/soinspect/internal/demangle"
	"github.com/soinspect/soinspect/internal/objabi"
)

// GoName is a Go symbol name taken apart. It is the "go" object of the
// JSON schema of `soinspect symbols --json`.
type GoName struct {
	// Package is the import path, with the linker's %xx escapes (such as
	// %2e for a dot in the last element) undone. Empty for linker-generated
	// names that belong to no package (go:..., type:..., $f64...).
	Package string `json:"package"`
	// Receiver is the method's receiver type without type arguments: "T"
	// or "*T". Empty for functions.
	Receiver string `json:"receiver"`
	// Name is the function, method or variable name without type arguments.
	// For a closure it includes the enclosing function ("F.func1"); for
	// linker-generated names it is the rest of the name after the prefix.
	Name string `json:"name"`
	// Kind says what the symbol is.
	Kind GoKind `json:"kind"`
	// Generic holds the type arguments of an instantiation, brackets
	// included ("[go.shape.int]"), or "" if the symbol is not generic.
	Generic string `json:"generic"`
	// ABI is the ABI wrapper suffix without its dot ("abi0"), or "".
	ABI string `json:"abi"`
}

// GoKind classifies a Go symbol.
type GoKind string

// The kinds of Go symbol ParseGoName tells apart.
const (
	GoFunc     GoKind = "func"     // a function
	GoVar      GoKind = "var"      // a package variable (set from the ELF type, not the name)
	GoMethod   GoKind = "method"   // a method: pkg.T.M or pkg.(*T).M
	GoClosure  GoKind = "closure"  // pkg.F.func1, gowrapN, deferwrapN, method values (-fm)
	GoInit     GoKind = "init"     // pkg.init or pkg.init.N
	GoInitTask GoKind = "inittask" // pkg..inittask
	GoFuncVal  GoKind = "funcval"  // pkg.F·f, the static func value of F
	GoItab     GoKind = "itab"     // go:itab.T,I
	GoType     GoKind = "type"     // type:T, a type descriptor or type-related data
	GoDict     GoKind = "dict"     // pkg..dict.F[...], a generic dictionary
	GoLinker   GoKind = "linker"   // other linker-generated names: go:..., pkg..stmp_N, $f64...
)

// ParseGoName takes a Go symbol name apart. It reports false for a name
// that cannot be a Go symbol (no package qualifier, an empty or numeric
// name, a GCC clone suffix such as foo.cold).
func ParseGoName(sym string) (GoName, bool) {
	var g GoName
	if sym == "" {
		return g, false
	}
	// In plugins and shared libraries the Go linker writes local copies of
	// symbols as "local." + name.
	// The local copy of a C function (local.crosscall2) is not Go.
	if r, ok := strings.CutPrefix(sym, "local."); ok {
		if g, ok := ParseGoName(r); ok {
			return g, true
		}
		if strings.IndexByte(r, '.') < 0 {
			return g, false
		}
	}
	switch {
	case strings.HasPrefix(sym, "go:itab."):
		g.Kind, g.Name = GoItab, sym[len("go:itab."):]
		return g, g.Name != ""
	case strings.HasPrefix(sym, "go:"):
		g.Kind, g.Name = GoLinker, sym[len("go:"):]
		return g, g.Name != ""
	case strings.HasPrefix(sym, "type:"):
		g.Kind, g.Name = GoType, sym[len("type:"):]
		return g, g.Name != ""
	case sym[0] == '$' && len(sym) > 1 && (strings.HasPrefix(sym, "$f") || strings.HasPrefix(sym, "$i")):
		g.Kind, g.Name = GoLinker, sym[1:]
		return g, true
	}

	// The package path ends at the first dot after its last slash; the
	// slash must come before any bracket or parenthesis, which open the
	// part after the package.
	head := sym
	if i := strings.IndexAny(sym, "[("); i >= 0 {
		head = sym[:i]
	}
	start := strings.LastIndexByte(head, '/') + 1
	dot := strings.IndexByte(sym[start:], '.')
	if dot < 0 {
		return g, false
	}
	dot += start
	pkg, rest := sym[:dot], sym[dot+1:]
	if pkg == "" || rest == "" || !goNameValidPackage(pkg) {
		return g, false
	}
	g.Package = objabi.PrefixToPath(pkg)

	// Suffixes: the ABI wrapper, then the funcval marker.
	for _, abi := range [...]string{".abi0", ".abiinternal"} {
		if r, ok := strings.CutSuffix(rest, abi); ok && r != "" {
			rest, g.ABI = r, abi[1:]
			break
		}
	}
	funcval := false
	if r, ok := strings.CutSuffix(rest, "·f"); ok && r != "" {
		rest, funcval = r, true
	}

	if rest[0] == '.' {
		// pkg..inittask, pkg..dict.F[...], pkg..stmp_0, pkg..gobytes.1, ...
		switch {
		case rest == ".inittask":
			g.Kind, g.Name = GoInitTask, "inittask"
		case strings.HasPrefix(rest, ".dict."):
			g.Kind = GoDict
			g.Name, g.Generic = goNameGeneric(rest[len(".dict."):])
		default:
			g.Kind, g.Name = GoLinker, rest[1:]
		}
		return g, len(rest) > 1
	}

	var buf [8]string
	parts := goNameSplit(rest, buf[:0])
	if len(parts) == 0 || !goNameValidParts(parts) {
		return g, false
	}
	if goNameCloneSuffix(parts) {
		return g, false // a C name: foo.cold, memcpy.part.0, crtstuff.c
	}
	name := parts
	if p := parts[0]; p[0] == '(' {
		// (*T).M or (*T[...]).M
		if len(parts) < 2 || p[len(p)-1] != ')' {
			return g, false
		}
		g.Receiver, g.Generic = goNameGeneric(p[1 : len(p)-1])
		name = parts[1:]
	} else if len(parts) > 1 && !goNameClosurePart(parts[1]) && !(parts[0] == "init" && ascii.IsDigits(parts[1])) {
		// T.M: a method with a value receiver.
		g.Receiver, g.Generic = goNameGeneric(parts[0])
		name = parts[1:]
	}
	first, gen := goNameGeneric(name[0])
	if g.Generic == "" {
		g.Generic = gen
	}
	g.Name = first
	for _, p := range name[1:] {
		n, _ := goNameGeneric(p)
		g.Name += "." + n
	}
	suffixFm := strings.HasSuffix(g.Name, "-fm")
	switch {
	case funcval:
		g.Kind = GoFuncVal
	case g.Receiver == "" && first == "init" && (len(name) == 1 || len(name) == 2 && ascii.IsDigits(name[1])):
		g.Kind = GoInit
	case len(name) > 1 || suffixFm:
		g.Kind = GoClosure
	case g.Receiver != "":
		g.Kind = GoMethod
	default:
		g.Kind = GoFunc
	}
	return g, true
}

// goNameSplit splits s at the dots that are outside brackets and
// parentheses, appending the parts to parts.
func goNameSplit(s string, parts []string) []string {
	depth, start := 0, 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '[', '(':
			depth++
		case ']', ')':
			depth--
		case '.':
			if depth == 0 {
				parts = append(parts, s[start:i])
				start = i + 1
			}
		}
	}
	return append(parts, s[start:])
}

// goNameGeneric splits "G[int]" into "G" and "[int]" (the first top-level
// bracket group to the end of s), and "*T[int]" into "*T" and "[int]".
func goNameGeneric(s string) (name, generic string) {
	if i := strings.IndexByte(s, '['); i > 0 && s[len(s)-1] == ']' {
		return s[:i], s[i:]
	}
	return s, ""
}

func goNameValidParts(parts []string) bool {
	for i, p := range parts {
		if p == "" {
			return false
		}
		c := p[0]
		switch {
		case c == '(' && i == 0:
		case c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80:
		case c >= '0' && c <= '9' && i > 0: // init.0, F.func1.2
		default:
			return false
		}
	}
	return true
}

func goNameValidPackage(p string) bool {
	for i := 0; i < len(p); i++ {
		c := p[i]
		if c <= ' ' || c == '(' || c == ')' || c == '[' || c == ']' || c == '@' || c == '$' || c >= 0x7f {
			return false
		}
	}
	c := p[0]
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

func goNameClosurePart(p string) bool {
	for _, pre := range [...]string{"func", "gowrap", "deferwrap"} {
		if r, ok := strings.CutPrefix(p, pre); ok && ascii.IsDigits(r) {
			return true
		}
	}
	return ascii.IsDigits(p)
}

// goNameCloneSuffix reports the parts after a dot that mark a C name: the
// suffixes GCC gives clones of functions (foo.cold, foo.part.0,
// foo.constprop.0) and the extensions of source file names (crtstuff.c).
func goNameCloneSuffix(parts []string) bool {
	switch parts[0] {
	case "cold", "localalias", "c", "cc", "cpp", "S", "s":
		return len(parts) == 1
	case "part", "isra", "constprop", "lto_priv", "clone", "llvm":
		return len(parts) > 1 && ascii.IsDigits(parts[1])
	}
	return false
}

// langOf judges the language of a symbol name; goFile says whether the
// file was built by Go, the only place a Go name is believed. For a Go
// name it also returns the name taken apart.
func langOf(name string, goFile bool) (Lang, GoName) {
	if len(name) > 2 && name[0] == '_' {
		switch name[1] {
		case 'Z':
			if demangle.IsRustLegacy(name) {
				return LangRust, GoName{}
			}
			return LangCXX, GoName{}
		case 'R':
			if c := name[2]; c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' {
				return LangRust, GoName{}
			}
		}
	}
	if goFile && (strings.IndexByte(name, '.') >= 0 || strings.HasPrefix(name, "go:") || strings.HasPrefix(name, "type:")) {
		if g, ok := ParseGoName(name); ok {
			return LangGo, g
		}
	}
	return LangC, GoName{}
}
