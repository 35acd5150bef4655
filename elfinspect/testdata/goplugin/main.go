// Package main is a Go plugin specimen for the elfinspect tests: methods with
// value and pointer receivers, closures, generic instantiations whose type
// arguments hold dots and slashes, init functions and a dotted last path
// element (kit.v2, which the linker writes as kit%2ev2).
package main

import (
	"fmt"
	"strings"

	"example.com/kit.v2/gen"
)

// Counter has methods with both kinds of receiver.
type Counter struct{ n int }

// Inc has a pointer receiver.
//
//go:noinline
func (c *Counter) Inc() int { c.n++; return c.n }

// Get has a value receiver.
//
//go:noinline
func (c Counter) Get() int { return c.n }

// Adder returns a closure.
//
//go:noinline
func Adder(k int) func(int) int {
	return func(x int) int { return x + k }
}

// Hook is a func value of a top-level function (a funcval symbol).
var Hook = strings.ToUpper

var table = map[string]int{}

func init() { table["a"] = 1 }
func init() { table["b"] = 2 }

// Describe instantiates generics with a type from another package.
func Describe() string {
	l := &gen.List[*strings.Builder]{}
	l.Push(&strings.Builder{})
	p := gen.Pair[string, map[string][]int]{K: "x"}
	go func() {}()
	defer func() {}()
	return fmt.Sprint(gen.Map([]int{1, 2}, func(i int) string { return fmt.Sprint(i) }), l.Len(), p.Key(), Adder(1)(2), (&Counter{}).Inc(), Counter{}.Get(), len(table))
}

func main() {}
