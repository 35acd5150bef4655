// Command soinspect shows how shared objects, above all Go plugins, are
// loaded and what they contain.
package main

import (
	"os"
	"runtime/debug"

	"github.com/soinspect/soinspect/internal/cli"
)

func main() {
	// A listing holds the file's tables and its symbols, and demangling makes
	// much short-lived garbage: a soft limit keeps the peak under 32 MiB on
	// libLLVM at no cost in time. GOMEMLIMIT, if set, wins.
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(24 << 20)
	}
	os.Exit(cli.Main(os.Args[1:], os.Stdout, os.Stderr))
}
