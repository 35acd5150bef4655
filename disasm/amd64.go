package disasm

import (
	"fmt"
	"slices"
	"strings"

	"golang.org/x/arch/x86/x86asm"
)

// x86 decoding (amd64 and 386): syntaxes, PC-relative targets, the Go
// prologue, PLT stubs.

// refKind says how an instruction uses its target address.
type refKind uint8

const (
	refNone   refKind = iota
	refBranch         // a jump or call to code
	refLoad           // a load from memory at the address (a GOT load when the address is a GOT slot)
	refAddr           // the address itself is computed (lea, adr) or stored to
)

// decoded is an Inst with what the annotator needs.
type decoded struct {
	Inst
	kind refKind
	call bool // a call (bl on arm64)
	jump bool // an unconditional jump
	cond bool // a conditional branch

	truncated bool // the bytes end inside the instruction
}

// arch is one machine architecture.
type arch interface {
	name() string
	// maxLen is the longest instruction, minLen the step over bytes that
	// do not decode.
	maxLen() int
	// decode decodes the instruction at the start of code, at address pc;
	// ok is false for bytes that do not decode (a one-step "(bad)").
	decode(code []byte, pc uint64, syn Syntax) (decoded, bool)
	// pltGOT returns the GOT slot a PLT stub starting with code jumps
	// through, or 0.
	pltGOT(code []byte, pc uint64) uint64
	// prologue labels the Go prologue of a listing that starts at a
	// function's entry.
	prologue(insts []Inst, d *Disassembler)
	// link completes addresses an instruction only starts (arm64's adrp
	// and the add or ldr that finishes it), giving the second its target.
	link(insts []Inst, d *Disassembler, notes bool)
}

type x86Arch struct{ mode int }

func newX86(mode int) x86Arch { return x86Arch{mode: mode} }

func (a x86Arch) name() string {
	if a.mode == 32 {
		return "386"
	}
	return "amd64"
}

func (x86Arch) maxLen() int { return 15 }

func (x86Arch) link([]Inst, *Disassembler, bool) {}

func (a x86Arch) decode(code []byte, pc uint64, syn Syntax) (decoded, bool) {
	if n, text := fixedX86(code); n > 0 {
		if syn == SyntaxGo {
			text = strings.ToUpper(text)
		}
		return decoded{Inst: Inst{Len: n, Text: text}}, true
	}
	inst, err := x86asm.Decode(code, a.mode)
	if err != nil || inst.Len == 0 {
		return decoded{Inst: Inst{Len: 1, Text: "(bad)", Bad: true}, truncated: err == x86asm.ErrTruncated}, false
	}
	if len(code) < 15 && inst.Op == 0 {
		// x86asm takes the first byte of an instruction cut short as a
		// lone prefix; decoded with room, it is longer than what is left.
		var pad [15]byte
		copy(pad[:], code)
		if full, err := x86asm.Decode(pad[:], a.mode); err == nil && full.Len > len(code) {
			return decoded{Inst: Inst{Len: 1, Text: "(bad)", Bad: true}, truncated: true}, false
		}
	}
	var d decoded
	d.Len = inst.Len
	switch syn {
	case SyntaxIntel:
		d.Text = x86asm.IntelSyntax(inst, pc, nil)
	case SyntaxGo:
		d.Text = x86asm.GoSyntax(inst, pc, nil)
	default:
		d.Text = modernGNU(&inst, a.mode, x86asm.GNUSyntax(inst, pc, nil))
	}
	for _, arg := range inst.Args {
		switch x := arg.(type) {
		case nil:
		case x86asm.Rel:
			d.Target = pc + uint64(inst.Len) + uint64(int64(x))
			d.kind = refBranch
			switch {
			case inst.Op == x86asm.CALL:
				d.call = true
			case inst.Op == x86asm.JMP:
				d.jump = true
			default:
				d.cond = true
			}
		case x86asm.Mem:
			if (x.Base == x86asm.RIP || x.Base == x86asm.EIP) && x.Index == 0 {
				d.Target = pc + uint64(inst.Len) + uint64(x.Disp)
				switch inst.Op {
				case x86asm.LEA:
					d.kind = refAddr
				case x86asm.CALL, x86asm.JMP:
					d.kind = refLoad // an indirect branch through a pointer in memory
				default:
					if len(inst.Args) > 0 && inst.Args[0] == arg {
						d.kind = refAddr // a store or read-modify-write
					} else {
						d.kind = refLoad
					}
				}
			}
		}
	}
	return d, true
}

// pltGOT finds the `jmp *disp(%rip)` of an x86-64 PLT stub (after an
// endbr64 in .plt.sec and IBT-enabled .plt.got) and returns its slot.
func (a x86Arch) pltGOT(code []byte, pc uint64) uint64 {
	if a.mode != 64 {
		return 0 // 386 stubs jump through %ebx, the GOT base the caller sets
	}
	for i := 0; i < 3 && len(code) > 0; i++ {
		inst, err := x86asm.Decode(code, 64)
		if err != nil {
			return 0
		}
		if inst.Op == x86asm.JMP {
			if m, ok := inst.Args[0].(x86asm.Mem); ok && m.Base == x86asm.RIP && m.Index == 0 {
				return pc + uint64(inst.Len) + uint64(m.Disp)
			}
			return 0
		}
		code, pc = code[inst.Len:], pc+uint64(inst.Len)
	}
	return 0
}

// prologue labels the Go stack check: on amd64 ABIInternal code
// `cmp 0x10(%r14),%rsp` (g, and so g.stackguard0 at offset 16, is in R14),
// for large frames `lea -N(%rsp),%r12; cmp 0x10(%r14),%r12`; on 386 and in
// ABI0 code g is first loaded from thread-local storage. Then the
// conditional branch to the morestack call at the end of the function,
// the call, and the jump back to the entry.
func (a x86Arch) prologue(insts []Inst, d *Disassembler) {
	if len(insts) == 0 {
		return
	}
	entry := insts[0].Addr
	for i := 0; i < len(insts) && i < 6; i++ {
		inst, err := x86asm.Decode(insts[i].Bytes, a.mode)
		if err != nil || inst.Op != x86asm.CMP {
			continue
		}
		m, ok := inst.Args[1].(x86asm.Mem)
		reg, ok2 := inst.Args[0].(x86asm.Reg)
		if !ok || !ok2 || m.Index != 0 || m.Disp != int64(2*a.mode/8) || m.Base == x86asm.RIP || m.Base == 0 {
			continue
		}
		sp := x86asm.RSP
		if a.mode == 32 {
			sp = x86asm.ESP
		}
		what := "SP"
		if reg != sp {
			what = fmt.Sprintf("SP minus the frame (%s)", gnuReg(reg))
		}
		if m.Base == x86asm.R14 {
			insts[i].Prologue = fmt.Sprintf("Go stack check: %s against g.stackguard0 (g is in R14)", what)
			insts[i].GReg = "R14"
		} else {
			insts[i].GReg = gnuReg(m.Base)
			insts[i].Prologue = fmt.Sprintf("Go stack check: %s against g.stackguard0 (g loaded into %s)", what, gnuReg(m.Base))
		}
		labelMorestack(insts, i, entry, d)
		return
	}
}

// labelMorestack labels the branch after the stack check at insts[i], and
// at its target the call to runtime.morestack* and the jump back. When the
// target lies beyond the listing, it is read from the file to name it.
func labelMorestack(insts []Inst, i int, entry uint64, d *Disassembler) {
	j := i + 1
	if j >= len(insts) || insts[j].Target == 0 {
		return
	}
	target := insts[j].Target
	tail := insts
	k := slices.IndexFunc(insts, func(in Inst) bool { return in.Addr == target })
	inListing := k >= 0
	if !inListing {
		tail, k = d.peek(target, 8), 0
	}
	for n := k; n < len(tail) && n < k+24; n++ {
		if !strings.HasPrefix(tail[n].Note, "runtime.morestack") {
			continue
		}
		if !inListing {
			insts[j].Prologue = fmt.Sprintf("stack too small: to %#x, which calls %s", target, noteName(tail[n].Note))
			return
		}
		insts[j].Prologue = fmt.Sprintf("stack too small: to the morestack call at %#x", tail[n].Addr)
		tail[n].Prologue = "grow the stack (fatal on the system stack g0)"
		for m := n + 1; m < len(tail) && m < n+4; m++ {
			if tail[m].Target == entry {
				tail[m].Prologue = "and start the function again"
				break
			}
		}
		return
	}
	insts[j].Prologue = fmt.Sprintf("to %#x if the stack is too small (no morestack call found there)", target)
}

// noteName is the symbol of a note, without an offset.
func noteName(note string) string {
	if i := strings.LastIndex(note, "+0x"); i > 0 {
		return note[:i]
	}
	return note
}

func gnuReg(r x86asm.Reg) string { return "%" + strings.ToLower(r.String()) }
