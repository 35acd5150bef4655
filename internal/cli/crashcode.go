package cli

import (
	"strconv"

	"github.com/soinspect/soinspect/internal/probe"
	"github.com/soinspect/soinspect/internal/render"
)

// writeCrashCode prints the machine code a crash explanation quotes, as
// decoded from the file: address, instruction, and what it is.
func writeCrashCode(w *render.Doc, c *probe.Crash) {
	if len(c.Code) == 0 {
		return
	}
	t := &render.Table{Title: "\nDecoded from the file at " + c.CodeAt + ":", Header: []string{"ADDRESS", "INSTRUCTION", "NOTE"},
		Right: []int{0}, Kinds: []render.Kind{render.Fixed, render.Fixed, render.Prose}}
	for _, l := range c.Code {
		note := l.Note
		if l.Prologue != "" {
			note = l.Prologue // it names the target too
		}
		t.Rows = append(t.Rows, []string{strconv.FormatUint(l.Addr, 16), l.Text, note})
	}
	w.Table(t)
}
