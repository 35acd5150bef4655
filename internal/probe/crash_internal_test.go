package probe

import (
	"strings"
	"testing"
)

// TestExplainFollowsTheCode: the sentences about a fault at a Go
// function's entry follow from the decoded instructions: the stack check
// through the register the file names, or, when the file holds something
// else there, no claim about a stack check at all.
func TestExplainFollowsTheCode(t *testing.T) {
	base := Crash{Phase: "call", Symbol: "p.F", PCSymbol: "p.F", HasFault: true, Signal: "SIGSEGV", Addr: 0x10, PC: 0x7f0000001000}
	for _, c := range []struct {
		name     string
		code     []CodeLine
		codeErr  string
		want     []string
		dontWant []string
	}{
		{"amd64 stack check", []CodeLine{{Addr: 0x1000, Text: "cmp 0x10(%r14),%rsp", GReg: "R14"}, {Addr: 0x1004, Text: "jbe 0x1040"}},
			"", []string{"`cmp 0x10(%r14),%rsp`", "the g in R14", "held 0x0"}, []string{"X28"}},
		{"arm64 stack check", []CodeLine{{Addr: 0x1000, Text: "ldr x16, [x28,#16]", GReg: "X28"}},
			"", []string{"`ldr x16, [x28,#16]`", "the g in X28"}, []string{"R14"}},
		{"something else", []CodeLine{{Addr: 0x1000, Text: "mov 0x10(%rdi),%rax"}},
			"", []string{"`mov 0x10(%rdi),%rax`", "finds no Go stack check"}, []string{"R14", "the g in"}},
		{"nothing decoded", nil, "address 0x1000 is in no executable section",
			[]string{"could not decode", "no executable section"}, []string{"R14"}},
	} {
		cr := base
		cr.Code, cr.CodeErr = c.code, c.codeErr
		got := cr.explainEntryFault()
		for _, w := range c.want {
			if !strings.Contains(got, w) {
				t.Errorf("%s: %q lacks %q", c.name, got, w)
			}
		}
		for _, w := range c.dontWant {
			if strings.Contains(got, w) {
				t.Errorf("%s: %q says %q", c.name, got, w)
			}
		}
	}
}
