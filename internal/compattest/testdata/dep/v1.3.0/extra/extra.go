// Package extra is a package of example.com/dep that the test host does
// not import: only plugins bring it.
package extra

// Name names this copy.
func Name() string { return "extra " + version }

const version = "v1.3.0"
