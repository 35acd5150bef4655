// Command tiny is the smallest Go program, cross-built by the elfinspect
// tests for 32-bit (GOARCH=386) and big-endian (GOARCH=mips) fixtures.
package main

type box struct{ v int }

//go:noinline
func (b *box) get() int { return b.v }

func main() {
	f := func() int { return (&box{3}).get() }
	println(f())
}
