// Command kitchensink is the specimen plugin that exercises everything
// soinspect reads statically from a Go plugin: exported functions of several
// signatures; exported variables of basic, struct, map, slice, channel, func
// and interface type; a method set on an exported type; generic
// instantiations in exported variables; several init functions plus
// package-level variable initialisation; a dependency on packages of its own,
// one of them in a directory whose name contains a dot (v1.2, which the linker
// spells v1%2e2 in symbol names); and, with cgo, an //export'ed C function
// (export_cgo.go).
//
// Built with -buildmode=plugin it is read by `soinspect plugin`; built with
// -buildmode=c-shared it is the contrast case: the same code with no plugin
// table, only C exports.
package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/soinspect/soinspect/plugins/kitchensink/internal/shapes"
	version "github.com/soinspect/soinspect/plugins/kitchensink/internal/v1.2"
)

// Config is an exported type with a method set: String on the value,
// Rename on the pointer. Lookup("Cfg") returns *main.Config, whose method
// set holds both.
type Config struct {
	Name string
	Tags []string
	opts map[string]bool
}

// String describes c.
func (c Config) String() string { return c.Name + "[" + strings.Join(c.Tags, ",") + "]" }

// Rename changes the name of c and returns the old one.
func (c *Config) Rename(name string) (old string) { old, c.Name = c.Name, name; return old }

func (c *Config) private() bool { return c.opts != nil }

// Exported variables: Lookup returns a pointer to each.
var (
	Count   = 3
	Ratio   = 0.5
	Label   = "kitchensink"
	Enabled bool
	Cfg     = Config{Name: "default", Tags: []string{"a", "b"}}
	Table   = buildTable() // package-level initialisation runs a function
	Hook    func(string) error
	Shapes  []shapes.Shape
	Events  chan<- int
	Digest  [4]byte
	Point   struct{ X, Y int }
	Any     any
	Err     error = errors.New("kitchensink: sentinel")
	Version       = version.String()

	// MaxInt is a generic function instantiated at int.
	MaxInt = Max[int]
	// Box is a generic type instantiated at string.
	Box = shapes.Box[string]{Value: "boxed"}
)

// initOrder records the order in which the init functions ran.
var initOrder []string

func buildTable() map[string]int {
	return map[string]int{"one": 1, "two": 2, "three": 3}
}

func init() { initOrder = append(initOrder, "init.0") }

func init() {
	initOrder = append(initOrder, "init.1")
	Shapes = append(Shapes, shapes.Square{Side: 2}, shapes.Circle{R: 1})
}

func init() { initOrder = append(initOrder, "init.2"); Digest = [4]byte{0xde, 0xad, 0xbe, 0xef} }

// Max returns the larger of a and b.
func Max[T int | float64 | string](a, b T) T {
	if a > b {
		return a
	}
	return b
}

// Hello takes nothing and returns nothing.
func Hello() {}

// Greet has one parameter and one result.
func Greet(name string) string { return "hello, " + name }

// Sum is variadic with two results.
func Sum(xs ...int) (int, error) {
	t := 0
	for _, x := range xs {
		t += x
	}
	if len(xs) == 0 {
		return 0, errors.New("sum of nothing")
	}
	return t, nil
}

// Apply takes a function.
func Apply(f func(int) int, v int) int { return f(v) }

// NewConfig returns a pointer to a named type.
func NewConfig(name string, tags ...string) *Config { return &Config{Name: name, Tags: tags} }

// Area takes an interface from a dependency of the plugin.
func Area(s shapes.Shape) float64 { return s.Area() }

// Inits reports the order the init functions ran in.
func Inits() []string { return append([]string(nil), initOrder...) }

// Describe formats anything.
func Describe(v any) string { return fmt.Sprintf("%T=%v", v, v) }

// Pipe returns channels of both directions.
func Pipe(n int) (<-chan int, chan<- int) { c := make(chan int, n); return c, c }

// unexported is not in the plugin table.
func unexported() int { return 1 }

// main is never run in a plugin; it keeps `go build ./...` working.
func main() { _ = unexported() }
