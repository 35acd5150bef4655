// Package greetlib is a third-party library of the plugin; its go.mod
// requires dep v1.3.0, though it uses nothing new in it.
package greetlib

import "MODPREFIX/dep"

// Greet greets name.
func Greet(name string) string { return dep.Greeting(name) + "!" }
