// Command depfloor links what soinspect links that costs at start-up and
// soinspect cannot leave out, and does nothing: cgo, and the two chosen
// libraries whose package initialisation runs at every start, tablewriter
// (its twwidth package makes a width cache of 8192 entries, about 650 KB,
// in an init function) and cobra. It is the floor under `soinspect --help`
// in BenchmarkStartup.
package main

// #include <stdlib.h>
import "C"

import (
	_ "github.com/olekukonko/tablewriter"
	_ "github.com/spf13/cobra"
)

func main() {}
