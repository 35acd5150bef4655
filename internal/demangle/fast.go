package demangle

import "sync"

// demangleFast demangles the common subset of Itanium C++ names (97% of
// libLLVM's) in one pass, printing as it parses, without the syntax tree
// the demangle package builds: about 8 times faster, with a handful of
// allocations. The subset: source names, nested names with
// constructors, destructors and operators; template arguments made of
// types, integer and enum literals, argument packs and function types;
// T_ parameters of a function template, and Dp expansions of them as
// its parameters; builtin types; K P R O qualifiers; substitutions and
// the standard abbreviations; vtable/typeinfo/VTT names, thunks, guard
// variables; clone suffixes. It returns false on anything else (ABI
// tags, lambdas, expressions, arrays, pointers to functions or members,
// local names, ...) and on output longer than fastMaxOut, and
// Name then asks the package. What it accepts it must print
// exactly as demangleSlow does: demangle_fast_test.go checks that on
// every C++ name of the system's libraries, and fuzzes it.
func demangleFast(name string) (string, bool) {
	if len(name) < 3 || name[0] != '_' || name[1] != 'Z' || len(name) > fastMaxIn {
		return "", false
	}
	// Names that fixOldStyleSr may rewrite stay with the package.
	for i := 2; i+2 < len(name); i++ {
		if name[i] == 's' && name[i+1] == 'r' && isDigitByte(name[i+2]) {
			return "", false
		}
	}
	d := fastPool.Get().(*fastDemangler)
	d.s, d.p, d.b, d.subs, d.depth = name, 2, d.b[:0], d.subs[:0], 0
	d.inName, d.inTArgs, d.targs, d.packElems, d.targOK = false, 0, d.targs[:0], d.packElems[:0], false
	out, ok := d.top()
	d.s = ""
	fastPool.Put(d)
	return out, ok
}

const (
	fastMaxIn    = 4 << 10  // longer names go to the demangle package
	fastMaxOut   = 16 << 10 // as does output that grows past this
	fastMaxDepth = 48       // nesting of types and template arguments
)

var fastPool = sync.Pool{New: func() any {
	return &fastDemangler{b: make([]byte, 0, 1024), subs: make([]fastSpan, 0, 32)}
}}

// A fastSpan is a printed entity: b[start:end]. last is its last
// unqualified name (for constructors), kind what a qualifier on it
// would need to know.
type fastSpan struct {
	start, end         int32
	lastStart, lastEnd int32 // lastEnd == 0: no usable last name
	pe0, pe1           int32 // a pack's elements: packElems[pe0:pe1], or pe1 of them
	kind               uint8
}

const (
	fkOther   uint8 = iota // class, pointer, builtin other than void
	fkVoid                 // the builtin v itself
	fkConst                // K<type>: a second const would merge
	fkRef                  // R or O<type>: references collapse
	fkLiteral              // a non-type template argument
	fkFunc                 // a function type: only a template argument
	fkPack                 // an argument pack, or what only a pack expansion names
)

type fastDemangler struct {
	s     string
	p     int
	b     []byte
	subs  []fastSpan
	depth int

	inName    bool       // parsing the encoding's name: no T_
	inTArgs   int        // template argument lists being parsed
	targs     []fastSpan // template arguments of the encoding's name
	packElems []fastSpan // the elements of the packs among targs
	targOK    bool       // the name ends in template arguments
}

func (d *fastDemangler) peek() byte {
	if d.p < len(d.s) {
		return d.s[d.p]
	}
	return 0
}

func (d *fastDemangler) peek2() byte {
	if d.p+1 < len(d.s) {
		return d.s[d.p+1]
	}
	return 0
}

func (d *fastDemangler) str(s string) { d.b = append(d.b, s...) }

// copySpan appends the text of sp again, bounding the output.
func (d *fastDemangler) copySpan(sp fastSpan) bool {
	if len(d.b)+int(sp.end-sp.start) > fastMaxOut {
		return false
	}
	d.b = append(d.b, d.b[sp.start:sp.end]...)
	return true
}

func (d *fastDemangler) addSub(sp fastSpan) {
	d.subs = append(d.subs, sp)
}

// top parses _Z <encoding> [clone suffixes] and returns the whole text.
func (d *fastDemangler) top() (string, bool) {
	start := len(d.b)
	if !d.encoding() {
		return "", false
	}
	// Clone suffixes, as the demangle package takes them.
	s := d.s
	for d.p+1 < len(s) && s[d.p] == '.' && fastCloneChar(s[d.p+1]) {
		i := d.p + 2
		for i < len(s) && fastCloneChar(s[i]) {
			i++
		}
		for i+1 < len(s) && s[i] == '.' && s[i+1] >= '0' && s[i+1] <= '9' {
			i += 2
			for i < len(s) && s[i] >= '0' && s[i] <= '9' {
				i++
			}
		}
		d.str(" [clone ")
		d.str(s[d.p:i])
		d.str("]")
		d.p = i
	}
	if d.p != len(s) || len(d.b) > fastMaxOut {
		return "", false
	}
	return string(d.b[start:]), true
}

func fastCloneChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_'
}

// encoding parses <encoding>, leaving its text at the end of d.b.
func (d *fastDemangler) encoding() bool {
	switch d.peek() {
	case 'T':
		return d.specialT()
	case 'G':
		if d.peek2() != 'V' {
			return false
		}
		d.p += 2
		d.str("guard variable for ")
		d.inName = true
		n, ok := d.name(false)
		d.inName = false
		return ok && !n.quals && d.peek() != 'I'
	}
	start := len(d.b)
	d.inName = true
	d.targOK = false
	n, ok := d.name(true)
	d.inName = false
	if !ok {
		return false
	}
	if d.p == len(d.s) || d.peek() == 'E' {
		// A data name. The package keeps a method's qualifiers
		// here; they make no sense on data.
		return !n.quals && d.p == len(d.s)
	}
	if d.peek() == '.' || d.peek() == 'J' || d.peek() == 'U' || d.peek() == 'Q' {
		return false
	}
	nameEnd := len(d.b)
	if !n.template {
		d.targOK = false
	}
	retStart, retEnd := nameEnd, nameEnd
	if n.template && !n.cdtor {
		if sp, ok := d.typ(); !ok || sp.kind >= fkLiteral {
			return false
		}
		retEnd = len(d.b)
	}
	// Parameters.
	parStart := len(d.b)
	count, printed := 0, 0
	var first fastSpan
	for d.p < len(d.s) {
		c := d.peek()
		if c == 'E' || c == '.' || c == 'Q' {
			break
		}
		if (c == 'R' || c == 'O') && d.peek2() == 'E' {
			return false
		}
		sepAt := len(d.b)
		if printed > 0 {
			d.str(", ")
		}
		if c == 'D' && d.peek2() == 'p' {
			n, ok := d.packExpansion()
			if !ok {
				return false
			}
			if n == 0 {
				d.b = d.b[:sepAt]
			} else {
				printed++
			}
			first.kind = fkPack
			count++
			continue
		}
		sp, ok := d.typ()
		if !ok || sp.kind >= fkLiteral {
			return false
		}
		if count == 0 {
			first = sp
		}
		count++
		printed++
	}
	if count == 0 {
		return false
	}
	parEnd := len(d.b)
	if count == 1 && first.kind == fkVoid {
		parEnd = parStart
	}
	// Assemble "ret name(params) quals" after everything parsed.
	outStart := len(d.b)
	if retEnd > retStart {
		d.b = append(d.b, d.b[retStart:retEnd]...)
		d.b = append(d.b, ' ')
	}
	d.b = append(d.b, d.b[start:nameEnd]...)
	d.b = append(d.b, '(')
	d.b = append(d.b, d.b[parStart:parEnd]...)
	d.b = append(d.b, ')')
	if n.konst {
		d.str(" const")
	}
	if n.ref != "" {
		d.b = append(d.b, ' ')
		d.str(n.ref)
	}
	// Move the result to start, where the caller expects it.
	n2 := copy(d.b[start:], d.b[outStart:])
	d.b = d.b[:start+n2]
	d.targOK = false
	return len(d.b) <= fastMaxOut
}

// packExpansion parses Dp [K|P|R|O]* T<n>_, a function parameter that
// is a pack of the function's template arguments, and prints each
// element of the pack with the qualifiers applied. It returns the
// number of elements.
func (d *fastDemangler) packExpansion() (int, bool) {
	d.p += 2 // Dp
	q0 := d.p
	for c := d.peek(); c == 'K' || c == 'P' || c == 'R' || c == 'O'; c = d.peek() {
		d.p++
	}
	chain := d.s[q0:d.p]
	idx, ok := d.templateParam()
	if !ok || d.inName || !d.targOK || idx >= len(d.targs) || d.peek() == 'I' {
		return 0, false
	}
	a := d.targs[idx]
	if a.kind != fkPack {
		return 0, false
	}
	// The candidates: T_, each qualified type, the expansion. None
	// prints as one type: a reference to any of them is declined.
	for i := 0; i < len(chain)+2; i++ {
		d.addSub(fastSpan{kind: fkPack})
	}
	for i := a.pe0; i < a.pe1; i++ {
		e := d.packElems[i]
		if e.kind >= fkLiteral {
			return 0, false
		}
		if i > a.pe0 {
			d.str(", ")
		}
		if !d.copySpan(e) {
			return 0, false
		}
		kind := e.kind
		for j := len(chain) - 1; j >= 0; j-- {
			q := chain[j]
			if kind == fkRef {
				if q == 'O' {
					continue // X& && is X&, X&& && is X&&
				}
				return 0, false
			}
			if q == 'K' && kind == fkConst {
				return 0, false
			}
			kind = d.qualifier(q, kind)
		}
	}
	return int(a.pe1 - a.pe0), len(d.b) <= fastMaxOut
}

// templateParam parses T_ or T<n>_ and returns the index.
func (d *fastDemangler) templateParam() (int, bool) {
	if d.peek() != 'T' {
		return 0, false
	}
	d.p++
	idx := 0
	if d.peek() != '_' {
		for isDigitByte(d.peek()) {
			idx = idx*10 + int(d.peek()-'0')
			d.p++
			if idx > 1<<16 {
				return 0, false
			}
		}
		idx++
		if d.peek() != '_' {
			return 0, false
		}
	}
	d.p++
	return idx, true
}

// specialT parses the T special names it knows.
func (d *fastDemangler) specialT() bool {
	switch d.peek2() {
	case 'V', 'T', 'I', 'S':
		switch d.peek2() {
		case 'V':
			d.str("vtable for ")
		case 'T':
			d.str("VTT for ")
		case 'I':
			d.str("typeinfo for ")
		case 'S':
			d.str("typeinfo name for ")
		}
		d.p += 2
		d.inName = true
		_, ok := d.typ()
		d.inName = false
		return ok
	case 'h', 'v':
		c := d.peek2()
		d.p += 2
		if !d.number() {
			return false
		}
		if c == 'v' {
			if d.peek() != '_' {
				return false
			}
			d.p++
			if !d.number() {
				return false
			}
		}
		if d.peek() != '_' {
			return false
		}
		d.p++
		if c == 'h' {
			d.str("non-virtual thunk to ")
		} else {
			d.str("virtual thunk to ")
		}
		if d.peek() == 'T' || d.peek() == 'G' {
			return false
		}
		return d.encoding()
	}
	return false
}

// number skips [n] <digits>.
func (d *fastDemangler) number() bool {
	if d.peek() == 'n' {
		d.p++
	}
	i := d.p
	for d.p < len(d.s) && isDigitByte(d.s[d.p]) {
		d.p++
	}
	return d.p > i && d.p-i < 9
}

func isDigitByte(c byte) bool { return c >= '0' && c <= '9' }

// fastName describes a parsed <name>.
type fastName struct {
	template bool   // ends in template arguments
	cdtor    bool   // its last component is a constructor or destructor
	quals    bool   // N K/R/O: a method's qualifiers
	konst    bool   // N K
	ref      string // N R or N O
	sp       fastSpan
}

// name parses <name>: nested, unscoped (St or not) with optional
// template arguments, or a substitution with template arguments.
// encName says it is the encoding's name, whose last template
// arguments the T_ of the function type refer to.
func (d *fastDemangler) name(encName bool) (fastName, bool) {
	var n fastName
	if d.depth++; d.depth > fastMaxDepth {
		return n, false
	}
	defer func() { d.depth-- }()
	start := int32(len(d.b))
	switch c := d.peek(); {
	case c == 'N':
		return d.nested(encName)
	case c == 'S':
		c2 := d.peek2()
		if c2 == 't' {
			d.p += 2
			d.str("std::")
			ls := int32(len(d.b))
			if !d.sourceName() {
				return n, false
			}
			n.sp = fastSpan{start: start, end: int32(len(d.b)), lastStart: ls, lastEnd: int32(len(d.b))}
			return d.unscopedTemplate(n, encName)
		}
		sp, std, ok := d.substitution()
		if !ok {
			return n, false
		}
		if d.peek() != 'I' {
			// Only a template name can be followed by anything
			// else than its template arguments here.
			return n, false
		}
		if n.sp, ok = d.substTemplate(start, sp, std, encName); !ok {
			return n, false
		}
		n.template = true
		return n, true
	case isDigitByte(c) || encName && c >= 'a' && c <= 'z':
		if isDigitByte(c) {
			if !d.sourceName() {
				return n, false
			}
			n.sp = fastSpan{start: start, end: int32(len(d.b)), lastStart: start, lastEnd: int32(len(d.b))}
		} else {
			if !d.operatorName() {
				return n, false
			}
			n.sp = fastSpan{start: start, end: int32(len(d.b))}
		}
		return d.unscopedTemplate(n, encName)
	}
	return n, false
}

// unscopedTemplate reads the template arguments that may follow the
// unscoped name n; a template name is a substitution of its own.
func (d *fastDemangler) unscopedTemplate(n fastName, encName bool) (fastName, bool) {
	if d.peek() == 'I' {
		d.addSub(n.sp)
		if !d.templateArgs(encName) {
			return n, false
		}
		n.template = true
		n.sp.end = int32(len(d.b))
	}
	return n, true
}

// nested parses N [K] [R|O] <prefix> E.
func (d *fastDemangler) nested(encName bool) (fastName, bool) {
	var n fastName
	d.p++ // N
	if d.peek() == 'K' {
		d.p++
		n.konst, n.quals = true, true
	}
	switch d.peek() {
	case 'R':
		d.p++
		n.ref, n.quals = "&", true
	case 'O':
		d.p++
		n.ref, n.quals = "&&", true
	case 'r', 'V', 'K', 'H':
		return n, false
	}
	start := int32(len(d.b))
	var lastStart, lastEnd int32
	have, onlySubst := false, false
	for {
		c := d.peek()
		lastWasTemplate := false
		switch {
		case isDigitByte(c):
			if have {
				d.str("::")
			}
			ls := int32(len(d.b))
			if !d.sourceName() {
				return n, false
			}
			lastStart, lastEnd = ls, int32(len(d.b))
			n.cdtor = false
		case c == 'C' || c == 'D':
			k := d.peek2()
			if c == 'C' && (k < '1' || k > '5') || c == 'D' && k != '0' && k != '1' && k != '2' && k != '4' && k != '5' {
				return n, false
			}
			if !have || lastEnd == 0 {
				return n, false
			}
			d.p += 2
			d.str("::")
			if c == 'D' {
				d.b = append(d.b, '~')
			}
			d.b = append(d.b, d.b[lastStart:lastEnd]...)
			n.cdtor = true
			if nc := d.peek(); nc != 'E' && nc != 'I' {
				return n, false
			}
		case c >= 'a' && c <= 'z':
			if !have {
				return n, false
			}
			d.str("::")
			if !d.operatorName() {
				return n, false
			}
			lastEnd = 0 // no constructor of an operator
			n.cdtor = false
			if nc := d.peek(); nc != 'E' && nc != 'I' {
				return n, false
			}
		case c == 'S':
			if have {
				return n, false
			}
			if d.peek2() == 't' {
				d.p += 2
				d.str("std")
				lastStart, lastEnd = int32(len(d.b))-3, int32(len(d.b))
			} else {
				sp, _, ok := d.substitution()
				if !ok || sp.kind != fkOther {
					return n, false
				}
				lastStart, lastEnd = sp.lastStart, sp.lastEnd
			}
		case c == 'I':
			if !have {
				return n, false
			}
			if !d.templateArgs(encName) {
				return n, false
			}
			if lastEnd == 0 || n.cdtor {
				// Only E may follow an operator's or a
				// constructor's arguments.
				if d.peek() != 'E' {
					return n, false
				}
			}
			lastWasTemplate = true
		case c == 'E':
			if !have || onlySubst {
				// N S_ E is the substituted entity itself,
				// which the package treats as a template
				// if it has arguments: leave it to it.
				return n, false
			}
			d.p++
			n.sp = fastSpan{start: start, end: int32(len(d.b)), lastStart: lastStart, lastEnd: lastEnd}
			return n, true
		default:
			return n, false
		}
		onlySubst = !have && c == 'S'
		have = true
		n.template = lastWasTemplate
		if c != 'S' && d.peek() != 'E' {
			d.addSub(fastSpan{start: start, end: int32(len(d.b)), lastStart: lastStart, lastEnd: lastEnd})
		}
		if len(d.b) > fastMaxOut {
			return n, false
		}
	}
}

// sourceName parses <length> <identifier>.
func (d *fastDemangler) sourceName() bool {
	n := 0
	i := d.p
	for i < len(d.s) && isDigitByte(d.s[i]) {
		n = n*10 + int(d.s[i]-'0')
		i++
		if n > fastMaxIn {
			return false
		}
	}
	if i == d.p || n == 0 || len(d.s)-i < n {
		return false
	}
	id := d.s[i : i+n]
	d.p = i + n
	if len(id) > 10 && id[:8] == "_GLOBAL_" && (id[8] == '.' || id[8] == '_' || id[8] == '$') && id[9] == 'N' {
		id = "(anonymous namespace)"
	}
	d.str(id)
	// A source name followed by an ABI tag, a module or a friend
	// mark is left to the demangle package.
	switch d.peek() {
	case 'B', 'W', 'F':
		// F may also start a function type parameter; declining
		// costs only speed.
		return false
	}
	return true
}

// fastOperator returns the name of the operator whose code is code, as
// the demangle package prints it; false for one the fast path does not
// print. A switch rather than a map, so that nothing is built at every
// start of soinspect.
func fastOperator(code string) (string, bool) {
	switch code {
	case "aN":
		return "operator&=", true
	case "aS":
		return "operator=", true
	case "aa":
		return "operator&&", true
	case "ad":
		return "operator&", true
	case "an":
		return "operator&", true
	case "cl":
		return "operator()", true
	case "cm":
		return "operator,", true
	case "co":
		return "operator~", true
	case "dV":
		return "operator/=", true
	case "da":
		return "operator delete[]", true
	case "de":
		return "operator*", true
	case "dl":
		return "operator delete", true
	case "dv":
		return "operator/", true
	case "eO":
		return "operator^=", true
	case "eo":
		return "operator^", true
	case "eq":
		return "operator==", true
	case "ge":
		return "operator>=", true
	case "gt":
		return "operator>", true
	case "ix":
		return "operator[]", true
	case "lS":
		return "operator<<=", true
	case "le":
		return "operator<=", true
	case "ls":
		return "operator<<", true
	case "lt":
		return "operator<", true
	case "mI":
		return "operator-=", true
	case "mL":
		return "operator*=", true
	case "mi":
		return "operator-", true
	case "ml":
		return "operator*", true
	case "mm":
		return "operator--", true
	case "na":
		return "operator new[]", true
	case "ne":
		return "operator!=", true
	case "ng":
		return "operator-", true
	case "nt":
		return "operator!", true
	case "nw":
		return "operator new", true
	case "oR":
		return "operator|=", true
	case "oo":
		return "operator||", true
	case "or":
		return "operator|", true
	case "pL":
		return "operator+=", true
	case "pl":
		return "operator+", true
	case "pm":
		return "operator->*", true
	case "pp":
		return "operator++", true
	case "ps":
		return "operator+", true
	case "pt":
		return "operator->", true
	case "rM":
		return "operator%=", true
	case "rS":
		return "operator>>=", true
	case "rm":
		return "operator%", true
	case "rs":
		return "operator>>", true
	case "ss":
		return "operator<=>", true
	}
	return "", false
}

func (d *fastDemangler) operatorName() bool {
	if d.p+2 > len(d.s) {
		return false
	}
	op, ok := fastOperator(d.s[d.p : d.p+2])
	if !ok {
		return false
	}
	d.p += 2
	d.str(op)
	if d.peek() == 'B' {
		return false
	}
	return true
}

// fastStd are the standard abbreviations other than St, in the long
// form that Verbose (and c++filt) prints, with the last name in each
// (which follows "std::").
var fastStd = [...]struct {
	c    byte
	text string
	last string
}{
	{'a', "std::allocator", "allocator"},
	{'b', "std::basic_string", "basic_string"},
	{'s', "std::basic_string<char, std::char_traits<char>, std::allocator<char> >", "basic_string"},
	{'i', "std::basic_istream<char, std::char_traits<char> >", "basic_istream"},
	{'o', "std::basic_ostream<char, std::char_traits<char> >", "basic_ostream"},
	{'d', "std::basic_iostream<char, std::char_traits<char> >", "basic_iostream"},
}

// qualifier prints the qualifier q (K const, P pointer, R lvalue or O
// rvalue reference) after the type printed last, and returns the kind of
// the qualified type; kind for any other q.
func (d *fastDemangler) qualifier(q byte, kind uint8) uint8 {
	switch q {
	case 'K':
		d.str(" const")
		return fkConst
	case 'P':
		d.b = append(d.b, '*')
		return fkOther
	case 'R':
		d.b = append(d.b, '&')
		return fkRef
	case 'O':
		d.str("&&")
		return fkRef
	}
	return kind
}

// namedType parses a class or enum type given by its name (N..E, a
// source name, or St...), which becomes a substitution. A name with
// cv- or ref-qualifiers, or a constructor's, is no type.
func (d *fastDemangler) namedType() (fastSpan, bool) {
	n, ok := d.name(false)
	if !ok || n.quals || n.cdtor {
		return fastSpan{}, false
	}
	sp := n.sp
	sp.end = int32(len(d.b))
	d.addSub(sp)
	return sp, true
}

// substTemplate reads the template arguments that follow a substitution
// sub (std its abbreviation's letter, or 0) printed from start: of the
// abbreviations only Sa and Sb name a template, and of the substitutions
// only a plain name. It returns the span of the template-id, whose last
// component is sub's.
func (d *fastDemangler) substTemplate(start int32, sub fastSpan, std byte, encName bool) (fastSpan, bool) {
	if std != 0 && std != 'a' && std != 'b' || sub.kind != fkOther {
		return fastSpan{}, false
	}
	if !d.templateArgs(encName) {
		return fastSpan{}, false
	}
	return fastSpan{start: start, end: int32(len(d.b)), lastStart: sub.lastStart, lastEnd: sub.lastEnd}, true
}

// substitution parses S_, S<seq-id>_ or a standard abbreviation other
// than St and prints it. std is the abbreviation's letter, or 0.
func (d *fastDemangler) substitution() (sp fastSpan, std byte, ok bool) {
	d.p++ // S
	c := d.peek()
	start := int32(len(d.b))
	if c >= 'a' && c <= 'z' {
		for _, e := range fastStd {
			if e.c == c {
				d.p++
				d.str(e.text)
				end := int32(len(d.b))
				if d.peek() == 'B' {
					return sp, 0, false
				}
				return fastSpan{start: start, end: end, lastStart: start + 5, lastEnd: start + 5 + int32(len(e.last))}, c, true
			}
		}
		return sp, 0, false
	}
	id := 0
	if c != '_' {
		for c = d.peek(); c != '_'; c = d.peek() {
			switch {
			case isDigitByte(c):
				id = id*36 + int(c-'0')
			case c >= 'A' && c <= 'Z':
				id = id*36 + int(c-'A') + 10
			default:
				return sp, 0, false
			}
			d.p++
			if id > 1<<20 {
				return sp, 0, false
			}
		}
		id++
	}
	d.p++ // _
	if id >= len(d.subs) {
		return sp, 0, false
	}
	e := d.subs[id]
	if e.kind == fkPack || !d.copySpan(e) {
		return sp, 0, false
	}
	sp = fastSpan{start: start, end: int32(len(d.b)), kind: e.kind}
	if e.lastEnd != 0 {
		sp.lastStart = start + (e.lastStart - e.start)
		sp.lastEnd = start + (e.lastEnd - e.start)
	}
	if d.peek() == 'B' {
		return sp, 0, false
	}
	return sp, 0, true
}

// templateArgs parses I <template-arg>* E. rec records the arguments as
// the ones T_ refers to.
func (d *fastDemangler) templateArgs(rec bool) bool {
	if d.depth++; d.depth > fastMaxDepth {
		return false
	}
	d.inTArgs++
	defer func() { d.depth--; d.inTArgs-- }()
	d.p++ // I
	if rec {
		d.targs, d.packElems = d.targs[:0], d.packElems[:0]
		d.targOK = true
	}
	if len(d.b) > 0 && d.b[len(d.b)-1] == '<' {
		d.b = append(d.b, ' ') // operator< <int>
	}
	d.b = append(d.b, '<')
	nargs, printed, trailingEmpty := 0, 0, 0
	for {
		if d.peek() == 'E' {
			d.p++
			break
		}
		sepAt := len(d.b)
		if printed > 0 {
			d.str(", ")
		}
		var sp fastSpan
		var ok bool
		if d.peek() == 'J' {
			sp, ok = d.pack(rec)
		} else {
			sp, ok = d.templateArg()
		}
		if !ok {
			return false
		}
		nargs++
		if sp.kind == fkPack && sp.pe0 == sp.pe1 {
			// An empty pack prints nothing, nor the ", " before it.
			d.b = d.b[:sepAt]
			trailingEmpty++
		} else {
			printed++
			trailingEmpty = 0
		}
		if rec {
			d.targs = append(d.targs, sp)
		}
	}
	// libiberty's quirk that Name reproduces: after trailing
	// empty packs the list closes with ">" even after a ">".
	quirk := trailingEmpty > 0 && nargs > trailingEmpty
	if !quirk && d.b[len(d.b)-1] == '>' {
		d.b = append(d.b, ' ')
	}
	d.b = append(d.b, '>')
	return len(d.b) <= fastMaxOut
}

// templateArg parses a <template-arg> other than a pack.
func (d *fastDemangler) templateArg() (fastSpan, bool) {
	switch d.peek() {
	case 'L':
		start := int32(len(d.b))
		if !d.literal() {
			return fastSpan{}, false
		}
		return fastSpan{start: start, end: int32(len(d.b)), kind: fkLiteral}, true
	case 'X', 'J', 'I', 0:
		return fastSpan{}, false
	case 'T':
		switch d.peek2() {
		case 'y', 'n', 't', 'p', 'k':
			return fastSpan{}, false
		}
	}
	return d.typ()
}

// pack parses J <template-arg>* E. With rec its elements go to
// packElems[pe0:pe1]; without, pe1 counts them.
func (d *fastDemangler) pack(rec bool) (fastSpan, bool) {
	d.p++ // J
	sp := fastSpan{start: int32(len(d.b)), kind: fkPack}
	if rec {
		sp.pe0 = int32(len(d.packElems))
	}
	n := int32(0)
	for d.peek() != 'E' {
		if n > 0 {
			d.str(", ")
		}
		e, ok := d.templateArg()
		if !ok {
			return sp, false
		}
		if rec {
			d.packElems = append(d.packElems, e)
		}
		n++
	}
	d.p++
	sp.end = int32(len(d.b))
	sp.pe1 = sp.pe0 + n
	return sp, true
}

// literal parses L <type> [n] <digits> E: integers print with their
// suffix (5ul), bools as true or false, other types as (type)5.
func (d *fastDemangler) literal() bool {
	d.p++ // L
	t := d.peek()
	var suffix string
	switch t {
	case 'i':
	case 'j':
		suffix = "u"
	case 'l':
		suffix = "l"
	case 'm':
		suffix = "ul"
	case 'x':
		suffix = "ll"
	case 'y':
		suffix = "ull"
	case 'b':
	case 0, '_', 'Z', 'd', 'e', 'f', 'g', 'v', 'z', 'D', 'T':
		return false
	case 'S':
		// A substitution may stand for a template parameter, which
		// the package prints as its argument: 5 for an int, not
		// (int)5.
		if d.peek2() != 't' {
			return false
		}
		fallthrough
	default:
		d.b = append(d.b, '(')
		sp, ok := d.typ()
		if !ok || sp.kind != fkOther {
			return false
		}
		d.b = append(d.b, ')')
		t = 0
	}
	if t != 0 {
		d.p++
	}
	neg := false
	if d.peek() == 'n' {
		neg = true
		d.p++
	}
	i := d.p
	for d.p < len(d.s) && isDigitByte(d.s[d.p]) {
		d.p++
	}
	val := d.s[i:d.p]
	if val == "" || d.peek() != 'E' {
		return false
	}
	d.p++
	if t == 'b' {
		if neg || (val != "0" && val != "1") {
			return false
		}
		if val == "0" {
			d.str("false")
		} else {
			d.str("true")
		}
		return true
	}
	if neg {
		d.b = append(d.b, '-')
	}
	d.str(val)
	d.str(suffix)
	return true
}

// fastBuiltin are the one-letter builtin types.
var fastBuiltin = [256]string{
	'a': "signed char", 'b': "bool", 'c': "char", 'd': "double",
	'e': "long double", 'f': "float", 'g': "__float128", 'h': "unsigned char",
	'i': "int", 'j': "unsigned int", 'l': "long", 'm': "unsigned long",
	'n': "__int128", 'o': "unsigned __int128", 's': "short", 't': "unsigned short",
	'v': "void", 'w': "wchar_t", 'x': "long long", 'y': "unsigned long long",
	'z': "...",
}

// functionType parses F <return type> <parameter types> E, which it
// takes only as a template argument (function_ref<void (int)>), where
// it prints simply as "ret (params)".
func (d *fastDemangler) functionType() (fastSpan, bool) {
	var sp fastSpan
	if d.inTArgs == 0 {
		return sp, false
	}
	start := int32(len(d.b))
	d.p++ // F
	if d.peek() == 'Y' {
		return sp, false
	}
	if r, ok := d.typ(); !ok || r.kind >= fkLiteral {
		return sp, false
	}
	d.str(" (")
	parStart := len(d.b)
	count := 0
	var first fastSpan
	for d.peek() != 'E' {
		c := d.peek()
		if c == 0 || (c == 'R' || c == 'O') && d.peek2() == 'E' {
			return sp, false
		}
		if count > 0 {
			d.str(", ")
		}
		p, ok := d.typ()
		if !ok || p.kind >= fkLiteral {
			return sp, false
		}
		if count == 0 {
			first = p
		}
		count++
	}
	d.p++
	if count == 0 {
		return sp, false
	}
	if count == 1 && first.kind == fkVoid {
		d.b = d.b[:parStart]
	}
	d.b = append(d.b, ')')
	sp = fastSpan{start: start, end: int32(len(d.b)), kind: fkFunc}
	d.addSub(sp)
	return sp, true
}

// typ parses a <type> and prints it, adding the substitution
// candidates the demangle package adds.
func (d *fastDemangler) typ() (fastSpan, bool) {
	var sp fastSpan
	if d.depth++; d.depth > fastMaxDepth {
		return sp, false
	}
	defer func() { d.depth-- }()
	start := int32(len(d.b))
	c := d.peek()
	if s := fastBuiltin[c]; s != "" {
		d.p++
		d.str(s)
		sp = fastSpan{start: start, end: int32(len(d.b))}
		if c == 'v' {
			sp.kind = fkVoid
		}
		return sp, true
	}
	switch c {
	case 'F':
		return d.functionType()
	case 'D':
		var s string
		switch d.peek2() {
		case 's':
			s = "char16_t"
		case 'i':
			s = "char32_t"
		case 'u':
			s = "char8_t"
		case 'n':
			s = "decltype(nullptr)"
		default:
			return sp, false
		}
		d.p += 2
		d.str(s)
		return fastSpan{start: start, end: int32(len(d.b))}, true
	case 'K', 'P', 'R', 'O':
		d.p++
		if c == 'K' {
			switch d.peek() {
			case 'r', 'V', 'K', 'F':
				return sp, false
			}
		}
		in, ok := d.typ()
		if !ok || in.kind >= fkRef || c == 'K' && in.kind == fkConst {
			return sp, false
		}
		kind := d.qualifier(c, fkOther)
		sp = fastSpan{start: start, end: int32(len(d.b)), kind: kind}
		d.addSub(sp)
		return sp, true
	case 'N', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		return d.namedType()
	case 'S':
		if d.peek2() == 't' {
			return d.namedType()
		}
		sub, std, ok := d.substitution()
		if !ok {
			return sp, false
		}
		if d.peek() != 'I' {
			return sub, true
		}
		if sp, ok = d.substTemplate(start, sub, std, false); !ok {
			return sp, false
		}
		d.addSub(sp)
		return sp, true
	case 'T':
		if d.inName || !d.targOK {
			return sp, false
		}
		idx, ok := d.templateParam()
		if !ok || idx >= len(d.targs) || d.peek() == 'I' {
			return sp, false
		}
		a := d.targs[idx]
		if a.kind != fkOther && a.kind != fkConst && a.kind != fkRef {
			return sp, false
		}
		if !d.copySpan(a) {
			return sp, false
		}
		sp = fastSpan{start: start, end: int32(len(d.b)), kind: a.kind}
		if a.lastEnd != 0 {
			sp.lastStart = start + (a.lastStart - a.start)
			sp.lastEnd = start + (a.lastEnd - a.start)
		}
		d.addSub(sp)
		return sp, true
	}
	return sp, false
}
