// Command app is the host: it opens the plugin named on the command line,
// looks up Greet and prints "RESULT " and what it returns, or the error.
package main

import (
	"fmt"
	"os"
	"plugin"

	"MODPREFIX/dep"
)

func main() {
	_ = dep.Greeting("host") // the host links dep
	p, err := plugin.Open(os.Args[1])
	if err != nil {
		fmt.Printf("RESULT error: %v\n", err)
		return
	}
	sym, err := p.Lookup("Greet")
	if err != nil {
		fmt.Printf("RESULT error: %v\n", err)
		return
	}
	fmt.Printf("RESULT %s\n", sym.(func(string) string)("world"))
}
