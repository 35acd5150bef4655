//go:build cgo

package main

/*
#include <stdlib.h>
*/
import "C"

import "fmt"

// SoinspectAdd returns a+b: the simplest call from C into Go.
//
//export SoinspectAdd
func SoinspectAdd(a, b C.int) C.int { return a + b }

// SoinspectGreet returns a greeting built with fmt, in memory from malloc
// that the C caller frees: Go code that needs the runtime, called from C.
//
//export SoinspectGreet
func SoinspectGreet(name *C.char) *C.char {
	return C.CString(fmt.Sprintf("hello, %s, from Go's fmt via c-shared", C.GoString(name)))
}
