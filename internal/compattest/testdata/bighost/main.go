// Command bighost is the benchmark host of BenchmarkCheck: it links the
// same ~35 standard packages as testdata/bigplugin (through
// testdata/bigdeps), plus package plugin, so that both files are about
// 20 MB. It lives in testdata so that `go build ./...` skips it.
package main

import (
	"os"
	"plugin"

	"github.com/soinspect/soinspect/testdata/bigdeps"
)

func main() {
	for _, p := range os.Args[1:] {
		if _, err := plugin.Open(p); err != nil {
			println(err.Error())
		}
	}
	_ = bigdeps.Touch
}
