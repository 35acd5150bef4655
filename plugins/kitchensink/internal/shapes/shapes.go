// Package shapes is a dependency of the kitchensink plugin: its types appear
// in the plugin's exported types, and its package hash in the plugin's table.
package shapes

import "math"

// Shape has an area.
type Shape interface{ Area() float64 }

// Square is a Shape.
type Square struct{ Side float64 }

// Area returns the area of s.
func (s Square) Area() float64 { return s.Side * s.Side }

// Circle is a Shape.
type Circle struct{ R float64 }

// Area returns the area of c.
func (c Circle) Area() float64 { return math.Pi * c.R * c.R }

// Box is a generic container.
type Box[T any] struct{ Value T }

// Get returns the boxed value.
func (b Box[T]) Get() T { return b.Value }

// registry is initialised by an init function, so this package has an inittask.
var registry map[string]Shape

func init() { registry = map[string]Shape{"unit": Square{Side: 1}} }

// Lookup returns a registered shape.
func Lookup(name string) Shape { return registry[name] }
