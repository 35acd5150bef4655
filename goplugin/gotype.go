package goplugin

import (
	"fmt"
	"strings"

	"github.com/soinspect/soinspect/elfinspect"
	"github.com/soinspect/soinspect/internal/elfread"
)

// This file decodes Go type descriptors (internal/abi.Type and friends) and
// abi.Name records from a module's types section, statically.
//
// abi.Type is, in Go 1.26 and 1.27 alike:
//
//	Size_, PtrBytes uintptr; Hash uint32; TFlag, Align_, FieldAlign_, Kind_ uint8;
//	Equal, GCData pointer; Str NameOff (int32); PtrToThis TypeOff (int32)
//
// reflect's Type.String is the abi.Name at Str, less a leading '*' when
// TFlagExtraStar is set; that is exactly what TypeString returns.

// abi.TFlag bits used here.
const (
	tflagUncommon  = 1 << 0
	tflagExtraStar = 1 << 1
	tflagNamed     = 1 << 2
)

// abi.Kind values.
const (
	kindArray     = 17
	kindChan      = 18
	kindFunc      = 19
	kindInterface = 20
	kindMap       = 21
	kindPointer   = 22
	kindSlice     = 23
	kindString    = 24
	kindStruct    = 25
	kindLast      = 26 // UnsafePointer
)

// kindNames are reflect.Kind's String forms, indexed by abi.Kind.
var kindNames = [...]string{
	"invalid", "bool", "int", "int8", "int16", "int32", "int64",
	"uint", "uint8", "uint16", "uint32", "uint64", "uintptr",
	"float32", "float64", "complex64", "complex128",
	"array", "chan", "func", "interface", "map", "ptr", "slice", "string",
	"struct", "unsafe.Pointer",
}

// maxTypeMethods bounds the methods read from one UncommonType (Mcount is a
// uint16 anyway).
const maxTypeMethods = 1 << 16

// Method is one exported method in a type's method set, as reflect lists
// it: Type is the method's signature without the receiver, as
// reflect.Value.Method(i).Type().String() prints it ("" if the linker
// dropped the type as unreachable).
type Method struct {
	Name string `json:"name"`
	Type string `json:"type,omitempty"`
}

// goType is the common header of a decoded type descriptor.
type goType struct {
	addr  uint64
	tflag uint8
	kind  uint8
	str   int32
}

// typeReader decodes descriptors in one module's types section.
type typeReader struct {
	im            *elfread.Image
	types, etypes uint64
	layout        *moduledataLayout
}

// headerSize is the size of abi.Type.
func (tr *typeReader) headerSize() uint64 { return 4*uint64(tr.im.Ptr) + 16 }

func (tr *typeReader) inTypes(addr, n uint64) bool {
	return addr >= tr.types && addr <= tr.etypes && n <= tr.etypes-addr
}

// typeAt decodes the abi.Type header at types+off (a TypeOff).
func (tr *typeReader) typeOff(off int32) (goType, error) {
	if off <= 0 {
		return goType{}, &elfinspect.FormatError{Off: -1, Msg: fmt.Sprintf("type offset %d is not positive", off)}
	}
	return tr.typeAt(tr.types + uint64(off))
}

func (tr *typeReader) typeAt(addr uint64) (goType, error) {
	p := uint64(tr.im.Ptr)
	if !tr.inTypes(addr, tr.headerSize()) {
		return goType{}, &elfinspect.FormatError{Off: -1, Msg: fmt.Sprintf("type descriptor at %#x is outside the types section %#x-%#x", addr, tr.types, tr.etypes)}
	}
	b, err := tr.im.Bytes(addr, tr.headerSize())
	if err != nil {
		return goType{}, err
	}
	t := goType{
		addr:  addr,
		tflag: b[2*p+4],
		kind:  b[2*p+7],
		str:   int32(tr.im.BO.Uint32(b[4*p+8:])),
	}
	if t.kind == 0 || t.kind > kindLast {
		return goType{}, &elfinspect.FormatError{Off: -1, Msg: fmt.Sprintf("type descriptor at %#x has invalid kind %d", addr, t.kind)}
	}
	return t, nil
}

// kindName returns reflect.Kind(t.kind).String().
func (t goType) kindName() string { return kindNames[t.kind] }

// name decodes the abi.Name at types+off: a flag byte, a uvarint length and
// the bytes. Tags and package paths that may follow are not needed here.
func (tr *typeReader) name(off int32) (string, error) {
	if off < 0 {
		return "", &elfinspect.FormatError{Off: -1, Msg: fmt.Sprintf("name offset %d is negative", off)}
	}
	addr := tr.types + uint64(off)
	if !tr.inTypes(addr, 2) {
		return "", &elfinspect.FormatError{Off: -1, Msg: fmt.Sprintf("name at %#x is outside the types section", addr)}
	}
	// A uvarint of at most 5 bytes covers any length the linker writes (< 1<<29).
	hdr := tr.etypes - addr
	if hdr > 6 {
		hdr = 6
	}
	b, err := tr.im.Bytes(addr, hdr)
	if err != nil {
		return "", err
	}
	var n uint64
	i := 1
	for shift := 0; ; shift += 7 {
		if i >= len(b) || shift > 28 {
			return "", &elfinspect.FormatError{Off: -1, Msg: fmt.Sprintf("name at %#x has a malformed length", addr)}
		}
		c := b[i]
		i++
		n |= uint64(c&0x7f) << shift
		if c&0x80 == 0 {
			break
		}
	}
	start := addr + uint64(i)
	if !tr.inTypes(start, n) || n > maxGoString {
		return "", &elfinspect.FormatError{Off: -1, Msg: fmt.Sprintf("name at %#x (%d bytes) runs past the types section", addr, n)}
	}
	s, err := tr.im.Bytes(start, n)
	if err != nil {
		return "", err
	}
	return tr.im.CopyString(s)
}

// typeString returns reflect's String() of t.
func (tr *typeReader) typeString(t goType) (string, error) {
	s, err := tr.name(t.str)
	if err != nil {
		return "", err
	}
	if t.tflag&tflagExtraStar != 0 {
		s = strings.TrimPrefix(s, "*")
	}
	return s, nil
}

// uncommon returns the address of t's abi.UncommonType, or 0 if it has none.
func (tr *typeReader) uncommon(t goType) uint64 {
	if t.tflag&tflagUncommon == 0 {
		return 0
	}
	p := uint64(tr.im.Ptr)
	var extra uint64
	switch t.kind {
	case kindArray:
		extra = 3 * p // Elem, Slice, Len
	case kindChan:
		extra = 2 * p // Elem, Dir
	case kindFunc:
		extra = p // InCount, OutCount uint16, padded to a word
	case kindInterface, kindStruct:
		extra = 4 * p // PkgPath Name; Methods or Fields slice
	case kindMap:
		extra = uint64(tr.layout.mapTypeWords) * p
	case kindPointer, kindSlice:
		extra = p // Elem
	}
	return t.addr + tr.headerSize() + extra
}

// methods returns the exported methods of t, in reflect's order (sorted by
// name), each with its signature without the receiver.
func (tr *typeReader) methods(t goType) ([]Method, error) {
	u := tr.uncommon(t)
	if u == 0 {
		return nil, nil
	}
	if !tr.inTypes(u, 16) {
		return nil, &elfinspect.FormatError{Off: -1, Msg: fmt.Sprintf("uncommon type of %#x is outside the types section", t.addr)}
	}
	b, err := tr.im.Bytes(u, 16)
	if err != nil {
		return nil, err
	}
	bo := tr.im.BO
	xcount := uint64(bo.Uint16(b[6:]))
	moff := uint64(bo.Uint32(b[8:]))
	if xcount == 0 {
		return nil, nil
	}
	if xcount > maxTypeMethods || !tr.inTypes(u+moff, 16*xcount) {
		return nil, &elfinspect.FormatError{Off: -1, Msg: fmt.Sprintf("method table of type at %#x runs past the types section", t.addr)}
	}
	mb, err := tr.im.Bytes(u+moff, 16*xcount)
	if err != nil {
		return nil, err
	}
	ms := make([]Method, 0, xcount)
	for i := uint64(0); i < xcount; i++ {
		e := mb[16*i:]
		nm, err := tr.name(int32(bo.Uint32(e)))
		if err != nil {
			return nil, fmt.Errorf("method %d: %w", i, err)
		}
		m := Method{Name: nm}
		if mtyp := int32(bo.Uint32(e[4:])); mtyp > 0 {
			mt, err := tr.typeOff(mtyp)
			if err != nil {
				return nil, fmt.Errorf("method %s: %w", nm, err)
			}
			if m.Type, err = tr.typeString(mt); err != nil {
				return nil, fmt.Errorf("method %s: %w", nm, err)
			}
		}
		ms = append(ms, m)
	}
	return ms, nil
}
