//go:build cgo

package main

import "C"

// KSAdd is exported to C with //export: in a plugin it is also an ordinary
// plugin export; in a c-shared build it is one of the library's C functions.
//
//export KSAdd
func KSAdd(a, b C.int) C.int { return a + b }

// KSVersion is a second C export, returning the length of Version.
//
//export KSVersion
func KSVersion() C.int { return C.int(len(Version)) }
