// Command host opens each plugin named on the command line with
// plugin.Open, in order, and prints one line per plugin: "ok" or the error.
// A crash of the process (for example "runtime: no plugin module data")
// is the observed outcome of the remaining plugins.
package main

import (
	"fmt"
	"os"
	"plugin"

	"example.com/dep"
)

func main() {
	_ = dep.Version()
	for _, p := range os.Args[1:] {
		if _, err := plugin.Open(p); err != nil {
			fmt.Printf("RESULT %s\n", err)
		} else {
			fmt.Printf("RESULT ok\n")
		}
	}
}
