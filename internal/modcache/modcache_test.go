package modcache

import "testing"

func TestEscapePath(t *testing.T) {
	for p, want := range map[string]string{
		"github.com/Azure/azure-sdk": "github.com/!azure/azure-sdk",
		"example.com/plain":          "example.com/plain",
		"example.com/Ünï/X":          "example.com/Ünï/!x",
	} {
		if got := EscapePath(p); got != want {
			t.Errorf("EscapePath(%q) = %q, want %q", p, got, want)
		}
	}
}
