package render_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/soinspect/soinspect/internal/render"
)

func TestVisible(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"main.Run", "main.Run"},
		{"std::vector<int>", "std::vector<int>"},
		{"日本語の名前", "日本語の名前"},
		{"évier", "évier"},
		{"evil\x1b[2J\x1b]0;pwned\x07name", "evil^[[2J^[]0;pwned^Gname"},
		{"nul\x00tab\tdel\x7f", "nul^@tab^Idel^?"},
		{"rtl\u202egnp.exe", `rtl\u202egnp.exe`},
		{"isolate\u2066x\u2069", `isolate\u2066x\u2069`},
		{"csi\u009b31m", `csi\u009b31m`},
		{"zero\u200bwidth", `zero\u200bwidth`},
		{"bad\xffutf8\xc3", `bad\xffutf8\xc3`},
		{"tag\U000e0041", `tag\U000e0041`},
	} {
		if got := render.Visible(tc.in); got != tc.want {
			t.Errorf("Visible(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	if n := testing.AllocsPerRun(100, func() { render.Visible("std::basic_string<char>::append(char const*)") }); n != 0 {
		t.Errorf("Visible allocates %v times on a printable name, want 0", n)
	}
}

// hostile is a table whose cells come from a hostile file.
func hostile() *render.Table {
	return &render.Table{
		Title:  "\nSymbols of lib\x1b[31mred.so",
		Header: []string{"NAME", "SECTION", "NOTE"},
		Kinds:  []render.Kind{render.Name, render.Name, render.Prose},
		Rows: [][]string{
			{"evil\x1b[2J\x1b]0;pwned\x07name", ".text", "clears the screen"},
			{"<img src=x onerror=alert(1)>", ".te|xt", "<script>alert(1)</script> & more"},
			{"operator|=", "`tick`", "a | b, *em* _em_ [link](x)"},
			{"rtl\u202egnp.exe", "bad\xff", "line one\nline two"},
		},
		Footer: "printed: \x1b[2Jdone",
	}
}

// TestTableEscapes renders a hostile table as table and as Markdown: no
// control character, bidi override or raw byte gets through, Markdown gets
// no live HTML and no extra cell, and no empty heading.
func TestTableEscapes(t *testing.T) {
	for _, f := range []render.Format{render.FormatTable, render.FormatMarkdown} {
		var buf bytes.Buffer
		if err := hostile().Write(&buf, render.Options{Format: f, Width: 100}); err != nil {
			t.Fatal(err)
		}
		out := buf.String()
		for _, bad := range []string{"\x1b", "\x07", "\u202e", "\xff"} {
			if strings.Contains(out, bad) {
				t.Errorf("%s output holds %q:\n%s", f, bad, out)
			}
		}
		if !strings.Contains(out, "evil^[[2J^[]0;pwned^Gname") {
			t.Errorf("%s output lacks the visible name:\n%s", f, out)
		}
		if f != render.FormatMarkdown {
			continue
		}
		for _, want := range []string{
			"`<img src=x onerror=alert(1)>`", // a code span: inert
			"`operator\\|=`",                 // | escaped even in code
			"&lt;script&gt;alert(1)&lt;/script&gt; & more",
			"a \\| b, \\*em\\* \\_em\\_ \\[link\\](x)",
			"line one<br>line two",
			"## Symbols of lib^\\[\\[31mred.so",
		} {
			if !strings.Contains(out, want) {
				t.Errorf("markdown lacks %q:\n%s", want, out)
			}
		}
		if strings.HasPrefix(out, "## \n") || strings.Contains(out, "\n## \n") {
			t.Errorf("markdown has an empty heading:\n%s", out)
		}
		// Every row has exactly the table's cells: 4 unescaped pipes.
		for _, line := range strings.Split(out, "\n") {
			if !strings.HasPrefix(line, "|") {
				continue
			}
			if n := strings.Count(line, "|") - strings.Count(line, `\|`); n != 4 {
				t.Errorf("markdown row has %d cell separators, want 4: %s", n, line)
			}
		}
	}
}

// TestPlainEscapesOnTerminal: plain output passes names through byte for
// byte for scripts, and makes them visible on a terminal.
func TestPlainEscapesOnTerminal(t *testing.T) {
	var raw, tty bytes.Buffer
	hostile().Write(&raw, render.Options{Format: render.FormatPlain})
	hostile().Write(&tty, render.Options{Format: render.FormatPlain, Terminal: true})
	if !strings.Contains(raw.String(), "evil\x1b[2J\x1b]0;pwned\x07name") {
		t.Errorf("plain output to a pipe changed the name:\n%q", raw.String())
	}
	if strings.ContainsAny(tty.String(), "\x1b\x07") || !strings.Contains(tty.String(), "evil^[[2J") {
		t.Errorf("plain output to a terminal is not visible:\n%q", tty.String())
	}
}

func TestCodeSpanWithBackticks(t *testing.T) {
	var buf bytes.Buffer
	tb := &render.Table{Header: []string{"NAME"}, Kinds: []render.Kind{render.Name}, Rows: [][]string{{"a`b``c"}}}
	tb.Write(&buf, render.Options{Format: render.FormatMarkdown})
	if !strings.Contains(buf.String(), "``` a`b``c ```") {
		t.Errorf("a name with backticks needs a longer fence:\n%s", buf.String())
	}
}
