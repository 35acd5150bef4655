package probe

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
)

// Crash describes a child that did not finish: how it ended, the fault as
// the Go runtime reported it, and an explanation fit for a slide.
type Crash struct {
	// Phase is what the child was doing: "dlopen", "plugin.Open", "call", ...
	Phase string `json:"phase"`
	// Symbol is the function being called when it crashed, if any.
	Symbol string `json:"symbol,omitempty"`
	// How is the one-line summary: `fatal error: morestack on g0`,
	// `SIGSEGV at 0x30`, `panic: boom`, `timed out after 10s`,
	// `interrupted by SIGINT`.
	How string `json:"how"`
	// Signal is the fault's signal, from the runtime's report or the wait
	// status ("SIGSEGV"); empty for an abort that raised none.
	Signal string `json:"signal,omitempty"`
	// Addr and PC are the fault address and the faulting instruction, when
	// the runtime reported them (HasFault).
	Addr     uint64 `json:"addr,omitempty"`
	PC       uint64 `json:"pc,omitempty"`
	HasFault bool   `json:"has_fault,omitempty"`
	// PCSymbol names the code at PC in the loaded file ("runtime.morestack.abi0+0xb").
	PCSymbol string `json:"pc_symbol,omitempty"`
	// Fatal is the runtime's "fatal error:" text; Panic the "panic:" value.
	Fatal string `json:"fatal,omitempty"`
	Panic string `json:"panic,omitempty"`
	// CalledFrom is the function that asked for more stack ("morestack on g0").
	CalledFrom string `json:"called_from,omitempty"`
	// During is the runtime's "signal arrived during ..." note.
	During string `json:"during,omitempty"`
	// Report holds the key lines of the Go runtime's report, in order; the
	// whole report is in Exit's stderr.
	Report []string `json:"report,omitempty"`
	// Code is the machine code the explanation quotes, decoded from the
	// file at CodeAt: the instructions at the faulting pc, or the entry of
	// the called function when it aborted in its prologue. CodeErr says why
	// nothing could be decoded, when that is so.
	Code    []CodeLine `json:"code,omitempty"`
	CodeAt  string     `json:"code_at,omitempty"`
	CodeErr string     `json:"code_error,omitempty"`
	// Explain is the explanation, one sentence a line.
	Explain []string `json:"explain,omitempty"`
}

// crashPatterns are the lines of a runtime report analyze reads.
type crashPatterns struct {
	fatal, panic, sigLine, sigHead, pcLine, during, morestack *regexp.Regexp
}

// crashRE returns the patterns, compiled when a crash is first analyzed,
// not at every start of soinspect.
func crashRE() *crashPatterns {
	crashOnce.Do(func() { crashPats = compileCrashPatterns() })
	return crashPats
}

var (
	crashOnce sync.Once
	crashPats *crashPatterns
)

func compileCrashPatterns() *crashPatterns {
	return &crashPatterns{
		fatal:     regexp.MustCompile(`^fatal error: (.*)$`),
		panic:     regexp.MustCompile(`^panic: (.*)$`),
		sigLine:   regexp.MustCompile(`^\[signal (SIG[A-Z]+): .*?addr=(0x[0-9a-f]+) pc=(0x[0-9a-f]+)\]`),
		sigHead:   regexp.MustCompile(`^(SIG[A-Z]+): (.*)$`),
		pcLine:    regexp.MustCompile(`^PC=(0x[0-9a-f]+) m=\d+ sigcode=\S+(?: addr=(0x[0-9a-f]+))?`),
		during:    regexp.MustCompile(`^signal arrived during (.*)$`),
		morestack: regexp.MustCompile(`^runtime: morestack on g0`),
	}
}

// analyze reads how the child ended and the runtime's report from its
// stderr. base is the object's load base (0 if unknown), used to name the
// code at the faulting pc in st.
func analyze(ex Exit, st *Static, base uint64, symbol, phase string) *Crash {
	c := &Crash{Phase: phase, Symbol: symbol, Signal: ex.Signal}
	re := crashRE()
	stderr := ex.Load.Stderr + ex.Call.Stderr + ex.Other.Stderr
	lines := strings.Split(stderr, "\n")
	for i, l := range lines {
		switch {
		case re.fatal.MatchString(l):
			if c.Fatal == "" {
				c.Fatal = re.fatal.FindStringSubmatch(l)[1]
				c.Report = append(c.Report, l)
			}
		case re.panic.MatchString(l) && c.Panic == "":
			c.Panic = re.panic.FindStringSubmatch(l)[1]
			c.Report = append(c.Report, l)
		case re.sigLine.MatchString(l):
			m := re.sigLine.FindStringSubmatch(l)
			c.Signal = m[1]
			c.Addr, _ = strconv.ParseUint(m[2], 0, 64)
			c.PC, _ = strconv.ParseUint(m[3], 0, 64)
			c.HasFault = true
			c.Report = append(c.Report, l)
		case re.sigHead.MatchString(l) && i+1 < len(lines) && re.pcLine.MatchString(lines[i+1]):
			c.Signal = re.sigHead.FindStringSubmatch(l)[1]
			m := re.pcLine.FindStringSubmatch(lines[i+1])
			c.PC, _ = strconv.ParseUint(m[1], 0, 64)
			if m[2] != "" {
				c.Addr, _ = strconv.ParseUint(m[2], 0, 64)
			}
			c.HasFault = true
			c.Report = append(c.Report, l, lines[i+1])
		case re.during.MatchString(l):
			c.During = re.during.FindStringSubmatch(l)[1]
			c.Report = append(c.Report, l)
		case re.morestack.MatchString(l):
			c.Report = append(c.Report, l)
			if i+1 < len(lines) {
				c.CalledFrom = strings.TrimSuffix(strings.TrimSpace(lines[i+1]), "()")
				c.Report = append(c.Report, lines[i+1])
			}
		}
	}
	if c.HasFault && base != 0 && c.PC >= base {
		c.PCSymbol = st.Symbolize(c.PC - base)
	}
	switch {
	case ex.Interrupted != "":
		c.How = "interrupted by " + ex.Interrupted
	case ex.TimedOut:
		c.How = fmt.Sprintf("timed out after %v", ex.Timeout)
	case c.Fatal != "":
		c.How = "fatal error: " + c.Fatal
	case c.Panic != "":
		c.How = "panic: " + c.Panic
	case c.HasFault:
		c.How = c.Signal
		if c.FaultAddr() {
			c.How = fmt.Sprintf("%s at address %#x", c.Signal, c.Addr)
		}
	case ex.Signal != "":
		c.How = "killed by " + ex.Signal
	default:
		c.How = fmt.Sprintf("exited with status %d before finishing", ex.Code)
	}
	if ex.Interrupted == "" && !ex.TimedOut {
		addEvidence(c, st, base)
	}
	c.Explain = explain(c, ex, st)
	return c
}

// explain says, in sentences for a slide, what happened and why.
func explain(c *Crash, ex Exit, st *Static) []string {
	var out []string
	if ex.Interrupted != "" {
		return []string{fmt.Sprintf("soinspect got %s during %s and killed the child's process group: the child and everything the loaded code started.", ex.Interrupted, c.Phase)}
	}
	if ex.TimedOut {
		out = append(out, fmt.Sprintf("The child ran longer than %v (during %s) and soinspect killed its process group with SIGKILL.", ex.Timeout, c.Phase))
		if c.Phase == "plugin.Open" || c.Phase == "dlopen" {
			out = append(out, "Loading runs the file's code (C constructors; Go inits for plugin.Open), and that code did not return.")
		}
		return out
	}
	goCall := c.Phase == "call" && st.IsGoSymbol(c.Symbol)
	if goCall {
		out = append(out, fmt.Sprintf("%s is a Go function, and it was called with the C calling convention, through cdl's C trampoline.", c.Symbol))
		out = append(out, "Go code expects its goroutine (g) "+gHome(c, st)+" and a goroutine stack bounded by g.stackguard0; a C caller provides neither.")
		switch {
		case c.Fatal == "morestack on g0":
			out = append(out, c.explainMorestackOnG0())
			out = append(out, "morestack takes g from thread-local storage instead, and there it found g0, the thread's scheduler stack on which cgo runs C code; g0's stack cannot grow, so the runtime aborted: \"fatal error: morestack on g0\".")
		case c.HasFault && c.PCSymbol == c.Symbol && c.Addr < 0x100:
			// The fault is at the function's first instruction.
			out = append(out, c.explainEntryFault())
			if c.During != "" {
				out = append(out, "The Go runtime's signal handler caught the fault, saw that it arrived \"during "+c.During+"\" and, as a fault outside any goroutine cannot become a panic, crashed the process (exit status 2).")
			}
		case c.HasFault && strings.HasPrefix(c.PCSymbol, "runtime.morestack"):
			out = append(out,
				"Its prologue's stack check jumped to runtime.morestack, which loads g from thread-local storage; this plugin's runtime never ran on the thread, so g was nil and reading g.m faulted"+faultAt(c)+c.quoted()+".")
		case c.HasFault:
			out = append(out, "Its first use of g, the stack or the runtime faulted"+faultAt(c)+c.quoted()+".")
		case c.Fatal != "" && !c.HasFault:
			out = append(out, c.explainOtherFatal())
		case c.Panic != "":
			out = append(out, "It panicked: "+c.Panic+".")
		}
		out = append(out, "The right way: a Go program uses plugin.Open, which runs the plugin's inits through its inittask on a goroutine, then plugin.Lookup; a C program loads a library built with -buildmode=c-shared and calls its //export'ed functions, whose cgo wrappers set up g and a Go stack first.")
		return out
	}
	switch {
	case c.Panic != "":
		out = append(out, fmt.Sprintf("Go code panicked during %s: %s. An unrecovered panic ends the process with exit status 2.", c.Phase, c.Panic))
	case c.Fatal != "":
		out = append(out, fmt.Sprintf("The Go runtime aborted during %s: %s.", c.Phase, c.Fatal))
		if c.Fatal == "runtime: no plugin module data" {
			if st != nil && st.Plugin == nil {
				out = append(out, "The file is not a Go plugin: dlopen loaded it (running its constructors), and the runtime then found no new Go module registered by it, which it treats as fatal.")
			} else {
				out = append(out, "The runtime found no Go module it could read: a plugin built by another Go release registers module data of another layout.")
			}
		}
	case c.HasFault:
		where := ""
		if c.Symbol != "" {
			where = " in " + c.Symbol
		}
		out = append(out, fmt.Sprintf("The child got %s%s during %s%s%s.", c.Signal, where, c.Phase, faultAt(c), c.quoted()))
	case ex.Signal != "":
		out = append(out, fmt.Sprintf("The child was killed by %s during %s.", ex.Signal, c.Phase))
	default:
		out = append(out, fmt.Sprintf("The child exited with status %d during %s without reporting the result.", ex.Code, c.Phase))
	}
	return out
}

// FaultAddr reports whether Addr means something: the address a SIGSEGV or
// SIGBUS touched, the instruction of a SIGILL or SIGFPE. A raised signal
// (SIGABRT from abort) has none; the runtime prints addr=0x0 for it.
func (c *Crash) FaultAddr() bool {
	if !c.HasFault {
		return false
	}
	switch c.Signal {
	case "SIGSEGV", "SIGBUS", "SIGILL", "SIGFPE":
		return true
	}
	return false
}

func faultAt(c *Crash) string {
	if !c.HasFault {
		return ""
	}
	s := fmt.Sprintf(" (pc %#x", c.PC)
	if c.FaultAddr() {
		s = fmt.Sprintf(" (address %#x, pc %#x", c.Addr, c.PC)
	}
	if c.PCSymbol != "" {
		s += " in " + c.PCSymbol
	}
	return s + ")"
}

// quoted is ", where the file holds `…`", quoting the decoded
// instructions at the faulting pc, or "".
func (c *Crash) quoted() string {
	if len(c.Code) == 0 || !c.HasFault {
		return ""
	}
	return "; the file holds " + quote(c.Code) + " there"
}

// explainEntryFault explains a fault at a Go function's first
// instruction from what the file holds there.
func (c *Crash) explainEntryFault() string {
	sc, ok := c.stackCheck()
	switch {
	case ok && c.Code[0].Addr == sc.Addr:
		return fmt.Sprintf("Its first instruction, decoded from the file at the faulting pc, is `%s`: the Go stack check, which reads g.stackguard0, 0x10 bytes into the g in %s. Called from C, %s is just another register, and here it held %#x, so reading address %#x faulted: %s at the function's entry (pc %#x).",
			sc.Text, sc.GReg, sc.GReg, c.Addr-min(c.Addr, 0x10), c.Addr, c.Signal, c.PC)
	case len(c.Code) > 0:
		return fmt.Sprintf("The file holds %s at the faulting pc, the function's entry; soinspect finds no Go stack check there, so this is not the fault a C caller's registers cause in a Go prologue: %s%s.",
			quote(c.Code), c.Signal, faultAt(c))
	}
	why := ""
	if c.CodeErr != "" {
		why = " (" + c.CodeErr + ")"
	}
	return fmt.Sprintf("It faulted at its entry: %s%s; soinspect could not decode the code there%s, so it cannot say which instruction read the address.", c.Signal, faultAt(c), why)
}

// explainOtherFatal explains a Go function called from C that did not
// fault at its entry but ran on until the runtime aborted, from its
// decoded prologue; it says no more than the evidence shows.
func (c *Crash) explainOtherFatal() string {
	abort := fmt.Sprintf("the Go runtime aborted: \"fatal error: %s\"", c.Fatal)
	sc, ok := c.stackCheck()
	switch {
	case ok:
		return fmt.Sprintf("Its prologue, decoded from the file, starts %s: the stack check compares SP with the stack guard of the g in %s. Called from C, %s holds whatever the caller left in it, not a goroutine set up for this call; here the function did not fault at its entry but ran on, with that register as its g, until %s.",
			quote(c.Code[:min(len(c.Code), 2)]), sc.GReg, sc.GReg, abort)
	case len(c.Code) > 0:
		return fmt.Sprintf("Its entry, decoded from the file, is %s, with no Go stack check that soinspect recognises; it ran on until %s.", quote(c.Code), abort)
	}
	return fmt.Sprintf("It ran on until %s.", abort)
}

// explainMorestackOnG0 explains the abort from the function's decoded
// prologue.
func (c *Crash) explainMorestackOnG0() string {
	sc, ok := c.stackCheck()
	if !ok {
		if len(c.Code) > 0 {
			return fmt.Sprintf("Its entry, decoded from the file, is %s: soinspect finds no Go stack check there, yet the runtime reports that a stack check called runtime.morestack.", quote(c.Code))
		}
		return "Its prologue's stack check (which soinspect could not decode here) called runtime.morestack."
	}
	calls := "runtime.morestack"
	if ms := c.morestackCall(); ms != "" {
		calls = ms
	}
	return fmt.Sprintf("Its prologue, decoded from the file, starts %s: the stack check compares SP with the stack guard of the g in %s. %s held no usable goroutine — typically the one that made the cgo call, still there because C preserves it, and whose guard the runtime poisons (stackPreempt) while it is in C so that no Go code runs on it — so the check failed and the prologue called %s.",
		quote(c.Code[:min(len(c.Code), 2)]), sc.GReg, sc.GReg, calls)
}
