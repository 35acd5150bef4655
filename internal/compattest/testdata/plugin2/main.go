// Command plugin2 uses only example.com/dep/extra, which the test host
// does not link: its hash is compared with an earlier plugin's copy.
package main

import "example.com/dep/extra"

// Name returns the name of the extra package it was built with.
func Name() string { return extra.Name() }

func main() {}
