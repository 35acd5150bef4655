// Package testutil holds what the tests of several packages share, so that
// each test says what it checks and not how it gets there. Only tests
// import it, and only from external test packages (package x_test), since
// it imports the libraries they test.
package testutil

import (
	"testing"

	"github.com/soinspect/soinspect/elfinspect"
)

// OpenELF opens path with elfinspect.Open, fails tb if it cannot, and
// closes the file when tb and its subtests end. It is for a test's or a
// benchmark's set-up, not for a loop that opens many files one after
// another: each stays open until the end.
func OpenELF(tb testing.TB, path string) *elfinspect.File {
	tb.Helper()
	f, err := elfinspect.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { f.Close() })
	return f
}
