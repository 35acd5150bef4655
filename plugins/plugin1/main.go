// Command plugin1 is the first plugin of the classic demo: built with
// -buildmode=plugin, it exports Run, which the demo host looks up and calls.
//
// Its init functions print a line each, so every tool that loads it shows
// whether (and when) Go ran them.
package main

import (
	"fmt"
	"strings"
)

// Greeting is an exported variable: plugin.Lookup("Greeting") returns *string.
var Greeting = "Hello from plugin1"

// Calls counts how many times Run was called in this process.
var Calls int

func init() {
	fmt.Println("plugin1: init.0 ran")
}

func init() {
	Greeting = strings.TrimSpace(Greeting)
}

// Run is the symbol the demo host looks up. It returns the greeting with
// the number of calls so far.
func Run() string {
	Calls++
	return fmt.Sprintf("%s (call %d)", Greeting, Calls)
}

// Answer is a leaf function: it needs no stack growth and touches no
// goroutine state, so even a raw C-style call returns.
func Answer() int { return 42 }

// main is never run in a plugin; it keeps `go build ./...` working.
func main() {}
