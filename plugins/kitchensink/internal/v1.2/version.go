// Package version lives in a directory named v1.2: the linker escapes the dot
// in the last path element, so its symbols are spelled
// .../internal/v1%2e2.String and its init task .../internal/v1%2e2..inittask.
package version

import "strconv"

var major, minor int

func init() { major, minor = 1, 2 }

// String returns the version.
func String() string { return "v" + strconv.Itoa(major) + "." + strconv.Itoa(minor) }
