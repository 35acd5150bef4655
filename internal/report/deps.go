package report

import (
	"fmt"
	"strings"

	"github.com/soinspect/soinspect/elfinspect"
	"github.com/soinspect/soinspect/ldso"
)

// Deps is the load graph of the file as ld.so would build it (package
// ldso): the objects in load order, each with how it was found and what
// it needs. Nothing is loaded.
type Deps struct {
	Nodes []DepNode `json:"nodes"`
	// Static is true for a file with no DT_NEEDED.
	Static bool `json:"static,omitempty"`
	// Fatal is the error that would stop the load, "" if none.
	Fatal string `json:"fatal,omitempty"`
	// Omitted counts the objects beyond maxDepNodes, not drawn.
	Omitted int `json:"omitted,omitempty"`
}

// DepNode is one object of the load set, or a library not found.
type DepNode struct {
	Name string `json:"name"`
	Path string `json:"path,omitempty"`
	// Via is how ld.so found it ("cache", "runpath", "default", "not
	// found", ...), Dir in which directory.
	Via   string `json:"via"`
	Dir   string `json:"dir,omitempty"`
	Found bool   `json:"found"`
	// Needs are the indexes of the objects its DT_NEEDED entries resolved
	// to, in order.
	Needs []int `json:"needs,omitempty"`
	// Depth is the layer: the file is 0, what it needs 1, and so on.
	Depth int `json:"depth"`
	// Tried counts the paths tried for a library not found.
	Tried int `json:"tried,omitempty"`
}

// maxDepNodes bounds the objects drawn.
const maxDepNodes = 300

func buildDeps(f *elfinspect.File) (*Deps, string) {
	if f.Path == "" {
		return nil, ""
	}
	res, err := ldso.Load(f.Path, ldso.Config{})
	if err != nil {
		return nil, fmt.Sprintf("dependencies: %v", err)
	}
	defer res.Close()
	d := &Deps{Static: res.Static}
	if res.Fatal != nil {
		d.Fatal = res.Fatal.Error()
	}
	n := min(len(res.Objects), maxDepNodes)
	d.Omitted = len(res.Objects) - n
	for _, o := range res.Objects[:n] {
		dn := DepNode{Name: o.Name, Path: o.Path, Via: string(o.Via), Dir: o.Dir, Found: o.Found(), Tried: len(o.Tried), Depth: -1}
		for _, x := range o.Needs {
			if x >= 0 && x < n {
				dn.Needs = append(dn.Needs, x)
			}
		}
		d.Nodes = append(d.Nodes, dn)
	}
	// Layers: the shortest chain of DT_NEEDED from the file.
	if len(d.Nodes) > 0 {
		d.Nodes[0].Depth = 0
		queue := []int{0}
		for len(queue) > 0 {
			i := queue[0]
			queue = queue[1:]
			for _, j := range d.Nodes[i].Needs {
				if d.Nodes[j].Depth < 0 {
					d.Nodes[j].Depth = d.Nodes[i].Depth + 1
					queue = append(queue, j)
				}
			}
		}
		deepest := 0
		for _, nd := range d.Nodes {
			deepest = max(deepest, nd.Depth)
		}
		for i := range d.Nodes { // the interpreter, a preload: a layer of their own
			if d.Nodes[i].Depth < 0 {
				d.Nodes[i].Depth = deepest + 1
			}
		}
	}
	return d, ""
}

func (r *Report) writeDeps(p *page) {
	d := r.Deps
	p.h2("deps", "Dependencies")
	p.s(`<p class="lead">The objects ld.so would load for this file, in layers: the file, what it needs, what those need. Each says how ld.so found it. Read from the files, as <code>soinspect deps</code> does: nothing is loaded.</p>`)
	if d.Fatal != "" {
		p.s(`<p class="verdict bad">`, esc(d.Fatal), `</p>`)
	}
	if d.Static || len(d.Nodes) <= 1 {
		p.s("<p>No DT_NEEDED: nothing else is loaded.</p></section>\n")
		return
	}
	const perRow, boxW, boxH, gapX, rowH = 5, 220.0, 56.0, 20.0, 100.0
	// Rows: each layer wraps after perRow objects.
	type pos struct{ x, y float64 }
	at := make([]pos, len(d.Nodes))
	row, y := 0, 10.0
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
		for k, i := range layer {
			if k > 0 && k%perRow == 0 {
				y += rowH
				row++
			}
			at[i] = pos{10 + float64(k%perRow)*(boxW+gapX), y}
		}
		y += rowH
		row++
	}
	W := perRow*(boxW+gapX) + 20
	H := y
	p.f(`<svg class="fig" id="deps-svg" viewBox="0 0 %.0f %.0f" width="%.0f" height="%.0f" role="img" aria-label="load graph">`, W, H, W, H)
	// One edge an object: from the first object of the layer above that
	// needs it, the one it was loaded for; the others are in its tooltip.
	neededBy := make([][]string, len(d.Nodes))
	parent := make([]int, len(d.Nodes))
	for i := range parent {
		parent[i] = -1
	}
	for i, n := range d.Nodes {
		for _, j := range n.Needs {
			neededBy[j] = append(neededBy[j], n.Name)
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
		p.f(`<path class="leader" d="M%.1f %.1f C%.1f %.1f %.1f %.1f %.1f %.1f"/>`,
			a.x+boxW/2, a.y+boxH, a.x+boxW/2, a.y+boxH+30, b.x+boxW/2, b.y-30, b.x+boxW/2, b.y)
	}
	for i, n := range d.Nodes {
		a := at[i]
		cls := "init"
		switch {
		case !n.Found:
			cls = "init missing"
		case i == 0:
			cls = "init own"
		}
		title := n.Name + ": " + n.Via
		if n.Path != "" {
			title += ", " + n.Path
		}
		if !n.Found {
			title += fmt.Sprintf(" (%d paths tried)", n.Tried)
		}
		if len(neededBy[i]) > 0 {
			title += "; needed by " + strings.Join(neededBy[i], ", ")
		}
		how := n.Via
		if n.Dir != "" {
			how += " " + n.Dir
		}
		p.f(`<g><title>%s</title><rect class="%s" x="%.1f" y="%.1f" width="%.1f" height="%.1f" rx="6"/>`, esc(title), cls, a.x, a.y, boxW, boxH)
		p.f(`<text class="lbl" x="%.1f" y="%.1f" font-weight="700">%s</text><text class="small" x="%.1f" y="%.1f">%s</text></g>`,
			a.x+6, a.y+22, esc(fitTail(n.Name, boxW-12, 8.6)), a.x+6, a.y+42, esc(fitTail(how, boxW-12, 6.8)))
	}
	p.s("</svg>\n")
	if d.Omitted > 0 {
		p.s("<p>", esc(plural(d.Omitted, "more object", "more objects")), " not drawn.</p>")
	}
	p.s("</section>\n")
}
