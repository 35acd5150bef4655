package cdl_test

import (
	"errors"
	"runtime"
	"strings"
	"testing"

	"github.com/soinspect/soinspect/cdl"
)

func TestParseSignature(t *testing.T) {
	char := cdl.Int8
	if runtime.GOARCH == "arm64" && runtime.GOOS == "linux" {
		char = cdl.Uint8
	}
	tests := []struct {
		in     string
		want   string // Signature.String()
		ret    cdl.Kind
		params []cdl.Kind
	}{
		{"double(double)", "double(double)", cdl.Double, []cdl.Kind{cdl.Double}},
		{"int(char*)", "int(char*)", cdl.Int32, []cdl.Kind{cdl.CString}},
		{"void()", "void()", cdl.Void, nil},
		{"void(void)", "void()", cdl.Void, nil},
		{"long(int,double)", "long(int, double)", cdl.Int64, []cdl.Kind{cdl.Int32, cdl.Double}},
		{"  size_t   strlen ( const   char *s ) ", "size_t strlen(const char*)", cdl.Uint64, []cdl.Kind{cdl.CString}},
		{"char(signed char, unsigned char, char const * const p)", "char(signed char, unsigned char, char const* const)",
			char, []cdl.Kind{cdl.Int8, cdl.Uint8, cdl.CString}},
		{"unsigned long long(long long, unsigned, signed, short int, unsigned short)",
			"unsigned long long(long long, unsigned, signed, short int, unsigned short)",
			cdl.Uint64, []cdl.Kind{cdl.Int64, cdl.Uint32, cdl.Int32, cdl.Int16, cdl.Uint16}},
		{"ssize_t(intptr_t, uintptr_t, int8_t, uint16_t, int32_t, uint64_t)", "ssize_t(intptr_t, uintptr_t, int8_t, uint16_t, int32_t, uint64_t)",
			cdl.Int64, []cdl.Kind{cdl.Int64, cdl.Uint64, cdl.Int8, cdl.Uint16, cdl.Int32, cdl.Uint64}},
		{"bool(_Bool, float)", "bool(_Bool, float)", cdl.Bool, []cdl.Kind{cdl.Bool, cdl.Float}},
		{"void*(void*, struct stat *st, char**, int*, const void *restrict)", "void*(void*, struct stat*, char**, int*, const void* restrict)",
			cdl.Pointer, []cdl.Kind{cdl.Pointer, cdl.Pointer, cdl.Pointer, cdl.Pointer, cdl.Pointer}},
		{"int(long, long, long, long, long, long, double, double, double, double, double, double, double, double)",
			"int(long, long, long, long, long, long, double, double, double, double, double, double, double, double)",
			cdl.Int32, []cdl.Kind{cdl.Int64, cdl.Int64, cdl.Int64, cdl.Int64, cdl.Int64, cdl.Int64,
				cdl.Double, cdl.Double, cdl.Double, cdl.Double, cdl.Double, cdl.Double, cdl.Double, cdl.Double}},
	}
	for _, tt := range tests {
		sig, err := cdl.ParseSignature(tt.in)
		if err != nil {
			t.Errorf("ParseSignature(%q): %v", tt.in, err)
			continue
		}
		if got := sig.String(); got != tt.want {
			t.Errorf("ParseSignature(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if sig.Ret.Kind != tt.ret {
			t.Errorf("ParseSignature(%q): returns %v, want %v", tt.in, sig.Ret.Kind, tt.ret)
		}
		var kinds []cdl.Kind
		for _, p := range sig.Params {
			kinds = append(kinds, p.Kind)
		}
		if len(kinds) != len(tt.params) || !equal(kinds, tt.params) {
			t.Errorf("ParseSignature(%q): params %v, want %v", tt.in, kinds, tt.params)
		}
		if again, err := cdl.ParseSignature(sig.String()); err != nil || again.String() != sig.String() {
			t.Errorf("round trip of %q: %q, %v", sig.String(), again.String(), err)
		}
	}
}

func equal(a, b []cdl.Kind) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestParseSignatureErrors(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", "empty"},
		{"double", `missing "("`},
		{"double(double", `want ")" at the end`},
		{"int printf(const char*, ...)", "variadic functions (...) are not supported: for a variadic call the x86-64 SysV ABI needs %al"},
		{"int(struct point)", "parameter 1: struct values are not supported: pass a pointer"},
		{"struct point(int)", "return type: struct values are not supported"},
		{"enum e(int)", "enum values are not supported"},
		{"int(int a[])", "array types are not supported"},
		{"long double(double)", "long double is not supported"},
		{"double complex(double)", "complex types are not supported"},
		{"void(void (*cb)(int))", "function pointer parameters are not supported: use void*"},
		{"int(foo_t)", `parameter 1: unknown type name "foo_t"`},
		{"int(int, void)", "void is only allowed alone"},
		{"int(int,)", `missing type after ","`},
		{"int(,int)", "parameter 1: missing type"},
		{"int(signed unsigned)", "both signed and unsigned"},
		{"int(short long)", "short combined with another type"},
		{"int(long long long)", `duplicate "long"`},
		{"int(size_t int)", `cannot be combined`},
		{"int(int x y)", `unexpected "y" after the name "x"`},
		{"int(int x*)", `"*" after the name "x"`},
		{"int(* p)", `"*" before a type`},
		{"int(int$)", `unexpected character "$"`},
		{"int(long, long, long, long, long, long, char*)", "too many integer or pointer parameters: 7, at most 6"},
		{"int(float, float, float, float, float, float, float, float, double)", "too many float or double parameters: 9, at most 8"},
	}
	for _, tt := range tests {
		_, err := cdl.ParseSignature(tt.in)
		var e *cdl.Error
		if !errors.As(err, &e) || e.Op != "parse signature" || e.Name != tt.in || !strings.Contains(e.Msg, tt.want) {
			t.Errorf("ParseSignature(%q) = %v, want an error containing %q", tt.in, err, tt.want)
		}
	}
}

func TestParseType(t *testing.T) {
	for in, want := range map[string]cdl.Kind{"void": cdl.Void, "unsigned long": cdl.Uint64, "const char *": cdl.CString,
		"unsigned char*": cdl.CString, "char**": cdl.Pointer, "uint8_t*": cdl.Pointer, "struct x*": cdl.Pointer} {
		if ty, err := cdl.ParseType(in); err != nil || ty.Kind != want {
			t.Errorf("ParseType(%q) = %v (%v), %v; want %v", in, ty, ty.Kind, err, want)
		}
	}
	if _, err := cdl.ParseType("int x"); err == nil {
		t.Errorf("ParseType(int x): no error")
	}
}

// FuzzParseSignature checks that the parser never panics and that whatever
// it accepts prints as text it parses back to the same signature.
func FuzzParseSignature(f *testing.F) {
	for _, s := range []string{"double(double)", "int(char*)", "void()", "long(int,double)",
		"size_t strlen(const char *s)", "unsigned long long(struct x**, float)", "int(...)", "int(int a[])"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		sig, err := cdl.ParseSignature(s)
		if err != nil {
			return
		}
		again, err := cdl.ParseSignature(sig.String())
		if err != nil {
			t.Fatalf("%q parsed to %q, which fails: %v", s, sig.String(), err)
		}
		if again.String() != sig.String() || again.Ret != sig.Ret || len(again.Params) != len(sig.Params) {
			t.Fatalf("%q: %q reparsed as %q", s, sig.String(), again.String())
		}
		for i := range sig.Params {
			if again.Params[i] != sig.Params[i] {
				t.Fatalf("%q: parameter %d %v reparsed as %v", s, i, sig.Params[i], again.Params[i])
			}
		}
	})
}

func TestParseArgs(t *testing.T) {
	sig, err := cdl.ParseSignature("int(int, unsigned char, double, float, const char*, void*, bool)")
	if err != nil {
		t.Fatal(err)
	}
	args, err := sig.ParseArgs([]string{"-0x10", "255", "0.5", "1.5", "hello", "0x1000", "true"})
	if err != nil {
		t.Fatal(err)
	}
	want := []any{int64(-16), uint64(255), 0.5, float32(1.5), "hello", uintptr(0x1000), true}
	for i := range want {
		if args[i] != want[i] {
			t.Errorf("argument %d = %#v, want %#v", i+1, args[i], want[i])
		}
	}
	for _, bad := range [][]string{
		{"1"},
		{"x", "1", "1", "1", "s", "0", "true"},
		{"1", "256", "1", "1", "s", "0", "true"},
		{"1", "1", "1e999", "1", "s", "0", "true"},
		{"1", "1", "1", "1", "s", "-1", "true"},
		{"1", "1", "1", "1", "s", "0", "yes"},
	} {
		if _, err := sig.ParseArgs(bad); err == nil {
			t.Errorf("ParseArgs(%q): no error", bad)
		}
	}
	_, err = sig.ParseArgs([]string{"1", "256", "1", "1", "s", "0", "true"})
	if want := `argument 2 (unsigned char): "256": value out of range`; err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("ParseArgs error = %v, want %q", err, want)
	}
	// null is a null pointer for a char* and any pointer; \null is the word.
	for _, c := range []struct {
		str, ptr string
		want     []any
	}{
		{"null", "null", []any{uintptr(0), uintptr(0)}},
		{"NULL", "NULL", []any{uintptr(0), uintptr(0)}},
		{`\null`, "nil", []any{"null", uintptr(0)}},
		{"nullish", "0", []any{"nullish", uintptr(0)}},
	} {
		args, err := sig.ParseArgs([]string{"1", "1", "1", "1", c.str, c.ptr, "true"})
		if err != nil {
			t.Fatal(err)
		}
		if args[4] != c.want[0] || args[5] != c.want[1] {
			t.Errorf("ParseArgs(%q, %q) = %#v, %#v; want %#v", c.str, c.ptr, args[4], args[5], c.want)
		}
	}
}
