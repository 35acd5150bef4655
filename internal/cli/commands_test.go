package cli

import (
	"bytes"
	"strings"
	"testing"
)

// TestSubcommandStubs: a stub says of its subcommand what the made
// command says — name, summary, hidden — and cobra's completion command
// has the summary its stub gives.
func TestSubcommandStubs(t *testing.T) {
	for _, s := range subcommands {
		c := s.make()
		if c.Name() != s.name || c.Hidden != s.hidden || s.short != "" && c.Short != s.short {
			t.Errorf("%s: made as %q, hidden %v, %q; the table says %q, %v, %q", s.name, c.Name(), c.Hidden, c.Short, s.name, s.hidden, s.short)
		}
	}
	found := false
	for _, c := range NewRootCmd().Commands() {
		if c.Name() == "completion" {
			found = true
			if c.Short != completionShort {
				t.Errorf("cobra's completion command: %q; its stub says %q", c.Short, completionShort)
			}
		}
	}
	if !found {
		t.Error("no completion command")
	}
}

// TestStubbedTreeSameOutput: a command line run on the tree Run makes,
// whose subcommands it does not name are stubs, prints what it prints on
// the tree with every subcommand made, byte for byte.
func TestStubbedTreeSameOutput(t *testing.T) {
	t.Setenv("COLUMNS", "80")
	for _, args := range [][]string{
		nil, {"--help"}, {"-h"}, {"help"}, {"help", "symbols"}, {"help", "help"}, {"symbols", "--help"},
		{"call", "--help"}, {"completion", "--help"}, {"completion", "bash", "--help"},
		{"__complete", ""}, {"__complete", "s"}, {"__complete", "help", ""}, {"__completeNoDesc", ""},
		{"__complete", "symbols", "--format", ""}, {"__complete", "call", "--flags", "now,g"},
		{"__complete", "completion", ""}, {"__complete", "--"},
		{"symbl"}, {"no-such-command"}, {"version"}, {"--bogus"}, {"completion", "bogus"}, {"help", "bogus"},
		{"symbols"}, {"call", "x.so", "Run", "--json"},
	} {
		var out1, err1, out2, err2 bytes.Buffer
		code1 := Run(args, strings.NewReader(""), &out1, &err1)
		code2 := execute(NewRootCmd(), args, strings.NewReader(""), &out2, &err2)
		if code1 != code2 || out1.String() != out2.String() || err1.String() != err2.String() {
			t.Errorf("%q: with stubs exit %d\n%s%s\nall made exit %d\n%s%s", args, code1, &out1, &err1, code2, &out2, &err2)
		}
	}
}
