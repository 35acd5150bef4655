// Package modcache holds what several packages need to know of the Go
// module cache's layout, where a module's files are found by its path and
// version.
package modcache

import (
	"strings"
	"unicode/utf8"
)

// EscapePath is the module cache's spelling of a module path: each
// upper-case letter becomes '!' and its lower case (golang.org/x/mod/module
// EscapePath), so that the cache works on case-insensitive file systems.
func EscapePath(p string) string {
	if !strings.ContainsFunc(p, func(r rune) bool { return r >= 'A' && r <= 'Z' }) {
		return p
	}
	var b strings.Builder
	for _, r := range p {
		if r >= 'A' && r <= 'Z' {
			b.WriteByte('!')
			r += 'a' - 'A'
		}
		if r < utf8.RuneSelf {
			b.WriteByte(byte(r))
		} else {
			b.WriteRune(r)
		}
	}
	return b.String()
}
