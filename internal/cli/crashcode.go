package cli

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/soinspect/soinspect/internal/probe"
	"github.com/soinspect/soinspect/internal/render"
)

// writeCrashCode prints the machine code a crash explanation quotes, as
// decoded from the file: address, instruction, and what it is. In
// Markdown it is a code block, ready for a slide.
func writeCrashCode(w *render.Doc, c *probe.Crash) {
	if len(c.Code) == 0 {
		return
	}
	w.Section("\nDecoded from the file at " + c.CodeAt + ":")
	width := 0
	for _, l := range c.Code {
		width = max(width, len(l.Text))
	}
	var b strings.Builder
	for _, l := range c.Code {
		note := l.Note
		if l.Prologue != "" {
			if note != "" {
				note += " — "
			}
			note += l.Prologue
		}
		line := fmt.Sprintf("%8s  %-*s", strconv.FormatUint(l.Addr, 16), width, l.Text)
		if note != "" {
			line += "  ; " + note
		}
		b.WriteString(strings.TrimRight(line, " ") + "\n")
	}
	w.Output("  ", b.String())
}
