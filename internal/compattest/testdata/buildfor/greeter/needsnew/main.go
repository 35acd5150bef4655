// Command needsnew is a plugin that uses dep.Extra, new in v1.3.0: it
// cannot be built against the host's v1.2.0.
package main

import "MODPREFIX/dep"

// Greet greets name.
func Greet(name string) string { return dep.Greeting(name) + dep.Extra() }

func main() {}
