// Package gen holds generic code for the plugin specimen.
package gen

// List is a generic type with methods.
type List[T any] struct{ items []T }

// Push has a pointer receiver on a generic type.
//
//go:noinline
func (l *List[T]) Push(v T) { l.items = append(l.items, v) }

// Len has a pointer receiver on a generic type.
//
//go:noinline
func (l *List[T]) Len() int { return len(l.items) }

// Pair is a generic type with a value-receiver method.
type Pair[K comparable, V any] struct {
	K K
	V V
}

// Key has a value receiver on a generic type.
//
//go:noinline
func (p Pair[K, V]) Key() K { return p.K }

// Map is a generic function that calls a closure.
//
//go:noinline
func Map[T, U any](in []T, f func(T) U) []U {
	out := make([]U, 0, len(in))
	for _, v := range in {
		out = append(out, f(v))
	}
	return out
}
