// Command argsplugin is a test specimen: exported funcs with parameters of
// several kinds, for soinspect call's argument parsing.
package main

import (
	"errors"
	"strings"
)

// Add adds two ints.
func Add(a, b int) int { return a + b }

// Div divides, returning an error for a zero divisor.
func Div(a, b float64) (float64, error) {
	if b == 0 {
		return 0, errors.New("division by zero")
	}
	return a / b, nil
}

// Join takes a JSON argument for parts.
func Join(sep string, parts []string) string { return strings.Join(parts, sep) }

// Not negates.
func Not(b bool) bool { return !b }

// Boom panics.
func Boom() { panic("argsplugin: Boom called") }

// Limit is a var of a struct type.
var Limit = struct{ N int }{N: 3}

func main() {}
