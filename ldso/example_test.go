package ldso_test

import (
	"fmt"

	"github.com/soinspect/soinspect/ldso"
)

// ExampleLoad works out, without running it, which libraries the loader
// maps for /bin/sh and how it finds each, as ldd reports them. Nothing is
// mapped or run; use Config to set LD_LIBRARY_PATH, LD_PRELOAD or a root.
func ExampleLoad() {
	res, err := ldso.Load("/bin/sh", ldso.Config{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer res.Close()
	if res.Fatal != nil {
		fmt.Println(res.Fatal)
		return
	}
	for _, l := range res.Objects {
		if l.Name == "libc.so.6" {
			fmt.Println(l.Name, l.Found())
		}
	}
	// Output: libc.so.6 true
}

// ExampleResult_InitOrder prints the load set of a program, the order
// ld.so runs its initializers in, and where each library was found.
func ExampleResult_InitOrder() {
	res, err := ldso.Load("/bin/sh", ldso.Config{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer res.Close()
	for _, l := range res.Objects {
		fmt.Printf("%-20s %-10s %s\n", l.Name, l.Via, l.Path)
	}
	for _, l := range res.InitOrder() {
		fmt.Println("init", l.Name)
	}
}
