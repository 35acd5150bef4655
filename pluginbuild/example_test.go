package pluginbuild_test

import (
	"context"
	"fmt"
	"os"

	"github.com/soinspect/soinspect/elfinspect"
	"github.com/soinspect/soinspect/pluginbuild"
)

// ExampleDerive derives, without building anything, the recipe of a plugin
// of this directory's package for a host: here the running program, a Go
// executable. Derive only runs the go command to read the environment and
// the module graph; Recipe.Build runs the build itself, and Recipe.Script
// gives it as shell commands. This host does not link package plugin, so
// the recipe carries the problem that stops any plugin from loading.
func ExampleDerive() {
	exe, err := os.Executable() // the host program that will plugin.Open
	if err != nil {
		fmt.Println(err)
		return
	}
	host, err := elfinspect.Open(exe)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer host.Close()
	r, err := pluginbuild.Derive(context.Background(), host, pluginbuild.Options{
		Package: ".",
		NoFetch: true, // a dry run: never download a toolchain
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer r.Close()
	fmt.Println("fatal", r.Fatal())
	for _, p := range r.Problems {
		fmt.Println(p.Code, p.Fatal) // p.Message says what, p.Remedy what to do
	}
	// Output:
	// fatal true
	// host-cannot-load true
}
