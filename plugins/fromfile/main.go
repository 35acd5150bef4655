// Command fromfile is a specimen meant to be built from its file rather than
// as a package:
//
//	go build -buildmode=plugin -o fromfile.so plugins/fromfile/main.go
//
// The linker then names it plugin/unnamed-<hash of the file list>, the
// pluginpath plugin.Open reports and the prefix of its .dynsym symbols.
// Built as a package (./plugins/fromfile) it is an ordinary plugin.
package main

// Name is an exported variable.
var Name = "fromfile"

// Double is an exported function.
func Double(x int) int { return 2 * x }

// main is never run in a plugin; it keeps `go build ./...` working.
func main() {}
