// Package dep is a dependency shared by the test host and plugins, at
// version v1.2.0.
package dep

// Version is the version of this copy.
func Version() string { return "v1.2.0" }
