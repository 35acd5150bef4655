// Package cbench holds the C side of cdl's benchmarks: a loop doing dlsym in
// C, the floor cdl's Sym is measured against, and an empty cgo call. cgo is
// not allowed in _test.go files, hence this package. Without cgo it is empty.
package cbench
