package report_test

import (
	"bytes"
	"context"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/soinspect/soinspect/internal/specimen"
)

// The browser tests open reports in Debian's chromium, headless, from
// file://, and check what a person would: every section is there, every
// figure has a size, nothing was fetched, nothing complained, and a
// hostile symbol name is text. Each report's screenshot goes to
// $SOINSPECT_REPORT_DEMO when it is set (make report-demo), else to the
// test's temporary directory.

// chromium finds the browser, or skips the test naming the package.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skip("the browser tests need Debian's chromium package (apt-get install chromium, or run .ci/install-deps)")
	return ""
}

// startBrowser starts one headless chromium for the test and its subtests.
func startBrowser(t *testing.T) context.Context {
	exe := chromium(t)
	dir := t.TempDir()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.UserDataDir(filepath.Join(dir, "profile")),
		chromedp.WindowSize(1400, 1000),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() {
		cancel()
		cancelAlloc()
	})
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("starting %s: %v", exe, err)
	}
	return ctx
}

// visit is what one page load showed.
type visit struct {
	requests []string // every URL the page asked for, the page's own included
	problems []string // console errors, exceptions, error log entries
	dialogs  []string // alert, confirm, prompt
	// resources are the URLs of the page's Resource Timing entries: a
	// second witness, from inside the page, of what it fetched.
	resources []string
	url       string // the page's own
}

// open loads the file in a new tab and runs check; it records every
// request, console message, error log entry and dialog of the tab. The
// caller judges the visit (clean).
func open(t *testing.T, bctx context.Context, file string, check func(ctx context.Context, v *visit)) *visit {
	t.Helper()
	ctx, cancel := context.WithTimeout(bctx, 60*time.Second)
	defer cancel()
	ctx, cancelTab := chromedp.NewContext(ctx)
	defer cancelTab()
	v := &visit{}
	var mu sync.Mutex
	dialogs := make(chan struct{}, 16)
	err := chromedp.Listen(ctx, func(ev any) {
		mu.Lock()
		defer mu.Unlock()
		switch e := ev.(type) {
		case *network.EventRequestWillBeSent:
			v.requests = append(v.requests, e.Request.URL)
		case *runtime.EventExceptionThrown:
			v.problems = append(v.problems, "exception: "+e.ExceptionDetails.Text)
		case *runtime.EventConsoleAPICalled:
			if e.Type == runtime.ConsoleAPICalledTypeError || e.Type == runtime.ConsoleAPICalledTypeAssert {
				v.problems = append(v.problems, "console."+string(e.Type))
			}
		case *log.EventEntryAdded:
			if e.Entry.Level == log.EntryLevelError {
				v.problems = append(v.problems, "log: "+e.Entry.Text)
			}
		case *page.EventJavascriptDialogOpening:
			v.dialogs = append(v.dialogs, string(e.Type)+": "+e.Message)
			select {
			case dialogs <- struct{}{}:
			default:
			}
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	// A dialog would block the page: dismiss it from another goroutine.
	go func() {
		for range dialogs {
			chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{})
		}
	}()
	u := (&url.URL{Scheme: "file", Path: file}).String()
	if err := chromedp.Do(ctx, chromedp.Navigate(u)); err != nil {
		t.Fatalf("navigate %s: %v", u, err)
	}
	check(ctx, v)
	resources := eval[[]string](t, ctx, `performance.getEntriesByType("resource").map(e => e.name)`)
	close(dialogs)
	mu.Lock()
	defer mu.Unlock()
	return &visit{requests: v.requests, problems: v.problems, dialogs: v.dialogs, resources: resources, url: u}
}

// clean fails the test for every request but the page's own, every
// console error, exception or error log entry, and every dialog.
func (v *visit) clean(t *testing.T) {
	t.Helper()
	own := false
	for _, r := range v.requests {
		if r == v.url {
			own = true
		} else {
			t.Errorf("the page asked for %s", r)
		}
	}
	if !own {
		t.Errorf("the browser reported no request, not even the page's own: the check sees nothing")
	}
	for _, r := range v.resources {
		t.Errorf("the page fetched %s", r)
	}
	for _, p := range v.problems {
		t.Errorf("%s", p)
	}
	for _, d := range v.dialogs {
		t.Errorf("a dialog opened: %s", d)
	}
}

// TestBrowserWatch: the watch the browser tests keep sees what it must
// catch. A page that fetches an image and a script, logs an error and
// opens a dialog is caught at each.
func TestBrowserWatch(t *testing.T) {
	chromium(t)
	dir := t.TempDir()
	file := filepath.Join(dir, "noisy.html")
	specimen.WriteFile(t, file, []byte(`<!DOCTYPE html><html><head><title>noisy</title></head><body>
<img src="http://127.0.0.1:9/pixel.png"><script src="missing.js"></script>
<script>console.error("a console error"); alert("a dialog");</script></body></html>`), 0o644)
	bctx := startBrowser(t)
	v := open(t, bctx, file, func(ctx context.Context, v *visit) {})
	var asked []string
	for _, r := range v.requests {
		if r != v.url {
			asked = append(asked, r)
		}
	}
	if len(asked) < 2 || len(v.resources) < 1 {
		t.Errorf("the watch saw the requests %q and the resources %q, want the image and the script", asked, v.resources)
	}
	console := false
	for _, p := range v.problems {
		console = console || p == "console.error"
	}
	if !console {
		t.Errorf("the watch missed the console error: %q", v.problems)
	}
	if len(v.dialogs) != 1 {
		t.Errorf("the watch saw the dialogs %q, want 1", v.dialogs)
	}
}

// eval evaluates a JavaScript expression in the page.
func eval[T any](t *testing.T, ctx context.Context, js string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js))
	if err != nil {
		t.Fatalf("%s: %v", js, err)
	}
	return v
}

// demoDir is where screenshots go.
func demoDir(t *testing.T) string {
	if d := os.Getenv("SOINSPECT_REPORT_DEMO"); d != "" {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		return d
	}
	return t.TempDir()
}

// soinspectReport runs `soinspect report` and returns the page's path.
func soinspectReport(t *testing.T, dir, name string, args ...string) string {
	t.Helper()
	bin, err := specimen.Build("soinspect")
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, name+".html")
	cmd := exec.Command(bin, append([]string{"report", "-o", out}, args...)...)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("soinspect report %v: %v\n%s", args, err, b)
	}
	return out
}

// TestBrowser opens the report of a Go plugin (loaded both ways), of a Go
// plugin against its host, of a C++ library and of a C executable.
func TestBrowser(t *testing.T) {
	chromium(t)
	specimen.Path(t, "plugin1.so", "kitchensink.so", "pluginhost", "soinspect")
	plugin1, _ := specimen.Build("plugin1.so")
	kitchen, _ := specimen.Build("kitchensink.so")
	host, _ := specimen.Build("pluginhost")
	cexe := needC(t)
	cases := []struct {
		name     string
		args     []string
		sections []string
		text     []string
		filter   string
	}{
		{"plugin1", []string{"--load", plugin1}, []string{"identity", "layout", "bytes", "anatomy", "deps", "code", "process"},
			[]string{"plugin1.so (the object)", "Go: plugin.Open", "raw: dlopen(RTLD_LAZY)", "runtime"}, "runtime."},
		{"kitchensink", []string{"--host", host, kitchen}, []string{"identity", "layout", "bytes", "anatomy", "deps", "code"},
			[]string{"plugin.Open in pluginhost: loads", "already run by the host"}, "reflect."},
		{"libstdcxx", []string{specimen.SysLib(t, "libstdc++.so.6")}, []string{"identity", "layout", "bytes", "deps"},
			[]string{"C++ namespace", "std"}, "basic_string"},
		{"c-executable", []string{cexe}, []string{"identity", "layout", "bytes", "deps"},
			[]string{"C source file", "hello.c"}, "main"},
	}
	dir := demoDir(t)
	pages := make([]string, len(cases))
	var wg sync.WaitGroup
	for i, c := range cases {
		wg.Add(1)
		go func() {
			defer wg.Done()
			pages[i] = soinspectReport(t, dir, c.name, c.args...)
		}()
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	bctx := startBrowser(t)
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			open(t, bctx, pages[i], func(ctx context.Context, v *visit) {
				for _, s := range c.sections {
					if !eval[bool](t, ctx, fmt.Sprintf(`document.querySelector("section#%s h2") !== null`, s)) {
						t.Errorf("no section %q", s)
					}
					if !eval[bool](t, ctx, fmt.Sprintf(`document.querySelector("nav a[href='#%s']") !== null`, s)) {
						t.Errorf("the navigation has no link to %q", s)
					}
				}
				checkDeps(t, ctx)
				if contains(c.sections, "code") {
					checkCode(t, ctx)
				}
				if eval[bool](t, ctx, `document.querySelector("section#anatomy") !== null`) != contains(c.sections, "anatomy") {
					t.Errorf("the anatomy section is there for a file that is not a Go plugin, or missing")
				}
				// Every figure is drawn with a size.
				sizes := eval[[][2]float64](t, ctx, `Array.from(document.querySelectorAll("svg.fig")).map(s => { const r = s.getBoundingClientRect(); return [r.width, r.height]; })`)
				figures := 0 // one a section, but for identity and the code's table
				for _, s := range c.sections {
					if s != "identity" && s != "code" {
						figures++
					}
				}
				if len(sizes) != figures {
					t.Errorf("%d figures, want %d", len(sizes), figures)
				}
				for j, s := range sizes {
					if s[0] < 100 || s[1] < 50 {
						t.Errorf("figure %d is %.0f×%.0f", j, s[0], s[1])
					}
				}
				body := eval[string](t, ctx, `document.body.innerText`)
				for _, want := range c.text {
					if !strings.Contains(body, want) {
						t.Errorf("the page does not say %q", want)
					}
				}
				// The filter works: typing narrows the list.
				n := eval[int](t, ctx, fmt.Sprintf(`(() => { const i = document.getElementById("symfilter"); i.value = %q; i.dispatchEvent(new Event("input")); return document.querySelectorAll("#symrows tr").length; })()`, c.filter))
				all := eval[int](t, ctx, `JSON.parse(document.getElementById("symdata").textContent).s.length`)
				if n == 0 || n > all || n > 200 {
					t.Errorf("filter %q: %d rows of %d symbols", c.filter, n, all)
				}
				// The theme toggle switches.
				theme := eval[string](t, ctx, `(() => { document.getElementById("theme").click(); return document.documentElement.getAttribute("data-theme"); })()`)
				if theme != "dark" && theme != "light" {
					t.Errorf("theme after the toggle: %q", theme)
				}
				// With no choice made, the theme follows the system's.
				eval[string](t, ctx, `(() => { document.documentElement.removeAttribute("data-theme"); return ""; })()`)
				bg := func() string {
					return eval[string](t, ctx, `getComputedStyle(document.documentElement).backgroundColor`)
				}
				for _, scheme := range []struct{ name, bg string }{{"dark", "rgb(17, 20, 24)"}, {"light", "rgb(255, 255, 255)"}} {
					if _, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
						Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme.name}}}); err != nil {
						t.Fatal(err)
					}
					if got := bg(); got != scheme.bg {
						t.Errorf("prefers-color-scheme: %s: background %s, want %s", scheme.name, got, scheme.bg)
					}
				}
				shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(85))
				if err != nil {
					t.Fatal(err)
				}
				specimen.WriteFile(t, filepath.Join(dir, c.name+".jpg"), shot, 0o644)
				if contains(c.sections, "process") {
					readmeShot(t, ctx, filepath.Join(dir, "readme.png"))
				}
				// The print style makes a handout: controls hidden, figures kept.
				if _, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: "print"}); err != nil {
					t.Fatal(err)
				}
				if !eval[bool](t, ctx, `getComputedStyle(document.getElementById("theme")).display === "none" && getComputedStyle(document.getElementById("symfilter")).display === "none"`) {
					t.Errorf("the print style shows the controls")
				}
				pdf, err := chromedp.Run(ctx, chromedp.PrintToPDF())
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.HasPrefix(pdf, []byte("%PDF")) || len(pdf) < 10<<10 {
					t.Errorf("the handout is %d bytes: %.8q", len(pdf), pdf)
				}
				specimen.WriteFile(t, filepath.Join(dir, c.name+".pdf"), pdf, 0o644)
			}).clean(t)
		})
	}
}

// readmeShot saves the README's picture (docs/report.png): the layout to
// scale beside the process map, as the page draws them, in the light
// theme.
func readmeShot(t *testing.T, ctx context.Context, file string) {
	t.Helper()
	eval[bool](t, ctx, `(() => {
		const box = document.createElement("div");
		box.id = "readme-shot";
		box.style.cssText = "display:inline-flex;gap:28px;align-items:flex-start;padding:16px;background:var(--bg)";
		for (const [id, w] of [["layout-svg", 1060], ["process-svg", 920]]) {
			const svg = document.getElementById(id).cloneNode(true);
			svg.removeAttribute("id");
			svg.style.cssText = "flex:none;margin:0;height:auto;width:" + w + "px";
			box.appendChild(svg);
		}
		document.body.prepend(box);
		return true; })()`)
	defer eval[bool](t, ctx, `(() => { document.getElementById("readme-shot").remove(); return true; })()`)
	if _, err := chromedp.Call(ctx, emulation.SetDeviceMetricsOverride, emulation.SetDeviceMetricsOverrideParams{Width: 2040, Height: 1200, DeviceScaleFactor: 1}); err != nil {
		t.Fatal(err)
	}
	defer chromedp.Call(ctx, emulation.ClearDeviceMetricsOverride, cdp.Empty{})
	png, err := chromedp.Run(ctx, chromedp.Screenshot(chromedp.ID("readme-shot")))
	if err != nil {
		t.Fatal(err)
	}
	specimen.WriteFile(t, file, png, 0o644)
}

// checkDeps: the load graph draws every object of its table, each box
// coloured by how ld.so found it and drawn with a size, libc among them.
func checkDeps(t *testing.T, ctx context.Context) {
	t.Helper()
	type box struct {
		Name, Via string
		W, H      float64
	}
	boxes := eval[[]box](t, ctx, `Array.from(document.querySelectorAll("#deps-svg g.dep")).map(g => {
		const r = g.querySelector("rect.dep-box").getBoundingClientRect();
		return {Name: g.querySelector("text.dep-name").textContent, Via: g.classList[1], W: r.width, H: r.height}; })`)
	rows := eval[int](t, ctx, `document.querySelectorAll("#deps table.deps tbody tr").length`)
	if len(boxes) < 2 || len(boxes) != rows {
		t.Fatalf("the load graph draws %d objects, its table lists %d", len(boxes), rows)
	}
	if boxes[0].Via != "main" {
		t.Errorf("the first object is found by %q, want main", boxes[0].Via)
	}
	libc := false
	for _, b := range boxes {
		libc = libc || b.Name == "libc.so.6"
		if b.W < 100 || b.H < 30 {
			t.Errorf("the box of %s is %.0f×%.0f", b.Name, b.W, b.H)
		}
		if b.Via == "" || b.Via == "other" {
			t.Errorf("the box of %s says no way of finding it", b.Name)
		}
	}
	if !libc {
		t.Errorf("the load graph has no libc.so.6: %+v", boxes)
	}
	// Every colour used is explained in the key.
	missing := eval[[]string](t, ctx, `(() => { const key = new Set(Array.from(document.querySelectorAll("#deps .deps-key i")).map(i => i.className));
		return Array.from(document.querySelectorAll("#deps-svg g.dep")).map(g => g.classList[1]).filter(c => !key.has(c)); })()`)
	if len(missing) > 0 {
		t.Errorf("the key does not explain %v", missing)
	}
}

// checkCode: the machine code table shows the stack check, the branch to
// the growth path and the call of runtime.morestack, marked and visible.
func checkCode(t *testing.T, ctx context.Context) {
	t.Helper()
	marked := eval[[]string](t, ctx, `Array.from(document.querySelectorAll("section#code tr.prologue")).map(tr => tr.innerText)`)
	var check, grow bool
	for _, m := range marked {
		check = check || strings.Contains(m, "Go stack check")
		grow = grow || strings.Contains(m, "runtime.morestack")
	}
	if !check || !grow || len(marked) < 3 {
		t.Errorf("the machine code marks %q, want the stack check and the call of runtime.morestack", marked)
	}
	size := eval[[2]float64](t, ctx, `(() => { const r = document.querySelector("section#code table.code").getBoundingClientRect(); return [r.width, r.height]; })()`)
	if size[0] < 300 || size[1] < 200 {
		t.Errorf("the machine code table is %.0f×%.0f", size[0], size[1])
	}
}

func contains(xs []string, x string) bool {
	for _, s := range xs {
		if s == x {
			return true
		}
	}
	return false
}

// hostileNames are the symbol names of the hostile fixture.
var hostileNames = []string{
	`<img src=x onerror=alert(1)>`,
	`</svg><script>window.__pwned=1;alert(2)</script>`,
	`"><svg onload=alert(3)>`,
	"bidi\u202egnp.exe",
	"ctl\x1b[31mred\x07bell\x7f",
	"iso\u2066late\u2069zero\u200bwidth",
}

// hostileShown is how the page shows the names that hold control and
// format characters: each spelled out, never acted on.
var hostileShown = []string{
	"bidi<U+202E>gnp.exe",
	`ctl\x1b[31mred\x07bell\x7f`,
	"iso<U+2066>late<U+2069>zero<U+200B>width",
}

// hostileNeeded is the soname of a library the hostile fixture needs: it
// is drawn, not found, in the load graph.
const hostileNeeded = `"><img src=x onerror=alert(6)>.so`

// hostileSection is the name of a section of the hostile fixture.
const hostileSection = `</text><img src=x onerror=alert(5)>`

// hostileLibrary assembles a shared library whose symbols have hostile
// names (gas takes quoted names), of a few sizes so that they show in the
// treemap, the table and the filter.
func hostileLibrary(t *testing.T) string {
	t.Helper()
	cc := cc()
	if _, err := exec.LookPath(cc); err != nil {
		t.Skipf("no C compiler: %v", err)
	}
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString(".text\n")
	for i, n := range hostileNames {
		q := `"` + strings.ReplaceAll(n, `"`, `\"`) + `"`
		fmt.Fprintf(&b, ".globl %s\n.type %s, @function\n%s:\n", q, q, q)
		for j := 0; j < (i+1)*64; j++ {
			b.WriteString("\tnop\n")
		}
		fmt.Fprintf(&b, "\tret\n.size %s, .-%s\n", q, q)
	}
	// A section with a hostile name, drawn in the layout and its table.
	fmt.Fprintf(&b, ".section %q,\"a\",@progbits\n.byte 1,2,3,4\n", hostileSection)
	b.WriteString(".section .note.GNU-stack,\"\",@progbits\n")
	src := filepath.Join(dir, "hostile.s")
	specimen.WriteFile(t, src, []byte(b.String()), 0o644)
	// A library with a hostile soname, which the fixture needs; it is
	// removed, so that ld.so would not find it.
	dep := filepath.Join(dir, "libdep.so")
	empty := filepath.Join(dir, "empty.s")
	specimen.WriteFile(t, empty, []byte(".section .note.GNU-stack,\"\",@progbits\n"), 0o644)
	so := filepath.Join(dir, "libhostile.so")
	for _, args := range [][]string{
		{"-shared", "-nostdlib", "-Wl,-soname," + hostileNeeded, "-o", dep, empty},
		{"-shared", "-nostdlib", "-o", so, src, "-Wl,--no-as-needed", dep},
	} {
		if out, err := exec.Command(cc, args...).CombinedOutput(); err != nil {
			t.Fatalf("%s %v: %v\n%s", cc, args, err, out)
		}
	}
	os.Remove(dep)
	return so
}

// TestBrowserHostileNames: symbol names that are markup render as text:
// no element is made of them, no script runs, no dialog opens.
func TestBrowserHostileNames(t *testing.T) {
	chromium(t)
	so := hostileLibrary(t)
	specimen.Path(t, "soinspect")
	page := soinspectReport(t, t.TempDir(), "hostile", so)
	raw, err := os.ReadFile(page)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range append(hostileNames[:3:3], hostileSection, hostileNeeded) {
		if strings.Contains(string(raw), n) {
			t.Errorf("the page holds %q raw", n)
		}
	}
	bctx := startBrowser(t)
	open(t, bctx, page, func(ctx context.Context, v *visit) {
		// Let any handler that would run, run.
		time.Sleep(300 * time.Millisecond)
		if n := eval[int](t, ctx, `document.querySelectorAll("img, iframe, object, embed, svg svg").length`); n != 0 {
			t.Errorf("%d elements made of symbol names", n)
		}
		if n := eval[int](t, ctx, `document.scripts.length`); n != 2 {
			t.Errorf("%d script elements, want the page's 2", n)
		}
		if n := eval[int](t, ctx, `document.querySelectorAll("[onerror], [onload]").length`); n != 0 {
			t.Errorf("%d elements with an event handler attribute", n)
		}
		if eval[bool](t, ctx, `window.__pwned === 1`) {
			t.Errorf("a script from a symbol name ran")
		}
		body := eval[string](t, ctx, `document.body.innerText`)
		for _, n := range append(hostileNames[:3:3], hostileSection) {
			if !strings.Contains(body, n) {
				t.Errorf("the page does not show %q as text", n)
			}
		}
		for _, n := range hostileShown {
			if !strings.Contains(body, n) {
				t.Errorf("the page does not show %q", n)
			}
		}
		// No control or format character reached the page's text.
		if bad := eval[[]int](t, ctx, `Array.from(document.body.innerText).map(c => c.codePointAt(0)).filter(c => (c < 0x20 && c !== 10 && c !== 9) || (c >= 0x7f && c < 0xa0) || (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069) || c === 0x200b)`); len(bad) > 0 {
			t.Errorf("the page's text holds the control or format characters %x", bad)
		}
		// The library it needs is drawn, not found, under its name.
		missing := eval[[]string](t, ctx, `Array.from(document.querySelectorAll("#deps-svg g.dep.missing text.dep-name")).map(t => t.textContent)`)
		if len(missing) != 1 || !strings.Contains(hostileNeeded, strings.TrimPrefix(missing[0], "…")) {
			t.Errorf("the load graph shows %q not found, want %q", missing, hostileNeeded)
		}
		if verdict := eval[string](t, ctx, `document.querySelector("#deps .verdict.bad").innerText`); !strings.Contains(verdict, "1 library not found") || !strings.Contains(verdict, hostileNeeded) {
			t.Errorf("the dependencies say %q, want the library not found named", verdict)
		}
		if table := eval[string](t, ctx, `document.querySelector("#deps table.deps").textContent`); !strings.Contains(table, hostileNeeded) {
			t.Errorf("the table of the load graph does not show %q as text", hostileNeeded)
		}
		// The filter builds rows from the names: still text.
		eval[int](t, ctx, `(() => { const i = document.getElementById("symfilter"); i.value = "<"; i.dispatchEvent(new Event("input")); return 0; })()`)
		if n := eval[int](t, ctx, `document.querySelectorAll("#symrows img, #symrows script, #symrows svg").length`); n != 0 {
			t.Errorf("the filter made %d elements of names", n)
		}
		if n := eval[int](t, ctx, `document.querySelectorAll("#symrows tr").length`); n < 3 {
			t.Errorf("the filter found %d of the hostile names", n)
		}
	}).clean(t)
}
