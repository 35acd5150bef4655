package ascii_test

import (
	"testing"

	"github.com/soinspect/soinspect/internal/ascii"
)

func TestIsDigits(t *testing.T) {
	for _, tc := range []struct {
		s    string
		want bool
	}{
		{"", false}, {"0", true}, {"0123456789", true}, {"1a", false}, {"-1", false},
		{" 1", false}, {"١", false}, // an Arabic-Indic digit is not ASCII
	} {
		if got := ascii.IsDigits(tc.s); got != tc.want {
			t.Errorf("IsDigits(%q) = %v, want %v", tc.s, got, tc.want)
		}
	}
}
