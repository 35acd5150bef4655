package report

import (
	"fmt"
	"math"
)

// rect is a rectangle of the treemap.
type rect struct{ x, y, w, h float64 }

// squarify lays sizes (largest first) out in r with the squarified
// treemap algorithm (Bruls, Huizing, van Wijk): rows along the shorter
// side, each row kept while it improves the worst aspect ratio. Sizes of
// zero get empty rectangles.
func squarify(sizes []float64, r rect) []rect {
	out := make([]rect, len(sizes))
	var total float64
	for _, s := range sizes {
		total += s
	}
	if total <= 0 || r.w <= 0 || r.h <= 0 {
		return out
	}
	scale := r.w * r.h / total
	i := 0
	for i < len(sizes) {
		side := min(r.w, r.h)
		// Grow the row while the worst ratio improves.
		j, sum := i, 0.0
		best := math.Inf(1)
		for j < len(sizes) {
			a := sizes[j] * scale
			s2 := sum + a
			lo, hi := math.Inf(1), 0.0
			for k := i; k <= j; k++ {
				v := sizes[k] * scale
				lo, hi = min(lo, v), max(hi, v)
			}
			worst := max(side*side*hi/(s2*s2), s2*s2/(side*side*lo))
			if j > i && worst > best {
				break
			}
			best, sum = worst, s2
			j++
		}
		if sum <= 0 { // the rest are zero
			break
		}
		thick := sum / side
		off := 0.0
		for k := i; k < j; k++ {
			l := sizes[k] * scale / thick
			if r.w >= r.h { // a column on the left
				out[k] = rect{r.x, r.y + off, thick, l}
			} else { // a row at the top
				out[k] = rect{r.x + off, r.y, l, thick}
			}
			off += l
		}
		if r.w >= r.h {
			r.x, r.w = r.x+thick, r.w-thick
		} else {
			r.y, r.h = r.y+thick, r.h-thick
		}
		i = j
	}
	return out
}

const (
	tmW = 1200.0
	tmH = 620.0
)

// writeTreemap draws the groups, each with its leaves inside.
func writeTreemap(p *page, b *Bytes) {
	sizes := make([]float64, len(b.Groups))
	for i, g := range b.Groups {
		sizes[i] = float64(g.Size)
	}
	rs := squarify(sizes, rect{0, 0, tmW, tmH})
	p.f(`<svg class="fig" id="bytes-svg" viewBox="0 0 %.0f %.0f" width="%.0f" height="%.0f" role="img" aria-label="treemap of the file's bytes">`, tmW, tmH, tmW, tmH)
	color := 0
	for gi, g := range b.Groups {
		r := rs[gi]
		if r.w <= 0 || r.h <= 0 {
			continue
		}
		cls := g.Kind
		if g.Kind == "symbols" {
			cls = fmt.Sprintf("c%d", color%10)
			color++
		}
		head := 0.0
		if r.h > 40 && r.w > 60 {
			head = 20
		}
		inner := rect{r.x + 1, r.y + head, r.w - 2, r.h - head - 1}
		ls := make([]float64, len(g.Children))
		for i, c := range g.Children {
			ls[i] = float64(c.Size)
		}
		lr := squarify(ls, inner)
		pct := 100 * float64(g.Size) / float64(max(b.FileSize, 1))
		p.f(`<g class="tmgroup"><title>%s: %s (%.1f%% of the file), %s</title>`, esc(g.Name), human(g.Size), pct, esc(plural(g.Count, "symbol", "symbols")))
		p.f(`<rect class="tm %s" x="%.1f" y="%.1f" width="%.1f" height="%.1f"/>`, cls, r.x, r.y, r.w, r.h)
		for i, c := range g.Children {
			q := lr[i]
			if q.w < 1 || q.h < 1 {
				continue
			}
			p.f(`<rect class="tm %s" x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill-opacity=".75"><title>%s › %s: %s, %s</title></rect>`,
				cls, q.x, q.y, q.w, q.h, esc(g.Name), esc(c.Name), human(c.Size), esc(plural(c.Count, "symbol", "symbols")))
			if q.w > 70 && q.h > 18 {
				p.f(`<text class="tmt" x="%.1f" y="%.1f">%s</text>`, q.x+4, q.y+14, esc(fit(c.Name+" "+human(c.Size), q.w-8, 7)))
			}
		}
		p.f(`<rect class="tmg" x="%.1f" y="%.1f" width="%.1f" height="%.1f"/>`, r.x, r.y, r.w, r.h)
		if head > 0 {
			p.f(`<text class="tmh" x="%.1f" y="%.1f">%s</text>`, r.x+4, r.y+15, esc(fit(g.Name+" "+human(g.Size), r.w-8, 8.5)))
		}
		p.s("</g>")
	}
	p.s("</svg>\n")
}

// fit shortens s with an ellipsis to about width pixels at charW per rune.
func fit(s string, width, charW float64) string { return fitSide(s, width, charW, false) }

// fitTail is fit keeping the end of s: an import path's last elements say
// most ("…/plugins/kitchensink").
func fitTail(s string, width, charW float64) string { return fitSide(s, width, charW, true) }

// fitSide is fit keeping the start of s, or with tail its end.
func fitSide(s string, width, charW float64, tail bool) string {
	n := int(width / charW)
	rs := []rune(s)
	if len(rs) <= n {
		return s
	}
	if n <= 1 {
		return ""
	}
	if tail {
		return "…" + string(rs[len(rs)-n+1:])
	}
	return string(rs[:n-1]) + "…"
}
