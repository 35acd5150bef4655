// Package dep is the dependency the host and the plugin share.
package dep

// Version names the version of this module.
func Version() string { return "v1.3.0" }

// Greeting is what a greeter says.
func Greeting(name string) string { return "hello, " + name }

// Extra is new in v1.3.0.
func Extra() string { return "extra" }
