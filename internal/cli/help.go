package cli

import (
	"bytes"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/soinspect/soinspect/internal/render"
)

// wrapHelp wraps a help function so that its text fits the terminal, as
// every other output does: a paragraph of the description is filled to the
// width, and a longer line of a list (a usage line, a flag, a command) wraps
// under its own text.
func wrapHelp(help func(*cobra.Command, []string)) func(*cobra.Command, []string) {
	return func(c *cobra.Command, args []string) {
		out := c.OutOrStdout()
		// One buffer the size of a long help text: grown by doubling from
		// nothing, it would take a fresh heap page at each size.
		var buf bytes.Buffer
		buf.Grow(8 << 10)
		c.SetOut(&buf)
		help(c, args)
		c.SetOut(out)
		io.WriteString(out, fitHelp(buf.String(), terminalWidth(out)))
	}
}

// fitHelp fits help text to width columns. Lines that fit are kept as they
// are, and so are the examples, commands to copy whole. A paragraph of unindented lines with one too wide is filled again; an
// indented line too wide wraps with the indentation of its description
// (after its first run of two or more spaces), or four more than its own.
func fitHelp(text string, width int) string {
	lines := strings.Split(text, "\n")
	var b strings.Builder
	b.Grow(len(text) + len(text)/8)
	examples := false // in the Examples section: commands to copy, kept whole
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		if l == "" || l[0] == ' ' {
			if examples || render.DisplayWidth(l) <= width {
				b.WriteString(l)
			} else {
				b.WriteString(hang(l, width))
			}
			if i < len(lines)-1 {
				b.WriteByte('\n')
			}
			continue
		}
		examples = l == "Examples:"
		j, wide := i, false
		for ; j < len(lines) && lines[j] != "" && lines[j][0] != ' '; j++ {
			wide = wide || render.DisplayWidth(lines[j]) > width
		}
		para := strings.Join(lines[i:j], "\n")
		if wide {
			para = render.WrapText(strings.Join(lines[i:j], " "), width)
		}
		b.WriteString(para)
		if j < len(lines) {
			b.WriteByte('\n')
		}
		i = j - 1
	}
	return b.String()
}

// hang wraps one indented line: after the run of spaces that starts its
// description, under that description; otherwise four columns deeper.
func hang(l string, width int) string {
	lead := len(l) - len(strings.TrimLeft(l, " "))
	if k := strings.Index(l[lead:], "  "); k > 0 {
		rest := l[lead+k:]
		indent := lead + k + len(rest) - len(strings.TrimLeft(rest, " "))
		if indent <= width/2 && indent < len(l) {
			d := strings.Split(render.WrapText(l[indent:], width-indent), "\n")
			return l[:indent] + strings.Join(d, "\n"+strings.Repeat(" ", indent))
		}
	}
	indent := lead + 4
	if indent >= width/2 {
		return l
	}
	head, tail, _ := strings.Cut(render.WrapText(l[lead:], width-lead), "\n")
	out := l[:lead] + head
	if tail != "" {
		for _, t := range strings.Split(render.WrapText(strings.ReplaceAll(tail, "\n", " "), width-indent), "\n") {
			out += "\n" + strings.Repeat(" ", indent) + t
		}
	}
	return out
}
