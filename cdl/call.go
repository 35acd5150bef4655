package cdl

import (
	"fmt"
	"math"
	"runtime"
	"strconv"
	"strings"
	"unsafe"
)

// frame is what the C trampoline takes and gives back.
type frame struct {
	ints [MaxIntArgs]uint64         // integer arguments, and addresses given as uintptr, in order
	ptrs [MaxIntArgs]unsafe.Pointer // pointer arguments: slot i replaces ints[i] if bit i of mask is set
	mask uint32
	flts [MaxFloatArgs]uint64 // float arguments as bits: doubles whole, floats in the low 32 bits
	r    uint64               // the result: integer bits, double bits or float bits
	fn   uintptr
	ret  int32 // retInt, retDouble or retFloat
}

// How the trampoline must read the result.
const (
	retInt    = 0
	retDouble = 1
	retFloat  = 2
)

// cstr is a Go string to pass as a C string in integer slot slot.
type cstr struct {
	slot int
	s    string
}

// Value is the result of Call, held as the signature's return kind says.
type Value struct {
	kind Kind
	bits uint64 // integers sign- or zero-extended; Float and Double as float64 bits
}

// Kind returns the kind of the return type.
func (v Value) Kind() Kind { return v.kind }

// Int returns v as a signed integer: the value of an integer or bool kind
// (unsigned 64-bit values wrap), a float or double truncated toward zero.
func (v Value) Int() int64 {
	if v.kind.isFloat() {
		return int64(v.Float())
	}
	return int64(v.bits)
}

// Uint returns v as an unsigned integer: the value of an integer, bool or
// pointer kind (negative values wrap), a float or double truncated.
func (v Value) Uint() uint64 {
	if v.kind.isFloat() {
		return uint64(v.Float())
	}
	return v.bits
}

// Float returns v as a float64: a float or double exactly, an integer kind
// converted.
func (v Value) Float() float64 {
	switch {
	case v.kind.isFloat():
		return math.Float64frombits(v.bits)
	case v.kind >= Int8 && v.kind <= Int64:
		return float64(int64(v.bits))
	}
	return float64(v.bits)
}

// Bool reports whether v is non-zero.
func (v Value) Bool() bool { return v.bits != 0 && !(v.kind.isFloat() && v.Float() == 0) }

// Pointer returns v as an address: the value of a Pointer or CString kind.
func (v Value) Pointer() uintptr { return uintptr(v.bits) }

// Interface returns v as the Go value closest to its kind: nil for Void,
// bool, int8 ... int64, uint8 ... uint64, float32, float64, and uintptr for
// Pointer and CString (use GoString to read a CString).
func (v Value) Interface() any {
	switch v.kind {
	case Void:
		return nil
	case Bool:
		return v.bits != 0
	case Int8:
		return int8(v.bits)
	case Int16:
		return int16(v.bits)
	case Int32:
		return int32(v.bits)
	case Int64:
		return int64(v.bits)
	case Uint8:
		return uint8(v.bits)
	case Uint16:
		return uint16(v.bits)
	case Uint32:
		return uint32(v.bits)
	case Uint64:
		return v.bits
	case Float:
		return float32(v.Float())
	case Double:
		return v.Float()
	}
	return uintptr(v.bits)
}

// String formats v for people: "void", "true", a decimal integer, a float in
// the shortest form that reads back exactly, or a pointer in hex.
func (v Value) String() string {
	switch v.kind {
	case Void:
		return "void"
	case Bool:
		return strconv.FormatBool(v.bits != 0)
	case Int8, Int16, Int32, Int64:
		return strconv.FormatInt(int64(v.bits), 10)
	case Uint8, Uint16, Uint32, Uint64:
		return strconv.FormatUint(v.bits, 10)
	case Float:
		return strconv.FormatFloat(v.Float(), 'g', -1, 32)
	case Double:
		return strconv.FormatFloat(v.Float(), 'g', -1, 64)
	}
	return "0x" + strconv.FormatUint(v.bits, 16)
}

// Call calls the C function at address fn, which must have the signature sig,
// with args, and returns its result.
//
// Each argument is converted to its parameter's type the way a C prototype
// converts it, and refused with an error if it does not fit:
//   - integer and bool parameters take any Go integer or bool in the range of
//     the C type;
//   - float and double parameters take float32, float64 or any Go integer;
//     a float parameter receives a single-precision value, not a double;
//   - pointer parameters take unsafe.Pointer, nil, []byte (the address of
//     its first element) or uintptr (an address, unchecked: use it for C
//     memory, such as a pointer an earlier Call returned);
//   - char pointer parameters (Kind CString) also take a Go string, copied to
//     a NUL-terminated C string that is freed when the call returns.
//
// Go memory passed to C (a []byte, an unsafe.Pointer) follows the cgo
// pointer-passing rules. Call pins it (runtime.Pinner) until C returns, so
// that it stays put even if C calls back into Go, and hands it to C as a
// pointer, so that the cgo pointer check (GODEBUG=cgocheck=1, the default)
// panics, as it does for a direct cgo call, if the memory holds a Go pointer
// that is not pinned. C must not keep the memory after returning. Call trusts
// fn and sig: a wrong signature or address crashes the process or corrupts
// it, as it would in C.
//
// Call works on amd64 and arm64, where every argument it allows travels in
// a register; elsewhere it returns an error matching ErrUnsupported.
func Call(fn uintptr, sig Signature, args ...any) (Value, error) {
	if runtime.GOARCH != "amd64" && runtime.GOARCH != "arm64" {
		return Value{}, unsupported("call", sig.String())
	}
	if fn == 0 {
		return Value{}, &Error{Op: "call", Name: sig.String(), Msg: "function address is 0"}
	}
	if msg := sig.check(); msg != "" {
		return Value{}, &Error{Op: "call", Name: sig.String(), Msg: msg}
	}
	if len(args) != len(sig.Params) {
		return Value{}, &Error{Op: "call", Name: sig.String(),
			Msg: "want " + plural(len(sig.Params), "argument") + ", got " + itoa(len(args))}
	}
	var fr frame
	fr.fn = fn
	switch sig.Ret.Kind {
	case Double:
		fr.ret = retDouble
	case Float:
		fr.ret = retFloat
	}
	var strbuf [MaxIntArgs]cstr
	strs := strbuf[:0]
	ni, nf := 0, 0
	for i, p := range sig.Params {
		var msg string
		switch {
		case p.Kind.isFloat():
			fr.flts[nf], msg = floatArg(p.Kind, args[i])
			nf++
		case p.Kind == Pointer || p.Kind == CString:
			var ptr unsafe.Pointer
			var s string
			var isStr bool
			ptr, fr.ints[ni], s, isStr, msg = ptrArg(p.Kind, args[i])
			if isStr {
				strs = append(strs, cstr{ni, s})
			} else if ptr != nil {
				fr.ptrs[ni] = ptr
				fr.mask |= 1 << ni
			}
			ni++
		default:
			fr.ints[ni], msg = intArg(p.Kind, args[i])
			ni++
		}
		if msg != "" {
			return Value{}, &Error{Op: "call", Name: sig.String(),
				Msg: "argument " + itoa(i+1) + " (" + p.C + "): " + msg}
		}
	}
	// Pin only when there is Go memory to pin: a Pinner costs nothing
	// unused, but Unpin is not free.
	var pin runtime.Pinner
	if fr.mask != 0 {
		for _, p := range fr.ptrs {
			if p != nil {
				pin.Pin(p)
			}
		}
		defer pin.Unpin()
	}
	if err := sysCall(&fr, strs, sig); err != nil {
		return Value{}, err
	}
	return result(sig.Ret.Kind, fr.r), nil
}

// result converts the trampoline's raw result to a Value of kind k: the C
// ABIs leave the bits above a narrow integer undefined, so they are
// recomputed here.
func result(k Kind, r uint64) Value {
	switch k {
	case Void:
		r = 0
	case Bool:
		r = uint64(uint8(r))
		if r != 0 {
			r = 1
		}
	case Int8:
		r = uint64(int64(int8(r)))
	case Int16:
		r = uint64(int64(int16(r)))
	case Int32:
		r = uint64(int64(int32(r)))
	case Uint8:
		r = uint64(uint8(r))
	case Uint16:
		r = uint64(uint16(r))
	case Uint32:
		r = uint64(uint32(r))
	case Float:
		r = math.Float64bits(float64(math.Float32frombits(uint32(r))))
	}
	return Value{kind: k, bits: r}
}

// ptrArg converts a to a pointer argument for kind k: a pointer to Go or C
// memory, an address given as an integer (bits), or a string for a CString
// parameter, returned for the caller to copy to C memory.
func ptrArg(k Kind, a any) (p unsafe.Pointer, bits uint64, s string, isStr bool, msg string) {
	switch a := a.(type) {
	case nil:
		return nil, 0, "", false, ""
	case uintptr:
		return nil, uint64(a), "", false, ""
	case unsafe.Pointer:
		return a, 0, "", false, ""
	case []byte:
		return unsafe.Pointer(unsafe.SliceData(a)), 0, "", false, ""
	case string:
		if k != CString {
			return nil, 0, "", false, "a string can only be passed to a char pointer"
		}
		if strings.IndexByte(a, 0) >= 0 {
			return nil, 0, "", false, "string contains a NUL byte"
		}
		return nil, 0, a, true, ""
	}
	return nil, 0, "", false, "cannot pass " + typeName(a) + " as a pointer"
}

// intArg converts a to an integer register value for the integer or bool
// kind k, refusing a value out of the C type's range.
func intArg(k Kind, a any) (bits uint64, msg string) {
	var v int64
	var u uint64
	neg := false
	switch a := a.(type) {
	case bool:
		if a {
			u = 1
		}
	case int:
		v, neg = int64(a), a < 0
	case int8:
		v, neg = int64(a), a < 0
	case int16:
		v, neg = int64(a), a < 0
	case int32:
		v, neg = int64(a), a < 0
	case int64:
		v, neg = a, a < 0
	case uint:
		u = uint64(a)
	case uint8:
		u = uint64(a)
	case uint16:
		u = uint64(a)
	case uint32:
		u = uint64(a)
	case uint64:
		u = a
	case uintptr:
		u = uint64(a)
	default:
		return 0, "cannot pass " + typeName(a) + " as an integer"
	}
	if !neg && v > 0 {
		u = uint64(v)
	}
	var lo int64
	var hi uint64
	switch k {
	case Bool:
		lo, hi = 0, 1
	case Int8:
		lo, hi = math.MinInt8, math.MaxInt8
	case Int16:
		lo, hi = math.MinInt16, math.MaxInt16
	case Int32:
		lo, hi = math.MinInt32, math.MaxInt32
	case Int64:
		lo, hi = math.MinInt64, math.MaxInt64
	case Uint8:
		hi = math.MaxUint8
	case Uint16:
		hi = math.MaxUint16
	case Uint32:
		hi = math.MaxUint32
	case Uint64:
		hi = math.MaxUint64
	}
	if neg {
		if v < lo {
			return 0, strconv.FormatInt(v, 10) + " out of range"
		}
		return uint64(v), ""
	}
	if u > hi {
		return 0, strconv.FormatUint(u, 10) + " out of range"
	}
	return u, ""
}

// floatArg converts a to a floating-point register value for kind k: a
// double's bits, or a float's bits in the low half, which is where the amd64
// and arm64 ABIs put a float argument.
func floatArg(k Kind, a any) (uint64, string) {
	var f float64
	switch a := a.(type) {
	case float64:
		f = a
	case float32:
		f = float64(a)
	case int:
		f = float64(a)
	case int8:
		f = float64(a)
	case int16:
		f = float64(a)
	case int32:
		f = float64(a)
	case int64:
		f = float64(a)
	case uint:
		f = float64(a)
	case uint8:
		f = float64(a)
	case uint16:
		f = float64(a)
	case uint32:
		f = float64(a)
	case uint64:
		f = float64(a)
	default:
		return 0, "cannot pass " + typeName(a) + " as a " + k.String()
	}
	if k == Float {
		return uint64(math.Float32bits(float32(f))), ""
	}
	return math.Float64bits(f), ""
}

// typeName names a's dynamic Go type.
func typeName(a any) string { return fmt.Sprintf("%T", a) }
