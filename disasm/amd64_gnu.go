package disasm

import (
	"bytes"
	"strings"

	"golang.org/x/arch/x86/x86asm"
)

// x86asm's GNU syntax follows an older objdump: callq, retq, movsxd,
// cdqe, "data16 nop". modernGNU rewrites those as binutils 2.40 prints
// them, so that a listing diffs cleanly against today's objdump; the
// encodings x86asm does not decode (or decodes with the wrong length) are
// recognised first by x86Fixed.

// x86Fixed are whole encodings x86asm does not know, or measures wrongly
// (it takes vzeroupper's VEX form as four bytes), with objdump's text.
var x86Fixed = []struct {
	enc  []byte
	text string
}{
	{[]byte{0xf3, 0x0f, 0x1e, 0xfa}, "endbr64"},
	{[]byte{0xf3, 0x0f, 0x1e, 0xfb}, "endbr32"},
	{[]byte{0x0f, 0x01, 0xee}, "rdpkru"},
	{[]byte{0x0f, 0x01, 0xef}, "wrpkru"},
	{[]byte{0xc5, 0xf8, 0x77}, "vzeroupper"},
	{[]byte{0xc5, 0xfc, 0x77}, "vzeroall"},
	{[]byte{0xc4, 0xe1, 0x78, 0x77}, "vzeroupper"},
	{[]byte{0xc4, 0xe1, 0x7c, 0x77}, "vzeroall"},
	{[]byte{0x0f, 0x01, 0xd5}, "xend"},
	{[]byte{0x0f, 0x01, 0xd6}, "xtest"},
	{[]byte{0x0f, 0x01, 0xe8}, "serialize"},
}

// fixedX86 returns the length and text of a fixed encoding at the start
// of code, or 0.
func fixedX86(code []byte) (int, string) {
	if len(code) < 3 {
		return 0, ""
	}
	switch code[0] {
	case 0xf3, 0x0f, 0xc5, 0xc4:
	default:
		return 0, ""
	}
	for _, f := range x86Fixed {
		if bytes.HasPrefix(code, f.enc) {
			return len(f.enc), f.text
		}
	}
	return 0, ""
}

// suffixless reports whether binutils 2.40 prints op without an operand
// size suffix in 64-bit code.
func suffixless(op x86asm.Op) bool {
	switch op {
	case x86asm.CALL, x86asm.JMP, x86asm.RET, x86asm.PUSH, x86asm.POP,
		x86asm.LEAVE, x86asm.LRET, x86asm.PUSHFQ, x86asm.POPFQ:
		return true
	}
	return false
}

// signExtend returns the AT&T name of op if it is a sign extension of the
// accumulator, else "".
func signExtend(op x86asm.Op) string {
	switch op {
	case x86asm.CBW:
		return "cbtw"
	case x86asm.CWDE:
		return "cwtl"
	case x86asm.CDQE:
		return "cltq"
	case x86asm.CWD:
		return "cwtd"
	case x86asm.CDQ:
		return "cltd"
	case x86asm.CQO:
		return "cqto"
	}
	return ""
}

// modernGNU rewrites x86asm's GNU text of inst as binutils 2.40 prints it.
func modernGNU(inst *x86asm.Inst, mode int, text string) string {
	switch inst.Op {
	case x86asm.CALL, x86asm.JMP, x86asm.RET, x86asm.PUSH, x86asm.POP, x86asm.LEAVE, x86asm.LRET,
		x86asm.PUSHFQ, x86asm.POPFQ, x86asm.MOVSXD, x86asm.NOP, x86asm.MOV,
		x86asm.CBW, x86asm.CWDE, x86asm.CDQE, x86asm.CWD, x86asm.CDQ, x86asm.CQO:
	default:
		return text // the common case: nothing to rewrite
	}
	mn, rest, _ := strings.Cut(text, " ")
	prefix := ""
	// Prefixes x86asm prints before the mnemonic: keep them in front.
	for isPrefixWord(mn) && rest != "" {
		prefix += mn + " "
		mn, rest, _ = strings.Cut(rest, " ")
	}
	switch {
	case suffixless(inst.Op) && mode == 64 && len(mn) > 1 && mn[len(mn)-1] == 'q':
		mn = mn[:len(mn)-1]
	case inst.Op == x86asm.MOVSXD && mn == "movsxd":
		mn = "movslq"
		if inst.DataSize == 32 {
			mn = "movsxd"
		}
	case signExtend(inst.Op) != "":
		mn = signExtend(inst.Op)
	case inst.Op == x86asm.NOP && mn == "nop" && rest == "" && inst.Len == 2 && prefix == "data16 ":
		return "xchg %ax,%ax"
	case inst.Op == x86asm.MOV && mode == 64 && isMovabs(inst):
		mn = "movabs"
	}
	// A %cs: segment on a nop's operand is the padding's cs prefix: objdump
	// prints "cs nopw 0x0(%rax,%rax,1)".
	if inst.Op == x86asm.NOP && strings.Contains(rest, "%cs:") {
		rest = strings.Replace(rest, "%cs:", "", 1)
		prefix += "cs "
	}
	// ds on an indirect jump or call is the CET notrack prefix.
	if (inst.Op == x86asm.JMP || inst.Op == x86asm.CALL) && strings.HasSuffix(prefix, "ds ") && strings.HasPrefix(rest, "*") {
		prefix = strings.TrimSuffix(prefix, "ds ") + "notrack "
	}
	if rest == "" {
		return prefix + mn
	}
	return prefix + mn + " " + rest
}

func isPrefixWord(w string) bool {
	switch w {
	case "data16", "data32", "addr32", "addr16", "cs", "ds", "es", "ss", "fs", "gs", "rex", "rex.W", "lock", "rep", "repn", "repz", "repnz", "bnd", "notrack", "xacquire", "xrelease":
		return true
	}
	return strings.HasPrefix(w, "rex.")
}

// isMovabs reports a mov with a 64-bit immediate (REX.W B8+r) or a 64-bit
// absolute address (A0–A3): objdump calls both movabs.
func isMovabs(inst *x86asm.Inst) bool {
	op := inst.Opcode >> 24
	switch {
	case op >= 0xb8 && op <= 0xbf:
		return inst.DataSize == 64
	case op >= 0xa0 && op <= 0xa3:
		return inst.AddrSize == 64
	}
	return false
}
