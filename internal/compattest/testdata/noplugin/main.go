// Command noplugin is a host that does not link the plugin package.
package main

import (
	"fmt"

	"example.com/dep"
)

func main() { fmt.Println(dep.Version()) }
