package cli

import "strconv"

// count writes n and its noun in the right number: "1 file", "2 files",
// "0 files". many is the plural, for the nouns that do not just add an s.
func count(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}
