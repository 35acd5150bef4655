// Command cshared is a c-shared library passed to plugin.Open.
package main

import "C"

//export Run
func Run() C.int { return 42 }

func main() {}
