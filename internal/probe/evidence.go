package probe

import (
	"fmt"
	"strings"

	"github.com/soinspect/soinspect/disasm"
	"github.com/soinspect/soinspect/elfinspect"
)

// The machine code a crash explanation quotes: decoded from the file, not
// written into the sentences, so that what they say follows from what is
// there.

// CodeLine is one decoded instruction quoted by a crash report.
type CodeLine struct {
	// Addr is the instruction's address in the file (the load base
	// subtracted).
	Addr uint64 `json:"addr"`
	// Text is the instruction in GNU syntax, as objdump prints it.
	Text string `json:"text"`
	// Note names what the instruction refers to; Prologue labels its role
	// in the Go prologue; GReg is the register the stack check reads g
	// through.
	Note     string `json:"note,omitempty"`
	Prologue string `json:"prologue,omitempty"`
	GReg     string `json:"g_reg,omitempty"`
}

// evidenceCount is how many instructions a report quotes.
const evidenceCount = 3

// decodeAt decodes evidenceCount instructions of the file at fileAddr.
func decodeAt(path string, fileAddr uint64) ([]CodeLine, error) {
	return decode(path, func(d *disasm.Disassembler, opt disasm.Options) (*disasm.Listing, error) {
		return d.At(fileAddr, opt)
	})
}

// decodeEntry decodes the first instructions of the function symbol.
func decodeEntry(path, symbol string) ([]CodeLine, error) {
	return decode(path, func(d *disasm.Disassembler, opt disasm.Options) (*disasm.Listing, error) {
		fns, err := d.Lookup(symbol)
		if err != nil {
			return nil, err
		}
		return d.Disassemble(fns[0], opt)
	})
}

// decode opens path and quotes evidenceCount instructions of what list
// decodes in it.
func decode(path string, list func(*disasm.Disassembler, disasm.Options) (*disasm.Listing, error)) ([]CodeLine, error) {
	f, err := elfinspect.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	d, err := disasm.New(f)
	if err != nil {
		return nil, err
	}
	l, err := list(d, disasm.Options{Count: evidenceCount})
	if err != nil {
		return nil, err
	}
	return codeLines(l), nil
}

func codeLines(l *disasm.Listing) []CodeLine {
	out := make([]CodeLine, len(l.Insts))
	for i, in := range l.Insts {
		out[i] = CodeLine{Addr: in.Addr, Text: in.Text, Note: in.Note, Prologue: in.Prologue, GReg: in.GReg}
	}
	return out
}

// addEvidence decodes what the explanation will quote: the instructions
// at the faulting pc when the runtime reported one in the loaded file, else
// for a Go function called from C whose runtime aborted (morestack on g0,
// or any other fatal error) its entry.
func addEvidence(c *Crash, st *Static, base uint64) {
	if st == nil || st.Path == "" {
		return
	}
	var err error
	switch {
	case c.HasFault && base != 0 && c.PC >= base && c.PCSymbol != "":
		c.Code, err = decodeAt(st.Path, c.PC-base)
		c.CodeAt = fmt.Sprintf("the faulting pc %#x, at %#x in the file (%s)", c.PC, c.PC-base, c.PCSymbol)
	case c.Fatal == "morestack on g0" && c.Symbol != "",
		c.Fatal != "" && !c.HasFault && c.Phase == "call" && c.Symbol != "" && st.IsGoSymbol(c.Symbol):
		c.Code, err = decodeEntry(st.Path, c.Symbol)
		c.CodeAt = "the entry of " + c.Symbol
	default:
		return
	}
	if err != nil {
		c.Code, c.CodeAt = nil, ""
		c.CodeErr = err.Error()
	}
}

// stackCheck returns the Go stack check among the quoted instructions.
func (c *Crash) stackCheck() (CodeLine, bool) {
	for _, l := range c.Code {
		if l.GReg != "" {
			return l, true
		}
	}
	return CodeLine{}, false
}

// morestackCall returns the runtime.morestack* the prologue calls, as
// the quoted branch names it, or "".
func (c *Crash) morestackCall() string {
	for _, l := range c.Code {
		if i := strings.Index(l.Prologue, "which calls runtime.morestack"); i >= 0 {
			name := l.Prologue[i+len("which calls "):]
			if j := strings.IndexByte(name, ' '); j > 0 {
				name = name[:j]
			}
			return name
		}
		if strings.HasPrefix(l.Note, "runtime.morestack") {
			return l.Note
		}
	}
	return ""
}

// quote is the quoted instructions, "a; b; c" in backquotes.
func quote(lines []CodeLine) string {
	parts := make([]string, len(lines))
	for i, l := range lines {
		parts[i] = l.Text
	}
	return "`" + strings.Join(parts, "; ") + "`"
}
