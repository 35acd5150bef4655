package objabi

import "testing"

func TestPrefix(t *testing.T) {
	for _, c := range []struct{ path, prefix string }{
		{"fmt", "fmt"},
		{"example.com/dotted.v2", "example.com/dotted%2ev2"},
		{"plugin/unnamed-abc", "plugin/unnamed-abc"},
		{`a b/"q"%`, `a%20b/%22q%22%25`},
		{"ex.com/π", "ex.com/%cf%80"},
	} {
		if got := PathToPrefix(c.path); got != c.prefix {
			t.Errorf("PathToPrefix(%q) = %q, want %q", c.path, got, c.prefix)
		}
		if got := PrefixToPath(c.prefix); got != c.path {
			t.Errorf("PrefixToPath(%q) = %q, want %q", c.prefix, got, c.path)
		}
	}
	// Malformed escapes stay as they are; either case of hex digit is read.
	for in, want := range map[string]string{"a%zz": "a%zz", "a%4": "a%4", "a%": "a%", "%2E%2e": ".."} {
		if got := PrefixToPath(in); got != want {
			t.Errorf("PrefixToPath(%q) = %q, want %q", in, got, want)
		}
	}
}
