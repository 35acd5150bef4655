// Command greeter is the plugin, built by a third party against newer
// modules than the host links.
package main

import (
	"MODPREFIX/dep"
	"MODPREFIX/greetlib"
)

// Greet greets name, saying which dep it was built with.
func Greet(name string) string { return greetlib.Greet(name) + " (dep " + dep.Version() + ")" }

func main() {}
