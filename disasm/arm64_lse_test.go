package disasm

import "testing"

// TestDecodeLSE holds the LSE atomics to aarch64-linux-gnu-objdump's text
// for encodings taken from plugin1 cross-built for arm64 (and the ST alias
// and 64-bit forms from the ARM manual's encoding rules).
func TestDecodeLSE(t *testing.T) {
	for w, want := range map[uint32]string{
		0x88fbfc02: "casal w27, w2, [x0]",
		0xc8fbfc04: "casal x27, x4, [x0]",
		0xb8e18002: "swpal w1, w2, [x0]",
		0xb8e10002: "ldaddal w1, w2, [x0]",
		0xf8e10002: "ldaddal x1, x2, [x0]",
		0x38fb1002: "ldclralb w27, w2, [x0]",
		0x38e13002: "ldsetalb w1, w2, [x0]",
		0xb8fb1002: "ldclral w27, w2, [x0]",
		0x38e38004: "swpalb w3, w4, [x0]",
		0xb820001f: "stadd w0, [x0]",
		0xf86003ff: "staddl x0, [sp]",
	} {
		got, ok := decodeLSE(w)
		if !ok || got != want {
			t.Errorf("decodeLSE(%#08x) = %q, %v; want %q", w, got, ok, want)
		}
	}
	for _, w := range []uint32{0, 0xd503201f /* nop */, 0xf9400b90 /* ldr x16, [x28,#16] */} {
		if got, ok := decodeLSE(w); ok {
			t.Errorf("decodeLSE(%#08x) = %q, want no LSE atomic", w, got)
		}
	}
}
