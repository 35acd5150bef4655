package report

import (
	"fmt"
	"strings"

	"github.com/soinspect/soinspect/ldso"
)

// viaWords says, for the key under the load graph, what each way ld.so
// finds an object means.
var viaWords = []struct {
	via        ldso.Via
	cls, words string
}{
	{ldso.ViaMain, "main", "the file itself"},
	{ldso.ViaPreload, "preload", "LD_PRELOAD or /etc/ld.so.preload"},
	{ldso.ViaInterpreter, "interp", "the dynamic loader (PT_INTERP), already in the process"},
	{ldso.ViaPath, "path", "a name with a slash, opened as it is"},
	{ldso.ViaRPath, "rpath", "DT_RPATH of the object or of one of its loaders"},
	{ldso.ViaLibPath, "libpath", "a directory of LD_LIBRARY_PATH"},
	{ldso.ViaRunPath, "runpath", "DT_RUNPATH of the object that needs it"},
	{ldso.ViaCache, "cache", "/etc/ld.so.cache"},
	{ldso.ViaDefault, "default", "a system directory (/lib, /usr/lib)"},
	{ldso.ViaLoaded, "loaded", "another name of an object already loaded"},
	{ldso.ViaNotFound, "missing", "every path tried, none has it: the load fails"},
}

// viaClass is the CSS class of a way of finding an object.
func viaClass(via string) string {
	for _, v := range viaWords {
		if string(v.via) == via {
			return v.cls
		}
	}
	return "other"
}

// The load graph's boxes: perRow a row, each boxW×boxH, rows rowH apart.
const (
	depPerRow = 4
	depBoxW   = 280.0
	depBoxH   = 72.0
	depGapX   = 24.0
	depRowH   = 118.0
	depStripe = 12.0
)

func (r *Report) writeDeps(p *page) {
	d := r.Deps
	p.h2("deps", "Dependencies")
	p.s(`<p class="lead">The objects ld.so would load for this file, in layers: the file, what it needs, what those need. The colour says how ld.so found each one, the line under its name where. Read from the files, as <code>soinspect deps</code> does: nothing is loaded.</p>`)
	if d.Fatal != "" {
		p.s(`<p class="verdict bad">`, esc(d.Fatal), `</p>`)
	}
	var missing []string
	for _, n := range d.Nodes {
		if !n.Found {
			missing = append(missing, n.Name)
		}
	}
	if len(missing) > 0 {
		// ldd lists a library not found and goes on; ld.so stops at it.
		p.s(`<p class="verdict bad">ld.so would not load this file: <b>`, esc(plural(len(missing), "library", "libraries")), ` not found</b> (`)
		for i, m := range missing {
			if i > 0 {
				p.s(", ")
			}
			p.s("<code>", esc(m), "</code>")
		}
		p.s(`): “cannot open shared object file”.</p>`)
	}
	if d.Static || len(d.Nodes) <= 1 {
		p.s("<p>No DT_NEEDED: nothing else is loaded.</p></section>\n")
		return
	}
	type pos struct{ x, y float64 }
	at := make([]pos, len(d.Nodes))
	W := depPerRow*(depBoxW+depGapX) - depGapX + 20
	y := 10.0
	for depth := 0; ; depth++ {
		var layer []int
		for i, n := range d.Nodes {
			if n.Depth == depth {
				layer = append(layer, i)
			}
		}
		if len(layer) == 0 {
			break
		}
		// Each row of a layer is centred, so that a layer of one sits
		// under the middle of the one above.
		for k := 0; k < len(layer); k += depPerRow {
			row := layer[k:min(k+depPerRow, len(layer))]
			x := (W - float64(len(row))*(depBoxW+depGapX) + depGapX) / 2
			for c, i := range row {
				at[i] = pos{x + float64(c)*(depBoxW+depGapX), y}
			}
			y += depRowH
		}
	}
	H := y - depRowH + depBoxH + 20
	p.f(`<svg class="fig" id="deps-svg" viewBox="0 0 %.0f %.0f" width="%.0f" height="%.0f" role="img" aria-label="load graph">`, W, H, W, H)
	// One edge an object: from the first object of the layer above that
	// needs it, the one it was loaded for; the others are in its tooltip
	// and in the table.
	neededBy := make([][]string, len(d.Nodes))
	parent := make([]int, len(d.Nodes))
	for i := range parent {
		parent[i] = -1
	}
	for i, n := range d.Nodes {
		for _, j := range n.Needs {
			neededBy[j] = append(neededBy[j], baseName(n.Name))
			if parent[j] < 0 && d.Nodes[j].Depth == n.Depth+1 {
				parent[j] = i
			}
		}
	}
	for j, i := range parent {
		if i < 0 {
			continue
		}
		a, b := at[i], at[j]
		ax, bx := a.x+depBoxW/2, b.x+depBoxW/2
		p.f(`<path class="edge" d="M%.1f %.1f C%.1f %.1f %.1f %.1f %.1f %.1f"/>`,
			ax, a.y+depBoxH, ax, a.y+depBoxH+40, bx, b.y-40, bx, b.y)
	}
	for i, n := range d.Nodes {
		a := at[i]
		title := n.Name + ": " + n.Via
		if n.Path != "" && n.Path != n.Name {
			title += ", " + n.Path
		}
		if !n.Found {
			title += fmt.Sprintf(" (%s)", plural(n.Tried, "path tried", "paths tried"))
		}
		if len(neededBy[i]) > 0 {
			title += "; needed by " + strings.Join(neededBy[i], ", ")
		}
		p.f(`<g class="dep %s"><title>%s</title><rect class="dep-box" x="%.1f" y="%.1f" width="%.1f" height="%.1f" rx="6"/>`,
			viaClass(n.Via), esc(title), a.x, a.y, depBoxW, depBoxH)
		p.f(`<rect class="dep-via" x="%.1f" y="%.1f" width="%.1f" height="%.1f"/>`, a.x+1, a.y+1, depStripe, depBoxH-2)
		tx, tw := a.x+depStripe+8, depBoxW-depStripe-14
		p.f(`<text class="dep-name" x="%.1f" y="%.1f">%s</text><text class="dep-how" x="%.1f" y="%.1f">%s</text></g>`,
			tx, a.y+29, esc(fitTail(baseName(n.Name), tw, 11)), tx, a.y+56, esc(fitTail(depHow(n), tw, 8.7)))
	}
	p.s("</svg>\n")
	if d.Omitted > 0 {
		p.s("<p>", esc(plural(d.Omitted, "more object", "more objects")), " not drawn.</p>")
	}
	r.writeDepsKey(p)
	r.writeDepsTable(p, neededBy)
	p.s("</section>\n")
}

// depHow is the line under an object's name: how it was found and where.
func depHow(n DepNode) string {
	switch {
	case !n.Found:
		return fmt.Sprintf("not found, %s", plural(n.Tried, "path tried", "paths tried"))
	case n.Dir != "":
		return n.Via + ": " + n.Dir
	}
	return n.Via
}

// writeDepsKey writes the colours of the ways of finding that the graph
// uses, each with what it means.
func (r *Report) writeDepsKey(p *page) {
	used := map[string]bool{}
	for _, n := range r.Deps.Nodes {
		used[n.Via] = true
	}
	p.s(`<p class="deps-key">`)
	for _, v := range viaWords {
		if used[string(v.via)] {
			p.s(`<i class="`, v.cls, `"></i><b>`, esc(string(v.via)), `</b>: `, esc(v.words), `<br>`)
		}
	}
	p.s("</p>\n")
}

// writeDepsTable lists the objects in load order, with their full paths,
// which the boxes cut.
func (r *Report) writeDepsTable(p *page, neededBy [][]string) {
	p.s(`<details><summary>the objects in load order, with their paths</summary><table class="deps"><thead><tr><th class="num">#</th><th>object</th><th>found by</th><th>path</th><th>needed by</th></tr></thead><tbody>`)
	for i, n := range r.Deps.Nodes {
		path := n.Path
		if !n.Found {
			path = plural(n.Tried, "path tried", "paths tried")
		}
		p.s(`<tr><td class="num">`, itoa(i), "</td><td><code>", esc(baseName(n.Name)), "</code></td><td>", esc(n.Via), "</td><td><code>", esc(path),
			"</code></td><td>", esc(strings.Join(neededBy[i], ", ")), "</td></tr>")
	}
	p.s("</tbody></table></details>\n")
}
