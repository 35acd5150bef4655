// Command plugin is the test plugin: it exports Run and Version, and uses
// example.com/dep like the host does.
package main

import "example.com/dep"

// Run returns the dependency's version.
func Run() string { return dep.Version() }

// Count is an exported variable.
var Count int

func main() {}
