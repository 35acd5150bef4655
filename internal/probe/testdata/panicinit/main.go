// Command panicinit is a test specimen: a plugin whose init panics.
package main

import "fmt"

func init() {
	fmt.Println("panicinit: about to panic")
	panic("panicinit: boom")
}

// Run is never reached through plugin.Open.
func Run() string { return "unreachable" }

func main() {}
