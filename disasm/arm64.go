package disasm

import (
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/arch/arm64/arm64asm"
)

// AArch64 decoding: syntaxes, PC-relative targets (adr, adrp and the
// following add or ldr), the Go prologue through X28, PLT stubs.

type arm64Arch struct{}

func (arm64Arch) name() string { return "arm64" }
func (arm64Arch) maxLen() int  { return 4 }

func (arm64Arch) decode(code []byte, pc uint64, syn Syntax) (decoded, bool) {
	if len(code) < 4 {
		return decoded{Inst: Inst{Len: len(code), Text: "(bad)", Bad: true}, truncated: true}, false
	}
	inst, err := arm64asm.Decode(code[:4])
	if err != nil {
		w := binary.LittleEndian.Uint32(code)
		if text, ok := decodeLSE(w); ok {
			if syn == SyntaxGo {
				text = strings.ToUpper(text)
			}
			return decoded{Inst: Inst{Len: 4, Text: text}}, true
		}
		if w>>16 == 0 {
			// UDF #imm16, the permanently undefined instruction: the Go
			// linker pads functions with zeros, which decode as udf #0.
			if syn == SyntaxGo {
				return decoded{Inst: Inst{Len: 4, Text: fmt.Sprintf("UDF $%d", w)}}, true
			}
			return decoded{Inst: Inst{Len: 4, Text: fmt.Sprintf("udf #%d", w)}}, true
		}
		return decoded{Inst: Inst{Len: 4, Text: fmt.Sprintf(".inst\t0x%08x", w), Bad: true}}, false
	}
	var d decoded
	d.Len = 4
	for _, arg := range inst.Args {
		if r, ok := arg.(arm64asm.PCRel); ok {
			d.Target = pc + uint64(int64(r))
			if inst.Op == arm64asm.ADRP {
				d.Target = pc&^0xfff + uint64(int64(r))
			}
			switch inst.Op {
			case arm64asm.ADR, arm64asm.ADRP:
				d.kind = refAddr
			case arm64asm.LDR, arm64asm.LDRSW, arm64asm.PRFM:
				d.kind = refLoad
			case arm64asm.BL:
				d.kind, d.call = refBranch, true
			case arm64asm.B:
				d.kind, d.jump = refBranch, true
			default:
				d.kind, d.cond = refBranch, true
			}
		}
	}
	if syn == SyntaxGo {
		d.Text = arm64asm.GoSyntax(inst, pc, nil, nil)
	} else {
		d.Text = absPCRel(arm64asm.GNUSyntax(inst), d.Target)
	}
	return d, true
}

// absPCRel replaces the ".+0x…" operand GNUSyntax prints (it has no pc)
// with the absolute address, as objdump prints it.
func absPCRel(text string, target uint64) string {
	i := strings.Index(text, " .+0x")
	if i < 0 {
		i = strings.Index(text, " .-0x")
	}
	if i < 0 {
		return text
	}
	j := i + 1
	for j < len(text) && text[j] != ',' && text[j] != ' ' {
		j++
	}
	return text[:i+1] + "0x" + strconv.FormatUint(target, 16) + text[j:]
}

// pltGOT decodes an AArch64 PLT stub: adrp x16, PAGE; ldr x17, [x16, #off];
// add x16, x16, #off; br x17. The slot is PAGE+off.
func (arm64Arch) pltGOT(code []byte, pc uint64) uint64 {
	if len(code) < 8 {
		return 0
	}
	adrp := binary.LittleEndian.Uint32(code)
	ldr := binary.LittleEndian.Uint32(code[4:])
	if adrp&0x9f00001f != 0x90000010 || ldr&0xffc003ff != 0xf9400211 { // adrp x16; ldr x17, [x16, #imm]
		return 0
	}
	immhilo := int64(adrp>>5&(1<<19-1))<<2 | int64(adrp>>29&3)
	page := pc&^0xfff + uint64(immhilo<<43>>43<<12)
	return page + uint64(ldr>>10&0xfff)*8
}

// prologue labels the Go stack check on arm64: g is in X28 and
// g.stackguard0 at offset 16, so `ldr x16, [x28, #16]`, then `cmp sp, x16`
// (or, for large frames, `sub x17, sp, #N; cmp x17, x16`), then b.ls to
// the morestack call.
func (arm64Arch) prologue(insts []Inst, d *Disassembler) {
	for i := 0; i+1 < len(insts) && i < 4; i++ {
		if len(insts[i].Bytes) != 4 {
			return
		}
		w := binary.LittleEndian.Uint32(insts[i].Bytes)
		// ldr xT, [x28, #16]: 0xf9400800 | 28<<5 | T.
		if w&0xffffffe0 != 0xf9400b80 {
			continue
		}
		insts[i].Prologue = "Go stack check: load g.stackguard0 (g is in X28)"
		insts[i].GReg = "X28"
		for j := i + 1; j < len(insts) && j < i+3; j++ {
			if strings.HasPrefix(strings.ToLower(insts[j].Text), "cmp") {
				insts[j].Prologue = "Go stack check: SP (or SP minus the frame) against it"
				labelMorestack(insts, j, insts[0].Addr, d)
				return
			}
		}
		return
	}
}

// link pairs adrp Xd, PAGE with the add Xn, Xd, #imm or ldr Xt, [Xd, #imm]
// that follows within a few instructions: the address is PAGE+imm, and the
// note (the symbol, or the GOT entry loaded) goes on the second.
func (arm64Arch) link(insts []Inst, d *Disassembler, notes bool) {
	for i := range insts {
		if len(insts[i].Bytes) != 4 {
			continue
		}
		w := binary.LittleEndian.Uint32(insts[i].Bytes)
		if w&0x9f000000 != 0x90000000 { // adrp
			continue
		}
		rd, page := w&31, insts[i].Target
		for j := i + 1; j < len(insts) && j <= i+3; j++ {
			if len(insts[j].Bytes) != 4 {
				break
			}
			v := binary.LittleEndian.Uint32(insts[j].Bytes)
			rn := v >> 5 & 31
			var target uint64
			var kind refKind
			switch {
			case v&0xff800000 == 0x91000000 && rn == rd: // add xN, xD, #imm{, lsl #12}
				imm := uint64(v >> 10 & 0xfff)
				if v>>22&1 == 1 {
					imm <<= 12
				}
				target, kind = page+imm, refAddr
			case v&0xffc00000 == 0xf9400000 && rn == rd: // ldr xT, [xD, #imm]
				target, kind = page+uint64(v>>10&0xfff)*8, refLoad
			case v&0xffc00000 == 0xb9400000 && rn == rd: // ldr wT, [xD, #imm]
				target, kind = page+uint64(v>>10&0xfff)*4, refLoad
			default:
				if v&31 == rd { // xD overwritten: no pair
					break
				}
				continue
			}
			if target != 0 {
				insts[j].Target = target
				if notes {
					insts[i].Note = ""
					insts[j].Note = d.note(target, kind)
				}
			}
			break
		}
	}
}
