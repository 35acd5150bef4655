package probe

import "testing"

func TestPrintable(t *testing.T) {
	for in, want := range map[string]string{
		"Run":              "Run",
		"héllo":            "héllo",
		"evil\x1b[2Jname":  `"evil\x1b[2Jname"`,
		"bad\xffutf8":      `"bad\xffutf8"`,
		"new\nline":        `"new\nline"`,
		"example.com/p%2e": "example.com/p%2e",
	} {
		if got := printable(in); got != want {
			t.Errorf("printable(%q) = %s, want %s", in, got, want)
		}
	}
}
