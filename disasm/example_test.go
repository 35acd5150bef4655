package disasm_test

import (
	"fmt"
	"os"

	"github.com/soinspect/soinspect/disasm"
	"github.com/soinspect/soinspect/elfinspect"
)

// libc returns the path of the C library, which every glibc system has.
func libc() string {
	for _, p := range []string{
		"/lib/x86_64-linux-gnu/libc.so.6",
		"/lib/aarch64-linux-gnu/libc.so.6",
		"/lib64/libc.so.6",
		"/usr/lib/libc.so.6",
	} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return "libc.so.6"
}

// Example disassembles puts in the C library and names the symbol and
// section the code was found in. Print the Insts to see the listing, with
// calls and GOT loads named.
func Example() {
	f, err := elfinspect.Open(libc()) // or "plugin.so", a Go program built without -s

	if err != nil {
		fmt.Println(err)
		return
	}
	defer f.Close()
	d, err := disasm.New(f)
	if err != nil {
		fmt.Println(err)
		return
	}
	fns, err := d.Lookup("puts")
	if err != nil {
		fmt.Println(err)
		return
	}
	l, err := d.Disassemble(fns[0], disasm.Options{Syntax: disasm.SyntaxGNU})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(l.Symbol, l.Section, len(l.Insts) > 0, l.Truncated)
	// Output: puts .text true false
}

// ExampleDisassembler_At decodes the first instructions of a function, as
// `soinspect disasm --count 4` prints them.
func ExampleDisassembler_At() {
	f, err := elfinspect.Open(libc())
	if err != nil {
		fmt.Println(err)
		return
	}
	defer f.Close()
	d, err := disasm.New(f)
	if err != nil {
		fmt.Println(err)
		return
	}
	fns, err := d.Lookup("malloc")
	if err != nil {
		fmt.Println(err)
		return
	}
	l, err := d.At(fns[0].Addr, disasm.Options{Count: 4, Syntax: disasm.SyntaxIntel})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, in := range l.Insts {
		fmt.Printf("%#x  %-24s %s %s\n", in.Addr, in.Text, in.Prologue, in.Note)
	}
}
