// Command dotted.v2 is a specimen plugin whose own import path ends in an
// element with a dot: the linker stores its pluginpath as
// .../plugins/dotted%2ev2, and plugin.Open looks its exports up in .dynsym
// under that escaped spelling.
package main

// Level is an exported variable.
var Level = 2

// Up is an exported function.
func Up(n int) int { return n + Level }

// main is never run in a plugin; it keeps `go build ./...` working.
func main() {}
