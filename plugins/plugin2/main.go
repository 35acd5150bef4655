// Command plugin2 is the second plugin of the classic demo. It exports Run
// with the same type as plugin1's but behaves visibly differently, so
// PLUGIN_NUMBER=2 changes the host's behaviour without rebuilding it.
package main

import (
	"fmt"
	"strings"
)

// Shout is an exported variable; plugin.Lookup("Shout") returns *bool.
var Shout = true

func init() {
	fmt.Println("plugin2: init.0 ran")
}

// Run is the symbol the demo host looks up.
func Run() string {
	msg := "plugin2 here: a different plugin, the same host, no rebuild"
	if Shout {
		msg = strings.ToUpper(msg)
	}
	return msg
}

// main is never run in a plugin; it keeps `go build ./...` working.
func main() {}
