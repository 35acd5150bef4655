//go:build !unix

package elfinspect

import "os"

// openNonblocking opens path for reading; Open has already refused
// anything but a regular file.
func openNonblocking(path string) (*os.File, error) { return os.Open(path) }
