//go:build !linux

package scan

// pseudoFS knows no pseudo filesystems outside Linux.
func pseudoFS(string) string { return "" }
