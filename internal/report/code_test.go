package report_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/soinspect/soinspect/internal/report"
	"github.com/soinspect/soinspect/internal/specimen"
)

// TestCode: the machine code section shows the plugin's own init function
// with the Go stack check marked.
func TestCode(t *testing.T) {
	r := build(t, specimen.Path(t, "plugin1.so"), report.Options{})
	c := r.Code
	if c == nil || c.Package != "github.com/soinspect/soinspect/plugins/plugin1" || len(c.Insts) == 0 {
		t.Fatalf("code: %+v", c)
	}
	check := false
	for _, in := range c.Insts {
		check = check || strings.HasPrefix(in.Prologue, "Go stack check")
	}
	if !check {
		t.Errorf("no stack check marked in %s", c.Function)
	}
	var buf bytes.Buffer
	if err := r.WriteHTML(&buf); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), `id="code"`) || !strings.Contains(buf.String(), `class="prologue"`) {
		t.Errorf("the page has no machine code section with the stack check")
	}
}
