// Package disasm decodes the machine code of an ELF file statically, with
// golang.org/x/arch (x86asm for amd64 and 386, arm64asm for arm64), and
// annotates it from the file itself: call and jump targets by symbol,
// including PLT stubs (puts@plt, resolved through .rela.plt), loads from
// the GOT (the symbol the dynamic loader writes there), RIP-relative data
// by symbol, the Go prologue (the stack-guard compare through R14 or X28
// and the call to runtime.morestack), and with Options.Source the file and
// line of each instruction, from the pclntab for Go code and from the DWARF
// line tables for C.
//
// It never loads or runs the file. Malformed input is an error; code that
// does not decode is shown as "(bad)" and decoding goes on, as objdump
// does; code cut short by the end of its section decodes as far as it can
// and the Listing says where it stopped.
//
// Architecture-specific knowledge (decoding, syntaxes, prologues, PLT
// stubs) lives in one file per architecture: amd64.go, arm64.go.
package disasm

import (
	"debug/elf"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/soinspect/soinspect/elfinspect"
	"github.com/soinspect/soinspect/internal/elfread"
	"github.com/soinspect/soinspect/internal/guard"
)

// Syntax is an assembly syntax.
type Syntax string

// The syntaxes every architecture prints.
const (
	SyntaxGNU   Syntax = "gnu"   // AT&T on x86, as objdump prints it
	SyntaxIntel Syntax = "intel" // Intel on x86; on arm64 the same as gnu (ARM's own)
	SyntaxGo    Syntax = "go"    // the Go assembler's (Plan 9) syntax, as go tool objdump prints it
)

// ParseSyntax parses a --syntax value.
func ParseSyntax(s string) (Syntax, error) {
	switch Syntax(s) {
	case SyntaxGNU, SyntaxIntel, SyntaxGo:
		return Syntax(s), nil
	}
	return "", fmt.Errorf("unknown syntax %q (want gnu, intel or go)", s)
}

// Options say how much to decode and how.
type Options struct {
	// Syntax is the assembly syntax; the zero value means SyntaxGNU.
	Syntax Syntax
	// Count limits the number of instructions; 0 means the whole symbol
	// (or, for a bare address, up to the end of the symbol holding it, else
	// 16 instructions).
	Count int
	// Source adds the file and line of each instruction.
	Source bool
	// NoNotes leaves the annotations out (the plain listing compared
	// against objdump, and timed, needs only the instructions).
	NoNotes bool

	noPrologue bool // for peek: no recursion into the prologue labels
}

// Inst is one decoded instruction. It is also the JSON schema of the
// entries of `soinspect disasm --format json`.
type Inst struct {
	// Addr is the instruction's virtual address in the file.
	Addr uint64 `json:"addr"`
	// Len is its length in bytes.
	Len int `json:"len"`
	// Bytes is its encoding (hex in JSON).
	Bytes HexBytes `json:"bytes"`
	// Text is the instruction in the chosen syntax; "(bad)" for bytes that
	// do not decode.
	Text string `json:"text"`
	// Target is the address a branch or a PC-relative operand refers to, 0
	// if none.
	Target uint64 `json:"target,omitempty"`
	// Note names what the instruction refers to: "puts@plt", "GOT entry of
	// os.Stdout", "runtime.morestack_noctxt.abi0", "main.x+0x8".
	Note string `json:"note,omitempty"`
	// Prologue labels a part of the Go prologue: the stack-guard check, the
	// branch to the stack growth call, the call, the jump back.
	Prologue string `json:"prologue,omitempty"`
	// GReg is, on the Go stack check, the register it reads g through:
	// "R14" (amd64 ABIInternal), "X28" (arm64), or the register g was
	// loaded into from thread-local storage ("%rcx").
	GReg string `json:"g_reg,omitempty"`
	// Source is "file:line", with Options.Source and where the file has it.
	Source string `json:"source,omitempty"`
	// Bad is true for bytes that do not decode.
	Bad bool `json:"bad,omitempty"`
}

// Listing is the decoded code of one symbol or address range.
type Listing struct {
	// Arch is "amd64", "386" or "arm64".
	Arch string `json:"arch"`
	// Symbol is the symbol the code belongs to ("" for a bare address in no
	// symbol), and Offset the start's offset in it.
	Symbol string `json:"symbol,omitempty"`
	Offset uint64 `json:"offset,omitempty"`
	// Section is the section holding the code.
	Section string `json:"section"`
	// Start and End are the range asked for: End is Start plus the
	// symbol's size, or the end of what was decoded for a count.
	Start uint64 `json:"start"`
	End   uint64 `json:"end"`
	// Insts are the decoded instructions.
	Insts []Inst `json:"insts"`
	// Stopped says why decoding stopped before End, if it did: "the
	// section ends at 0x…, 3 bytes into an instruction".
	Stopped string `json:"stopped,omitempty"`
	// Truncated is true when the file is at fault: the symbol runs past
	// its section, or the section past the file, and code was cut short.
	Truncated bool `json:"truncated,omitempty"`
}

// Disassembler decodes one file. It reads the file's symbols, PLT and GOT
// once, on first use; it is safe for concurrent use.
type Disassembler struct {
	f    *elfinspect.File
	rd   *elfread.File
	arch arch

	goBuilt bool // the file was built by Go: look for Go prologues

	once     sync.Once
	syms     *symIndex
	plt      map[uint64]string // PLT stub address → "name@plt"
	pltLo    uint64            // the span of the PLT sections
	pltHi    uint64
	pltSizes map[uint64]uint64 // PLT stub address → its size
	initErr  error

	secMu sync.Mutex
	secs  map[*elf.Section][]byte // code sections read whole

	ppOnce sync.Once
	pp     string // the Go plugin's pluginpath

	srcOnce sync.Once
	src     *sourceTable
}

// ErrUnsupported is returned for a machine disasm cannot decode.
var ErrUnsupported = errors.New("unsupported machine")

// New returns a Disassembler for f: an x86-64, 386 or AArch64 file.
func New(f *elfinspect.File) (*Disassembler, error) {
	ef := f.ELF()
	var a arch
	switch ef.Machine {
	case elf.EM_X86_64:
		a = newX86(64)
	case elf.EM_386:
		a = newX86(32)
	case elf.EM_AARCH64:
		a = arm64Arch{}
	default:
		return nil, fmt.Errorf("%w: %v (disasm decodes x86-64, 386 and AArch64)", ErrUnsupported, ef.Machine)
	}
	// Only Go code has a Go prologue; the sections tell Go-built files.
	goBuilt := ef.Section(".gopclntab") != nil || ef.Section(".go.buildinfo") != nil
	return &Disassembler{f: f, rd: elfread.Of(f), arch: a, goBuilt: goBuilt}, nil
}

// Arch returns "amd64", "386" or "arm64".
func (d *Disassembler) Arch() string { return d.arch.name() }

func (d *Disassembler) init() error {
	d.once.Do(func() {
		defer guard.Recover(recovered(&d.initErr))
		d.syms = readSymbols(d)
		d.plt = d.readPLT()
	})
	return d.initErr
}

// Func is a function symbol: what a listing of a symbol starts from.
type Func struct {
	Name  string
	Addr  uint64
	Size  uint64
	Type  elf.SymType
	Table string // "symtab" or "dynsym"
}

// Disassemble decodes the code of fn: its whole size, or opt.Count
// instructions. A symbol of size 0 is an error unless a count is given.
func (d *Disassembler) Disassemble(fn Func, opt Options) (l *Listing, err error) {
	defer guard.Recover(recovered(&err))
	if err := d.init(); err != nil {
		return nil, err
	}
	if fn.Size == 0 && opt.Count == 0 {
		return nil, fmt.Errorf("symbol %s has size 0: give --count N to decode N instructions from its address %#x", quoteName(fn.Name), fn.Addr)
	}
	return d.decode(fn.Name, 0, fn.Addr, fn.Size, opt)
}

// At decodes from addr: opt.Count instructions, or to the end of the
// function holding addr, or 16 instructions when no sized symbol holds it.
func (d *Disassembler) At(addr uint64, opt Options) (l *Listing, err error) {
	defer guard.Recover(recovered(&err))
	if err := d.init(); err != nil {
		return nil, err
	}
	name, off := "", uint64(0)
	var size uint64
	if s, ok := d.syms.containing(addr); ok {
		name, off = s.name, addr-s.addr
		size = s.size - off
	}
	if size == 0 && opt.Count == 0 {
		opt.Count = 16
	}
	return d.decode(name, off, addr, size, opt)
}

// decode decodes [addr, addr+size), or opt.Count instructions from addr
// when a count is given (then only the section bounds them).
func (d *Disassembler) decode(name string, off, addr, size uint64, opt Options) (*Listing, error) {
	if opt.Syntax == "" {
		opt.Syntax = SyntaxGNU
	}
	sec, err := d.execSection(addr)
	if err != nil {
		return nil, err
	}
	l := &Listing{Arch: d.arch.name(), Symbol: name, Offset: off, Section: sec.Name, Start: addr}
	secEnd := sec.Addr + sec.Size
	end := secEnd
	if opt.Count == 0 {
		if size > secEnd-addr {
			l.Stopped = fmt.Sprintf("the symbol's size runs %d bytes past the end of section %s at %#x", size-(secEnd-addr), quoteName(sec.Name), secEnd)
			l.Truncated = true
		} else {
			end = addr + size
		}
	}
	// Read what the listing can need: the range and one more
	// instruction's worth (the last instruction may run past the symbol's
	// end), within the section; for a count, at most count×maxLen bytes.
	n := min(end-addr+uint64(d.arch.maxLen()), secEnd-addr)
	if opt.Count > 0 {
		n = min(n, uint64(opt.Count)*uint64(d.arch.maxLen()))
	}
	code, short, err := d.bytes(sec, addr, n)
	if err != nil {
		return nil, err
	}
	codeEnd := addr + uint64(len(code)) // where the bytes end: the range, the section, or the file
	var src *sourceTable
	if opt.Source {
		src = d.source()
	}
	if opt.Count > 0 {
		l.Insts = make([]Inst, 0, min(opt.Count, 4096))
	} else {
		l.Insts = make([]Inst, 0, min(len(code)/4+1, 4096))
	}
	pc := addr
	for len(code) > 0 && (opt.Count == 0 && pc < end || opt.Count > 0 && len(l.Insts) < opt.Count) {
		in, ok := d.arch.decode(code, pc, opt.Syntax)
		if !ok && in.truncated && (short != "" || codeEnd == secEnd) {
			// Too few bytes left for a whole instruction: stop, and say so.
			where := short
			if where == "" {
				where = fmt.Sprintf("section %s ends at %#x", quoteName(sec.Name), secEnd)
			}
			l.Stopped = joinNote(l.Stopped, fmt.Sprintf("%s: the %d bytes at %#x do not decode on their own; decoding stopped there", where, len(code), pc))
			l.Truncated = true
			break
		}
		in.Len = min(in.Len, len(code))
		in.Addr = pc
		in.Bytes = HexBytes(code[:in.Len:in.Len])
		if !opt.NoNotes && in.Target != 0 {
			in.Note = d.note(in.Target, in.kind)
		}
		if src != nil {
			in.Source = src.line(pc)
		}
		l.Insts = append(l.Insts, in.Inst)
		code = code[in.Len:]
		pc += uint64(in.Len)
	}
	l.End = pc
	switch {
	case l.Stopped != "":
	case short != "" && (opt.Count == 0 && pc < end || opt.Count > 0 && len(l.Insts) < opt.Count):
		l.Stopped = fmt.Sprintf("%s: decoding stopped at %#x", short, pc)
		l.Truncated = true
	case opt.Count > 0 && len(l.Insts) < opt.Count && pc == secEnd:
		l.Stopped = fmt.Sprintf("section %s ends at %#x, after %d instructions", quoteName(sec.Name), secEnd, len(l.Insts))
	}
	d.arch.link(l.Insts, d, !opt.NoNotes)
	if !opt.NoNotes && !opt.noPrologue && off == 0 && d.goBuilt {
		d.arch.prologue(l.Insts, d)
	}
	return l, nil
}

// peek decodes n instructions at addr with their notes, or none.
func (d *Disassembler) peek(addr uint64, n int) []Inst {
	l, err := d.decode("", 0, addr, 0, Options{Count: n, noPrologue: true})
	if err != nil {
		return nil
	}
	return l.Insts
}

// execSection returns the executable section holding addr, or an error
// saying where addr is instead.
func (d *Disassembler) execSection(addr uint64) (*elf.Section, error) {
	var holder *elf.Section
	for _, s := range d.f.ELF().Sections {
		if s.Flags&elf.SHF_ALLOC == 0 || s.Flags&elf.SHF_TLS != 0 || addr < s.Addr || addr-s.Addr >= s.Size {
			continue
		}
		if s.Flags&elf.SHF_EXECINSTR != 0 {
			if s.Type == elf.SHT_NOBITS {
				return nil, fmt.Errorf("address %#x is in section %s, which has no contents in the file (NOBITS)", addr, quoteName(s.Name))
			}
			return s, nil
		}
		holder = s
	}
	if holder != nil {
		return nil, fmt.Errorf("address %#x is in section %s, which is not executable", addr, quoteName(holder.Name))
	}
	return nil, fmt.Errorf("address %#x is in no executable section", addr)
}

// bytes reads n bytes of section s at addr, or as many as the file holds:
// short then says where the file ends.
func (d *Disassembler) bytes(s *elf.Section, addr, n uint64) (b []byte, short string, err error) {
	if n > elfread.MaxSection {
		return nil, "", fmt.Errorf("%d bytes of code at %#x are too many to decode at once (limit %d)", n, addr, elfread.MaxSection)
	}
	off := s.Offset + (addr - s.Addr)
	if off < s.Offset || off >= uint64(d.f.Size) {
		return nil, "", fmt.Errorf("address %#x in section %s lies past the end of the file (%d bytes)", addr, quoteName(s.Name), d.f.Size)
	}
	if avail := uint64(d.f.Size) - off; n > avail {
		short = fmt.Sprintf("the file ends at offset %#x, inside section %s", d.f.Size, quoteName(s.Name))
		n = avail
	}
	if short == "" {
		if code := d.sectionBytes(s); code != nil {
			o := addr - s.Addr
			return code[o : o+n : o+n], "", nil
		}
	}
	b = make([]byte, n)
	if _, err := d.rd.R.ReadAt(b, int64(off)); err != nil && err != io.EOF {
		return nil, "", fmt.Errorf("reading section %s: %w", quoteName(s.Name), err)
	}
	return b, short, nil
}

// sectionBytes returns the contents of code section s, read once: a
// listing of every function reads each section once, not once a function.
// It returns nil when the section cannot be read whole.
func (d *Disassembler) sectionBytes(s *elf.Section) []byte {
	d.secMu.Lock()
	defer d.secMu.Unlock()
	if b, ok := d.secs[s]; ok {
		return b
	}
	b, err := d.rd.Section(s)
	if err != nil {
		b = nil
	}
	if d.secs == nil {
		d.secs = map[*elf.Section][]byte{}
	}
	d.secs[s] = b
	return b
}

func joinNote(a, b string) string {
	if a == "" {
		return b
	}
	return a + "; " + b
}

// HexBytes is machine code, written as hex in JSON and text.
type HexBytes []byte

// MarshalText writes the bytes in hex.
func (b HexBytes) MarshalText() ([]byte, error) { return []byte(hex.EncodeToString(b)), nil }

// String returns the bytes in hex.
func (b HexBytes) String() string { return hex.EncodeToString(b) }

// recovered is the error an entry point returns for a panic (see
// internal/guard: the guard is off in tests, so that they see it).
func recovered(err *error) func(p any) {
	return func(p any) { *err = elfread.PanicError("machine code or symbol table", p) }
}

// quoteName quotes a name read from the file when it holds anything
// unprintable.
func quoteName(s string) string {
	for _, r := range s {
		if r < 0x20 || r == 0x7f || r == '\uFFFD' {
			return fmt.Sprintf("%q", s)
		}
	}
	return s
}
