// Package objabi holds the linker's spelling of an import path in symbol
// names, as cmd/internal/objabi writes it: the readers of Go symbols undo
// it, and the plugin reader compares a pluginpath with it.
package objabi

import "strings"

// PathToPrefix is cmd/internal/objabi.PathToPrefix: how the linker spells
// an import path in symbol names. Control characters, space, '%', '"',
// bytes from 0x7f up and each '.' after the last '/' become %xx.
func PathToPrefix(s string) string {
	slash := strings.LastIndex(s, "/")
	const hexd = "0123456789abcdef"
	var b strings.Builder
	for r := 0; r < len(s); r++ {
		if c := s[r]; c <= ' ' || (c == '.' && r > slash) || c == '%' || c == '"' || c >= 0x7F {
			b.WriteByte('%')
			b.WriteByte(hexd[c>>4])
			b.WriteByte(hexd[c&0xF])
		} else {
			b.WriteByte(c)
		}
	}
	return b.String()
}

// PrefixToPath undoes PathToPrefix: each %xx escape becomes its byte;
// malformed escapes are kept as they are. A string without '%' is
// returned as it is, without copying.
func PrefixToPath(s string) string {
	if strings.IndexByte(s, '%') < 0 {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
			b.WriteByte(unhex(s[i+1])<<4 | unhex(s[i+2]))
			i += 2
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c >= 'a':
		return c - 'a' + 10
	case c >= 'A':
		return c - 'A' + 10
	}
	return c - '0'
}
