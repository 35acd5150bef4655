//go:build linux && cgo

package cdl_test

import (
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"unsafe"

	"github.com/soinspect/soinspect/cdl"
)

func TestCallShapes(t *testing.T) {
	h := open(t, libTest, cdl.Now)
	tests := []struct {
		name string
		sig  string
		args []any
		want string // Value.String()
	}{
		{"add6", "long(long, long, long, long, long, long)", []any{1, 2, 3, 4, 5, -6}, "19"},
		{"dsum8", "double(double, double, double, double, double, double, double, double)",
			[]any{1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.5}, "32"},
		{"mix", "double mix(int a, double x, long b, double y)", []any{3, 0.5, int64(-2), 0.25}, "1"},
		{"all14", "double(long, long, long, long, long, long, double, double, double, double, double, double, double, double)",
			[]any{1, 2, 3, 4, 5, 6, 1, 1, 1, 1, 1, 1, 1, 124.5}, "654322.024"},
		{"slen", "size_t(const char*)", []any{"hello, world"}, "12"},
		{"slen", "size_t(const char*)", []any{""}, "0"},
		{"str_eq", "int(const char*, const char*)", []any{"abc", "abc"}, "1"},
		{"str_eq", "int(const char*, const char*)", []any{"abc", "abd"}, "0"},
		{"fmul", "float(float, float)", []any{float32(1.5), float32(2.5)}, "3.75"},
		{"fmix", "double(float, double, float)", []any{float32(1), 2.0, 3.0}, "321"},
		{"neg8", "signed char(signed char)", []any{int8(5)}, "-5"},
		{"neg8", "signed char(signed char)", []any{-128}, "-128"},
		{"u16", "unsigned short(unsigned)", []any{uint32(0x12345)}, "9029"},
		{"is_even", "bool(int)", []any{4}, "true"},
		{"is_even", "_Bool(int)", []any{3}, "false"},
		{"umax", "unsigned int(void)", nil, "4294967295"},
		{"minus1", "int(void)", nil, "-1"},
		{"set_global", "void(int)", []any{42}, "void"},
		{"get_global", "int()", nil, "42"},
	}
	for _, tt := range tests {
		v := call(t, h, tt.sig, tt.name, tt.args...)
		if got := v.String(); got != tt.want {
			t.Errorf("%s%v = %s, want %s", tt.name, tt.args, got, tt.want)
		}
	}

	// A pointer return, read back as a C string.
	if v := call(t, h, "const char*(void)", "greet"); v.Kind() != cdl.CString || cdl.GoString(v.Pointer()) != "hello from cdl" {
		t.Errorf("greet() = %v", v)
	}
	// A Go []byte passed as char*, changed by C, returned as the same pointer.
	buf := []byte("shout\x00")
	v := call(t, h, "char*(char*)", "upcase", buf)
	if string(buf) != "SHOUT\x00" || v.Pointer() != uintptr(unsafe.Pointer(&buf[0])) {
		t.Errorf("upcase: buf %q, returned %#x", buf, v.Pointer())
	}
	if v := call(t, h, "size_t(void*)", "slen", unsafe.Pointer(&buf[0])); v.Uint() != 5 {
		t.Errorf("slen(unsafe.Pointer) = %v", v)
	}
}

func TestCallRefuses(t *testing.T) {
	h := open(t, libTest, cdl.Now)
	p := sym(t, h, "add6")
	sig := func(s string) cdl.Signature {
		t.Helper()
		sg, err := cdl.ParseSignature(s)
		if err != nil {
			t.Fatal(err)
		}
		return sg
	}
	tests := []struct {
		sig  cdl.Signature
		fn   uintptr
		args []any
		want string
	}{
		{sig("int(int)"), p, nil, "want 1 argument, got 0"},
		{sig("int(int)"), 0, []any{1}, "function address is 0"},
		{sig("int(char)"), p, []any{300}, "argument 1 (char): 300 out of range"},
		{sig("int(unsigned)"), p, []any{-1}, "-1 out of range"},
		{sig("int(int)"), p, []any{"x"}, "cannot pass string as an integer"},
		{sig("int(void*)"), p, []any{"x"}, "a string can only be passed to a char pointer"},
		{sig("int(char*)"), p, []any{"a\x00b"}, "NUL byte"},
		{sig("int(double)"), p, []any{"1"}, "cannot pass string as a double"},
		{cdl.Signature{Ret: cdl.Type{Kind: cdl.Int32, C: "int"}, Params: []cdl.Type{{Kind: cdl.Void, C: "void"}}}, p, []any{1}, "parameter of kind void"},
		{cdl.Signature{Ret: cdl.Type{Kind: cdl.Int32, C: "int"}, Params: make7()}, p, []any{1, 2, 3, 4, 5, 6, 7}, "too many integer"},
	}
	for _, tt := range tests {
		_, err := cdl.Call(tt.fn, tt.sig, tt.args...)
		var e *cdl.Error
		if !errors.As(err, &e) || e.Op != "call" || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Call(%v, %v) = %v, want %q", tt.sig, tt.args, err, tt.want)
		}
	}
}

func make7() []cdl.Type {
	ts := make([]cdl.Type, 7)
	for i := range ts {
		ts[i] = cdl.Type{Kind: cdl.Int64, C: "long"}
	}
	return ts
}

// TestCallPointerCheck passes Go memory holding a Go pointer: cgo's pointer
// check must see it, as it would in a direct cgo call, unless the inner
// pointer is pinned.
func TestCallPointerCheck(t *testing.T) {
	h := open(t, libTest, cdl.Now)
	slen := sym(t, h, "slen")
	sig, err := cdl.ParseSignature("size_t(const void*)")
	if err != nil {
		t.Fatal(err)
	}
	// slen reads the pointer's bytes up to its first zero byte, within the
	// struct on any 64-bit machine.
	type holder struct {
		p    *int
		zero [8]byte
	}
	x := new(int)
	hold := &holder{p: x}
	func() {
		defer func() {
			r := recover()
			if r == nil || !strings.Contains(fmt.Sprint(r), "unpinned Go pointer") {
				t.Errorf("Call with an unpinned Go pointer in Go memory: panic %v, want cgo's pointer check", r)
			}
		}()
		cdl.Call(slen, sig, unsafe.Pointer(hold))
	}()
	var pin runtime.Pinner
	pin.Pin(x)
	defer pin.Unpin()
	if v, err := cdl.Call(slen, sig, unsafe.Pointer(hold)); err != nil || v.Uint() == 0 || v.Uint() > 8 {
		t.Errorf("Call with the inner pointer pinned = %v, %v", v, err)
	}
	runtime.KeepAlive(hold)
}
