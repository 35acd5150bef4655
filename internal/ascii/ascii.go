// Package ascii holds the byte-level tests on names that several packages
// make: symbol names, version strings.
package ascii

// IsDigits reports whether s is non-empty and all ASCII decimal digits.
func IsDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
