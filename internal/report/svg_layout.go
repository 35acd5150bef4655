package report

import (
	"fmt"
	"sort"
	"strings"
)

// The layout figure: the file's bytes on one bar (offsets), memory on a
// second (virtual addresses), each PT_LOAD segment joining its range in
// the file to its range in memory, the sections inside each bar. A section
// too small to see is drawn minWidth wide and labelled through a callout.

const (
	figW     = 1200.0
	barLeft  = 110.0
	barRight = 20.0
	barH     = 40.0
	minWidth = 3.0
	laneH    = 18.0
	maxLanes = 24
	// maxCallouts bounds the labels on one bar, and maxDrawn the sections
	// drawn and listed: a hostile file may have 65,535 sections.
	maxCallouts = 120
	maxDrawn    = 2000
)

// largestCallouts keeps the marks and the widest sections' callouts, at
// most n in all.
func largestCallouts(cs []callout, n int) []callout {
	if len(cs) <= n {
		return cs
	}
	sort.SliceStable(cs, func(i, j int) bool {
		mi, mj := cs[i].cls == "marktext", cs[j].cls == "marktext"
		if mi != mj {
			return mi
		}
		return cs[i].width > cs[j].width
	})
	return cs[:n]
}

// callout is a label placed in a lane, joined to its spot on a bar.
type callout struct {
	x      float64 // the spot
	width  float64 // the width of what it names
	text   string
	href   string
	cls    string
	title  string
	lx, lw float64 // the label's left edge and width
	lane   int
}

// placeCallouts assigns each callout a lane: labels sorted by spot, each
// in the first lane where it clears the label before it.
func placeCallouts(cs []callout) int {
	sort.SliceStable(cs, func(i, j int) bool { return cs[i].x < cs[j].x })
	var ends [maxLanes]float64
	for i := range ends {
		ends[i] = -1e9
	}
	lanes := 0
	for i := range cs {
		c := &cs[i]
		cw := 8.6 // DejaVu Sans at 14px, a little generous
		if c.cls == "marktext" {
			cw = 9.4 // bold
		}
		c.lw = cw*float64(len([]rune(c.text))) + 6
		c.lx = min(max(c.x-4, 2), figW-c.lw-2)
		best := -1
		for l := 0; l < maxLanes; l++ {
			if ends[l]+6 <= c.lx {
				best = l
				break
			}
		}
		if best < 0 { // every lane is full here: the one that ends first, shifted right
			best = 0
			for l := 1; l < maxLanes; l++ {
				if ends[l] < ends[best] {
					best = l
				}
			}
			c.lx = min(ends[best]+6, figW-c.lw-2)
		}
		c.lane = best
		ends[best] = c.lx + c.lw
		lanes = max(lanes, best+1)
	}
	return lanes
}

// drawCallouts writes the callouts in lanes below (dir 1) or above (dir -1)
// a bar edge at y.
func drawCallouts(p *page, cs []callout, y float64, dir float64) {
	for _, c := range cs {
		ly := y + dir*(float64(c.lane)*laneH+laneH)
		ty := ly + 5
		if dir < 0 {
			ty = ly - 3
		}
		p.f(`<path class="leader" d="M%.1f %.1f L%.1f %.1f L%.1f %.1f"/>`, c.x, y, c.x, y+dir*6, c.lx+2, ly)
		if c.href != "" {
			p.s(`<a href="`, c.href, `">`)
		}
		p.f(`<text class="lbl %s" x="%.1f" y="%.1f"><title>%s</title>%s</text>`, c.cls, c.lx+3, ty, esc(c.title), esc(c.text))
		if c.href != "" {
			p.s(`</a>`)
		}
	}
}

func (r *Report) writeLayout(p *page) {
	l := r.Layout
	p.h2("layout", "Layout to scale")
	p.s(`<p class="lead">Top: the file, offset 0 to `, human(l.FileSize), `. Bottom: memory, as ld.so maps it (addresses relative to the load base). Each band is a PT_LOAD segment, with its permissions. Sections are drawn inside; one too small to see is drawn `, fmt.Sprint(minWidth), `px wide and named in a callout.</p>`)
	p.s(`<p class="key"><span class="go">Go-specific</span><span class="dyn">dynamic linking</span><span class="plain">other</span><span class="debug">debug</span><span class="na">not loaded (symbol tables, …)</span><span class="mk">◆ Go plugin landmark</span></p>`)
	lo, hi, haveLoad := l.vspan()
	bw := figW - barLeft - barRight
	fx := func(off uint64) float64 {
		if l.FileSize == 0 {
			return barLeft
		}
		return barLeft + float64(off)/float64(l.FileSize)*bw
	}
	vx := func(a uint64) float64 {
		if hi <= lo {
			return barLeft
		}
		if a < lo {
			a = lo
		}
		return barLeft + float64(a-lo)/float64(hi-lo)*bw
	}
	// Callouts: the file-only sections above the file bar, the memory
	// sections and the marks below the memory bar.
	var above, below []callout
	for i, s := range l.Sections {
		if i >= maxDrawn {
			break
		}
		href := fmt.Sprintf("#sec-%d", i)
		title := fmt.Sprintf("%s  %s  offset %s  addr %s  size %s (%d bytes)", s.Name, s.Type, hex(s.Off), hex(s.Addr), human(s.Size), s.Size)
		switch {
		case s.Alloc && haveLoad:
			a, b := vx(s.Addr), vx(s.Addr+s.Size)
			below = append(below, callout{x: (a + max(b, a+minWidth)) / 2, width: b - a, text: s.Name, href: href, cls: clsOf(s), title: title})
		case !s.NoBits && s.Size > 0:
			a, b := fx(s.Off), fx(s.Off+s.Size)
			above = append(above, callout{x: (a + max(b, a+minWidth)) / 2, width: b - a, text: s.Name, href: href, cls: clsOf(s), title: title})
		}
	}
	for _, m := range l.sortedMarks() {
		if !haveLoad || m.Addr < lo || m.Addr >= hi {
			continue
		}
		below = append(below, callout{x: vx(m.Addr), text: "◆ " + m.Name, href: "#anatomy-places", cls: "marktext",
			title: m.Name + " at " + hex(m.Addr) + ": " + m.Detail})
	}
	above, below = largestCallouts(above, maxCallouts), largestCallouts(below, maxCallouts)
	nAbove := placeCallouts(above)
	nBelow := placeCallouts(below)
	fileY := 30 + float64(nAbove)*laneH + 10
	memY := fileY + barH + 110
	height := memY + barH + float64(nBelow)*laneH + 30
	if !haveLoad {
		height = fileY + barH + 30
	}
	p.f(`<svg class="fig" id="layout-svg" viewBox="0 0 %.0f %.0f" width="%.0f" height="%.0f" role="img" aria-label="file and memory layout">`, figW, height, figW, height)
	// Segments: a band from the file range to the memory range.
	if haveLoad {
		for i, s := range l.Segments {
			if !s.Load() || i >= maxDrawn {
				continue
			}
			cls := "r"
			switch {
			case strings.Contains(s.Perms, "E"):
				cls = "x"
			case strings.Contains(s.Perms, "W"):
				cls = "w"
			}
			x1, x2 := fx(s.Off), max(fx(s.Off+s.FileSz), fx(s.Off)+minWidth)
			x3, x4 := vx(s.Vaddr), max(vx(s.Vaddr+s.MemSz), vx(s.Vaddr)+minWidth)
			p.f(`<polygon class="seg %s" points="%.1f,%.1f %.1f,%.1f %.1f,%.1f %.1f,%.1f"><title>LOAD %s: offset %s, %s in the file → address %s, %s in memory</title></polygon>`,
				cls, x1, fileY+barH, x2, fileY+barH, x4, memY, x3, memY, esc(s.Perms), hex(s.Off), human(s.FileSz), hex(s.Vaddr), human(s.MemSz))
			p.f(`<text class="lbl" x="%.1f" y="%.1f" text-anchor="middle">%s</text>`, (x1+x2+x3+x4)/4, fileY+barH+60, esc(permWords(s.Perms)))
		}
	}
	// The bars.
	p.f(`<text class="axis" x="4" y="%.1f">file</text><text class="axis" x="4" y="%.1f">offsets</text>`, fileY+17, fileY+34)
	p.f(`<rect class="bar-bg" x="%.1f" y="%.1f" width="%.1f" height="%.1f"/>`, barLeft, fileY, bw, barH)
	for i, s := range l.Sections {
		if s.NoBits || s.Size == 0 || i >= maxDrawn {
			continue
		}
		a := fx(s.Off)
		w := max(fx(s.Off+s.Size)-a, minWidth)
		p.f(`<a href="#sec-%d"><rect class="sec %s" x="%.1f" y="%.1f" width="%.1f" height="%.1f"><title>%s: offset %s, %s</title></rect></a>`,
			i, secCls(s), a, fileY, w, barH, esc(s.Name), hex(s.Off), human(s.Size))
	}
	// The axis ends go under the bar: the callouts take the space above.
	p.f(`<text class="axis" x="%.1f" y="%.1f">0</text><text class="axis" x="%.1f" y="%.1f" text-anchor="end">%s</text>`,
		barLeft, fileY+barH+14, barLeft+bw, fileY+barH+14, human(l.FileSize))
	drawCallouts(p, above, fileY, -1)
	if haveLoad {
		p.f(`<text class="axis" x="4" y="%.1f">memory</text><text class="axis" x="4" y="%.1f">addresses</text>`, memY+17, memY+34)
		p.f(`<rect class="bar-bg" x="%.1f" y="%.1f" width="%.1f" height="%.1f"/>`, barLeft, memY, bw, barH)
		for i, s := range l.Sections {
			if !s.Alloc || s.Size == 0 || i >= maxDrawn {
				continue
			}
			a := vx(s.Addr)
			w := max(vx(s.Addr+s.Size)-a, minWidth)
			p.f(`<a href="#sec-%d"><rect class="sec %s" x="%.1f" y="%.1f" width="%.1f" height="%.1f"><title>%s: address %s, %s</title></rect></a>`,
				i, secCls(s), a, memY, w, barH, esc(s.Name), hex(s.Addr), human(s.Size))
		}
		for _, m := range l.Marks {
			if m.Addr < lo || m.Addr >= hi {
				continue
			}
			x := vx(m.Addr)
			p.f(`<line class="markline" x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f"/>`, x, memY-6, x, memY+barH+6)
		}
		p.f(`<text class="axis" x="%.1f" y="%.1f">%s</text><text class="axis" x="%.1f" y="%.1f" text-anchor="end">%s</text>`,
			barLeft, memY+barH+14, hex(lo), barLeft+bw, memY+barH+14, hex(hi))
		drawCallouts(p, below, memY+barH+16, 1)
	}
	p.s("</svg>\n")
	r.writeSectionTable(p)
	p.s("</section>\n")
}

func permWords(p string) string {
	switch p {
	case "R":
		return "R: read-only"
	case "R E":
		return "R E: code"
	case "RW":
		return "RW: data"
	}
	return p
}

func secCls(s Section) string {
	switch {
	case s.Class != "":
		return s.Class
	case s.Alloc:
		return "plain"
	}
	return "na"
}

func clsOf(s Section) string { return "s-" + secCls(s) }

func (r *Report) writeSectionTable(p *page) {
	l := r.Layout
	p.s(`<details open><summary>segments and sections, as readelf -lS lists them</summary>`)
	p.s(`<table><thead><tr><th>segment</th><th>perms</th><th class="num">offset</th><th class="num">file size</th><th class="num">address</th><th class="num">memory size</th></tr></thead><tbody>`)
	for i, s := range l.Segments {
		if i >= maxDrawn {
			break
		}
		p.s("<tr><td>", esc(s.Type), "</td><td>", esc(s.Perms), `</td><td class="num">`, hex(s.Off), `</td><td class="num">`, hex(s.FileSz),
			`</td><td class="num">`, hex(s.Vaddr), `</td><td class="num">`, hex(s.MemSz), "</td></tr>")
	}
	p.s("</tbody></table>")
	p.s(`<table id="sections"><thead><tr><th>section</th><th>type</th><th>flags</th><th class="num">offset</th><th class="num">address</th><th class="num">size</th></tr></thead><tbody>`)
	for i, s := range l.Sections {
		if i >= maxDrawn {
			p.s(`<tr><td colspan="6">`, esc(plural(len(l.Sections)-maxDrawn, "more section", "more sections")), ` not drawn or listed</td></tr>`)
			break
		}
		p.f(`<tr id="sec-%d" class="%s"><td><code>%s</code></td><td>%s</td><td>%s</td><td class="num">%s</td><td class="num">%s</td><td class="num">%s</td></tr>`,
			i, secCls(s), esc(s.Name), esc(s.Type), esc(s.Flags), hex(s.Off), hex(s.Addr), human(s.Size))
	}
	p.s("</tbody></table></details>\n")
}
