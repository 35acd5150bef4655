package cdl

import (
	"runtime"
	"strconv"
	"strings"
)

// Kind classifies a C type by how a value of it is passed and returned.
type Kind uint8

// The kinds of C type Call can pass and return.
const (
	Void    Kind = iota // void: return type only
	Bool                // bool, _Bool
	Int8                // signed char (and char where char is signed)
	Int16               // short
	Int32               // int
	Int64               // long, long long, ssize_t, intptr_t, ...
	Uint8               // unsigned char (and char where char is unsigned)
	Uint16              // unsigned short
	Uint32              // unsigned int
	Uint64              // unsigned long, size_t, uintptr_t, ...
	Float               // float: single precision, not promoted to double
	Double              // double
	Pointer             // any T* other than a char pointer
	CString             // char*, const char*: a Go string argument is passed as a C string
)

var kindNames = [...]string{"void", "bool", "int8", "int16", "int32", "int64",
	"uint8", "uint16", "uint32", "uint64", "float", "double", "pointer", "cstring"}

// String returns the kind's name, such as "int32" or "cstring".
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "kind(" + itoa(int(k)) + ")"
}

// isInt reports whether k travels in an integer register.
func (k Kind) isInt() bool { return k >= Bool && k <= Uint64 || k == Pointer || k == CString }

// isFloat reports whether k travels in a floating-point register.
func (k Kind) isFloat() bool { return k == Float || k == Double }

// Type is a C type a Signature can name.
type Type struct {
	Kind Kind
	// C is the type as written, normalised: single spaces between words,
	// "*" attached to the word before it, the parameter name dropped; for
	// example "unsigned long" or "const char*".
	C string
}

// String returns t.C.
func (t Type) String() string { return t.C }

// Limits of what Call can pass: every argument travels in a register.
const (
	MaxIntArgs   = 6 // integer and pointer arguments
	MaxFloatArgs = 8 // float and double arguments
)

// Signature describes a C function: what it returns and the types of its
// parameters. Variadic functions, struct or union values, long double and
// complex types cannot be described; ParseSignature refuses them.
type Signature struct {
	// Name is the function's name if the parsed text gave one
	// ("double cos(double)"), else "". Call does not use it.
	Name   string
	Ret    Type
	Params []Type
}

// String formats s in the syntax ParseSignature reads, such as
// "double(double, int)" or "size_t strlen(const char*)".
func (s Signature) String() string {
	var b strings.Builder
	b.WriteString(s.Ret.C)
	if s.Name != "" {
		b.WriteByte(' ')
		b.WriteString(s.Name)
	}
	b.WriteByte('(')
	for i, p := range s.Params {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(p.C)
	}
	b.WriteByte(')')
	return b.String()
}

// check reports why Call could not call a function of signature s, or "".
func (s Signature) check() string {
	if s.Ret.Kind > CString {
		return "unknown return kind " + s.Ret.Kind.String()
	}
	ni, nf := 0, 0
	for _, p := range s.Params {
		switch {
		case p.Kind.isInt():
			ni++
		case p.Kind.isFloat():
			nf++
		default:
			return "parameter of kind " + p.Kind.String()
		}
	}
	if ni > MaxIntArgs {
		return "too many integer or pointer parameters: " + itoa(ni) + ", at most " + itoa(MaxIntArgs) + " fit in registers"
	}
	if nf > MaxFloatArgs {
		return "too many float or double parameters: " + itoa(nf) + ", at most " + itoa(MaxFloatArgs) + " fit in registers"
	}
	return ""
}

// ParseSignature parses a C function type or prototype. The return type comes
// first, then an optional function name, then the parenthesised parameter
// types, each with an optional name:
//
//	double(double)
//	int(char*)
//	void()                      // also void(void)
//	long(int, double)
//	size_t strlen(const char *s)
//
// Types are the C base types void, bool/_Bool, char, short, int, long,
// long long, float, double with signed/unsigned as C allows; the typedefs
// size_t, ssize_t, ptrdiff_t, intptr_t, uintptr_t, intmax_t, uintmax_t,
// off_t, pid_t, uid_t, gid_t, int8_t ... int64_t, uint8_t ... uint64_t; any of
// them or struct/union/enum T followed by "*"s as pointers. const, volatile
// and restrict are accepted and ignored. A pointer to a char type (char*,
// const char*, unsigned char*) has Kind CString; other pointers have Kind
// Pointer. long and size_t are 64 bits and char's signedness follows the
// platform ABI.
//
// It refuses, with an *Error saying why, what Call cannot call correctly:
// variadic functions ("..."), struct, union or enum values, arrays, function
// pointer syntax (use void*), long double, complex types, and more than
// MaxIntArgs integer/pointer or MaxFloatArgs floating-point parameters.
func ParseSignature(s string) (Signature, error) {
	sig, msg := parseSignature(s)
	if msg != "" {
		return Signature{}, &Error{Op: "parse signature", Name: s, Msg: msg}
	}
	return sig, nil
}

// ParseType parses a single C type such as "unsigned long" or "const char*",
// as ParseSignature does for a parameter without a name. "void" is accepted.
func ParseType(s string) (Type, error) {
	toks, msg := tokenize(s)
	if msg == "" {
		var t Type
		var name string
		t, name, msg = parseType(toks)
		if msg == "" && name != "" {
			msg = "unexpected name " + quote(name) + " after the type"
		}
		if msg == "" {
			return t, nil
		}
	}
	return Type{}, &Error{Op: "parse type", Name: s, Msg: msg}
}

func parseSignature(s string) (Signature, string) {
	toks, msg := tokenize(s)
	if msg != "" {
		return Signature{}, msg
	}
	open := -1
	for i, t := range toks {
		if t == "(" {
			open = i
			break
		}
	}
	if open < 0 {
		return Signature{}, "missing \"(\": want a function type such as double(double)"
	}
	if toks[len(toks)-1] != ")" {
		return Signature{}, "want \")\" at the end"
	}
	var sig Signature
	ret, name, msg := parseType(toks[:open])
	if msg != "" {
		return Signature{}, "return type: " + msg
	}
	sig.Ret, sig.Name = ret, name
	inner := toks[open+1 : len(toks)-1]
	for _, t := range inner {
		if t == "(" || t == ")" {
			return Signature{}, "function pointer parameters are not supported: use void*"
		}
	}
	if len(inner) == 0 || len(inner) == 1 && inner[0] == "void" {
		return sig, sig.check()
	}
	for n := 1; len(inner) > 0; n++ {
		end := len(inner)
		for i, t := range inner {
			if t == "," {
				end = i
				break
			}
		}
		if end == 0 {
			return Signature{}, "parameter " + itoa(n) + ": missing type"
		}
		p, _, msg := parseType(inner[:end])
		if msg != "" {
			return Signature{}, "parameter " + itoa(n) + ": " + msg
		}
		if p.Kind == Void {
			return Signature{}, "parameter " + itoa(n) + ": void is only allowed alone, as (void)"
		}
		sig.Params = append(sig.Params, p)
		if end == len(inner) {
			break
		}
		inner = inner[end+1:]
		if len(inner) == 0 {
			return Signature{}, "parameter " + itoa(n+1) + ": missing type after \",\""
		}
	}
	return sig, sig.check()
}

// tokenize splits s into identifiers, "*", "(", ")", ",", and refuses what the
// grammar has no place for.
func tokenize(s string) ([]string, string) {
	var toks []string
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '*' || c == '(' || c == ')' || c == ',':
			toks = append(toks, s[i:i+1])
			i++
		case c == '.':
			if strings.HasPrefix(s[i:], "...") {
				return nil, msgVariadic
			}
			return nil, "unexpected \".\""
		case c == '[' || c == ']':
			return nil, "array types are not supported: use a pointer"
		case isIdentByte(c, true):
			j := i + 1
			for j < len(s) && isIdentByte(s[j], false) {
				j++
			}
			toks = append(toks, s[i:j])
			i = j
		default:
			return nil, "unexpected character " + quote(s[i:i+1])
		}
	}
	if len(toks) == 0 {
		return nil, "empty"
	}
	return toks, ""
}

// msgVariadic explains why a variadic signature is refused.
const msgVariadic = "variadic functions (...) are not supported: for a variadic call the x86-64 " +
	"SysV ABI needs %al set to the number of vector registers used, and the classes of the extra " +
	"arguments (after the default promotions) are not in the signature, so the trampoline would " +
	"be guessing"

func isIdentByte(c byte, first bool) bool {
	return c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || !first && '0' <= c && c <= '9'
}

// typedefKind returns the kind of a typedef name ParseSignature knows, for
// the LP64 platforms Call supports; false for another name.
func typedefKind(name string) (Kind, bool) {
	switch name {
	case "size_t", "uintptr_t", "uintmax_t", "uint64_t":
		return Uint64, true
	case "ssize_t", "ptrdiff_t", "intptr_t", "intmax_t", "off_t", "int64_t":
		return Int64, true
	case "pid_t", "int32_t":
		return Int32, true
	case "uid_t", "gid_t", "uint32_t":
		return Uint32, true
	case "int8_t":
		return Int8, true
	case "int16_t":
		return Int16, true
	case "uint8_t":
		return Uint8, true
	case "uint16_t":
		return Uint16, true
	}
	return 0, false
}

// charKind is the kind of plain char: unsigned on the Linux ABIs of arm64,
// arm, ppc64, s390x and riscv64; signed elsewhere (amd64, 386, all of darwin).
func charKind() Kind {
	if runtime.GOOS != "darwin" && runtime.GOOS != "ios" {
		switch runtime.GOARCH {
		case "arm64", "arm", "ppc64", "ppc64le", "s390x", "riscv64":
			return Uint8
		}
	}
	return Int8
}

// parseType parses one type, with an optional trailing name, from toks.
func parseType(toks []string) (t Type, name string, msg string) {
	var (
		count    = map[string]int{}
		typedef  string
		tag      string // "struct", "union" or "enum" with its name
		stars    int
		spelling strings.Builder
		sawBase  bool
	)
	for i := 0; i < len(toks); i++ {
		tok := toks[i]
		switch tok {
		case "*":
			if !sawBase {
				return Type{}, "", "\"*\" before a type"
			}
			if name != "" {
				return Type{}, "", "\"*\" after the name " + quote(name)
			}
			stars++
			spelling.WriteByte('*')
			continue
		case ",", "(", ")":
			return Type{}, "", "unexpected " + quote(tok)
		}
		if name != "" {
			return Type{}, "", "unexpected " + quote(tok) + " after the name " + quote(name)
		}
		switch tok {
		case "const", "volatile", "restrict", "__restrict", "__restrict__", "__const":
			// Qualifiers change nothing about passing.
		case "signed", "unsigned", "char", "short", "int", "long", "float", "double", "void", "bool", "_Bool":
			if typedef != "" || tag != "" {
				return Type{}, "", quote(tok) + " cannot be combined with " + quote(typedef+tag)
			}
			count[tok]++
			sawBase = true
		case "_Complex", "complex", "_Imaginary":
			return Type{}, "", "complex types are not supported"
		case "struct", "union", "enum":
			if sawBase {
				return Type{}, "", quote(tok) + " cannot be combined with another type"
			}
			if i+1 >= len(toks) || !isIdentByte(toks[i+1][0], true) {
				return Type{}, "", quote(tok) + " needs a tag name"
			}
			i++
			tag = tok + " " + toks[i]
			sawBase = true
			tok = tag
		default:
			if _, ok := typedefKind(tok); ok && !sawBase {
				typedef = tok
				sawBase = true
				break
			}
			if !sawBase {
				return Type{}, "", "unknown type name " + quote(tok)
			}
			name = tok
			continue
		}
		if spelling.Len() > 0 {
			spelling.WriteByte(' ')
		}
		spelling.WriteString(tok)
	}
	if !sawBase {
		return Type{}, "", "missing type"
	}
	t.C = spelling.String()
	isChar := false
	switch {
	case tag != "":
		if stars == 0 {
			return Type{}, "", strings.Fields(tag)[0] + " values are not supported: pass a pointer"
		}
		t.Kind = Pointer
		return t, name, ""
	case typedef != "":
		t.Kind, _ = typedefKind(typedef)
	default:
		t.Kind, isChar, msg = baseKind(count)
		if msg != "" {
			return Type{}, "", msg
		}
	}
	switch {
	case stars == 1 && isChar:
		t.Kind = CString
	case stars > 0:
		t.Kind = Pointer
	}
	return t, name, ""
}

// baseKind resolves a combination of base type keywords, counted, the way C
// does, reporting also whether it is a char type.
func baseKind(n map[string]int) (Kind, bool, string) {
	for w, c := range n {
		if c > 1 && !(w == "long" && c == 2) {
			return 0, false, "duplicate " + quote(w)
		}
	}
	signed, unsigned := n["signed"] > 0, n["unsigned"] > 0
	if signed && unsigned {
		return 0, false, "both signed and unsigned"
	}
	sign := signed || unsigned
	others := func(allowed ...string) bool {
		for w := range n {
			ok := false
			for _, a := range allowed {
				ok = ok || w == a
			}
			if !ok {
				return true
			}
		}
		return false
	}
	pick := func(s, u Kind) Kind {
		if unsigned {
			return u
		}
		return s
	}
	switch {
	case n["void"] > 0:
		if others("void") {
			return 0, false, "void combined with another type"
		}
		return Void, false, ""
	case n["bool"] > 0 || n["_Bool"] > 0:
		if others("bool", "_Bool") || n["bool"]+n["_Bool"] > 1 {
			return 0, false, "bool combined with another type"
		}
		return Bool, false, ""
	case n["float"] > 0:
		if others("float") {
			return 0, false, "float combined with another type"
		}
		return Float, false, ""
	case n["double"] > 0:
		if n["long"] > 0 {
			return 0, false, "long double is not supported"
		}
		if others("double") {
			return 0, false, "double combined with another type"
		}
		return Double, false, ""
	case n["char"] > 0:
		if others("char", "signed", "unsigned") {
			return 0, false, "char combined with another type"
		}
		if !sign {
			return charKind(), true, ""
		}
		return pick(Int8, Uint8), true, ""
	case n["short"] > 0:
		if others("short", "int", "signed", "unsigned") {
			return 0, false, "short combined with another type"
		}
		return pick(Int16, Uint16), false, ""
	case n["long"] > 0:
		// long is 64 bits on the LP64 platforms Call supports.
		return pick(Int64, Uint64), false, ""
	default: // int, signed, unsigned
		return pick(Int32, Uint32), false, ""
	}
}

func quote(s string) string { return strconv.Quote(s) }

func itoa(i int) string { return strconv.Itoa(i) }

// ParseArgs converts command-line text to arguments for Call, one string per
// parameter of s: integers and bools as strconv.ParseInt/ParseUint read them
// with base 0 ("42", "-1", "0x2a"; also "true" and "false" for bool), float
// and double as strconv.ParseFloat, pointers as an unsigned integer or
// "null" (also "NULL", "nil"), and char pointers as the text itself, passed
// as a C string, except "null" and "NULL", which pass a null pointer; a
// backslash before them ("\null") passes the word itself.
func (s Signature) ParseArgs(args []string) ([]any, error) {
	if len(args) != len(s.Params) {
		return nil, &Error{Op: "parse arguments", Name: s.String(),
			Msg: "want " + plural(len(s.Params), "argument") + ", got " + itoa(len(args))}
	}
	out := make([]any, len(args))
	for i, a := range args {
		v, err := parseArg(s.Params[i].Kind, a)
		if err != nil {
			return nil, &Error{Op: "parse arguments", Name: s.String(),
				Msg: "argument " + itoa(i+1) + " (" + s.Params[i].C + "): " + quote(a) + ": " + err.Error()}
		}
		out[i] = v
	}
	return out, nil
}

// plural is "1 argument", "2 arguments".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return itoa(n) + " " + noun + "s"
}

func parseArg(k Kind, a string) (any, error) {
	switch k {
	case CString:
		switch a {
		case "null", "NULL":
			return uintptr(0), nil
		case `\null`, `\NULL`:
			return a[1:], nil
		}
		return a, nil
	case Pointer:
		if a == "null" || a == "NULL" || a == "nil" {
			return uintptr(0), nil
		}
		u, err := strconv.ParseUint(a, 0, 64)
		return uintptr(u), numErr(err)
	case Float:
		f, err := strconv.ParseFloat(a, 32)
		return float32(f), numErr(err)
	case Double:
		f, err := strconv.ParseFloat(a, 64)
		return f, numErr(err)
	case Bool:
		switch a {
		case "true":
			return true, nil
		case "false":
			return false, nil
		}
	}
	bits := map[Kind]int{Bool: 8, Int8: 8, Int16: 16, Int32: 32, Int64: 64,
		Uint8: 8, Uint16: 16, Uint32: 32, Uint64: 64}[k]
	if k >= Uint8 && k <= Uint64 {
		u, err := strconv.ParseUint(a, 0, bits)
		return u, numErr(err)
	}
	n, err := strconv.ParseInt(a, 0, bits)
	return n, numErr(err)
}

// numErr drops strconv's repetition of the input from its errors.
func numErr(err error) error {
	if ne, ok := err.(*strconv.NumError); ok {
		return ne.Err
	}
	return err
}
