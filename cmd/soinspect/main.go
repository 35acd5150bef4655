// Command soinspect shows how shared objects, above all Go plugins, are
// loaded and what they contain.
package main

import (
	"os"

	"github.com/soinspect/soinspect/internal/cli"
)

func main() {
	os.Exit(cli.Main(os.Args[1:], os.Stdout, os.Stderr))
}
