package report

import (
	"fmt"
	"math"
)

// regionHeight is a region's height: to scale on a log axis, so that a
// 4 KiB page and a 64 MiB arena both show and can be compared.
func regionHeight(size uint64) float64 {
	return 18 + 7*math.Log2(float64(size)/4096+1)
}

const (
	procColW = 560.0
	procGapH = 22.0
)

func (r *Report) writeProcess(p *page) {
	pr := r.Process
	p.h2("process", "In a process")
	p.s(`<p class="lead">The object loaded in two child processes, each read from its own <code>/proc/self/maps</code> after the load. Regions go up the address space from top to bottom; each one's height is to scale on a log axis (log₂ of its size), and the unmapped gaps between them are drawn as breaks with their size.</p>`)
	// Lay out every side first: the figure is as tall as the tallest.
	type placed struct {
		y, h float64
		gap  uint64
	}
	heights := make([]float64, len(pr.Sides))
	layouts := make([][]placed, len(pr.Sides))
	for si, s := range pr.Sides {
		y := 60.0
		for i, rg := range s.Regions {
			var gap uint64
			if i > 0 && rg.Start > s.Regions[i-1].End {
				gap = rg.Start - s.Regions[i-1].End
				y += procGapH
			}
			h := regionHeight(rg.Size())
			layouts[si] = append(layouts[si], placed{y: y, h: h, gap: gap})
			y += h
		}
		heights[si] = y + 20
	}
	H := 100.0
	for _, h := range heights {
		H = max(H, h)
	}
	W := float64(len(pr.Sides))*(procColW+40) + 20
	p.f(`<svg class="fig" id="process-svg" viewBox="0 0 %.0f %.0f" width="%.0f" height="%.0f" role="img" aria-label="address spaces of the loading processes">`, W, H, W, H)
	for si, s := range pr.Sides {
		x0 := 20 + float64(si)*(procColW+40)
		p.f(`<text class="lbl" x="%.1f" y="22"><tspan font-weight="700">%s</tspan></text>`, x0, esc(s.Label))
		sub := "outcome: " + s.Outcome
		if s.Base != 0 {
			sub += ", load base " + hex(s.Base)
		}
		if s.Error != "" {
			sub += ": " + s.Error
		}
		p.f(`<text class="small" x="%.1f" y="42"><title>%s</title>%s</text>`, x0, esc(sub), esc(fit(sub, procColW, 6.6)))
		boxX, boxW := x0+130, procColW-130
		for i, rg := range s.Regions {
			pl := layouts[si][i]
			if pl.gap > 0 {
				gy := pl.y - procGapH/2
				p.f(`<line class="gap" x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f"/><text class="small" x="%.1f" y="%.1f">gap %s</text>`,
					boxX, gy, boxX+boxW, gy, boxX+boxW/2-30, gy+4, human(pl.gap))
			}
			title := fmt.Sprintf("%s  %s–%s  %s  %s", rg.Label, hex(rg.Start), hex(rg.End), human(rg.Size()), rg.Perms)
			if rg.Path != "" {
				title += "  " + rg.Path
			}
			p.f(`<g><title>%s</title><rect class="reg %s" x="%.1f" y="%.1f" width="%.1f" height="%.1f"/>`, esc(title), rg.Kind, boxX, pl.y, boxW, pl.h)
			p.f(`<text class="small" x="%.1f" y="%.1f" text-anchor="end">%s</text>`, boxX-6, pl.y+13, hex(rg.Start))
			if pl.h >= 18 {
				txt := rg.Label + "  " + human(rg.Size())
				p.f(`<text class="reg-text" x="%.1f" y="%.1f">%s</text>`, boxX+6, pl.y+14, esc(fit(txt, boxW-12, 7.8)))
				if pl.h >= 34 {
					p.f(`<text class="reg-small" x="%.1f" y="%.1f">%s</text>`, boxX+6, pl.y+29, esc(fit(rg.Perms, boxW-12, 7)))
				}
			}
			p.s("</g>")
		}
	}
	p.s("</svg>\n")
	p.s(`<p class="key"><span class="go">the object</span> and, in each column, the loading program, libc, ld.so, other libraries, the C heap, the main thread's stack, Go heap arenas and anonymous mappings, named on each region.</p>`)
	p.s("</section>\n")
}
