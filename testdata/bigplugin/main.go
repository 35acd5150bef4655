// Command bigplugin is a benchmark specimen: a Go plugin that links about 35
// standard packages (through testdata/bigdeps), so its symbol table is the
// size of a real program's. It lives in testdata so that `go build ./...`
// skips it; the benchmarks build it explicitly with -buildmode=plugin.
package main

import "github.com/soinspect/soinspect/testdata/bigdeps"

// Touch is what keeps bigdeps' packages linked.
var Touch = bigdeps.Touch

// Count reports how many functions Touch holds.
func Count() int { return len(Touch) }

func main() {}
