package report

import (
	"bufio"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/soinspect/soinspect/internal/guard"
)

// AddSide adds one loading child's address space to the report.
func (r *Report) AddSide(s Side) {
	if r.Process == nil {
		r.Process = &Process{}
	}
	r.Process.Sides = append(r.Process.Sides, s)
}

// page accumulates the HTML; errors are checked once at the end.
type page struct {
	w *bufio.Writer
	n int // sections numbered so far
}

// h2 opens a numbered section.
func (p *page) h2(id, title string) {
	p.n++
	p.f(`<section id="%s"><h2>%d · %s</h2>`, id, p.n, title)
}

func (p *page) s(parts ...string) {
	for _, x := range parts {
		p.w.WriteString(x)
	}
}

func (p *page) f(format string, args ...any) { fmt.Fprintf(p.w, format, args...) }

// WriteHTML writes the report as one self-contained HTML page: inline CSS,
// inline SVG, one inline script (allowed by hash in the page's Content
// Security Policy, which forbids every network request and every other
// script). Each section is an <section> with an id: identity, layout,
// bytes, anatomy (Go plugins), process (when loaded).
func (r *Report) WriteHTML(w io.Writer) (err error) {
	defer guard.Recover(func(p any) { err = fmt.Errorf("drawing the report of %s: %v", r.Identity.File, p) })
	p := &page{w: bufio.NewWriterSize(w, 64<<10)}
	title := "soinspect report: " + baseName(r.Identity.File)
	p.s(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src '`, hashOf(css), `'; script-src '`, hashOf(script), `'; base-uri 'none'; form-action 'none'">
<meta name="referrer" content="no-referrer">
<title>`, esc(title), `</title>
<style>`, css, `</style>
</head>
<body>
<header>
<h1>`, esc(baseName(r.Identity.File)), ` <small>`, esc(string(r.Identity.Kind)), `</small></h1>
<button id="theme" type="button" title="switch between the light and the dark theme">◐ theme</button>
<nav><a href="#identity">identity</a> <a href="#layout">layout</a> <a href="#bytes">bytes</a>`)
	if r.Anatomy != nil {
		p.s(` <a href="#anatomy">Go plugin</a>`)
	}
	if r.Deps != nil {
		p.s(` <a href="#deps">dependencies</a>`)
	}
	if r.Code != nil {
		p.s(` <a href="#code">machine code</a>`)
	}
	if r.Process != nil {
		p.s(` <a href="#process">in a process</a>`)
	}
	p.s("</nav>\n</header>\n<main>\n")
	r.writeIdentity(p)
	r.writeLayout(p)
	r.writeBytes(p)
	if r.Anatomy != nil {
		r.writeAnatomy(p)
	}
	if r.Deps != nil {
		r.writeDeps(p)
	}
	if r.Code != nil {
		r.writeCode(p)
	}
	if r.Process != nil {
		r.writeProcess(p)
	}
	if len(r.Notes) > 0 {
		p.s(`<section id="notes"><h2>Notes</h2><ul>`)
		for _, n := range r.Notes {
			p.s("<li>", esc(n), "</li>")
		}
		p.s("</ul></section>\n")
	}
	p.s(`</main>
<footer>Drawn by soinspect from the file alone`)
	if r.Process != nil {
		p.s(", and from two child processes that loaded it")
	}
	p.s(`. The page is self-contained and makes no network request.</footer>
`)
	r.writeData(p)
	p.s(`<script>`, script, "</script>\n</body>\n</html>\n")
	return p.w.Flush()
}

func hashOf(s string) string {
	h := sha256.Sum256([]byte(s))
	return "sha256-" + base64.StdEncoding.EncodeToString(h[:])
}

func baseName(p string) string {
	if i := strings.LastIndexByte(p, '/'); i >= 0 && i+1 < len(p) {
		return p[i+1:]
	}
	if p == "" {
		return "(stdin)"
	}
	return p
}

// writeData embeds the compact symbol list the filter searches:
// {"g": [group names], "s": [[name, size, group, section]...], "n": total}.
func (r *Report) writeData(p *page) {
	if r.Bytes == nil {
		return
	}
	type data struct {
		G []string `json:"g"`
		S [][]any  `json:"s"`
		N int      `json:"n"`
	}
	d := data{G: make([]string, len(r.Bytes.GroupNames)), S: make([][]any, 0, len(r.Bytes.List)), N: r.Bytes.Symbols}
	for i, g := range r.Bytes.GroupNames {
		d.G[i] = visible(g)
	}
	for _, s := range r.Bytes.List {
		d.S = append(d.S, []any{visible(s.Name), s.Size, s.Group, visible(s.Section)})
	}
	b, err := json.Marshal(d)
	if err != nil {
		return
	}
	p.s(`<script type="application/json" id="symdata">`, jsonText(b), "</script>\n")
}

// kv writes one row of a key-value table.
func (p *page) kv(k, v string) {
	p.s("<tr><th>", esc(k), "</th><td>", esc(v), "</td></tr>\n")
}

func (r *Report) writeIdentity(p *page) {
	id := r.Identity
	p.h2("identity", "Identity")
	if v := id.Verdict; v != nil {
		cls, word := "bad", "would not load"
		switch {
		case v.Loadable:
			cls, word = "good", "loads"
		case v.Outcome == "crash":
			word = "would crash the host"
		}
		p.s(`<p class="verdict `, cls, `">plugin.Open in `, esc(baseName(id.Host)), `: <b>`, word, `</b>`)
		if e := v.OpenError(id.File); e != "" {
			p.s(`<br><code>`, esc(e), `</code>`)
		}
		p.s("</p>\n")
		if len(v.Reasons) > 0 {
			p.s(`<ul class="reasons">`)
			for i, rs := range v.Reasons {
				if i == 12 {
					p.s("<li>", esc(plural(len(v.Reasons)-12, "more reason", "more reasons")), "</li>")
					break
				}
				p.s("<li>", esc(rs.Message))
				if rs.Cause != "" {
					p.s(" <i>likely cause: ", esc(rs.Cause), "</i>")
				}
				p.s("</li>")
			}
			p.s("</ul>\n")
		}
	}
	p.s(`<table class="kv">`)
	p.kv("file", id.File)
	p.kv("size", fmt.Sprintf("%s (%d bytes)", human(uint64(id.Size)), id.Size))
	p.kv("kind", string(id.Kind))
	p.kv("ELF", id.Class+" "+id.Machine+" "+id.Type)
	if id.GoVersion != "" {
		p.kv("Go version", id.GoVersion)
	}
	if id.PluginPath != "" {
		p.kv("pluginpath", id.PluginPath)
		if id.ImportPath != id.PluginPath {
			p.kv("import path", id.ImportPath)
		}
	}
	if id.MainModule != "" {
		p.kv("main module", fmt.Sprintf("%s (%s)", id.MainModule, plural(id.Deps, "dependency", "dependencies")))
	}
	if id.Soname != "" {
		p.kv("soname", id.Soname)
	}
	if len(id.Needed) > 0 {
		p.kv("needs", strings.Join(id.Needed, ", "))
	}
	if id.Host != "" {
		p.kv("host (--host)", id.Host)
	}
	p.s("</table>\n")
	if len(id.Settings) > 0 {
		p.s(`<details open><summary>build settings</summary><table class="kv settings">`)
		for _, s := range id.Settings {
			p.kv(s.Key, s.Value)
		}
		p.s("</table></details>\n")
	}
	p.s("</section>\n")
}

func (r *Report) writeBytes(p *page) {
	b := r.Bytes
	p.h2("bytes", "Where the bytes go")
	p.f(`<p class="lead">Every byte of the file, grouped by %s: %s in %s, %s of section bytes no symbol covers (<i>unattributed</i>), %s of ELF headers and padding. Together: %s, the file size. Symbols from %s.</p>`,
		esc(b.Scheme), human(b.InSymbols), esc(plural(b.Symbols, "symbol", "symbols")), human(b.Unattributed), human(b.Overhead),
		human(b.FileSize), esc(b.Table))
	p.s("\n")
	writeTreemap(p, b)
	p.s(`<h3>Largest symbols</h3><p><label for="symfilter">Filter the `, esc(plural(len(b.List), "largest symbol", "largest symbols")))
	if len(b.List) < b.Symbols {
		p.f(" (of %d)", b.Symbols)
	}
	p.s(`:</label> <input id="symfilter" type="search" placeholder="name or part of it" autocomplete="off"> <span id="symcount"></span></p>
<table class="syms"><thead><tr><th>symbol</th><th>group</th><th>section</th><th class="num">bytes</th></tr></thead><tbody id="symrows">`)
	for _, s := range b.Top {
		g := ""
		if s.Group >= 0 && s.Group < len(b.GroupNames) {
			g = b.GroupNames[s.Group]
		}
		p.s("<tr><td><code>", esc(s.Name), "</code></td><td>", esc(g), "</td><td>", esc(s.Section), `</td><td class="num">`, fmt.Sprint(s.Size), "</td></tr>")
	}
	p.s("</tbody></table>\n</section>\n")
}
