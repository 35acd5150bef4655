package report

import (
	"fmt"

	"github.com/soinspect/soinspect/disasm"
	"github.com/soinspect/soinspect/elfinspect"
	"github.com/soinspect/soinspect/goplugin"
)

// Code is the decoded start of the plugin's first init function, where
// plugin.Open's first call into the plugin lands, with the Go stack check
// marked (package disasm).
type Code struct {
	// Function is the init function; Package the package whose init task
	// holds it.
	Function string `json:"function"`
	Package  string `json:"package"`
	Arch     string `json:"arch"`
	// Insts are the first instructions and, after a gap, those of the
	// stack growth path at the end of the function (Prologue set).
	Insts []disasm.Inst `json:"insts"`
	// Skipped is the number of instructions left out between the two.
	Skipped int `json:"skipped"`
}

// codeHead is how many instructions of the function's start are shown.
const codeHead = 14

// buildCode decodes the first init function of the plugin's own package,
// or of the first task that has one.
func buildCode(f *elfinspect.File, p *goplugin.Plugin) (*Code, string) {
	var fn goplugin.Func
	var pkg string
	for _, t := range p.InitTasks {
		if len(t.Funcs) == 0 {
			continue
		}
		if pkg == "" || t.Package == p.ImportPath {
			fn, pkg = t.Funcs[0], t.Package
		}
		if t.Package == p.ImportPath {
			break
		}
	}
	if pkg == "" || fn.Addr == 0 {
		return nil, ""
	}
	d, err := disasm.New(f)
	if err != nil {
		return nil, fmt.Sprintf("machine code: %v", err)
	}
	l, err := d.At(fn.Addr, disasm.Options{})
	if err != nil {
		return nil, fmt.Sprintf("machine code of %s: %v", orAddr(fn.Name, fn.Addr), err)
	}
	c := &Code{Function: orAddr(fn.Name, fn.Addr), Package: pkg, Arch: l.Arch}
	for i, in := range l.Insts {
		switch {
		case i < codeHead:
			c.Insts = append(c.Insts, in)
		case in.Prologue != "":
			c.Insts = append(c.Insts, in)
		default:
			c.Skipped++
		}
	}
	return c, ""
}

func (r *Report) writeCode(p *page) {
	c := r.Code
	p.h2("code", "Machine code")
	p.s(`<p class="lead">The start of <code>`, esc(c.Function), `</code>, the first init function of <code>`, esc(c.Package),
		`</code>: plugin.Open runs it while it opens the plugin. The Go stack check is marked: the function compares the stack pointer with its goroutine's stack guard, and grows the stack through runtime.morestack when it is too small.</p>`)
	p.s(`<table class="code"><thead><tr><th class="num">address</th><th>bytes</th><th>instruction</th><th>refers to</th></tr></thead><tbody>`)
	shownGap := false
	for i, in := range c.Insts {
		if i >= codeHead && !shownGap && c.Skipped > 0 {
			p.s(`<tr><td></td><td></td><td>`, esc(fmt.Sprintf("… %s …", plural(c.Skipped, "instruction", "instructions"))), `</td><td></td></tr>`)
			shownGap = true
		}
		cls := ""
		if in.Prologue != "" {
			cls = ` class="prologue"`
		}
		p.s("<tr", cls, `><td class="num">`, hex(in.Addr), "</td><td><code>", esc(in.Bytes.String()), "</code></td><td><code>", esc(in.Text), "</code></td><td>", esc(in.Note))
		if in.Prologue != "" {
			if in.Note != "" {
				p.s("<br>")
			}
			p.s(`<b class="pro">◀ `, esc(in.Prologue), "</b>")
		}
		p.s("</td></tr>")
	}
	p.s("</tbody></table>\n</section>\n")
}
