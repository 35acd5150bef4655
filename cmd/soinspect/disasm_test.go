package main_test

import (
	"encoding/json"
	"os/exec"
	"strings"
	"testing"

	"github.com/soinspect/soinspect/internal/specimen"
)

// TestDisasmPlainIsObjdump holds `disasm --format plain` to
// `objdump -d --no-show-raw-insn --disassemble=SYM`: the same addresses,
// line for line, and the same mnemonics.
func TestDisasmPlainIsObjdump(t *testing.T) {
	specimen.NeedTool(t, "objdump")
	for _, c := range []struct{ file, query, sym string }{
		{plugin1, "plugin1.Run", "github.com/soinspect/soinspect/plugins/plugin1.Run"},
		{specimen.SysLib(t, "libc.so.6"), "puts", "_IO_puts"},
	} {
		out, stderr, code := run(t, "disasm", "--format", "plain", "--syntax", "gnu", c.file, c.query)
		if code != 0 {
			t.Fatalf("disasm %s %s: exit %d: %s", c.file, c.query, code, stderr)
		}
		od, err := exec.Command("objdump", "-d", "--no-show-raw-insn", "--disassemble="+c.sym, c.file).Output()
		if err != nil {
			t.Fatal(err)
		}
		var want []string
		for _, line := range strings.Split(string(od), "\n") {
			addr, insn, ok := strings.Cut(strings.TrimSpace(line), ":\t")
			if ok {
				want = append(want, addr+" "+strings.Fields(insn)[0])
			}
		}
		var got []string
		for _, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
			addr, insn, ok := strings.Cut(line, "\t")
			if !ok {
				t.Fatalf("plain line without a tab: %q", line)
			}
			got = append(got, addr+" "+strings.Fields(insn)[0])
		}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("%s %s: disasm plain:\n%s\nobjdump:\n%s", c.file, c.query, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	}
	// objdump names the PLT stub the same way.
	out, _, _ := run(t, "disasm", "--format", "plain", specimen.SysLib(t, "libc.so.6"), "_IO_puts")
	if !strings.Contains(out, "<__overflow>") {
		t.Errorf("no call named <__overflow> in puts:\n%s", out)
	}
}

// TestDisasmGoNames resolves Go names as symbols shows them: init is the
// plugin's init functions in order, Run and plugin1.Run its own Run.
func TestDisasmGoNames(t *testing.T) {
	out, stderr, code := run(t, "disasm", "--format", "json", "--count", "2", plugin1, "init", "Run", "plugin1.Run")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	type listing struct {
		Query  string `json:"query"`
		Symbol string `json:"symbol"`
		Insts  []struct {
			Text     string `json:"text"`
			Prologue string `json:"prologue"`
		} `json:"insts"`
	}
	var got []listing
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var l listing
		if err := json.Unmarshal([]byte(line), &l); err != nil {
			t.Fatal(err)
		}
		got = append(got, l)
	}
	want := []string{"plugin1.init.0", "plugin1.init.1", "plugin1.Run", "plugin1.Run"}
	if len(got) != len(want) {
		t.Fatalf("%d listings, want %d:\n%s", len(got), len(want), out)
	}
	for i, w := range want {
		if !strings.HasSuffix(got[i].Symbol, "/"+w) || len(got[i].Insts) != 2 {
			t.Errorf("listing %d (%s): %s with %d instructions, want …/%s with 2", i, got[i].Query, got[i].Symbol, len(got[i].Insts), w)
		}
		if !strings.Contains(got[i].Insts[0].Prologue, "R14") {
			t.Errorf("listing %d: first instruction %q labelled %q", i, got[i].Insts[0].Text, got[i].Insts[0].Prologue)
		}
	}
}

// TestDisasmErrors: each bad query is one line on stderr naming the file
// and the query, the others go on, and the exit status is 1; usage errors
// exit 2.
func TestDisasmErrors(t *testing.T) {
	out, stderr, code := run(t, "disasm", "--format", "plain", "--count", "1", plugin1, "nosuch", "Run", "plugin1.Greeting")
	if code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	lines := strings.Split(strings.TrimSpace(stderr), "\n")
	if len(lines) != 2 || !strings.Contains(lines[0], plugin1+": nosuch: no symbol nosuch") || !strings.Contains(lines[1], "plugin1.Greeting: address 0x") || !strings.Contains(lines[1], "which is not executable") {
		t.Errorf("stderr:\n%s", stderr)
	}
	if strings.Count(out, "\n") != 1 {
		t.Errorf("the good query was not decoded: %q", out)
	}
	for _, args := range [][]string{
		{"disasm"},
		{"disasm", plugin1},
		{"disasm", "--syntax", "att", plugin1, "Run"},
		{"disasm", "--format", "xml", plugin1, "Run"},
		{"disasm", "--count", "-1", plugin1, "Run"},
	} {
		_, stderr, code := run(t, args...)
		if code != 2 || strings.Count(strings.TrimSpace(stderr), "\n") != 0 {
			t.Errorf("%v: exit %d, stderr %q; want 2 and one line", args, code, stderr)
		}
	}
}

// TestPluginShowsInitArrayLea: plugin's ABI section quotes the decoded
// lea of the .init_array entry that registers the module, with the
// moduledata it loads.
func TestPluginShowsInitArrayLea(t *testing.T) {
	out, stderr, code := run(t, "plugin", plugin1)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	flat := strings.Join(strings.Fields(strings.NewReplacer("│", " ").Replace(out)), " ")
	if !strings.Contains(flat, "(registers the module with the Go runtime): lea 0x") || !strings.Contains(flat, "(%rip),%rdi (local.moduledata); call 0x") {
		t.Errorf("no decoded lea in the ABI section:\n%s", out)
	}
}
