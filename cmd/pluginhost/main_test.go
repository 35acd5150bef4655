package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/soinspect/soinspect/internal/specimen"
)

// TestErrorsNameFileOnce: a missing file and a file that is no Go plugin
// are one line naming the file once, before anything is loaded.
func TestErrorsNameFileOnce(t *testing.T) {
	dir := t.TempDir()
	text := filepath.Join(dir, "plugin2.so")
	specimen.WriteFile(t, text, []byte("not ELF\n"), 0o644)
	for _, c := range []struct{ path, want string }{
		{filepath.Join(dir, "plugin1.so"), "no such file or directory"},
		{text, "is not a Go plugin"},
	} {
		_, err := run(c.path)
		if err == nil || strings.Count(err.Error(), c.path) != 1 || !strings.Contains(err.Error(), c.want) {
			t.Errorf("run(%s) = %v, want an error naming the file once and saying %q", c.path, err, c.want)
		}
	}
}
