// Package extra is a package of example.com/dep that the test host does
// not import: only plugins bring it.
package extra

// Name names this copy. It is not inlined, so that the plugins' function
// tables name this file: check quotes it as the evidence of a cause.
//
//go:noinline
func Name() string { return "extra v1.2.0" }
