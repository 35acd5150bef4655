//go:build linux && cgo

package cdl_test

import (
	"fmt"

	"github.com/soinspect/soinspect/cdl"
)

// Example opens libm, looks cos up and calls it.
func Example() {
	libm, err := cdl.Open("libm.so.6", cdl.Now)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer libm.Close()

	cos, err := libm.Sym("cos")
	if err != nil {
		fmt.Println(err)
		return
	}
	sig, err := cdl.ParseSignature("double cos(double)")
	if err != nil {
		fmt.Println(err)
		return
	}
	v, err := cdl.Call(cos, sig, 0.5)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%s = %.6f\n", sig, v.Float())
	// Output: double cos(double) = 0.877583
}
