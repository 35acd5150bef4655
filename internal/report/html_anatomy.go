package report

import (
	"fmt"
	"math"
)

func (r *Report) writeAnatomy(p *page) {
	a := r.Anatomy
	p.h2("anatomy", "Go plugin anatomy")
	p.s(`<p class="lead">pluginpath <code>`, esc(a.PluginPath), `</code> (read from the `, esc(a.Source), `): the prefix of the plugin's own symbols and the runtime's identity of the plugin.</p>`)

	p.s(`<h3 id="anatomy-exports">Exports: what plugin.Lookup finds</h3>`)
	if len(a.Exports) == 0 {
		p.s("<p>None: the plugin table is empty.</p>")
	} else {
		p.s(`<table><thead><tr><th>name</th><th>kind</th><th>Go type (reflect.TypeOf)</th><th>symbol</th><th class="num">address</th><th>section</th></tr></thead><tbody>`)
		for i, e := range a.Exports {
			p.s("<tr><td><b>", esc(e.Name), "</b></td><td>", esc(e.Kind), "</td><td><code>", esc(e.Type), "</code></td><td><code>", esc(e.Symbol),
				`</code></td><td class="num">`, hex(e.Addr), "</td><td>")
			r.sectionLink(p, a.ExportSections[i])
			p.s("</td></tr>")
		}
		p.s("</tbody></table>\n")
	}

	p.s(`<h3 id="anatomy-inits">Init tasks, in the order plugin.Open runs them</h3>`)
	writeInitTimeline(p, a)

	p.s(`<h3 id="anatomy-hashes">Package hashes</h3>`)
	if a.HostGiven {
		var same, differs, own int
		for _, h := range a.Hashes {
			switch h.Status {
			case "same":
				same++
			case "differs":
				differs++
			default:
				own++
			}
		}
		p.f(`<p>Against the host: %d the same, <b>%d different</b> (plugin.Open fails on the first of them), %d only in the plugin (it brings its own copy).</p>`, same, differs, own)
	} else {
		p.s(`<p>Give <code>--host</code> to compare them with the program that loads the plugin.</p>`)
	}
	p.s(`<table><thead><tr><th>#</th><th>package</th><th>plugin's hash</th>`)
	if a.HostGiven {
		p.s(`<th>host's hash</th><th>status</th>`)
	}
	p.s("</tr></thead><tbody>")
	for i, h := range a.Hashes {
		p.f(`<tr class="%s"><td class="num">%d</td><td><code>%s</code></td><td><code>%s</code></td>`, hashClass(h.Status), i+1, esc(h.Package), esc(h.Hash))
		if a.HostGiven {
			p.s("<td><code>", esc(orDash(h.HostHash)), "</code></td><td>", esc(h.Status), "</td>")
		}
		p.s("</tr>")
	}
	p.s("</tbody></table>\n")

	p.s(`<h3 id="anatomy-places">Where the runtime finds it all</h3><table><thead><tr><th>what</th><th class="num">address</th><th>section</th><th>role</th></tr></thead><tbody>`)
	for _, m := range a.Places {
		p.s("<tr><td><b>", esc(m.Name), `</b></td><td class="num">`, hex(m.Addr), "</td><td>")
		r.sectionLink(p, m.Section)
		p.s("</td><td>", esc(m.Detail), "</td></tr>")
	}
	p.s("</tbody></table>\n</section>\n")
}

func hashClass(s string) string {
	switch s {
	case "same":
		return "same"
	case "differs":
		return "differs"
	}
	return "own"
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// sectionLink writes a link to the section's row in the layout's table.
func (r *Report) sectionLink(p *page, i int) {
	if i < 0 || i >= len(r.Layout.Sections) {
		p.s("-")
		return
	}
	p.f(`<a href="#sec-%d"><code>%s</code></a>`, i, esc(r.Layout.Sections[i].Name))
}

// writeInitTimeline draws the init tasks as a row of boxes in run order,
// wrapped onto lines: the plugin's own package stands out, and with a host
// the tasks the host has already run are greyed and struck through.
func writeInitTimeline(p *page, a *Anatomy) {
	n := len(a.Inits)
	if n == 0 {
		p.s("<p>No init tasks.</p>")
		return
	}
	const perRow, boxW, boxH, gapX, rowH = 6, 180.0, 46.0, 16.0, 74.0
	rows := int(math.Ceil(float64(n) / perRow))
	h := float64(rows)*rowH + 20
	w := perRow*(boxW+gapX) + 20
	p.f(`<svg class="fig" id="inits-svg" viewBox="0 0 %.0f %.0f" width="%.0f" height="%.0f" role="img" aria-label="init tasks in run order">`, w, h, w, h)
	ran := 0
	for i, t := range a.Inits {
		row, col := i/perRow, i%perRow
		x, y := 10+float64(col)*(boxW+gapX), 10+float64(row)*rowH
		cls := "init"
		switch {
		case t.HostRan:
			cls += " ran"
			ran++
		case t.Package == a.ImportPath || t.Package == "main":
			cls += " own"
		}
		if t.Interposable {
			cls += " interp"
		}
		state := "runs at plugin.Open"
		if t.HostRan {
			state = "already run by the host: skipped"
		} else if t.Interposable && !a.HostGiven {
			state = "skipped if an earlier module defines " + t.Symbol
		}
		p.f(`<g><title>%d. %s: %s, %s</title><rect class="%s" x="%.1f" y="%.1f" width="%.1f" height="%.1f" rx="6"/>`,
			i+1, esc(t.Package), esc(plural(t.Funcs, "function", "functions")), esc(state), cls, x, y, boxW, boxH)
		tcls := ""
		if t.HostRan {
			tcls = "ran-text"
		}
		p.f(`<text class="small" x="%.1f" y="%.1f">%d</text><text class="lbl %s" x="%.1f" y="%.1f">%s</text>`,
			x+4, y+13, i+1, tcls, x+6, y+32, esc(fitTail(t.Package, boxW-10, 8.4)))
		if col < perRow-1 && i < n-1 {
			p.f(`<path class="leader" d="M%.1f %.1f h%.1f"/>`, x+boxW, y+boxH/2, gapX)
		}
		p.s("</g>")
	}
	p.s("</svg>\n")
	if a.HostGiven {
		p.s("<p>", esc(fmt.Sprintf("%s; %d already run by the host (grey, struck through): plugin.Open skips them.", plural(n, "init task", "init tasks"), ran)), "</p>")
	} else {
		p.s("<p>", esc(plural(n, "init task", "init tasks")), ". Dashed: reached through a global symbol, so a module loaded earlier that has the same package wins and its task, already run, is skipped.</p>")
	}
}
