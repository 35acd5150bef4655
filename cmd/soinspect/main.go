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
	// Under that limit, a run is short and most of what it allocates lives
	// to its end: collecting at 4 MB, as GOGC=100 does, only scans (and so
	// first touches) memory about to be written. `deps --bindings` of
	// libLLVM allocates 3.5 MB and pays ~200 page faults for a collection
	// that frees nothing. GOGC, if set, wins.
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	os.Exit(cli.Main(os.Args[1:], os.Stdout, os.Stderr))
}
