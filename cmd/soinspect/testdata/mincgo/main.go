// Command mincgo links the C library through cgo and does nothing: the
// yardstick of soinspect's start-up in BenchmarkStartup.
package main

// #include <stdlib.h>
import "C"

func main() {}
