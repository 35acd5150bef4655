package cli

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/soinspect/soinspect/internal/probe"
)

// writeCrashCode prints the machine code a crash explanation quotes, as
// decoded from the file: address, instruction, and what it is.
func writeCrashCode(w io.Writer, c *probe.Crash) {
	if len(c.Code) == 0 {
		return
	}
	fmt.Fprintf(w, "\nDecoded from the file at %s:\n", c.CodeAt)
	width := 0
	for _, l := range c.Code {
		width = max(width, len(l.Text))
	}
	for _, l := range c.Code {
		note := l.Note
		if l.Prologue != "" {
			if note != "" {
				note += " — "
			}
			note += l.Prologue
		}
		line := fmt.Sprintf("  %8s  %-*s", strconv.FormatUint(l.Addr, 16), width, l.Text)
		if note != "" {
			line += "  ; " + note
		}
		fmt.Fprintln(w, strings.TrimRight(line, " "))
	}
}
