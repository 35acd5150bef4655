// Package dep is a dependency shared by the test host and plugins, at
// version v1.3.0.
package dep

// Version is the version of this copy. It is not inlined, so that the
// host's and the plugins' function tables name this file: check quotes
// those paths as the evidence of a cause.
//
//go:noinline
func Version() string { return "v1.3.0" + suffix }

const suffix = ""
