package plugincheck_test

import (
	"fmt"
	"os"

	"github.com/soinspect/soinspect/elfinspect"
	"github.com/soinspect/soinspect/plugincheck"
)

// Example predicts plugin.Open for a host and a plugin. The running
// program stands in for both: it does not link package plugin, so it
// cannot open any plugin, and the verdict says why. Open a host program
// and the plugins it loads to check them.
func Example() {
	exe, err := os.Executable()
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
	plugin, err := elfinspect.Open(exe) // or "plugin.so"
	if err != nil {
		fmt.Println(err)
		return
	}
	defer plugin.Close()

	c := plugincheck.NewChecker(host) // reads the host once
	v := c.Check(plugin, []plugincheck.Requirement{{Name: "Run", Type: "func() string"}})
	fmt.Println(v.Outcome, v.OK)
	for _, r := range v.Reasons {
		fmt.Println(r.Code, r.Fatal)
	}
	// Output:
	// cannot-open false
	// host-no-plugin true
	// not-plugin true
	// missing-export false
}

// ExampleParseRequirement parses a --require argument.
func ExampleParseRequirement() {
	r, err := plugincheck.ParseRequirement("Run:func() string")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%s has type %s\n", r.Name, r.Type)
	// Output: Run has type func() string
}
